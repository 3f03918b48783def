/**
 * The one HTTP client of the mini-program: the ONLY caller of wx.request (and of wx.downloadFile).
 *
 * - Success means 200 <= statusCode < 300: wx.request calls `success` for every HTTP status.
 * - A 401 on an authenticated call re-logs in silently once (wx.login → POST /auth/login) and replays
 *   the call; a second 401 is surfaced. The login call itself never triggers a re-login.
 * - Refusals reject with ApiError kind 'http' (the contract's `error` id, Chinese text); no answer at
 *   all (offline, timeout) rejects with kind 'network', so pages can tell the two apart.
 * - Conditional GETs: the last body of each URL that came with an `ETag` (the activity and shift
 *   lists) is kept in memory (at most MAX_KEPT_BODIES URLs); the next GET of that URL sends
 *   `If-None-Match`, and a 304 resolves a copy of the kept body. The ETag is of the answer's exact
 *   bytes, so a 304 means the same answer, whoever asked.
 */
const { getBaseUrl, REQUEST_TIMEOUT_MS } = require('../config/env');
const session = require('./session');
const { fromResponse, networkError, loginError } = require('./api-error');

const DOWNLOAD_TIMEOUT_MS = 60000;

let loginInFlight = null;

const MAX_KEPT_BODIES = 20;
/** url → `{etag, body}`, the most recently used last (see the module's doc). */
const keptBodies = new Map();

function headerValue(header, name) {
  const key = Object.keys(header || {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : header[key];
}

function copyOf(body) {
  return JSON.parse(JSON.stringify(body));
}

/** Keep (or forget) `url`'s answer by the ETag it came with. */
function keepBody(url, res) {
  keptBodies.delete(url);
  const etag = headerValue(res.header, 'etag');
  if (!etag || res.data === null || typeof res.data !== 'object') return;
  keptBodies.set(url, { etag, body: copyOf(res.data) });
  if (keptBodies.size > MAX_KEPT_BODIES) keptBodies.delete(keptBodies.keys().next().value);
}

/**
 * A GET of `url` sent with `If-None-Match` when a body of it is kept: a 304 becomes a 200 with a copy
 * of that body; any other 2xx is kept (or forgotten) for next time.
 */
async function conditionalGet(url, header) {
  const kept = keptBodies.get(url);
  const res = await sendRequest(
    url,
    'GET',
    undefined,
    kept ? Object.assign({ 'If-None-Match': kept.etag }, header) : header,
  );
  if (res.statusCode === 304 && kept) {
    keptBodies.delete(url);
    keptBodies.set(url, kept); // the most recently used last
    return Object.assign({}, res, { statusCode: 200, data: copyOf(kept.body) });
  }
  if (isSuccess(res.statusCode)) keepBody(url, res);
  return res;
}

function isSuccess(statusCode) {
  return statusCode >= 200 && statusCode < 300;
}

/** `?a=1&b=x` from an object; undefined, null and '' values are left out. */
function encodeQuery(query) {
  if (!query) return '';
  const parts = [];
  Object.keys(query).forEach((key) => {
    const value = query[key];
    if (value === undefined || value === null || value === '') return;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  });
  return parts.length ? `?${parts.join('&')}` : '';
}

function buildUrl(path, query) {
  return `${getBaseUrl()}${path}${encodeQuery(query)}`;
}

function authHeader(auth) {
  const header = {};
  const token = auth ? session.getToken() : '';
  if (token) header.Authorization = `Bearer ${token}`;
  return header;
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res && res.code ? resolve(res.code) : reject(loginError(res))),
      fail: (err) => reject(loginError(err)),
    });
  });
}

/**
 * Log in silently: wx.login, then POST /auth/login; stores the token and the user.
 * Concurrent callers share one attempt. Resolves `{token, expires_in, user}`.
 */
function login() {
  if (!loginInFlight) {
    // Required lazily: services/auth calls request() itself.
    const auth = require('../services/auth');
    const done = () => {
      loginInFlight = null;
    };
    loginInFlight = wxLogin()
      .then((code) => auth.login(code))
      .then((result) => {
        session.setToken(result.token);
        session.setUser(result.user);
        return result;
      })
      .then(
        (result) => {
          done();
          return result;
        },
        (err) => {
          done();
          throw err;
        },
      );
  }
  return loginInFlight;
}

/**
 * Run one transport call (a function of the auth header resolving `{statusCode, data}`), with the
 * 401 → re-login → replay rule. Resolves the raw 2xx result; rejects with ApiError.
 */
async function perform(transport, auth, replayed = false) {
  // Calls made while a login is running wait for its token instead of earning a 401 each.
  if (auth && loginInFlight) await loginInFlight.catch(() => null);
  const res = await transport(authHeader(auth));
  if (isSuccess(res.statusCode)) return res;
  if (res.statusCode === 401 && auth && !replayed) {
    await login();
    return perform(transport, auth, true);
  }
  throw fromResponse(res);
}

function sendRequest(url, method, data, header) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header: Object.assign({ 'Content-Type': 'application/json' }, header),
      dataType: 'json',
      timeout: REQUEST_TIMEOUT_MS,
      success: resolve,
      fail: (err) => reject(networkError(err)),
    });
  });
}

/**
 * Call the API. `path` is relative to the base URL (`/activities/3`), `query` an object for the
 * query string, `data` the JSON body. `auth: false` sends no token and never re-logs in.
 * Resolves the response body (null for 204); rejects with ApiError.
 */
async function request(path, { method = 'GET', data, query, auth = true } = {}) {
  const url = buildUrl(path, query);
  const transport =
    method === 'GET' && data === undefined
      ? (header) => conditionalGet(url, header)
      : (header) => sendRequest(url, method, data, header);
  const res = await perform(transport, auth);
  return res.statusCode === 204 ? null : res.data;
}

/** A refused download's body is JSON in the temp file; read it so the error id survives. */
function readErrorBody(tempFilePath) {
  try {
    const text = wx.getFileSystemManager().readFileSync(tempFilePath, 'utf8');
    return JSON.parse(text);
  } catch (err) {
    return null;
  }
}

function sendDownload(url, header) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url,
      header,
      timeout: DOWNLOAD_TIMEOUT_MS,
      success: (res) => {
        const data = isSuccess(res.statusCode) ? null : readErrorBody(res.tempFilePath);
        resolve({ statusCode: res.statusCode, tempFilePath: res.tempFilePath, data });
      },
      fail: (err) => reject(networkError(err)),
    });
  });
}

function originOf(url) {
  const m = /^(https?:\/\/[^/?#]+)/i.exec(url || '');
  return m ? m[1].toLowerCase() : '';
}

/**
 * Download a file of the API; resolves the temp file path. `path` is relative to the base URL, or an
 * absolute URL (e.g. a `qrcode_url`): the token is sent only to the API's own origin, never elsewhere.
 */
async function download(path, { query } = {}) {
  const absolute = /^https?:\/\//i.test(path);
  const url = absolute ? `${path}${encodeQuery(query)}` : buildUrl(path, query);
  const auth = !absolute || originOf(url) === originOf(getBaseUrl());
  const res = await perform((header) => sendDownload(url, header), auth);
  return res.tempFilePath;
}

/** For tests: forget a login in flight. */
function resetForTests() {
  loginInFlight = null;
  keptBodies.clear();
}

module.exports = { request, download, login, buildUrl, encodeQuery, isSuccess, originOf, resetForTests };
