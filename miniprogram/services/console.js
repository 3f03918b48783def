/**
 * Logging in to the web console (管理后台) by scanning its code (docs/api.md), and
 * the caller's console sessions. The ticket is the scanned code's `scene` (22 URL-safe characters).
 */
const { request } = require('../api/request');

const ticketPath = (ticket) => `/console-logins/${encodeURIComponent(ticket)}`;

/** GET /console-logins/{ticket} → {ticket, status, requested_at, expires_at, ip, user_agent, browser}. */
const getConsoleLogin = (ticket) => request(ticketPath(ticket));

/** POST /console-logins/{ticket}/confirm (organizers and admins) → the login, status confirmed. */
const confirmConsoleLogin = (ticket) => request(`${ticketPath(ticket)}/confirm`, { method: 'POST' });

/** POST /console-logins/{ticket}/reject (anyone logged in) → the login, status rejected. */
const rejectConsoleLogin = (ticket) => request(`${ticketPath(ticket)}/reject`, { method: 'POST' });

/** GET /me/console-sessions → {items: [{id, created_at, last_seen_at, ip, browser}]}. */
const listConsoleSessions = () => request('/me/console-sessions');

/** DELETE /me/console-sessions → 204: every console session of the caller ends (退出电脑端登录). */
const endConsoleSessions = () => request('/me/console-sessions', { method: 'DELETE' });

module.exports = {
  getConsoleLogin,
  confirmConsoleLogin,
  rejectConsoleLogin,
  listConsoleSessions,
  endConsoleSessions,
};
