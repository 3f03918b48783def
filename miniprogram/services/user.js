/** The caller's account and role grants (docs/api.md "Roles"). */
const { request } = require('../api/request');

/** GET /me → user with roles, volunteer_minutes and organizer_communities. */
const getMe = () => request('/me');

/** PATCH /me {nickname?, real_name?, community_id?} → user. */
const updateMe = (changes) => request('/me', { method: 'PATCH', data: changes });

/** POST /me/community/join {token} → user: the scanned join code confirms (and sets) the community. */
const joinCommunity = (token) => request('/me/community/join', { method: 'POST', data: { token } });

/** DELETE /me → 204: personal data deleted, future sign-ups and bookings cancelled. */
const deleteMe = () => request('/me', { method: 'DELETE' });

/** POST /users/{id}/roles {role, community_id?} → user. */
const grantRole = (userId, role, communityId) =>
  request(`/users/${userId}/roles`, {
    method: 'POST',
    data: communityId ? { role, community_id: communityId } : { role },
  });

/** DELETE /users/{id}/roles/{role} → user. */
const revokeRole = (userId, role) => request(`/users/${userId}/roles/${role}`, { method: 'DELETE' });

module.exports = { getMe, updateMe, joinCommunity, deleteMe, grantRole, revokeRole };
