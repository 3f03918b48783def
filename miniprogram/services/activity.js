/** Activities (党群活动) and registrations (docs/api.md "Activities"). */
const { request } = require('../api/request');

/**
 * GET /activities ?community_id&category&from&to&q&page&page_size → page of published activities.
 * Organizers may also pass `status` (draft, cancelled, finished) with their `community_id`.
 */
const listActivities = (filters = {}) => request('/activities', { query: filters });

/** GET /activities/{id} → activity with `my_registration`. */
const getActivity = (id) => request(`/activities/${id}`);

/** POST /activities → 201 draft activity (organizer). */
const createActivity = (fields) => request('/activities', { method: 'POST', data: fields });

/** PATCH /activities/{id} (organizer); lowering capacity under confirmed_count: 409 capacity_below_confirmed. */
const updateActivity = (id, changes) => request(`/activities/${id}`, { method: 'PATCH', data: changes });

/** POST /activities/{id}/publish (organizer). */
const publishActivity = (id) => request(`/activities/${id}/publish`, { method: 'POST' });

/** POST /activities/{id}/cancel {reason} (organizer); every registrant is notified. */
const cancelActivity = (id, reason) => request(`/activities/${id}/cancel`, { method: 'POST', data: { reason } });

/** POST /activities/{id}/registrations {companions?, remark?} → {id, status, waitlist_position}. */
const register = (id, { companions = 0, remark = '' } = {}) =>
  request(`/activities/${id}/registrations`, { method: 'POST', data: { companions, remark } });

/** DELETE /activities/{id}/registrations/me → {status: 'cancelled'}. */
const cancelRegistration = (id) => request(`/activities/${id}/registrations/me`, { method: 'DELETE' });

/** GET /me/registrations ?when=upcoming|past&page&page_size → page of registrations with their activities. */
const listMyRegistrations = ({ when = 'upcoming', page = 1, pageSize = 20 } = {}) =>
  request('/me/registrations', { query: { when, page, page_size: pageSize } });

/** GET /activities/{id}/checkin-code → {token, expires_at, qrcode_url} (organizer). */
const getCheckinCode = (id) => request(`/activities/${id}/checkin-code`);

/** POST /activities/{id}/check-in {token, recorded_at?}: self check-in with the scanned token (offline: its time). */
const checkIn = (id, token, recordedAt) =>
  request(`/activities/${id}/check-in`, {
    method: 'POST',
    data: recordedAt ? { token, recorded_at: recordedAt } : { token },
  });

module.exports = {
  listActivities,
  getActivity,
  createActivity,
  updateActivity,
  publishActivity,
  cancelActivity,
  register,
  cancelRegistration,
  listMyRegistrations,
  getCheckinCode,
  checkIn,
};
