/** Communities (社区) of the sub-district. */
const { request } = require('../api/request');

/** GET /communities → {items: [{id, code, name}]}. */
const listCommunities = () => request('/communities');

module.exports = { listCommunities };
