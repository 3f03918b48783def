/** Duty sites (卡口, 核酸采样点, 测温点 ...). */
const { request } = require('../api/request');

/** GET /sites ?community_id&kind → sites. */
const listSites = (filters = {}) => request('/sites', { query: filters });

/**
 * GET /sites/{id}/checkin-code → {token, expires_at, qrcode_url} (organizer): the site's rotating
 * `s<site id>` token that volunteers scan to check in and out. Added after v1 of the contract; the server offers it
 * by analogy with the activity's code.
 */
const getSiteCheckinCode = (id) => request(`/sites/${id}/checkin-code`);

module.exports = { listSites, getSiteCheckinCode };
