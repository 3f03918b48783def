/**
 * Logging in to the web console by scanning its code: reading the ticket from the scene, the page
 * that shows the asking browser with confirm and reject, each refusal's text, and the profile's
 * 退出电脑端登录 for organizers and admins.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const TICKET = 'Ab-c_0123456789xyzXYZ-_';
const LOGIN_PATH = `/console-logins/${TICKET}`;

const login = (status = 'pending') => ({
  ticket: TICKET,
  status,
  requested_at: '2025-03-01T01:30:00Z',
  expires_at: '2025-03-01T01:32:00Z',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
  browser: 'Chrome 126 · Windows',
});

const refusal = (statusCode, error) => ({ statusCode, data: { error, message: 'server text' } });

const NOT_FOUND_TEXT = '二维码已过期或已使用，请在电脑上刷新二维码';
const FORBIDDEN_TEXT = '只有社区工作者或管理员可以登录管理后台';
const DECIDED_TEXT = '该登录请求已处理';
const CONFIRMED_TEXT = '已确认，电脑端即将进入管理后台';
const REJECTED_TEXT = '已拒绝该登录请求';
const WARNING_TEXT = '请确认是你本人在电脑上登录管理后台；如不是，请点击拒绝';

let ids;
beforeAll(() => {
  installWx();
  ids = {
    login: loadPage('packageOrganizer/pages/console-login/index'),
    profile: loadPage('pages/profile/index'),
  };
});

afterEach(() => {
  delete global.getCurrentPages;
});

describe('console login controller', () => {
  const controller = () => require('../controllers/console-login');

  test.each([
    [TICKET, TICKET],
    [` ${TICKET} `, TICKET],
    ['short', null],
    ['a3.4k9x.AbCdEfGhIjKl', null],
    ['x'.repeat(65), null],
    ['', null],
    [null, null],
  ])('parseTicket(%p)', (text, expected) => {
    expect(controller().parseTicket(text)).toBe(expected);
  });

  test('a request shows China time, the IP, the browser label and the full user agent', () => {
    expect(controller().presentConsoleLogin(login())).toEqual({
      ticket: TICKET,
      status: 'pending',
      requestedText: '03月01日 09:30',
      ip: '203.0.113.7',
      browser: 'Chrome 126 · Windows',
      userAgent: login().user_agent,
    });
    const bare = controller().presentConsoleLogin({ ticket: TICKET, status: 'pending' });
    expect(bare).toMatchObject({ requestedText: '未知', ip: '未知', browser: '未知浏览器', userAgent: '' });
  });

  test.each([
    [404, 'console_login_not_found', NOT_FOUND_TEXT, false],
    [403, 'forbidden', FORBIDDEN_TEXT, false],
    [409, 'console_login_decided', DECIDED_TEXT, false],
    [500, 'internal_error', '服务器开小差了，请稍后再试', true],
  ])('a %i %s reads %s', (statusCode, error, text, retry) => {
    const { fromResponse } = require('../api/api-error');
    expect(controller().failureOf(fromResponse(refusal(statusCode, error)))).toEqual({ message: text, retry });
  });

  test('forbidden keeps its general text elsewhere', () => {
    const { ERROR_MESSAGES } = require('../constants/errors');
    expect(ERROR_MESSAGES.forbidden).toBe('没有权限进行此操作');
    expect(ERROR_MESSAGES.console_login_not_found).toBe(NOT_FOUND_TEXT);
    expect(ERROR_MESSAGES.console_login_decided).toBe(DECIDED_TEXT);
  });

  test('a network failure may be retried', () => {
    const { networkError } = require('../api/api-error');
    expect(controller().failureOf(networkError({ errMsg: 'request:fail' }))).toEqual({
      message: '网络连接失败，请检查网络后重试',
      retry: true,
    });
  });
});

describe('console login page', () => {
  function open(handler, query = { scene: encodeURIComponent(TICKET) }) {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(handler);
    const page = mount(ids.login);
    page.instance.onLoad(query);
    return { wx, page };
  }

  const html = (page) => page.dom.innerHTML;
  const posts = (wx) => wx.requests.filter((r) => r.method === 'POST');

  test('the scene is URL-decoded into the ticket, and the asking browser is shown', async () => {
    const { wx, page } = open(routes({ [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() } }), {
      scene: TICKET.replace(/-/g, '%2D').replace(/_/g, '%5F'),
    });
    await settle();
    expect(wx.requests).toHaveLength(1);
    expect(wx.requests[0]).toMatchObject({ method: 'GET', path: LOGIN_PATH });
    expect(wx.requests[0].header.Authorization).toBe('Bearer t');
    ['请求时间', '03月01日 09:30', 'IP 地址', '203.0.113.7', '浏览器', 'Chrome 126 · Windows', WARNING_TEXT].forEach(
      (text) => expect(html(page)).toContain(text),
    );
    expect(page.querySelector('.login__ua').dom.innerHTML).toContain('Chrome/126.0 Safari/537.36');
    expect(html(page)).toContain('确认登录');
    expect(html(page)).toContain('拒绝');
  });

  test('确认登录 posts the confirm, then shows the result and a way back', async () => {
    const { wx, page } = open(
      routes({
        [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() },
        [`POST ${LOGIN_PATH}/confirm`]: { statusCode: 200, data: login('confirmed') },
      }),
    );
    await settle();
    page.querySelector('.login__confirm').dispatchEvent('tap');
    await settle();
    expect(posts(wx)).toEqual([expect.objectContaining({ method: 'POST', path: `${LOGIN_PATH}/confirm` })]);
    expect(posts(wx)[0].data).toBeUndefined();
    expect(page.data.state).toBe('confirmed');
    expect(html(page)).toContain(CONFIRMED_TEXT);
    expect(html(page)).not.toContain('确认登录');
    // Opened by the scan, the page is alone: back goes to 我的.
    page.querySelector('.login__back').dispatchEvent('tap');
    await settle();
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/mine/index' });
    global.getCurrentPages = () => [{}, {}];
    page.instance.onBack();
    expect(wx.navigateBack).toHaveBeenCalled();
  });

  test('拒绝 posts the reject, then shows the result', async () => {
    const { wx, page } = open(
      routes({
        [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() },
        [`POST ${LOGIN_PATH}/reject`]: { statusCode: 200, data: login('rejected') },
      }),
    );
    await settle();
    page.querySelector('.login__reject').dispatchEvent('tap');
    await settle();
    expect(posts(wx)).toEqual([expect.objectContaining({ method: 'POST', path: `${LOGIN_PATH}/reject` })]);
    expect(page.data.state).toBe('rejected');
    expect(html(page)).toContain(REJECTED_TEXT);
    expect(html(page)).not.toContain(WARNING_TEXT);
  });

  test('a double tap sends one confirm', async () => {
    const { wx, page } = open(
      routes({
        [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() },
        [`POST ${LOGIN_PATH}/confirm`]: { statusCode: 200, data: login('confirmed') },
      }),
    );
    await settle();
    await Promise.all([page.instance.onConfirm(), page.instance.onConfirm(), page.instance.onReject()]);
    expect(posts(wx)).toHaveLength(1);
  });

  test('an expired or used code (404 console_login_not_found) says to refresh it', async () => {
    const { page } = open(routes({ [`GET ${LOGIN_PATH}`]: refusal(404, 'console_login_not_found') }));
    await settle();
    expect(page.data.state).toBe('failed');
    expect(html(page)).toContain(NOT_FOUND_TEXT);
    expect(html(page)).not.toContain('确认登录');
    expect(html(page)).toContain('重新扫码');
  });

  test('a request already decided when loaded says so', async () => {
    const { page } = open(routes({ [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login('confirmed') } }));
    await settle();
    expect(html(page)).toContain(DECIDED_TEXT);
    expect(html(page)).not.toContain('确认登录');
  });

  test.each([
    ['console_login_decided', 409, DECIDED_TEXT],
    ['console_login_not_found', 404, NOT_FOUND_TEXT],
  ])('a confirm refused with %s ends the request: %s', async (error, statusCode, text) => {
    const { wx, page } = open(
      routes({
        [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() },
        [`POST ${LOGIN_PATH}/confirm`]: refusal(statusCode, error),
      }),
    );
    await settle();
    await page.instance.onConfirm();
    await settle();
    expect(page.data.state).toBe('failed');
    expect(html(page)).toContain(text);
    expect(html(page)).not.toContain(WARNING_TEXT);
    expect(wx.showToast).not.toHaveBeenCalled();
  });

  test('403 forbidden: only organizers and admins may confirm, and the request can still be rejected', async () => {
    const { wx, page } = open(
      routes({
        [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() },
        [`POST ${LOGIN_PATH}/confirm`]: refusal(403, 'forbidden'),
        [`POST ${LOGIN_PATH}/reject`]: { statusCode: 200, data: login('rejected') },
      }),
    );
    await settle();
    await page.instance.onConfirm();
    await settle();
    expect(page.data.state).toBe('pending');
    expect(html(page)).toContain(FORBIDDEN_TEXT);
    expect(html(page)).not.toContain('没有权限进行此操作');
    expect(page.querySelector('.login__confirm')).toBeUndefined();
    page.querySelector('.login__reject').dispatchEvent('tap');
    await settle();
    expect(posts(wx).map((r) => r.path)).toEqual([`${LOGIN_PATH}/confirm`, `${LOGIN_PATH}/reject`]);
    expect(html(page)).toContain(REJECTED_TEXT);
  });

  test('a network failure while loading shows the network text, and 重试 loads again', async () => {
    let offline = true;
    const { wx, page } = open((req) =>
      offline ? { fail: { errMsg: 'request:fail' } } : { statusCode: 200, data: login() },
    );
    await settle();
    expect(page.data.state).toBe('error');
    expect(html(page)).toContain('网络连接失败，请检查网络后重试');
    expect(html(page)).toContain('重试');
    offline = false;
    page.querySelector('.login__retry').querySelector('.empty-state__retry').dispatchEvent('tap');
    await settle();
    expect(wx.requests.filter((r) => r.path === LOGIN_PATH)).toHaveLength(2);
    expect(html(page)).toContain('Chrome 126 · Windows');
  });

  test('a network failure on confirm is a toast, and the request stays open', async () => {
    const { wx, page } = open((req) =>
      req.method === 'GET' ? { statusCode: 200, data: login() } : { fail: { errMsg: 'request:fail timeout' } },
    );
    await settle();
    await page.instance.onConfirm();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '网络超时，请稍后重试' }));
    expect(page.data.state).toBe('pending');
    expect(page.data.busy).toBe(false);
    expect(html(page)).toContain('确认登录');
  });

  test('opened without a code: asks to scan, and sends nothing', async () => {
    const { wx, page } = open(() => ({ statusCode: 500 }), {});
    await settle();
    expect(wx.requests).toHaveLength(0);
    expect(html(page)).toContain('请用微信扫描电脑上管理后台登录页的二维码');
    expect(html(page)).toContain('扫码登录');
  });

  test('a code that is not a login ticket is refused without a request', async () => {
    const { wx, page } = open(() => ({ statusCode: 500 }), { scene: encodeURIComponent('a3.4k9x.AbCdEfGhIjKl') });
    await settle();
    expect(wx.requests).toHaveLength(0);
    expect(html(page)).toContain('无法识别的登录二维码');
  });

  test('scanning from the page reads the ticket of the code path', async () => {
    const { wx, page } = open(routes({ [`GET ${LOGIN_PATH}`]: { statusCode: 200, data: login() } }), {});
    wx.scanCode = jest.fn((options) =>
      options.success({ path: `packageOrganizer/pages/console-login/index?scene=${encodeURIComponent(TICKET)}` }),
    );
    await page.instance.onScan();
    expect(wx.requests.map((r) => r.path)).toEqual([LOGIN_PATH]);
    expect(html(page)).toContain(WARNING_TEXT);
  });
});

describe('profile: 退出电脑端登录', () => {
  const HAIZHU = { id: 1, code: 'haizhu', name: '海珠社区' };
  const me = (extra) =>
    Object.assign(
      {
        id: 7,
        nickname: '小王',
        real_name: '王小明',
        phone_masked: '138****5678',
        community: null,
        roles: ['resident'],
        volunteer_minutes: 0,
        organizer_communities: [],
      },
      extra,
    );
  const ORGANIZER = { roles: ['resident', 'organizer'], organizer_communities: [HAIZHU] };
  const session = (id) => ({
    id,
    created_at: '2025-03-01T09:00:00+08:00',
    last_seen_at: '2025-03-01T09:30:00+08:00',
    ip: '203.0.113.7',
    browser: 'Chrome 126 · Windows',
  });

  function open(user, sessions, modalAnswer = true) {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.showModal = jest.fn((options) => options.success({ confirm: modalAnswer, cancel: !modalAnswer }));
    let items = sessions;
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [HAIZHU] } },
        'GET /me': { statusCode: 200, data: user },
        'GET /me/console-sessions': () => ({ statusCode: 200, data: { items } }),
        'DELETE /me/console-sessions': () => {
          items = [];
          return { statusCode: 204, data: '' };
        },
      }),
    );
    const page = mount(ids.profile);
    page.instance.onLoad();
    return { wx, page };
  }

  const deletes = (wx) => wx.requests.filter((r) => r.method === 'DELETE');

  test('an organizer sees how many browsers are logged in, and ends them after confirming', async () => {
    const { wx, page } = open(me(ORGANIZER), [session(1), session(2)]);
    await settle();
    expect(page.dom.innerHTML).toContain('电脑端登录');
    expect(page.dom.innerHTML).toContain('已在 2 个浏览器登录管理后台');
    page.querySelector('.profile__console-end').dispatchEvent('tap');
    await settle();
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '退出电脑端登录' }));
    expect(deletes(wx)).toEqual([expect.objectContaining({ path: '/me/console-sessions' })]);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已退出电脑端登录' }));
    expect(page.data.consoleSessions).toBe(0);
    expect(page.dom.innerHTML).not.toContain('退出电脑端登录');
  });

  test('cancelling the modal does nothing', async () => {
    const { wx, page } = open(me(ORGANIZER), [session(1)], false);
    await settle();
    await page.instance.onEndConsoleSessions();
    await settle();
    expect(wx.showModal).toHaveBeenCalled();
    expect(deletes(wx)).toHaveLength(0);
    expect(wx.showToast).not.toHaveBeenCalled();
    expect(page.dom.innerHTML).toContain('已在 1 个浏览器登录管理后台');
  });

  test('a refused end is shown, and the row stays', async () => {
    const { wx, page } = open(me(ORGANIZER), [session(1)]);
    await settle();
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail' } }));
    await page.instance.onEndConsoleSessions();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '网络连接失败，请检查网络后重试' }));
    expect(page.data.consoleSessions).toBe(1);
  });

  test('an admin sees it too', async () => {
    const { page } = open(me({ roles: ['resident', 'admin'] }), [session(1)]);
    await settle();
    expect(page.dom.innerHTML).toContain('退出电脑端登录');
  });

  test('hidden for residents, who are not even asked', async () => {
    const { wx, page } = open(me({}), [session(1)]);
    await settle();
    expect(wx.requests.some((r) => r.path === '/me/console-sessions')).toBe(false);
    expect(page.dom.innerHTML).not.toContain('电脑端登录');
  });

  test('hidden when there are no sessions', async () => {
    const { wx, page } = open(me(ORGANIZER), []);
    await settle();
    expect(wx.requests.some((r) => r.path === '/me/console-sessions')).toBe(true);
    expect(page.dom.innerHTML).not.toContain('电脑端登录');
  });

  test('hidden, without a toast, when the sessions cannot be read', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [HAIZHU] } },
        'GET /me': { statusCode: 200, data: me(ORGANIZER) },
        'GET /me/console-sessions': refusal(500, 'internal_error'),
      }),
    );
    const page = mount(ids.profile);
    page.instance.onLoad();
    await settle();
    expect(page.dom.innerHTML).not.toContain('电脑端登录');
    expect(wx.showToast).not.toHaveBeenCalled();
  });
});
