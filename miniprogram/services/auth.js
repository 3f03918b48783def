/** Login, logout and phone binding (docs/api.md "Authentication"). */
const { request } = require('../api/request');

/** POST /auth/login {code} → {token, expires_in, user}. Never re-logs in on its own 401. */
const login = (code) => request('/auth/login', { method: 'POST', data: { code }, auth: false });

/** POST /auth/logout → 204 (revokes the token). */
const logout = () => request('/auth/logout', { method: 'POST' });

/** POST /auth/phone {code} (the getPhoneNumber button's code) → user. */
const bindPhone = (code) => request('/auth/phone', { method: 'POST', data: { code } });

module.exports = { login, logout, bindPhone };
