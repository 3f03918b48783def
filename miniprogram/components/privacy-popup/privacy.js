/**
 * WeChat's privacy authorization (用户隐私保护指引), shared by the app and the privacy popup.
 *
 * - `install()` (app.js, once) registers `wx.onNeedPrivacyAuthorization`. WeChat calls it when a privacy
 *   interface (the getPhoneNumber button, `wx.requirePrivacyAuthorize` ...) is used before the user
 *   agreed; the interface waits until its `resolve` is called.
 * - Every mounted `<privacy-popup>` subscribes; the popup shows, reports its exposure, and answers
 *   every waiting `resolve` with the user's choice. A request made while no popup is mounted waits
 *   for the next one to attach.
 * - `<input type="nickname">` never raises the event itself (an unauthorized one silently degrades to
 *   a text input), so the profile page asks `needsAuthorization()` first and, until the user agrees,
 *   shows a placeholder whose tap calls `requireAuthorization()`, which raises the event.
 * Base libraries before 2.32.3 have none of these APIs and intercept nothing: everything resolves as
 * authorized there.
 */
const AGREE_BUTTON_ID = 'privacy-agree';

const waiting = []; // resolve functions of the privacy interfaces waiting for the user's answer
const popups = new Set(); // mounted popups: { open(referrer), close() }
let installed = false;

function api() {
  return typeof wx === 'undefined' ? {} : wx;
}

function openPopups(referrer) {
  popups.forEach((popup) => popup.open(referrer));
}

/** Register the app's one listener; true when the base library has privacy authorization. */
function install() {
  const wxApi = api();
  if (typeof wxApi.onNeedPrivacyAuthorization !== 'function') return false;
  if (installed) return true;
  installed = true;
  wxApi.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    waiting.push(resolve);
    if (popups.size) openPopups(eventInfo && eventInfo.referrer);
  });
  return true;
}

/** A popup attached: it is told to show when WeChat asks (at once if a request is waiting). */
function subscribe(popup) {
  popups.add(popup);
  if (waiting.length) popup.open('');
  return () => popups.delete(popup);
}

function answer(result) {
  waiting.splice(0).forEach((resolve) => resolve(result));
  popups.forEach((popup) => popup.close());
}

/** The popup is on screen: WeChat is told so before the answer. */
function reportExposure() {
  waiting.forEach((resolve) => resolve({ event: 'exposureAuthorization' }));
}

/** The user tapped the `open-type="agreePrivacyAuthorization"` button with id `buttonId`. */
function agree(buttonId = AGREE_BUTTON_ID) {
  answer({ buttonId, event: 'agree' });
}

/** The user refused: the waiting interfaces fail with `privacy permission is not authorized`. */
function disagree() {
  answer({ event: 'disagree' });
}

/** `{needAuthorization, privacyContractName}` from WeChat; never rejects (old base library: not needed). */
function needsAuthorization() {
  const wxApi = api();
  return new Promise((resolve) => {
    if (typeof wxApi.getPrivacySetting !== 'function') {
      resolve({ needAuthorization: false, privacyContractName: '' });
      return;
    }
    wxApi.getPrivacySetting({
      success: (res) =>
        resolve({ needAuthorization: !!res.needAuthorization, privacyContractName: res.privacyContractName || '' }),
      fail: () => resolve({ needAuthorization: false, privacyContractName: '' }),
    });
  });
}

/** Ask for authorization (shows the popup if WeChat needs it); resolves true once agreed, false if refused. */
function requireAuthorization() {
  const wxApi = api();
  return new Promise((resolve) => {
    if (typeof wxApi.requirePrivacyAuthorize !== 'function') {
      resolve(true);
      return;
    }
    wxApi.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) });
  });
}

/** Open the privacy guide configured in the WeChat console. */
function openContract() {
  const wxApi = api();
  if (typeof wxApi.openPrivacyContract === 'function') wxApi.openPrivacyContract({ fail: () => {} });
}

/** Tests only: forget the listener, the waiting requests and the popups. */
function reset() {
  waiting.splice(0);
  popups.clear();
  installed = false;
}

module.exports = {
  AGREE_BUTTON_ID,
  install,
  subscribe,
  reportExposure,
  agree,
  disagree,
  needsAuthorization,
  requireAuthorization,
  openContract,
  reset,
};
