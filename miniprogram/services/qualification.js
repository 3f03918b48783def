/** Requirements per post (docs/api.md "Requirements per post"): qualifications and health declarations. */
const { request } = require('../api/request');

/** GET /me/qualifications → {items: [{id, name, note, held, expires_on, expired}]}. */
const listMyQualifications = () => request('/me/qualifications');

/** GET /me/health-declaration → {declaration: {day, well, ...} | null}: today's. */
const getTodaysDeclaration = () => request('/me/health-declaration');

/** POST /me/health-declaration {temperature_normal, has_symptoms, is_risk_person} → today's declaration. */
const declareHealth = (answers) => request('/me/health-declaration', { method: 'POST', data: answers });

/** GET /communities/{id}/members/{userId}/qualifications → {member, items: [{id, name, held, ...}]} (organizers). */
const memberQualifications = (communityId, userId) =>
  request(`/communities/${communityId}/members/${userId}/qualifications`);

/** POST /qualifications/{id}/grants {user_id, expires_on?} → the member's standing (organizers). */
const grantQualification = (qualificationId, userId, expiresOn) =>
  request(`/qualifications/${qualificationId}/grants`, {
    method: 'POST',
    data: { user_id: userId, expires_on: expiresOn || null },
  });

/** DELETE /qualifications/{id}/grants/{userId} → the member's standing (organizers). */
const revokeQualification = (qualificationId, userId) =>
  request(`/qualifications/${qualificationId}/grants/${userId}`, { method: 'DELETE' });

module.exports = {
  listMyQualifications,
  getTodaysDeclaration,
  declareHealth,
  memberQualifications,
  grantQualification,
  revokeQualification,
};
