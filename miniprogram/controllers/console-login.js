/**
 * Logging in to the web console (管理后台) from the phone: the console's login page shows a
 * mini-program code whose `scene` is a one-time ticket (22 URL-safe characters, valid 120 s). The
 * scan opens packageOrganizer/pages/console-login, which shows which browser asks and lets the
 * user confirm or reject it. The profile shows the caller's console sessions and ends them all.
 */
const consoleService = require('../services/console');
const { isOrganizer } = require('../utils/user');
const { formatDateTime } = require('../utils/time');
const { isApiError, errorText } = require('../api/api-error');
const { CONSOLE_LOGIN_MESSAGES } = require('../constants/errors');
const { showError, confirm, withLoading } = require('../utils/ui');

const TICKET_RE = /^[A-Za-z0-9_-]{16,64}$/;

/** The ticket of a scanned code's (decoded) scene, or null when it is not one. */
function parseTicket(text) {
  const ticket = String(text || '').trim();
  return TICKET_RE.test(ticket) ? ticket : null;
}

/** A login request as the page shows it. */
function presentConsoleLogin(login) {
  return {
    ticket: login.ticket,
    status: login.status,
    requestedText: formatDateTime(login.requested_at) || '未知',
    ip: login.ip || '未知',
    browser: login.browser || '未知浏览器',
    userAgent: login.user_agent || '',
  };
}

/** Chinese text for a failure on the console login page: some ids say more here than elsewhere. */
function consoleLoginErrorText(err) {
  if (isApiError(err) && Object.prototype.hasOwnProperty.call(CONSOLE_LOGIN_MESSAGES, err.error)) {
    return CONSOLE_LOGIN_MESSAGES[err.error];
  }
  return errorText(err);
}

/**
 * What a failure means for the page: `retry` when trying again may help (no answer, or the server
 * failed), else the request is over (expired, used, already decided, or not the caller's to confirm).
 */
function failureOf(err) {
  const retry = !isApiError(err) || err.isNetworkError || err.statusCode >= 500;
  return { message: consoleLoginErrorText(err), retry };
}

/** Confirm or reject (`action`) the login request; resolves the request as answered. */
function decide(ticket, action) {
  return action === 'confirm' ? consoleService.confirmConsoleLogin(ticket) : consoleService.rejectConsoleLogin(ticket);
}

const RESULT_TEXT = {
  confirmed: '已确认，电脑端即将进入管理后台',
  rejected: '已拒绝该登录请求',
};

/**
 * How many console sessions the user has. Residents have none, and are not asked: only organizers
 * and admins can log in to the console.
 */
async function countConsoleSessions(user) {
  if (!isOrganizer(user)) return 0;
  const body = await consoleService.listConsoleSessions();
  return ((body && body.items) || []).length;
}

/** 退出电脑端登录: ask, then end every console session. Resolves true when they were ended. */
async function endConsoleSessions() {
  const ok = await confirm('电脑上已登录的管理后台将全部退出，再次使用需重新扫码登录。确定退出吗？', {
    title: '退出电脑端登录',
    confirmText: '退出',
  });
  if (!ok) return false;
  try {
    await withLoading('正在退出', () => consoleService.endConsoleSessions());
  } catch (err) {
    showError(err);
    return false;
  }
  // icon 'none': a success icon cuts the title to 7 characters.
  wx.showToast({ title: '已退出电脑端登录', icon: 'none' });
  return true;
}

module.exports = {
  parseTicket,
  presentConsoleLogin,
  consoleLoginErrorText,
  failureOf,
  decide,
  countConsoleSessions,
  endConsoleSessions,
  RESULT_TEXT,
};
