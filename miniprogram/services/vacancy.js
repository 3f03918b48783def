/** Vacancy alerts (空岗提醒, docs/api.md "Vacancy alerts"). */
const { request } = require('../api/request');

/**
 * GET /me/vacancy-alerts → {enabled, sites: [{id, name, community_id}], communities: [{id, name}],
 * home_latitude, home_longitude, credits}.
 */
const getMyVacancyAlerts = () => request('/me/vacancy-alerts');

/**
 * PUT /me/vacancy-alerts {enabled, site_ids, community_ids, home_latitude, home_longitude}: the whole
 * opt-in (every field replaces what was set) → the same shape as GET.
 */
const updateMyVacancyAlerts = (body) => request('/me/vacancy-alerts', { method: 'PUT', data: body });

/**
 * GET /shifts/{id}/vacancy-alerts (organizer) → {shift_id, alerted, took_place, rounds: [{lead_minutes,
 * ran_at, missing, alerted}], items: [{user, post_name, lead_minutes, alerted_at, distance_m, took_place,
 * booked_at}]}.
 */
const getShiftVacancyAlerts = (shiftId) => request(`/shifts/${shiftId}/vacancy-alerts`);

module.exports = { getMyVacancyAlerts, updateMyVacancyAlerts, getShiftVacancyAlerts };
