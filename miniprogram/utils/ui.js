/** Small wrappers of wx UI calls shared by the pages. */
const { errorText } = require('../api/api-error');

/** Show an error (ApiError or not) as a toast in Chinese. */
function showError(err) {
  wx.showToast({ title: errorText(err), icon: 'none', duration: 2500 });
}

function showSuccess(title) {
  wx.showToast({ title, icon: 'success' });
}

/** wx.showModal as a promise of true (confirmed) or false. */
function confirm(content, { title = '请确认', confirmText = '确定' } = {}) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText,
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    });
  });
}

/** Run `fn` under a loading mask, hidden before the caller shows any toast. */
async function withLoading(title, fn) {
  wx.showLoading({ title, mask: true });
  try {
    return await fn();
  } finally {
    wx.hideLoading();
  }
}

module.exports = { showError, showSuccess, confirm, withLoading };
