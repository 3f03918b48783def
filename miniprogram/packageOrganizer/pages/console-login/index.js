/**
 * 登录管理后台: opened by scanning the mini-program code on the web console's login page (`scene` =
 * the login ticket, URL-encoded by WeChat). Shows which browser asks (time, IP, browser) and lets
 * the user confirm (organizers and admins only) or reject it; the polling browser then gets in, or
 * is told no.
 */
const checkin = require('../../../controllers/checkin');
const consoleLogin = require('../../../controllers/console-login');
const consoleService = require('../../../services/console');
const { ERROR_MESSAGES } = require('../../../constants/errors');
const { showError, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');

Page({
  data: {
    // idle (no code) | loading | error (may retry) | pending | confirmed | rejected | failed (over)
    state: 'idle',
    ticket: '',
    view: null,
    message: '',
    canConfirm: true,
    notice: '',
    busy: false,
  },

  onShow() {
    display.apply(this);
  },

  onLoad(query) {
    display.apply(this);
    this.start(checkin.tokenFromQuery(query));
  },

  start(text) {
    const ticket = consoleLogin.parseTicket(text);
    if (!ticket) {
      this.setData({
        state: text ? 'failed' : 'idle',
        message: text ? '无法识别的登录二维码，请在电脑上刷新二维码' : '',
      });
      return Promise.resolve();
    }
    this.setData({ ticket, view: null, canConfirm: true, notice: '' });
    return this.load();
  },

  async load() {
    this.setData({ state: 'loading', message: '' });
    try {
      const login = await consoleService.getConsoleLogin(this.data.ticket);
      if (login.status !== 'pending') {
        this.setData({ state: 'failed', message: ERROR_MESSAGES.console_login_decided });
        return;
      }
      this.setData({ state: 'pending', view: consoleLogin.presentConsoleLogin(login) });
    } catch (err) {
      const failure = consoleLogin.failureOf(err);
      this.setData({ state: failure.retry ? 'error' : 'failed', message: failure.message });
    }
  },

  async decide(action) {
    if (this.data.busy || this.data.state !== 'pending') return;
    this.setData({ busy: true, notice: '' });
    try {
      const login = await withLoading('提交中', () => consoleLogin.decide(this.data.ticket, action));
      const answered = login && consoleLogin.RESULT_TEXT[login.status] ? login.status : '';
      const state = answered || (action === 'confirm' ? 'confirmed' : 'rejected');
      this.setData({ state, message: consoleLogin.RESULT_TEXT[state] });
    } catch (err) {
      const failure = consoleLogin.failureOf(err);
      if (failure.retry) showError(err);
      else if (err.error === 'forbidden') {
        // Not an organizer: the request stays open, and the user may still reject it.
        this.setData({ canConfirm: false, notice: failure.message });
      } else this.setData({ state: 'failed', message: failure.message });
    } finally {
      this.setData({ busy: false });
    }
  },

  onConfirm() {
    return this.decide('confirm');
  },

  onReject() {
    return this.decide('reject');
  },

  async onScan() {
    const text = await checkin.scanToken();
    if (text !== null) await this.start(text); // null: cancelled
  },

  onBack() {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : [];
    if (pages.length > 1) wx.navigateBack();
    else wx.switchTab({ url: '/pages/mine/index' });
  },
});
