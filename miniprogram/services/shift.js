/** Volunteer shifts and bookings (docs/api.md "Volunteer shifts"). */
const { request } = require('../api/request');

/**
 * GET /shifts ?site_id&community_id&date&available&near&page&page_size → page of open shifts;
 * `near` ("<lat>,<lng>", GCJ-02) sorts nearest first and adds `distance_m` to each.
 */
const listShifts = (filters = {}) => request('/shifts', { query: filters });

/**
 * POST /shifts/{id}/bookings {role_id, health_declaration?} → 201 {id, status: 'booked', role}; the API
 * calls the post `role_id`. `declaration`: today's answers, for a post asking for them at booking.
 */
const bookShift = (id, postId, declaration) =>
  request(`/shifts/${id}/bookings`, {
    method: 'POST',
    data: declaration ? { role_id: postId, health_declaration: declaration } : { role_id: postId },
  });

/** GET /shifts/{id} → the shift with its site (point included), posts and `my_booking`. */
const getShift = (id) => request(`/shifts/${id}`);

/** DELETE /shifts/{id}/bookings/me. */
const cancelBooking = (id) => request(`/shifts/${id}/bookings/me`, { method: 'DELETE' });

/**
 * `{token?, recorded_at?, location?, health_declaration?}`: the scanned token, the phone's time of a
 * scan made offline, where the phone was ({latitude, longitude, accuracy}, GCJ-02) at a site with
 * coordinates, and the day's health declaration a post may ask for at check-in.
 */
function scanBody(token, recordedAt, location, declaration) {
  const data = token ? { token } : {};
  if (recordedAt) data.recorded_at = recordedAt;
  if (location) {
    data.location = { latitude: location.latitude, longitude: location.longitude, accuracy: location.accuracy };
  }
  if (declaration) data.health_declaration = declaration;
  return data;
}

/**
 * POST /shift-bookings/{id}/check-in {token?, recorded_at?, location?, health_declaration?}: the
 * volunteer sends the scanned site token.
 */
const checkInBooking = (bookingId, token, recordedAt, location, declaration) =>
  request(`/shift-bookings/${bookingId}/check-in`, {
    method: 'POST',
    data: scanBody(token, recordedAt, location, declaration),
  });

/** POST /shift-bookings/{id}/check-in {reason}: an organizer checks a volunteer in by hand (audited). */
const checkInByHand = (bookingId, reason) =>
  request(`/shift-bookings/${bookingId}/check-in`, { method: 'POST', data: { reason } });

/** POST /shift-bookings/{id}/check-out {token?, recorded_at?, location?}: credits the minutes worked. */
const checkOutBooking = (bookingId, token, recordedAt, location) =>
  request(`/shift-bookings/${bookingId}/check-out`, { method: 'POST', data: scanBody(token, recordedAt, location) });

/** POST /shift-bookings/{id}/no-show (organizer). */
const markNoShow = (bookingId) => request(`/shift-bookings/${bookingId}/no-show`, { method: 'POST' });

/** GET /me/shifts ?when=upcoming|past&page&page_size → page of the caller's bookings. */
const listMyShifts = ({ when = 'upcoming', page = 1, pageSize = 20 } = {}) =>
  request('/me/shifts', { query: { when, page, page_size: pageSize } });

/** GET /me/hours → {total_minutes, by_month: [{month, minutes}]}. */
const getMyHours = () => request('/me/hours');

module.exports = {
  listShifts,
  getShift,
  bookShift,
  cancelBooking,
  checkInBooking,
  checkInByHand,
  checkOutBooking,
  markNoShow,
  listMyShifts,
  getMyHours,
};
