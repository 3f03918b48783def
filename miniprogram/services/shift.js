/** Volunteer shifts and bookings (docs/api.md "Volunteer shifts"). */
const { request } = require('../api/request');

/**
 * The API calls a shift's posts `roles` (and a booking's post `role_id`): the create functions below take `posts`
 * and send them as `roles`, key order kept; a body without `posts` is sent as it is.
 */
function postsAsRoles(fields) {
  if (!fields || !Object.prototype.hasOwnProperty.call(fields, 'posts')) return fields;
  const data = {};
  Object.keys(fields).forEach((key) => {
    data[key === 'posts' ? 'roles' : key] = fields[key];
  });
  return data;
}

/** GET /shifts ?site_id&community_id&date&available&page&page_size → page of open shifts. */
const listShifts = (filters = {}) => request('/shifts', { query: filters });

/** POST /shifts {site_id, starts_at, ends_at, roles, party_members_only?, notes?} → 201 shift (organizer). */
const createShift = (fields) => request('/shifts', { method: 'POST', data: postsAsRoles(fields) });

/** POST /shifts/batch {site_id, dates, slots, roles, party_members_only?} → 201 {items}: all or none. */
const createShiftsBatch = (fields) => request('/shifts/batch', { method: 'POST', data: postsAsRoles(fields) });

/** POST /shifts/{id}/cancel {reason} (organizer); every booked volunteer is notified. */
const cancelShift = (id, reason) => request(`/shifts/${id}/cancel`, { method: 'POST', data: { reason } });

/** POST /shifts/{id}/bookings {role_id} → 201 {id, status: 'booked', role}; the API calls the post `role_id`. */
const bookShift = (id, postId) => request(`/shifts/${id}/bookings`, { method: 'POST', data: { role_id: postId } });

/** DELETE /shifts/{id}/bookings/me. */
const cancelBooking = (id) => request(`/shifts/${id}/bookings/me`, { method: 'DELETE' });

/** `{token?, recorded_at?}`: the scanned token, and the phone's time of a scan made offline. */
function scanBody(token, recordedAt) {
  const data = token ? { token } : {};
  if (recordedAt) data.recorded_at = recordedAt;
  return data;
}

/** POST /shift-bookings/{id}/check-in {token?, recorded_at?}: the volunteer sends the scanned site token. */
const checkInBooking = (bookingId, token, recordedAt) =>
  request(`/shift-bookings/${bookingId}/check-in`, { method: 'POST', data: scanBody(token, recordedAt) });

/** POST /shift-bookings/{id}/check-out {token?, recorded_at?}: credits the minutes worked. */
const checkOutBooking = (bookingId, token, recordedAt) =>
  request(`/shift-bookings/${bookingId}/check-out`, { method: 'POST', data: scanBody(token, recordedAt) });

/** POST /shift-bookings/{id}/no-show (organizer). */
const markNoShow = (bookingId) => request(`/shift-bookings/${bookingId}/no-show`, { method: 'POST' });

/** GET /me/shifts ?when=upcoming|past&page&page_size → page of the caller's bookings. */
const listMyShifts = ({ when = 'upcoming', page = 1, pageSize = 20 } = {}) =>
  request('/me/shifts', { query: { when, page, page_size: pageSize } });

/** GET /me/hours → {total_minutes, by_month: [{month, minutes}]}. */
const getMyHours = () => request('/me/hours');

module.exports = {
  listShifts,
  createShift,
  createShiftsBatch,
  cancelShift,
  bookShift,
  cancelBooking,
  checkInBooking,
  checkOutBooking,
  markNoShow,
  listMyShifts,
  getMyHours,
};
