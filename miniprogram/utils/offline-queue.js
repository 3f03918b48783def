/**
 * Check-ins and check-outs scanned without a network, kept in wx storage (they survive closing the
 * app) until they are uploaded. An entry:
 *   {key, kind: 'activity'|'shift', id, action: 'check_in'|'check_out', token, recorded_at,
 *    label, attempts, status: 'pending'|'failed', reason}
 * `kind` 'activity' is an activity's id, 'shift' a booking's id; `recorded_at` is the phone's time of
 * the scan (ISO 8601, China time +08:00), `label` what the page shows ("北门卡口 · 登记").
 * Scanning the same code twice (same kind, id and action) keeps one entry, the first scan's time: the
 * first check-in stands on the server too. Uploaded entries move to a short "已补传" list.
 */
const QUEUE_KEY = 'offline_checkins';
const DONE_KEY = 'offline_checkins_done';
const DONE_KEEP = 5;

const pad = (n) => String(n).padStart(2, '0');

/** `2026-12-01T08:03:12+08:00`: epoch ms as China time with its offset (what the server reads). */
function chinaIso(ms = Date.now()) {
  const t = new Date(ms + 8 * 3600 * 1000);
  return (
    `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}` +
    `T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+08:00`
  );
}

function read(key) {
  const value = wx.getStorageSync(key);
  return Array.isArray(value) ? value : [];
}

function write(key, list) {
  wx.setStorageSync(key, list);
}

const entryKey = (kind, id, action) => `${kind}:${id}:${action}`;

/** Every entry, oldest scan first (the order they are uploaded in). */
function list() {
  return read(QUEUE_KEY);
}

function pending() {
  return list().filter((e) => e.status === 'pending');
}

function find(kind, id, action) {
  const key = entryKey(kind, id, action);
  return list().find((e) => e.key === key) || null;
}

/**
 * Keep a scan for upload; resolves the stored entry. The same kind, id and action again keeps the
 * first entry (a failed one is replaced by the new scan, which may succeed).
 */
function add({
  kind,
  id,
  action,
  token,
  label = '',
  recordedAt = chinaIso(),
  location = null,
  healthDeclaration = null,
}) {
  const key = entryKey(kind, id, action);
  const entries = list();
  const existing = entries.find((e) => e.key === key);
  if (existing && existing.status === 'pending') return existing;
  const entry = {
    key,
    kind,
    id,
    action,
    token,
    recorded_at: recordedAt,
    // Where the phone was at the scan ({latitude, longitude, accuracy}), or null without a fix.
    location: location || null,
    label,
    // The day's health answers a post asks for at check-in, sent with the upload (null: none).
    health_declaration: healthDeclaration,
    attempts: 0,
    status: 'pending',
    reason: '',
  };
  write(QUEUE_KEY, entries.filter((e) => e.key !== key).concat([entry]));
  return entry;
}

function update(key, changes) {
  const entries = list().map((e) => (e.key === key ? Object.assign({}, e, changes) : e));
  write(QUEUE_KEY, entries);
  return entries.find((e) => e.key === key) || null;
}

/** An upload attempt that got no answer: counted, still pending. */
function noteAttempt(key) {
  const entry = list().find((e) => e.key === key);
  return entry ? update(key, { attempts: (entry.attempts || 0) + 1 }) : null;
}

/** The server refused it: kept, with the reason, and never sent again. */
function markFailed(key, reason) {
  const entry = list().find((e) => e.key === key);
  return entry ? update(key, { attempts: (entry.attempts || 0) + 1, status: 'failed', reason }) : null;
}

/** Uploaded: out of the queue, onto the short list of the last ones uploaded. */
function markUploaded(key, uploadedAt = chinaIso()) {
  const entries = list();
  const entry = entries.find((e) => e.key === key);
  if (!entry) return null;
  write(
    QUEUE_KEY,
    entries.filter((e) => e.key !== key),
  );
  const done = Object.assign({}, entry, { status: 'uploaded', uploaded_at: uploadedAt });
  write(DONE_KEY, [done].concat(read(DONE_KEY).filter((e) => e.key !== key)).slice(0, DONE_KEEP));
  return done;
}

/** Forget an entry (the user dismisses a failed one). */
function remove(key) {
  write(
    QUEUE_KEY,
    list().filter((e) => e.key !== key),
  );
}

/** The last uploaded entries, newest first. */
function uploaded() {
  return read(DONE_KEY);
}

module.exports = {
  QUEUE_KEY,
  DONE_KEY,
  chinaIso,
  entryKey,
  list,
  pending,
  find,
  add,
  noteAttempt,
  markFailed,
  markUploaded,
  remove,
  uploaded,
};
