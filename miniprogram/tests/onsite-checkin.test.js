/**
 * On-site check-in in the mini-program (docs/api.md, "On-site check-in"): the location controller,
 * the check-in page sending the phone's GCJ-02 position where the site has a point and explaining a
 * refusal (too far, permission denied with 去设置, no fix offline), 离我最近 on the shift list, and the
 * shift page with its map and 导航到这里.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const SITE_TOKEN = 's4.4k9x.AbCdEfGhIjKl';
const HERE = { latitude: 22.54372, longitude: 114.05795, accuracy: 15 };
const DENIED = () => ({ fail: { errMsg: 'getLocation:fail auth deny' } });

function chinaToday(hour) {
  const day = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, '0')}:00:00+08:00`;
}

const SITE = {
  id: 4,
  name: '北门卡口',
  kind: 'checkpoint',
  address: '海珠路 1 号',
  latitude: 22.54368,
  longitude: 114.05792,
  checkin_radius_m: 200,
};

const booking = (siteFields = {}, extra = {}) =>
  Object.assign(
    {
      id: 21,
      shift_id: 9,
      status: 'booked',
      role: { id: 2, name: '登记' },
      checked_in_at: null,
      checked_out_at: null,
      minutes_credited: 0,
      shift: { id: 9, starts_at: chinaToday(0), ends_at: chinaToday(23), site: Object.assign({}, SITE, siteFields) },
    },
    extra,
  );

const myShifts = (items) => (req) => ({
  statusCode: 200,
  data: { items: req.query.when === 'upcoming' ? items : [], total: items.length, page: 1, page_size: 100 },
});
const sent = (wx, path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

beforeEach(() => jest.resetModules());

describe('the location controller', () => {
  test('reads a high-accuracy GCJ-02 fix and names what went wrong', async () => {
    const wx = installWx({ storage: {} });
    const location = require('../controllers/location');
    await expect(location.locate()).resolves.toEqual(HERE);
    expect(wx.getLocation).toHaveBeenCalledWith(expect.objectContaining({ type: 'gcj02', isHighAccuracy: true }));
    installWx({ locationAnswer: DENIED });
    const err = await location.locate().catch((e) => e);
    expect(location.isLocationError(err)).toBe(true);
    expect(err.kind).toBe('denied');
    expect(location.locationErrorText(err)).toContain('设置');
    expect(location.failureKind({ errMsg: 'getLocation:fail system permission denied' })).toBe('denied');
    expect(location.failureKind({ errMsg: 'getLocation:fail:ERROR_NOCELL&WIFI_LOCATIONSWITCHOFF' })).toBe('off');
    expect(location.failureKind({ errMsg: 'getLocation:fail timeout' })).toBe('off');
  });

  test('says distances plainly and sends `near` rounded to about a metre', () => {
    installWx();
    const location = require('../controllers/location');
    expect(location.distanceText(35)).toBe('35 米');
    expect(location.distanceText(1234)).toBe('1.2 公里');
    expect(location.distanceText(25000)).toBe('25 公里');
    expect(location.distanceText(null)).toBe('');
    expect(location.nearParam({ latitude: 22.543721234, longitude: 114.057951 })).toBe('22.54372,114.05795');
    expect(location.hasPoint({ latitude: 0, longitude: 0 })).toBe(true);
    expect(location.hasPoint({ latitude: null, longitude: null })).toBe(false);
  });
});

describe('the check-in page at a site with a point', () => {
  async function openAt(wx, items) {
    wx.setHandler(
      routes({
        'GET /me/shifts': myShifts(items),
        'POST /shift-bookings/21/check-in': { statusCode: 200, data: booking({}, { checked_in_at: 'x' }) },
      }),
    );
    const page = mount(loadPage('pages/checkin/index'));
    await page.instance.onLoad({ scene: encodeURIComponent(SITE_TOKEN) });
    await settle();
    return page;
  }

  test('签到 sends the token and where the phone is, and tells the volunteer beforehand', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await openAt(wx, [booking()]);
    expect(page.dom.innerHTML).toContain('签到、签退需在值守点 200 米范围内');
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(sent(wx, '/shift-bookings/21/check-in').map((r) => r.data)).toEqual([{ token: SITE_TOKEN, location: HERE }]);
  });

  test('a site without a point sends no location and asks for none', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await openAt(wx, [booking({ latitude: null, longitude: null })]);
    expect(page.dom.innerHTML).not.toContain('米范围内');
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(wx.getLocation).not.toHaveBeenCalled();
    expect(sent(wx, '/shift-bookings/21/check-in').map((r) => r.data)).toEqual([{ token: SITE_TOKEN }]);
  });

  test('too far: the server says how far and the radius, and the page keeps it on screen', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await openAt(wx, [booking()]);
    const message = '您距离值守点约 1,234 米，须在 200 米以内才能签到或签退';
    wx.setHandler(
      routes({
        'GET /me/shifts': myShifts([booking()]),
        'POST /shift-bookings/21/check-in': {
          statusCode: 409,
          data: { error: 'too_far_from_site', message },
        },
      }),
    );
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(page.data.locationProblem).toEqual({ text: message, denied: false });
    expect(page.dom.innerHTML).toContain('1,234 米');
    expect(page.dom.innerHTML).not.toContain('去设置');
  });

  test('permission denied: nothing is sent, the page says how to allow it and opens the settings', async () => {
    const wx = installWx({ storage: { auth_token: 't' }, locationAnswer: DENIED });
    const page = await openAt(wx, [booking()]);
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(sent(wx, '/shift-bookings/21/check-in')).toHaveLength(0);
    expect(page.data.locationProblem.denied).toBe(true);
    expect(page.dom.innerHTML).toContain('位置信息');
    expect(page.dom.innerHTML).toContain('去设置');
    await page.instance.onOpenSettings();
    await settle();
    expect(wx.openSetting).toHaveBeenCalled();
    expect(page.data.locationProblem).toBe(null);
  });

  test('offline: the scan is kept with the position of that moment', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await openAt(wx, [booking()]);
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail' } }));
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(wx.store.offline_checkins).toEqual([
      expect.objectContaining({ kind: 'shift', id: 21, action: 'check_in', location: HERE }),
    ]);
  });

  test('offline without a fix: the scan is kept unlocated (the server accepts it so)', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await openAt(wx, [booking()]);
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail' } }));
    page.instance.setData({ offline: true });
    wx.getLocation.mockImplementation((options) =>
      wx.later(() => options.fail({ errMsg: 'getLocation:fail timeout' })),
    );
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(wx.store.offline_checkins).toEqual([expect.objectContaining({ id: 21, location: null })]);
  });
});

describe('the shift list, nearest first', () => {
  const shift = (id, siteId, distance) => ({
    id,
    site: Object.assign({}, SITE, { id: siteId, name: `站点${siteId}` }),
    starts_at: chinaToday(20),
    ends_at: chinaToday(23),
    status: 'open',
    notes: '',
    party_members_only: false,
    cancel_reason: null,
    roles: [{ id: 100 + id, name: '登记', booked: 0, capacity: 2 }],
    my_booking: null,
    distance_m: distance,
  });

  function handler(wx) {
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 100 } },
        'GET /sites': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 100 } },
        'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } },
        'GET /shifts': (req) => ({
          statusCode: 200,
          data: {
            items: req.query.near ? [shift(2, 5, 180), shift(1, 4, 2400)] : [shift(1, 4), shift(2, 5)],
            total: 2,
            page: 1,
            page_size: 50,
          },
        }),
      }),
    );
  }

  test('离我最近 sends the position and shows how far each site is; a card opens its page', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    handler(wx);
    const page = mount(loadPage('pages/shifts/index'));
    page.instance.onLoad();
    await settle();
    expect(page.dom.innerHTML).not.toContain('距您');
    await page.instance.onNearToggle();
    await settle();
    const listed = wx.requests.filter((r) => r.path === '/shifts');
    expect(listed[listed.length - 1].query.near).toBe('22.54372,114.05795');
    expect(page.data.items.map((s) => s.id)).toEqual([2, 1]);
    expect(page.dom.innerHTML).toContain('距您 180 米');
    expect(page.dom.innerHTML).toContain('距您 2.4 公里');
    page.instance.onOpenShift({ currentTarget: { dataset: { id: 2 } } });
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/shift-detail/index?id=2' });
    // Off again: soonest first, no distances.
    await page.instance.onNearToggle();
    await settle();
    expect(listed.length).toBeLessThan(wx.requests.filter((r) => r.path === '/shifts').length);
    expect(wx.requests.filter((r) => r.path === '/shifts').pop().query.near).toBeUndefined();
  });

  test('refused permission: the list stays as it was and says how to allow it', async () => {
    const wx = installWx({ storage: { auth_token: 't' }, locationAnswer: DENIED });
    handler(wx);
    const page = mount(loadPage('pages/shifts/index'));
    page.instance.onLoad();
    await settle();
    const before = wx.requests.filter((r) => r.path === '/shifts').length;
    await page.instance.onNearToggle();
    await settle();
    expect(wx.requests.filter((r) => r.path === '/shifts')).toHaveLength(before);
    expect(page.data.near).toBe('');
    expect(page.dom.innerHTML).toContain('位置信息');
    expect(page.dom.innerHTML).toContain('去设置');
  });
});

describe('the shift page', () => {
  const detail = (siteFields = {}) => ({
    id: 11,
    site: Object.assign({}, SITE, siteFields),
    starts_at: chinaToday(20),
    ends_at: chinaToday(23),
    status: 'open',
    notes: '请提前 10 分钟到岗。',
    party_members_only: false,
    cancel_reason: null,
    roles: [{ id: 31, name: '登记', booked: 1, capacity: 2 }],
    my_booking: null,
  });

  async function open(wx, body) {
    wx.setHandler(
      routes({
        'GET /shifts/11': { statusCode: 200, data: body },
        'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } },
        'POST /shifts/11/bookings': { statusCode: 201, data: { id: 90, status: 'booked', role: { id: 31 } } },
      }),
    );
    const page = mount(loadPage('pages/shift-detail/index'));
    await page.instance.onLoad({ id: '11' });
    await settle();
    return page;
  }

  test('shows the site on a map and 导航到这里 opens WeChat’s map there', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await open(wx, detail());
    expect(page.data.markers).toEqual([
      expect.objectContaining({ latitude: SITE.latitude, longitude: SITE.longitude, callout: expect.any(Object) }),
    ]);
    expect(page.dom.innerHTML).toContain('导航到这里');
    expect(page.dom.innerHTML).toContain('200 米范围内');
    await page.instance.onNavigate();
    await settle();
    expect(wx.openLocation).toHaveBeenCalledWith(
      expect.objectContaining({
        latitude: SITE.latitude,
        longitude: SITE.longitude,
        name: '北门卡口',
        address: '海珠路 1 号',
      }),
    );
    expect(wx.setNavigationBarTitle).toHaveBeenCalledWith({ title: '北门卡口' });
  });

  test('a site without a point: no map, the address instead', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await open(wx, detail({ latitude: null, longitude: null }));
    expect(page.data.markers).toEqual([]);
    expect(page.dom.innerHTML).not.toContain('导航到这里');
    expect(page.dom.innerHTML).toContain('暂未标注地图位置');
  });

  test('books a post as the list does', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = await open(wx, detail());
    await page.instance.onBook({ currentTarget: { dataset: { post: 31 } } });
    await waitFor(() => sent(wx, '/shifts/11/bookings').length === 1);
    expect(sent(wx, '/shifts/11/bookings')[0].data).toEqual({ role_id: 31 });
  });

  test("a post asking for today's declaration at booking: the form is on the page, its answers go along", async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const body = detail();
    body.roles = [{ id: 31, name: '登记', booked: 1, capacity: 2, health_declaration: 'booking' }];
    const page = await open(wx, body);
    expect(page.dom.innerHTML).toContain('需当日健康申报（预约时）');
    await page.instance.onBook({ currentTarget: { dataset: { post: 31 } } });
    expect(sent(wx, '/shifts/11/bookings')).toHaveLength(0); // not answered yet: told, nothing sent
    const well = { temperature_normal: true, has_symptoms: false, is_risk_person: false };
    page.instance.onHealthChange({ detail: { answers: well, complete: true, well: true } });
    await page.instance.onBook({ currentTarget: { dataset: { post: 31 } } });
    await waitFor(() => sent(wx, '/shifts/11/bookings').length === 1);
    expect(sent(wx, '/shifts/11/bookings')[0].data).toEqual({ role_id: 31, health_declaration: well });
  });
});
