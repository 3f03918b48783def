/**
 * "拨打电话" on the organizer's rosters: rosters show masked numbers only, so the full number is revealed
 * for this one person (POST .../phone, written to the server's audit log) and handed to wx.makePhoneCall.
 * Nothing is kept: the number is never stored or shown on the page.
 */
const { confirm, withLoading, showError, showText } = require('../utils/ui');

function makePhoneCall(phoneNumber) {
  return new Promise((resolve) => {
    // A cancelled call is not an error: the person chose not to call.
    wx.makePhoneCall({ phoneNumber, success: () => resolve(true), fail: () => resolve(false) });
  });
}

/**
 * Ask, reveal the number with `reveal` (a services/roster reveal call resolving `{phone}`), then call it.
 * Resolves true when the phone app was opened.
 */
async function callPerson(name, reveal) {
  const ok = await confirm(`查看并拨打「${name}」的手机号？每次查看都会被记录。`, { confirmText: '拨打' });
  if (!ok) return false;
  let phone;
  try {
    phone = ((await withLoading('获取号码', reveal)) || {}).phone;
  } catch (err) {
    showError(err);
    return false;
  }
  if (!phone) {
    showText('对方未绑定手机号');
    return false;
  }
  return makePhoneCall(phone);
}

module.exports = { callPerson };
