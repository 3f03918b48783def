/** The organizer's check-in code: fetch it, load its image, and know when to fetch a fresh one. */
const activityService = require('../services/activity');
const siteService = require('../services/site');
const communityService = require('../services/community');
const { download, originOf } = require('../api/request');
const { getBaseUrl } = require('../config/env');
const { parseIso } = require('../utils/time');

// Fetch a new code this long before the current one expires, and never more often than the minimum.
const REFRESH_MARGIN_MS = 30000;
const MIN_REFRESH_MS = 30000;
const DEFAULT_REFRESH_MS = 240000;
// After a failed refresh, while the shown code is still valid, try again this soon.
const RETRY_MS = 10000;

/** Epoch ms of `expires_at`: an ISO string, or epoch seconds / milliseconds. NaN if unknown. */
function expiryMs(expiresAt) {
  if (typeof expiresAt === 'number') return expiresAt < 1e12 ? expiresAt * 1000 : expiresAt;
  if (typeof expiresAt === 'string' && /^\d+$/.test(expiresAt)) return expiryMs(Number(expiresAt));
  return parseIso(expiresAt);
}

/** Milliseconds until the code should be refreshed. */
function refreshDelay(expiresAt, nowMs = Date.now()) {
  const at = expiryMs(expiresAt);
  if (Number.isNaN(at)) return DEFAULT_REFRESH_MS;
  return Math.max(MIN_REFRESH_MS, at - nowMs - REFRESH_MARGIN_MS);
}

/** The absolute URL of a `qrcode_url` (absolute, or a path on the API's origin). */
function absoluteCodeUrl(qrcodeUrl) {
  if (!qrcodeUrl) return '';
  if (/^(https?:|data:)/i.test(qrcodeUrl)) return qrcodeUrl;
  return `${originOf(getBaseUrl())}${qrcodeUrl.charAt(0) === '/' ? '' : '/'}${qrcodeUrl}`;
}

const FETCH = {
  activity: (id) => activityService.getCheckinCode(id),
  site: (id) => siteService.getSiteCheckinCode(id),
  community: (id) => communityService.getJoinCode(id), // the community's join code
};

/** `{token, expiresAt, imagePath, imageError}` for an activity (`kind` 'activity'), a site ('site') or a
 * community's join code ('community'). */
async function loadCheckinCode(kind, id) {
  const code = await (FETCH[kind] || FETCH.activity)(id);
  const url = absoluteCodeUrl(code.qrcode_url);
  let imagePath = '';
  let imageError = '';
  if (/^data:/i.test(url)) imagePath = url;
  else if (url) {
    try {
      // Downloaded (with the token when it is the API's own URL) because <image> cannot send headers.
      imagePath = await download(url);
    } catch (err) {
      imageError = err.message || '二维码加载失败';
    }
  }
  return { token: code.token, expiresAt: code.expires_at, imagePath, imageError };
}

/** `4:05` for a countdown of milliseconds (rounded up to the second, never negative). */
function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil((Number(ms) || 0) / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** Call a wx API that may be missing (older base libraries, DevTools) as a promise; null when it fails. */
function callWx(name, options = {}) {
  return new Promise((resolve) => {
    if (typeof wx[name] !== 'function') {
      resolve(null);
      return;
    }
    wx[name](Object.assign({}, options, { success: (res) => resolve(res || {}), fail: () => resolve(null) }));
  });
}

/**
 * Full brightness while the code is shown, so that phones scan it in sunlight or a dark car park.
 * Resolves the brightness before (0..1) to give back to `restoreBrightness`, or null when unknown: then
 * nothing is changed, since it could not be put back.
 */
async function brighten() {
  const before = await callWx('getScreenBrightness');
  if (!before || typeof before.value !== 'number') return null;
  await callWx('setScreenBrightness', { value: 1 });
  return before.value;
}

/** Put the brightness `brighten` found back (nothing when it found none). */
function restoreBrightness(value) {
  if (typeof value !== 'number') return Promise.resolve(null);
  return callWx('setScreenBrightness', { value });
}

module.exports = {
  expiryMs,
  refreshDelay,
  absoluteCodeUrl,
  loadCheckinCode,
  formatCountdown,
  brighten,
  restoreBrightness,
  REFRESH_MARGIN_MS,
  MIN_REFRESH_MS,
  RETRY_MS,
};
