/**
 * Pages rendered with miniprogram-simulate through a Page() shim: the taps are wired to the flows,
 * and the subscribe dialog opens inside the tap itself.
 */
const { installWx, routes, TEMPLATES } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const FUTURE = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
const activity = (mine) => ({
  id: 3,
  title: '党课：新时代党员学习',
  description: '请带党员证',
  category: 'party_lesson',
  community: { id: 1, code: 'haizhu', name: '海珠社区' },
  venue: '党群服务中心',
  starts_at: `${FUTURE}T09:00:00+08:00`,
  ends_at: `${FUTURE}T11:00:00+08:00`,
  signup_opens_at: null,
  signup_closes_at: null,
  capacity: 30,
  waitlist_enabled: true,
  audience: 'all',
  cancel_cutoff_minutes: 60,
  status: 'published',
  confirmed_count: 12,
  waitlist_count: 0,
  my_registration: mine,
});

let ids;
beforeAll(() => {
  installWx();
  ids = {
    detail: loadPage('pages/activity-detail/index'),
    shifts: loadPage('pages/shifts/index'),
    checkin: loadPage('pages/checkin/index'),
    mine: loadPage('pages/mine/index'),
  };
});

describe('activity detail', () => {
  let wx;
  let registered;
  beforeEach(() => {
    jest.resetModules();
    registered = false;
    wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /activities/3': () => ({
          statusCode: 200,
          data: activity(registered ? { id: 50, status: 'confirmed', companions: 1, waitlist_position: null } : null),
        }),
        'POST /activities/3/registrations': () => {
          registered = true;
          return { statusCode: 201, data: { id: 50, status: 'confirmed', waitlist_position: null } };
        },
        'POST /me/subscriptions': { statusCode: 200, data: {} },
      }),
    );
  });

  test('the sign-up tap opens the dialog at once, then registers and reports', async () => {
    const page = mount(ids.detail);
    page.instance.onLoad({ id: '3' });
    await settle();
    expect(page.dom.innerHTML).toContain('党课：新时代党员学习');
    page.instance.onCompanionsPlus();
    await settle();

    // j-component delivers the tap in a microtask; the handler must open the dialog synchronously.
    const requestsBefore = wx.requests.length;
    page.querySelector('.footer-bar .btn-primary').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requests.length).toBe(requestsBefore);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-ACT', 'T-CHANGE', 'T-CANCEL']);
    await settle();

    const calls = wx.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls.indexOf('POST /activities/3/registrations')).toBeLessThan(calls.indexOf('POST /me/subscriptions'));
    expect(wx.requests.find((r) => r.path === '/activities/3/registrations').data).toEqual({
      companions: 1,
      remark: '',
    });
    expect(wx.requests.find((r) => r.path === '/me/subscriptions').data).toEqual({
      accepted: ['T-ACT', 'T-CHANGE', 'T-CANCEL'],
    });
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '报名成功' }));
    expect(page.data.state.action).toBe('cancel');
    expect(page.dom.innerHTML).toContain('已报名');
  });

  test('onSignUp opens the dialog before it returns (no await in between)', async () => {
    const page = mount(ids.detail);
    page.instance.onLoad({ id: '3' });
    await settle();
    const pending = page.instance.onSignUp();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    await pending;
  });

  test('a refusal is shown in Chinese', async () => {
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /activities/3': { statusCode: 200, data: activity(null) },
        'POST /activities/3/registrations': { statusCode: 403, data: { error: 'not_eligible', message: 'x' } },
        'POST /me/subscriptions': { statusCode: 200, data: {} },
      }),
    );
    const page = mount(ids.detail);
    page.instance.onLoad({ id: '3' });
    await settle();
    page.querySelector('.footer-bar .btn-primary').dispatchEvent('tap');
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(
      expect.objectContaining({ title: '您不符合报名条件（可能仅限党员或本社区居民）' }),
    );
    expect(page.data.submitting).toBe(false);
  });

  test('a network failure while loading shows the network text with a retry', async () => {
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail' } }));
    const page = mount(ids.detail);
    page.instance.onLoad({ id: '3' });
    await settle();
    expect(page.dom.innerHTML).toContain('网络连接失败，请检查网络后重试');
    expect(page.dom.innerHTML).toContain('重试');
  });
});

