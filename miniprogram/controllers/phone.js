/** The getPhoneNumber button of the 我的 tab and the profile page. */
const authService = require('../services/auth');
const session = require('../api/session');
const { showError, showSuccess, withLoading } = require('../utils/ui');

/**
 * Send the button's code (not a wx.login code) to POST /auth/phone, keep the returned user in the
 * session, hand it to `onBound` (the page shows it), then report. A refused authorization, or an
 * error, is shown as a toast. Resolves when done, never rejects.
 */
async function bindPhoneNumber(e, onBound) {
  const code = e.detail && e.detail.code;
  if (!code) {
    wx.showToast({ title: '未授权手机号', icon: 'none' });
    return;
  }
  try {
    const user = await withLoading('绑定中', () => authService.bindPhone(code));
    session.setUser(user);
    onBound(user);
    showSuccess('手机号已绑定');
  } catch (err) {
    showError(err);
  }
}

module.exports = { bindPhoneNumber };
