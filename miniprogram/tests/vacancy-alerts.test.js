/**
 * Vacancy alerts (空岗提醒): the controller's pure functions, the settings page (choose, point rounded on
 * the phone, subscribe from the tap, save the whole opt-in), the shift list opened from an alert's card,
 * and the organizer's duty roster showing whom a shift's alerts reached.
 */
const { installWx, routes, TEMPLATES } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');
const vacancy = require('../controllers/vacancy-alerts');

installPageShim();

const FUTURE = new Date(Date.now() + 86400000 + 8 * 3600000).toISOString().slice(0, 10);
const COMMUNITIES = {
  statusCode: 200,
  data: {
    items: [
      { id: 1, code: 'haizhu', name: '海珠社区' },
      { id: 2, code: 'xinhe', name: '新河社区' },
    ],
  },
};
const SITES = {
  statusCode: 200,
  data: {
    items: [
      { id: 4, name: '北门卡口', kind: 'checkpoint', community: { id: 1, name: '海珠社区' } },
      { id: 5, name: '文化广场核酸采样点', kind: 'testing_site', community: { id: 1, name: '海珠社区' } },
    ],
    total: 2,
    page: 1,
    page_size: 100,
  },
};
const SETTINGS = {
  enabled: true,
  sites: [{ id: 5, name: '文化广场核酸采样点', community_id: 1 }],
  communities: [],
  home_latitude: null,
  home_longitude: null,
  credits: 1,
};

describe('controller', () => {
  test('leads read as hours or minutes', () => {
    expect(vacancy.leadText(1440)).toBe('提前24小时');
    expect(vacancy.leadText(180)).toBe('提前3小时');
    expect(vacancy.leadText(90)).toBe('提前90分钟');
  });

  test('the settings state marks what was chosen; the body sends ids and a rounded point', () => {
    const state = vacancy.settingsState(SETTINGS, COMMUNITIES.data.items, SITES.data.items);
    expect(state.sites.map((s) => s.checked)).toEqual([false, true]);
    expect(state.sites[0].communityName).toBe('海珠社区');
    expect(state.home).toBeNull();
    state.home = { latitude: 22.5430961, longitude: 114.0578649 };
    state.communities = vacancy.toggled(state.communities, 2);
    expect(vacancy.settingsBody(state)).toEqual({
      enabled: true,
      site_ids: [5],
      community_ids: [2],
      home_latitude: 22.543,
      home_longitude: 114.058,
    });
  });

  test('switching on with nothing chosen is refused before sending', () => {
    const state = vacancy.settingsState({ enabled: true }, COMMUNITIES.data.items, SITES.data.items);
    expect(vacancy.settingsProblem(state)).toBe('请至少选择一个社区或站点');
    expect(vacancy.settingsProblem(Object.assign({}, state, { enabled: false }))).toBe('');
  });

  test("a shift's alerts: a summary, the rounds, those who booked first", () => {
    const shown = vacancy.presentShiftAlerts({
      alerted: 2,
      took_place: 1,
      rounds: [{ lead_minutes: 1440, missing: 2, alerted: 2 }],
      items: [
        {
          user: { real_name: '黄伟', phone_masked: '137****8810' },
          post_name: '引导',
          lead_minutes: 1440,
          alerted_at: '2026-12-09T14:00:00+08:00',
          distance_m: null,
          took_place: false,
        },
        {
          user: { real_name: '林秀珍', phone_masked: '139****3021' },
          post_name: '引导',
          lead_minutes: 1440,
          alerted_at: '2026-12-09T14:00:00+08:00',
          distance_m: 420,
          took_place: true,
        },
      ],
    });
    expect(shown.summary).toBe('已提醒 2 人，1 人随后预约');
    expect(shown.rounds[0].text).toBe('提前24小时：缺 2 人，提醒 2 人');
    expect(shown.items.map((i) => [i.name, i.result, i.distance])).toEqual([
      ['林秀珍', '已预约', '0.4公里'],
      ['黄伟', '未预约', ''],
    ]);
    expect(vacancy.presentShiftAlerts({ rounds: [], items: [] }).summary).toBe('尚未发送空岗提醒');
  });

  test("an alert card's query names the shift, its site and day", () => {
    expect(vacancy.alertTarget({ shift_id: '12', site_id: '5', date: '2026-12-10' })).toEqual({
      shiftId: 12,
      siteId: 5,
      date: '2026-12-10',
    });
    expect(vacancy.alertTarget({ shift_id: '12', date: 'soon' })).toEqual({ shiftId: 12, siteId: null, date: '' });
    expect(vacancy.alertTarget({})).toBeNull();
    expect(vacancy.alertTarget(undefined)).toBeNull();
  });
});

let ids;
beforeAll(() => {
  installWx();
  ids = {
    settings: loadPage('pages/vacancy-alerts/index'),
    shifts: loadPage('pages/shifts/index'),
    duty: loadPage('packageOrganizer/pages/duty-roster/index'),
  };
});

