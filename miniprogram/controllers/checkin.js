/**
 * Check-in by scanning. The organizer's code carries a token in its `scene`:
 * `a<activity id>.<window>.<mac>` for an activity, `s<site id>.<window>.<mac>` for a duty site.
 *
 * The caller's bookings are kept in storage (BOOKINGS_CACHE_KEY) whenever they are read, and
 * refreshed when the app is shown: at a checkpoint without a network the page finds the day's
 * bookings there, and the scan is kept for upload (controllers/offline-checkins).
 */
const activityService = require('../services/activity');
const shiftService = require('../services/shift');
const { dateOf, todayString, parseIso } = require('../utils/time');
const { bookingAction } = require('../utils/present');
const { hasPoint } = require('./location');

const BOOKINGS_CACHE_KEY = 'checkin_my_bookings';
// The app refreshes the cached bookings when shown, at most this often.
const CACHE_REFRESH_MS = 30 * 60000;

const TOKEN_RE = /^([as])(\d+)\.([0-9a-z]+)\.([A-Za-z0-9_-]+)$/;
const KINDS = { a: 'activity', s: 'site' };

/** `{kind: 'activity'|'site', id, token}` of a token, or null when it is not one of ours. */
function parseCheckinToken(token) {
  const m = TOKEN_RE.exec(String(token || '').trim());
  if (!m) return null;
  return { kind: KINDS[m[1]], id: Number(m[2]), token: m[0] };
}

function safeDecode(value) {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    return value;
  }
}

/** The token of the page query when the code was scanned with WeChat (`query.scene`, URL-encoded). */
function tokenFromQuery(query) {
  if (!query) return '';
  if (query.scene) return safeDecode(query.scene);
  if (query.token) return safeDecode(query.token);
  return '';
}

function sceneParam(text) {
  const m = /[?&]scene=([^&#]*)/.exec(text || '');
  return m ? safeDecode(safeDecode(m[1])) : '';
}

/**
 * The token of a wx.scanCode result: `res.path` (`pages/checkin/index?scene=...`) for a code of
 * this mini-program, else a bare token or a link with `scene=` in `res.result`.
 */
function tokenFromScan(res) {
  if (!res) return '';
  const fromPath = sceneParam(res.path);
  if (fromPath) return fromPath;
  const result = String(res.result || '').trim();
  if (parseCheckinToken(result)) return result;
  return sceneParam(result);
}

/** wx.scanCode as a promise; resolves the scan result, rejects on cancel or failure. */
function scan() {
  return new Promise((resolve, reject) => {
    wx.scanCode({ onlyFromCamera: false, scanType: ['wxCode', 'qrCode'], success: resolve, fail: reject });
  });
}

/** Scan a code: resolves its token ('' when none can be read), or null when the scan was cancelled or failed. */
async function scanToken() {
  try {
    return tokenFromScan(await scan());
  } catch (err) {
    return null;
  }
}

/**
 * 扫码签到 from a page (the shift list, a shift's page): scan, then open the check-in page with the
 * token; a code that is not a check-in code is refused with a short notice. Resolves when done.
 */
async function scanAndOpenCheckin(showText) {
  const token = await scanToken();
  if (token === null) return; // cancelled
  if (!parseCheckinToken(token)) {
    showText('无法识别的签到码');
    return;
  }
  wx.navigateTo({ url: `/pages/checkin/index?token=${encodeURIComponent(token)}` });
}

/** POST /activities/{id}/check-in with a parsed activity token. */
function checkInToActivity(parsed) {
  return activityService.checkIn(parsed.id, parsed.token);
}

async function listAllMyShifts(when) {
  const body = await shiftService.listMyShifts({ when, page: 1, pageSize: 100 });
  return (body && body.items) || [];
}

/** Upcoming and past bookings of the caller, read now and kept in storage for offline use. */
async function readMyBookings(nowMs = Date.now()) {
  const lists = await Promise.all([listAllMyShifts('upcoming'), listAllMyShifts('past')]);
  const items = lists[0].concat(lists[1]);
  wx.setStorageSync(BOOKINGS_CACHE_KEY, { saved_at: nowMs, items });
  return items;
}

/** Refresh the cached bookings if they are older than CACHE_REFRESH_MS (App.onShow); never rejects. */
function refreshBookingsCache(nowMs = Date.now()) {
  const cached = wx.getStorageSync(BOOKINGS_CACHE_KEY);
  if (cached && nowMs - cached.saved_at < CACHE_REFRESH_MS) return Promise.resolve(false);
  return readMyBookings(nowMs).then(
    () => true,
    () => false,
  );
}

function bookingsAtSiteOn(items, siteId, nowMs) {
  const today = todayString(nowMs);
  const seen = {};
  return items
    .filter((b) => {
      const shift = b.shift || {};
      const site = shift.site || {};
      if (seen[b.id] || site.id !== siteId || dateOf(shift.starts_at) !== today) return false;
      seen[b.id] = true;
      return bookingAction(b) !== 'none';
    })
    .sort((x, y) => parseIso(x.shift.starts_at) - parseIso(y.shift.starts_at));
}

/**
 * The caller's bookings at a site today (not cancelled), soonest first. Upcoming and past are both
 * read: a shift that has ended may still need its check-out.
 */
async function todaysBookingsAtSite(siteId, nowMs = Date.now()) {
  return bookingsAtSiteOn(await readMyBookings(nowMs), siteId, nowMs);
}

/** The same from the bookings kept in storage (no network), or null when none were ever kept. */
function cachedBookingsAtSite(siteId, nowMs = Date.now()) {
  const cached = wx.getStorageSync(BOOKINGS_CACHE_KEY);
  if (!cached || !Array.isArray(cached.items)) return null;
  return bookingsAtSiteOn(cached.items, siteId, nowMs);
}

/** True when the booking's site has a point: its check-in and check-out send the phone's location. */
function needsLocation(booking) {
  return hasPoint(((booking && booking.shift) || {}).site);
}

/**
 * Check a booking in or out with the site's token, as `bookingAction` says; `location`
 * ({latitude, longitude, accuracy}) where the site has a point (see `needsLocation`), and
 * `declaration`: the day's health answers a post may ask for at check-in.
 */
function checkInOrOut(booking, token, location, declaration) {
  const action = bookingAction(booking);
  if (action === 'check_in') return shiftService.checkInBooking(booking.id, token, undefined, location, declaration);
  if (action === 'check_out') return shiftService.checkOutBooking(booking.id, token, undefined, location);
  return Promise.resolve(null);
}

// Refusals about where the phone is: the page keeps them on screen (with how to fix), not in a toast.
const LOCATION_ERRORS = ['location_required', 'too_far_from_site', 'location_inaccurate'];

function isLocationRefusal(err) {
  return !!err && LOCATION_ERRORS.indexOf(err.error) >= 0;
}

module.exports = {
  parseCheckinToken,
  tokenFromQuery,
  tokenFromScan,
  scan,
  scanToken,
  scanAndOpenCheckin,
  checkInToActivity,
  todaysBookingsAtSite,
  cachedBookingsAtSite,
  refreshBookingsCache,
  BOOKINGS_CACHE_KEY,
  checkInOrOut,
  needsLocation,
  isLocationRefusal,
};
