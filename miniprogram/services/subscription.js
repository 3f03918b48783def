/** Reminder subscriptions (订阅消息, docs/api.md "Reminders"). */
const { request } = require('../api/request');

/** GET /subscriptions/templates → {items: [{key, template_id}]}. */
const listTemplates = () => request('/subscriptions/templates');

/** POST /me/subscriptions {accepted: [template_id...]}: one send allowed per accepted template. */
const reportAccepted = (templateIds) =>
  request('/me/subscriptions', { method: 'POST', data: { accepted: templateIds } });

/** GET /me/subscriptions → {items: [{key, template_id, remaining}]}. */
const listMySubscriptions = () => request('/me/subscriptions');

module.exports = { listTemplates, reportAccepted, listMySubscriptions };