describe('settings page', () => {
  let wx;
  beforeEach(() => {
    jest.resetModules();
    wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /communities': COMMUNITIES,
        'GET /sites': SITES,
        'GET /me/vacancy-alerts': { statusCode: 200, data: SETTINGS },
        'PUT /me/vacancy-alerts': (req) => ({
          statusCode: 200,
          data: Object.assign({}, SETTINGS, { enabled: req.data.enabled, credits: 2 }),
        }),
        'POST /me/subscriptions': { statusCode: 200, data: {} },
      }),
    );
    wx.chooseLocation = jest.fn((options) =>
      wx.later(() => options.success({ latitude: 22.5430961, longitude: 114.0578649, name: '家' })),
    );
  });

  test('shows the choices, rounds the chosen point on the phone, and saves the whole opt-in', async () => {
    const page = mount(ids.settings);
    page.instance.onLoad();
    await settle();
    const html = page.dom.innerHTML;
    expect(html).toContain('接收空岗提醒');
    expect(html).toContain('还可接收 1 次提醒');
    expect(html).toContain('海珠社区（全部站点）');
    expect(html).toContain('✓ 已选');
    page.instance.onToggleCommunity({ currentTarget: { dataset: { id: 1 } } });
    page.instance.onChooseHome();
    await settle();
    expect(page.instance.data.home).toEqual({ latitude: 22.543, longitude: 114.058 });
    expect(page.dom.innerHTML).toContain('已设置大致位置');
    await page.instance.onSave();
    await settle();
    const put = wx.requests.find((r) => r.method === 'PUT' && r.path === '/me/vacancy-alerts');
    expect(put.data).toEqual({
      enabled: true,
      site_ids: [5],
      community_ids: [1],
      home_latitude: 22.543,
      home_longitude: 114.058,
    });
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已开启空岗提醒' }));
  });

  test('the subscribe tap asks for the shift_vacancy template at once and reports it', async () => {
    const page = mount(ids.settings);
    page.instance.onLoad();
    await settle();
    page.querySelector('.vacancy__credits .vacancy__btn').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-VACANCY']);
    await settle();
    expect(wx.requests.find((r) => r.path === '/me/subscriptions' && r.method === 'POST').data).toEqual({
      accepted: ['T-VACANCY'],
    });
    expect(page.dom.innerHTML).toContain('还可接收 2 次提醒');
  });

  test('switching on with nothing chosen says so and sends nothing', async () => {
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /communities': COMMUNITIES,
        'GET /sites': SITES,
        'GET /me/vacancy-alerts': { statusCode: 200, data: Object.assign({}, SETTINGS, { enabled: false, sites: [] }) },
      }),
    );
    const page = mount(ids.settings);
    page.instance.onLoad();
    await settle();
    page.instance.onToggleEnabled();
    await page.instance.onSave();
    expect(wx.requests.find((r) => r.method === 'PUT')).toBeUndefined();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请至少选择一个社区或站点' }));
  });
});

describe('shift list opened from an alert', () => {
  test("it opens on the shift's day and site, the shift marked, one tap from booking", async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': TEMPLATES,
        'GET /communities': COMMUNITIES,
        'GET /sites': SITES,
        'GET /shifts': {
          statusCode: 200,
          data: {
            items: [
              {
                id: 8,
                site: { id: 5, name: '文化广场核酸采样点', kind: 'testing_site', address: '文化广场' },
                starts_at: `${FUTURE}T08:00:00+08:00`,
                ends_at: `${FUTURE}T12:00:00+08:00`,
                party_members_only: false,
                status: 'open',
                roles: [{ id: 21, name: '登记', capacity: 2, booked: 1 }],
                my_booking: null,
              },
            ],
            total: 1,
            page: 1,
            page_size: 50,
          },
        },
      }),
    );
    const page = mount(ids.shifts);
    page.instance.onLoad({ shift_id: '8', site_id: '5', date: FUTURE });
    await settle();
    const query = wx.requests.find((r) => r.path === '/shifts').query;
    expect(query.date).toBe(FUTURE);
    expect(String(query.site_id)).toBe('5');
    expect(page.dom.innerHTML).toContain('这个班次还缺人，点“预约”即可补位');
    expect(page.querySelector('.shift--focus .shift__btn')).toBeTruthy();
  });
});

describe('duty roster', () => {
  test("a vacancy row opens whom the shift's alerts reached", async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /rosters/shifts': {
          statusCode: 200,
          data: {
            date: FUTURE,
            community: { id: 1, name: '海珠社区' },
            shifts: [
              {
                id: 8,
                site: { id: 5, name: '文化广场核酸采样点' },
                starts_at: `${FUTURE}T08:00:00+08:00`,
                ends_at: `${FUTURE}T12:00:00+08:00`,
                status: 'open',
                roles: [{ id: 21, name: '登记', capacity: 2, booked: 0, volunteers: [] }],
              },
            ],
          },
        },
        'GET /shifts/8/vacancy-alerts': {
          statusCode: 200,
          data: {
            shift_id: 8,
            alerted: 1,
            took_place: 0,
            rounds: [{ lead_minutes: 180, ran_at: `${FUTURE}T05:00:00+08:00`, missing: 2, alerted: 1 }],
            items: [
              {
                user: { id: 3, real_name: '黄伟', nickname: null, phone_masked: '137****8810' },
                post_name: '登记',
                lead_minutes: 180,
                alerted_at: `${FUTURE}T05:00:00+08:00`,
                distance_m: 1350,
                took_place: false,
                booked_at: null,
              },
            ],
          },
        },
      }),
    );
    const page = mount(ids.duty);
    page.instance.onLoad({ communityId: '1', date: FUTURE });
    await settle();
    expect(page.dom.innerHTML).toContain('空缺 2 人');
    await page.instance.onShowAlerts({ currentTarget: { dataset: { key: 'r8-21', shift: 8 } } });
    await settle();
    const html = page.dom.innerHTML;
    expect(html).toContain('已提醒 1 人，0 人随后预约');
    expect(html).toContain('黄伟');
    expect(html).toContain('137****8810');
    expect(html).toContain('1.4公里');
    await page.instance.onShowAlerts({ currentTarget: { dataset: { key: 'r8-21', shift: 8 } } });
    expect(page.instance.data.alerts).toBeNull();
  });
});
