/** The one error type the request wrapper rejects with: a refusal by the server, or a network failure. */
const { messageFor, ERROR_MESSAGES, GENERIC_MESSAGE } = require('../constants/errors');

class ApiError extends Error {
  /**
   * @param {object} fields
   * @param {'http'|'network'|'login'} fields.kind  http: the server answered with a non-2xx status;
   *   network: no answer (offline, timeout, DNS, TLS); login: wx.login itself failed.
   * @param {number} fields.statusCode  0 unless kind is http
   * @param {string} fields.error  the contract's id (or network_error / network_timeout / wechat_login_failed)
   * @param {string} fields.message  Chinese text to show
   * @param {object} [fields.errors]  per-field messages of a 422
   * @param {string} [fields.serverMessage]  the server's own `message`
   */
  constructor({ kind, statusCode = 0, error, message, errors = null, serverMessage = '' }) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.statusCode = statusCode;
    this.error = error;
    this.errors = errors;
    this.serverMessage = serverMessage;
    // Plain fields, not getters: transpiled subclasses of Error may lose their prototype on old engines.
    this.isNetworkError = kind === 'network';
  }
}

/** True for errors of the wrapper (checked by name: `instanceof` is unreliable for transpiled Error subclasses). */
function isApiError(err) {
  return !!err && err.name === 'ApiError' && typeof err.message === 'string';
}

/** An ApiError from a non-2xx wx.request / wx.downloadFile result. */
function fromResponse(res) {
  const statusCode = res.statusCode;
  const body = res.data && typeof res.data === 'object' ? res.data : {};
  const error = typeof body.error === 'string' && body.error ? body.error : `http_${statusCode}`;
  const serverMessage = typeof body.message === 'string' ? body.message : '';
  return new ApiError({
    kind: 'http',
    statusCode,
    error,
    message: messageFor(error, statusCode, serverMessage),
    errors: body.errors && typeof body.errors === 'object' ? body.errors : null,
    serverMessage,
  });
}

/** An ApiError from a `fail` callback (`errMsg: "request:fail ..."`): no HTTP answer at all. */
function networkError(failure) {
  const errMsg = (failure && failure.errMsg) || '';
  const error = /timeout|timed out/i.test(errMsg) ? 'network_timeout' : 'network_error';
  return new ApiError({ kind: 'network', error, message: ERROR_MESSAGES[error], serverMessage: errMsg });
}

function loginError(failure) {
  return new ApiError({
    kind: 'login',
    error: 'wechat_login_failed',
    message: ERROR_MESSAGES.wechat_login_failed,
    serverMessage: (failure && failure.errMsg) || '',
  });
}

/** Text to show for anything a page caught (ApiError or not). */
function errorText(err) {
  if (isApiError(err)) return err.message;
  return GENERIC_MESSAGE;
}

module.exports = { ApiError, isApiError, fromResponse, networkError, loginError, errorText };
