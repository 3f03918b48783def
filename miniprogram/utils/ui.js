/**
 * Feedback shown by the pages, in one place: toasts and confirmation dialogs.
 *
 * A page that mounts TDesign's `<t-toast id="t-toast" />` and `<t-dialog id="t-dialog" />` gets them (themed
 * with the app's tokens, sized in rem); any other page, or a base library where the page cannot be found, gets
 * WeChat's wx.showToast / wx.showModal with the same text. Callers never need to know which.
 */
const { errorText } = require('../api/api-error');
const Toast = require('tdesign-miniprogram/toast/index').default;
const Dialog = require('tdesign-miniprogram/dialog/index').default;

const TOAST = '#t-toast';
const DIALOG = '#t-dialog';

/** The page on top of the stack and its TDesign component `selector`, or null. */
function mounted(selector) {
  if (typeof getCurrentPages !== 'function') return null;
  const pages = getCurrentPages() || [];
  const page = pages[pages.length - 1];
  if (!page || typeof page.selectComponent !== 'function') return null;
  return page.selectComponent(selector) ? page : null;
}

/** A toast with `message`; theme 'success' | 'error' | '' (text only). */
function toast(message, theme = '', duration = 2000) {
  const page = mounted(TOAST);
  if (page) {
    Toast({ context: page, selector: TOAST, message, theme, duration, direction: 'column' });
    return;
  }
  wx.showToast({ title: message, icon: theme === 'success' ? 'success' : 'none', duration });
}

/** Show an error (ApiError or not) in Chinese. */
function showError(err) {
  toast(errorText(err), 'error', 2500);
}

function showSuccess(title) {
  toast(title, 'success');
}

/** A short notice without an icon (a refused scan, a missing field). */
function showText(title) {
  toast(title, '', 2000);
}

/** Ask before acting: a promise of true (confirmed) or false (cancelled, closed, failed). */
function confirm(content, { title = '请确认', confirmText = '确定', cancelText = '取消' } = {}) {
  const page = mounted(DIALOG);
  if (page) {
    return Dialog.confirm({
      context: page,
      selector: DIALOG,
      title,
      content,
      confirmBtn: confirmText,
      cancelBtn: cancelText,
    }).then(
      () => true,
      () => false,
    );
  }
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText,
      cancelText,
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

module.exports = { showError, showSuccess, showText, confirm, withLoading, toast };
