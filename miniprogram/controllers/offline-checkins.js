/**
 * Uploading the check-ins kept offline (utils/offline-queue): when the network returns
 * (wx.onNetworkStatusChange), when the app is shown, and from the check-in page's 立即上传 button.
 *
 * Each pending entry is sent, oldest first, with its token and `recorded_at` (the server checks the
 * token was valid at that time: docs/api.md, "Offline check-in"). The outcome:
 * - 2xx: uploaded (removed; listed as 已补传). A retried upload the server already has answers 200 too.
 * - no answer (network, timeout, wx.login failed), 5xx, 429 or a 401 the re-login did not cure:
 *   still pending, tried again later; the flush stops there (the network is likely down again).
 * - any other refusal: failed, with the server's reason in Chinese, never sent again.
 *
 * An entry may carry the phone's `location` at the scan (on-site check-in, docs/api.md): it is sent
 * with the upload and checked against the site's radius; an entry without one (no fix underground)
 * is accepted unlocated.
 *
 * A site scanned with no network and no cached list of the day's bookings is kept as kind 'site'
 * (the site's id, action 'scan'); uploading it first finds the booking at that site whose shift the
 * scan time falls in, then checks it in or out as that booking needs.
 */
const queue = require('../utils/offline-queue');
const activityService = require('../services/activity');
const shiftService = require('../services/shift');
const { isApiError, errorText } = require('../api/api-error');
const { bookingAction } = require('../utils/present');
const { parseIso } = require('../utils/time');
const { showText } = require('../utils/ui');

let flushing = null;
const listeners = [];

/** True for an error that means "no network": the scan is kept, not refused. */
function isOfflineError(err) {
  return isApiError(err) && err.kind === 'network';
}

/** True when an upload should be tried again later rather than marked failed. */
function isRetryable(err) {
  if (!isApiError(err)) return true; // not an answer of the server: nothing was refused
  if (err.kind === 'network' || err.kind === 'login') return true;
  return err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 401;
}

/** A refusal the client makes itself, for a site scan whose booking cannot be found. */
function refusal(message) {
  const err = new Error(message);
  err.refusal = true;
  return err;
}

// A shift's check-in opens 60 minutes before its start; check-out closes 120 minutes after its end.
const EARLY_MS = 60 * 60000;
const LATE_MS = 120 * 60000;

async function myBookings() {
  const pages = await Promise.all(
    ['upcoming', 'past'].map((when) => shiftService.listMyShifts({ when, page: 1, pageSize: 100 })),
  );
  return pages.reduce((all, body) => all.concat((body && body.items) || []), []);
}

/** Upload a site scan kept without its booking: find the booking, then check it in or out. */
async function sendSiteScan(entry) {
  const at = parseIso(entry.recorded_at);
  const booking = (await myBookings()).find((b) => {
    const shift = b.shift || {};
    const site = shift.site || {};
    const starts = parseIso(shift.starts_at);
    const ends = parseIso(shift.ends_at);
    return site.id === entry.id && at >= starts - EARLY_MS && at <= ends + LATE_MS && bookingAction(b) !== 'none';
  });
  if (!booking) throw refusal('没有找到您在该值守点扫码时段的预约');
  const action = bookingAction(booking);
  if (action === 'check_in') {
    return shiftService.checkInBooking(
      booking.id,
      entry.token,
      entry.recorded_at,
      entry.location,
      entry.health_declaration,
    );
  }
  if (action === 'check_out')
    return shiftService.checkOutBooking(booking.id, entry.token, entry.recorded_at, entry.location);
  return booking; // already checked in and out
}

/** Send one entry; resolves the server's answer, rejects as the request did. */
function send(entry) {
  if (entry.kind === 'activity') return activityService.checkIn(entry.id, entry.token, entry.recorded_at);
  if (entry.kind === 'site') return sendSiteScan(entry);
  if (entry.action === 'check_out')
    return shiftService.checkOutBooking(entry.id, entry.token, entry.recorded_at, entry.location);
  return shiftService.checkInBooking(
    entry.id,
    entry.token,
    entry.recorded_at,
    entry.location,
    entry.health_declaration,
  );
}

async function flushNow() {
  const result = { uploaded: [], failed: [], remaining: 0 };
  for (const entry of queue.pending()) {
    try {
      await send(entry);
      result.uploaded.push(queue.markUploaded(entry.key));
    } catch (err) {
      if (!err.refusal && isRetryable(err)) {
        queue.noteAttempt(entry.key);
        break;
      }
      result.failed.push(queue.markFailed(entry.key, err.refusal ? err.message : errorText(err)));
    }
  }
  result.remaining = queue.pending().length;
  return result;
}

/**
 * Upload every pending entry once; concurrent callers share one run. Resolves
 * `{uploaded: [entries], failed: [entries], remaining: n}` and tells the listeners (onChange).
 */
function flush() {
  if (!flushing) {
    flushing = (queue.pending().length ? flushNow() : Promise.resolve({ uploaded: [], failed: [], remaining: 0 }))
      .then((result) => {
        flushing = null;
        if (result.uploaded.length || result.failed.length) listeners.slice().forEach((fn) => fn(result));
        return result;
      })
      .catch((err) => {
        flushing = null;
        throw err;
      });
  }
  return flushing;
}

/** Call `fn(result)` after a flush that uploaded or failed something; returns the function that stops it. */
function onChange(fn) {
  listeners.push(fn);
  return () => {
    const index = listeners.indexOf(fn);
    if (index >= 0) listeners.splice(index, 1);
  };
}

/** Flush, and say so in a toast when something was uploaded (the app's own flushes). */
function flushAndTell() {
  return flush()
    .then((result) => {
      if (result.uploaded.length) {
        showText(`离线签到已补传 ${result.uploaded.length} 条`);
      }
      return result;
    })
    .catch(() => null);
}

/** From App.onLaunch: upload when the network comes back. */
function watchNetwork() {
  if (typeof wx.onNetworkStatusChange !== 'function') return;
  wx.onNetworkStatusChange((res) => {
    if (res && res.isConnected) flushAndTell();
  });
}

/** Keep a scan made without a network; resolves the stored entry (see utils/offline-queue add). */
function keep(fields) {
  return queue.add(fields);
}

module.exports = { isOfflineError, isRetryable, keep, flush, flushAndTell, onChange, watchNetwork, send };
