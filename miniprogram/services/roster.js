/**
 * Rosters (名单) for organizers on site: JSON for the screens (phones masked), one person's number revealed
 * to call them. Exports (XLSX) are desk work, downloaded in the web console.
 */
const { request } = require('../api/request');

/**
 * GET /activities/{id}/roster?format=json[&status] → {activity, counts, items}. Without `status`: every
 * registration, in roster order (places, offers, waitlist, pending, entries, then the ended ones); `status`
 * lists that status only.
 */
const getActivityRoster = (id, { status } = {}) =>
  request(`/activities/${id}/roster`, { query: status ? { format: 'json', status } : { format: 'json' } });

/**
 * POST /activities/{id}/roster/{registration_id}/approve → the registration: `confirmed` if its places fit,
 * else `waitlisted`; 409 capacity_full (no waitlist), 409 not_pending (withdrawn or decided meanwhile).
 */
const approveRegistration = (id, registrationId) =>
  request(`/activities/${id}/roster/${registrationId}/approve`, { method: 'POST' });

/** POST /activities/{id}/roster/{registration_id}/reject {reason (1-200)} → the registration, `rejected`. */
const rejectRegistration = (id, registrationId, reason) =>
  request(`/activities/${id}/roster/${registrationId}/reject`, { method: 'POST', data: { reason } });

/** POST /activities/{id}/roster/{registration_id}/check-in: check a registrant in by hand. */
const checkInRegistration = (id, registrationId) =>
  request(`/activities/${id}/roster/${registrationId}/check-in`, { method: 'POST' });

/**
 * POST /activities/{id}/roster/{registration_id}/phone → {phone}: one registrant's full number, to call them
 * (rosters show masked numbers only; the community's organizers only; every reveal is audited).
 */
const revealRegistrationPhone = (id, registrationId) =>
  request(`/activities/${id}/roster/${registrationId}/phone`, { method: 'POST' });

/** POST /shift-bookings/{id}/phone → {phone}: one booked volunteer's full number, to call them (audited). */
const revealBookingPhone = (bookingId) => request(`/shift-bookings/${bookingId}/phone`, { method: 'POST' });

/** GET /rosters/shifts?date&community_id&format=json → the day's duty roster of a community. */
const getDutyRoster = ({ date, communityId }) =>
  request('/rosters/shifts', { query: { date, community_id: communityId, format: 'json' } });

/**
 * POST /activities/{id}/notices {text, include_waitlist, key} → {id, queued, unreachable_count, unreachable}:
 * a short notice to the participants; `key` makes a repeated tap send once.
 */
const sendNotice = (id, { text, includeWaitlist, key }) =>
  request(`/activities/${id}/notices`, { method: 'POST', data: { text, include_waitlist: includeWaitlist, key } });

module.exports = {
  getActivityRoster,
  approveRegistration,
  rejectRegistration,
  sendNotice,
  checkInRegistration,
  revealRegistrationPhone,
  revealBookingPhone,
  getDutyRoster,
};
