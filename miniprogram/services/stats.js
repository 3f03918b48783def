/** Statistics (统计) for organizers and admins: the figures of a period, as the web console shows them. */
const { request } = require('../api/request');

/**
 * GET /stats ?from&to&community_id&group_by → {from, to, community_id, group_by, totals, groups, top_volunteers}.
 * `from` and `to` are China dates `YYYY-MM-DD`, both inclusive. Without `communityId` the server counts every
 * community of the caller (an organizer's own communities; the whole sub-district for an admin).
 */
const getStats = ({ from, to, communityId, groupBy } = {}) =>
  request('/stats', { query: { from, to, community_id: communityId, group_by: groupBy } });

module.exports = { getStats };
