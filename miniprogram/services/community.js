/** Communities (社区) of the sub-district, and their members (docs/api.md "Community membership"). */
const { request } = require('../api/request');

/** GET /communities → {items: [{id, code, name}]}. */
const listCommunities = () => request('/communities');

/**
 * GET /communities/{id}/members?status=&page=&page_size= (organizers) → page of
 * {id, nickname, real_name, phone_masked, status, claimed_at, confirmed_at}. `status`: claimed | confirmed.
 */
const listMembers = (communityId, { status, page = 1, pageSize = 20 } = {}) =>
  request(`/communities/${communityId}/members`, {
    query: Object.assign(status ? { status } : {}, { page, page_size: pageSize }),
  });

/** POST /communities/{id}/members/{userId}/confirm (organizers) → member. */
const confirmMember = (communityId, userId) =>
  request(`/communities/${communityId}/members/${userId}/confirm`, { method: 'POST' });

/** POST /communities/{id}/members/{userId}/reject (organizers) → member (status null). */
const rejectMember = (communityId, userId) =>
  request(`/communities/${communityId}/members/${userId}/reject`, { method: 'POST' });

/** GET /communities/{id}/join-code (organizers) → {token, expires_at, qrcode_url}. */
const getJoinCode = (communityId) => request(`/communities/${communityId}/join-code`);

module.exports = { listCommunities, listMembers, confirmMember, rejectMember, getJoinCode };