describe('shifts tab', () => {
  test('the booking tap opens the dialog at once, then books and reports', async () => {
    jest.resetModules();
    const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /communities': { statusCode: 200, data: { items: [{ id: 1, code: 'haizhu', name: '海珠社区' }] } },
        'GET /sites': { statusCode: 200, data: { items: [{ id: 4, name: '北门卡口', kind: 'checkpoint' }] } },
        'GET /shifts': {
          statusCode: 200,
          data: {
            items: [
              {
                id: 8,
                site: { id: 4, name: '北门卡口', kind: 'checkpoint', address: '海珠路 1 号' },
                starts_at: `${FUTURE}T08:00:00+08:00`,
                ends_at: `${FUTURE}T12:00:00+08:00`,
                party_members_only: false,
                status: 'open',
                roles: [{ id: 21, name: '卡口值守', capacity: 2, booked: 1 }],
                my_booking: null,
              },
            ],
            total: 1,
            page: 1,
            page_size: 50,
          },
        },
        'POST /shifts/8/bookings': {
          statusCode: 201,
          data: { id: 60, status: 'booked', role: { id: 21, name: '卡口值守' } },
        },
        'POST /me/subscriptions': { statusCode: 200, data: {} },
      }),
    );
    const page = mount(ids.shifts);
    page.instance.onLoad();
    await settle();
    expect(page.dom.innerHTML).toContain('北门卡口');
    expect(page.dom.innerHTML).toContain('卡口值守');
    expect(page.dom.innerHTML).toContain('已报 1/2，剩余 1');
    expect(wx.requests.find((r) => r.path === '/shifts').query.date).toBe(today);

    const requestsBefore = wx.requests.length;
    page.querySelector('.shift__btn').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requests.length).toBe(requestsBefore);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-SHIFT', 'T-CHANGE', 'T-CANCEL']);
    await settle();
    expect(wx.requests.find((r) => r.path === '/shifts/8/bookings').data).toEqual({ role_id: 21 });
    expect(wx.requests.find((r) => r.path === '/me/subscriptions').data).toEqual({
      accepted: ['T-SHIFT', 'T-CHANGE', 'T-CANCEL'],
    });
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '预约成功' }));
  });
});

describe('check-in page', () => {
  test('opened from a scanned code: reads the scene and checks in to the activity', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /activities/3': { statusCode: 200, data: activity({ id: 50, status: 'confirmed' }) },
        'POST /activities/3/check-in': { statusCode: 200, data: {} },
      }),
    );
    const page = mount(ids.checkin);
    page.instance.onLoad({ scene: encodeURIComponent('a3.4k9x.AbCdEfGhIjKl') });
    await settle();
    expect(wx.requests.find((r) => r.path === '/activities/3/check-in').data).toEqual({
      token: 'a3.4k9x.AbCdEfGhIjKl',
    });
    expect(page.dom.innerHTML).toContain('签到成功');
  });

  test('an unknown code says so', async () => {
    jest.resetModules();
    installWx();
    const page = mount(ids.checkin);
    page.instance.onLoad({ scene: 'hello' });
    await settle();
    expect(page.dom.innerHTML).toContain('无法识别的签到码');
  });
});

describe('mine tab', () => {
  const me = (extra) =>
    Object.assign(
      {
        id: 7,
        nickname: '小王',
        real_name: null,
        phone_masked: null,
        community: null,
        roles: ['resident'],
        volunteer_minutes: 90,
        organizer_communities: [],
      },
      extra,
    );

  test.each([
    ['a resident sees no organizer entry', {}, false],
    [
      'an organizer sees it',
      { roles: ['resident', 'organizer'], organizer_communities: [{ id: 1, code: 'haizhu', name: '海珠社区' }] },
      true,
    ],
    ['an admin sees it', { roles: ['resident', 'admin'] }, true],
  ])('%s', async (label, extra, visible) => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(routes({ 'GET /me': { statusCode: 200, data: me(extra) } }));
    const page = mount(ids.mine);
    page.instance.onShow();
    await settle();
    expect(page.dom.innerHTML.includes('社区工作者工作台')).toBe(visible);
    expect(page.dom.innerHTML).toContain('1小时30分钟');
  });

  test('the getPhoneNumber code is sent to POST /auth/phone', async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /me': { statusCode: 200, data: me({}) },
        'POST /auth/phone': { statusCode: 200, data: me({ phone_masked: '138****5678' }) },
      }),
    );
    const page = mount(ids.mine);
    page.instance.onShow();
    await settle();
    await page.instance.onGetPhoneNumber({ detail: { code: 'phone-code-1' } });
    await settle();
    expect(wx.requests.find((r) => r.path === '/auth/phone').data).toEqual({ code: 'phone-code-1' });
    expect(page.dom.innerHTML).toContain('138****5678');
  });
});
