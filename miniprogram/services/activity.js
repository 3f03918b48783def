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

/**
 * POST /activities/{id}/registrations {companions?, remark?, answers?} → registration: `confirmed` or
 * `waitlisted` (先到先得), `entered` (抽签), `pending` (需审核). `answers` keyed by question id; a wrong one:
 * 422 validation_failed with `errors.answers.<id>`.
 */
const register = (id, { companions = 0, remark = '', answers } = {}) =>
  request(`/activities/${id}/registrations`, {
    method: 'POST',
    data: answers && Object.keys(answers).length ? { companions, remark, answers } : { companions, remark },
  });

/**
 * DELETE /activities/{id}/registrations/me → {status: 'cancelled'}: cancel a place, leave the waitlist,
 * withdraw a lottery entry, withdraw a sign-up awaiting approval, or decline an offer.
 */
const cancelRegistration = (id) => request(`/activities/${id}/registrations/me`, { method: 'DELETE' });

/** POST /activities/{id}/registrations/me/accept → the registration, `confirmed`; 409 offer_expired / no_offer. */
const acceptOffer = (id) => request(`/activities/${id}/registrations/me/accept`, { method: 'POST' });

/** POST /activities/{id}/registrations/me/decline → {status: 'cancelled'}; 409 offer_expired / no_offer. */
const declineOffer = (id) => request(`/activities/${id}/registrations/me/decline`, { method: 'POST' });

/**
 * GET /activities/{id}/draw → the lottery's public record: {state: open|sealed|drawn, draw_at, commitment, salt,
 * seed, sealed_at, drawn_at, method, entries, results, my_entry} (no names: entries are registration ids).
 */
const getDraw = (id) => request(`/activities/${id}/draw`);

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
  acceptOffer,
  declineOffer,
  getDraw,
  listMyRegistrations,
  getCheckinCode,
  checkIn,
};
