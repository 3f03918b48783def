/**
 * Check-in at a checkpoint without a network: the scan is kept in storage as 待上传 (it survives a
 * restart), uploaded with its token and recorded time when the network returns, marked failed with
 * the reason when the server refuses it, and kept once however often the code is scanned.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const ACTIVITY_TOKEN = 'a3.4k9x.AbCdEfGhIjKl';
const SITE_TOKEN = 's4.4k9x.AbCdEfGhIjKl';
const NO_NETWORK = { fail: { errMsg: 'request:fail' } };
const OFFLINE = () => NO_NETWORK;

function chinaToday(hour) {
  const day = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, '0')}:00:00+08:00`;
}

const booking = (extra) =>
  Object.assign(
    {
      id: 21,
      shift_id: 9,
      status: 'booked',
      role: { id: 2, name: '登记' },
      checked_in_at: null,
      checked_out_at: null,
      minutes_credited: 0,
      shift: {
        id: 9,
        starts_at: chinaToday(0),
        ends_at: chinaToday(23),
        site: { id: 4, name: '北门卡口', kind: 'checkpoint', address: '海珠路 1 号' },
      },
    },
    extra,
  );

/** A scripted wx with a token, whose wx.onNetworkStatusChange listeners the test can call. */
function setUp(storage = { auth_token: 't' }) {
  const wx = installWx({ storage });
  wx.networkListeners = [];
  wx.onNetworkStatusChange = jest.fn((fn) => wx.networkListeners.push(fn));
  return wx;
}

/** The check-in page in a fresh module registry, opened with `query`. */
async function openPage(query = {}) {
  const page = mount(loadPage('pages/checkin/index'));
  await page.instance.onLoad(query);
  await settle();
  return page;
}

/** The app in a fresh module registry, launched and shown (as WeChat does on a cold start). */
function launchApp() {
  let app;
  global.App = (definition) => {
    app = definition;
  };
  jest.isolateModules(() => require('../app'));
  app.onLaunch({ path: 'pages/activities/index', query: {}, scene: 1001 });
  return app;
}

const kept = (wx) => wx.store.offline_checkins || [];
const sent = (wx, path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

beforeEach(() => jest.resetModules());

describe('an activity code scanned without a network', () => {
  test('is kept as 待上传 with the token and the phone time, and the page says it will upload', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const before = Date.now();
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    expect(kept(wx)).toEqual([
      expect.objectContaining({
        kind: 'activity',
        id: 3,
        action: 'check_in',
        token: ACTIVITY_TOKEN,
        status: 'pending',
        attempts: 0,
      }),
    ]);
    const recordedAt = kept(wx)[0].recorded_at;
    expect(recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    const recordedMs = Date.parse(recordedAt);
    expect(recordedMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(recordedMs).toBeLessThanOrEqual(Date.now());
    const html = page.dom.innerHTML;
    expect(html).toContain('签到已保存在手机上，待上传');
    expect(html).toContain('网络恢复后会自动上传');
    expect(html).toContain('待上传');
    expect(html).toContain('立即上传');
  });

  test('scanned twice is one entry, with the first scan time', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    const first = kept(wx)[0];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    expect(kept(wx)).toEqual([first]);
    expect(page.dom.innerHTML.match(/扫码时间 \d/g)).toHaveLength(1); // one kept scan listed
  });

  test('a refusal (not a network failure) is shown and nothing is kept', async () => {
    const wx = setUp();
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'checkin_token_invalid' } }));
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    expect(kept(wx)).toEqual([]);
    expect(page.dom.innerHTML).toContain('签到码无效或已过期');
  });
});

describe('after a restart and when the network returns', () => {
  test('the kept scan is still pending, then uploaded with its token and time, and shown as 已补传', async () => {
    let wx = setUp();
    wx.setHandler(OFFLINE);
    await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    const entry = kept(wx)[0];

    // The app is closed and opened again, still without a network: a fresh module registry, the same storage.
    jest.resetModules();
    wx = setUp(wx.store);
    wx.setHandler(OFFLINE);
    const app = launchApp();
    app.onShow();
    await settle();
    expect(kept(wx)).toEqual([expect.objectContaining({ key: entry.key, status: 'pending', attempts: 1 })]);
    const page = await openPage({});
    expect(page.dom.innerHTML).toContain('待上传');

    // The network returns.
    const from = wx.requests.length;
    wx.setHandler(
      routes({
        'POST /activities/3/check-in': { statusCode: 200, data: { id: 50, checked_in_at: entry.recorded_at } },
        'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } },
      }),
    );
    expect(wx.onNetworkStatusChange).toHaveBeenCalledTimes(1);
    wx.networkListeners.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }));
    await settle();
    const upload = wx.requests.slice(from).filter((r) => r.path === '/activities/3/check-in');
    expect(upload.map((r) => r.data)).toEqual([{ token: ACTIVITY_TOKEN, recorded_at: entry.recorded_at }]);
    expect(kept(wx)).toEqual([]);
    expect(wx.store.offline_checkins_done).toEqual([expect.objectContaining({ key: entry.key, status: 'uploaded' })]);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '离线签到已补传 1 条' }));
    page.instance.refreshQueue();
    expect(page.dom.innerHTML).toContain('已补传');
    expect(page.dom.innerHTML).not.toContain('立即上传');
  });

  test('a network change that is not a connection sends nothing', async () => {
    const wx = setUp({ auth_token: 't', offline_checkins: [] });
    wx.setHandler(OFFLINE);
    await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    launchApp();
    const before = wx.requests.length;
    wx.networkListeners.forEach((fn) => fn({ isConnected: false, networkType: 'none' }));
    await settle();
    expect(wx.requests.length).toBe(before);
  });

  test('a refusal marks it failed with the reason, and it is not sent again', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'checkin_token_expired', message: 'x' } }));
    await page.instance.onUploadNow();
    await settle();
    expect(kept(wx)).toEqual([
      expect.objectContaining({ status: 'failed', reason: '扫码时签到码已过期，请联系组织者补签', attempts: 1 }),
    ]);
    expect(page.dom.innerHTML).toContain('上传失败');
    expect(page.dom.innerHTML).toContain('扫码时签到码已过期，请联系组织者补签');
    const tries = sent(wx, '/activities/3/check-in').length; // the live attempt (offline) and one upload
    expect(tries).toBe(2);
    await page.instance.onUploadNow();
    launchApp().onShow();
    await settle();
    expect(sent(wx, '/activities/3/check-in').length).toBe(tries);
    // The volunteer dismisses it.
    page.instance.onDismiss({ currentTarget: { dataset: { key: kept(wx)[0].key } } });
    expect(kept(wx)).toEqual([]);
  });

  test('a server error (503) keeps it pending for another try', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    wx.setHandler(() => ({ statusCode: 503, data: { error: 'dependency_unavailable' } }));
    await page.instance.onUploadNow();
    await settle();
    expect(kept(wx)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    expect(wx.showToast).toHaveBeenCalledWith(
      expect.objectContaining({ title: '仍无网络，已保存在手机上，稍后自动上传' }),
    );
  });

  test('the page open when the upload succeeds turns 待上传 into 已补传', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(ACTIVITY_TOKEN) });
    wx.setHandler(routes({ 'POST /activities/3/check-in': { statusCode: 200, data: {} } }));
    await page.instance.onUploadNow();
    await settle();
    expect(page.instance.data.status).toBe('done');
    expect(page.dom.innerHTML).toContain('已补传，签到成功');
  });
});

describe('a site code scanned without a network', () => {
  test("today's bookings come from the phone; check-in and check-out are kept and uploaded in order", async () => {
    const wx = setUp();
    // Online once: the app keeps the bookings.
    wx.setHandler(
      routes({
        'GET /me/shifts': (req) => ({
          statusCode: 200,
          data: { items: req.query.when === 'upcoming' ? [booking()] : [], total: 1, page: 1, page_size: 100 },
        }),
      }),
    );
    launchApp().onShow();
    await settle();
    expect(wx.store.checkin_my_bookings.items).toHaveLength(1);

    // At the checkpoint: no network.
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(SITE_TOKEN) });
    expect(page.dom.innerHTML).toContain('现在没有网络');
    expect(page.dom.innerHTML).toContain('北门卡口 · 登记');
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(kept(wx)).toEqual([
      expect.objectContaining({
        kind: 'shift',
        id: 21,
        action: 'check_in',
        token: SITE_TOKEN,
        label: '北门卡口 · 登记',
      }),
    ]);
    expect(page.dom.innerHTML).toContain('签到已保存，待上传');
    // The kept check-in counts: the button now checks out.
    expect(page.instance.data.bookings[0].action).toBe('check_out');
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    await settle();
    expect(kept(wx).map((e) => e.action)).toEqual(['check_in', 'check_out']);
    // Tapping again keeps nothing more.
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 21 } } });
    expect(kept(wx)).toHaveLength(2);

    // The network returns.
    const recorded = kept(wx).map((e) => e.recorded_at);
    const from = wx.requests.length;
    wx.setHandler(
      routes({
        'POST /shift-bookings/21/check-in': { statusCode: 200, data: booking({ checked_in_at: 'x' }) },
        'POST /shift-bookings/21/check-out': { statusCode: 200, data: booking({ checked_out_at: 'y' }) },
      }),
    );
    await page.instance.onUploadNow();
    await settle();
    const uploads = wx.requests.slice(from).filter((r) => r.method === 'POST');
    expect(uploads.map((r) => [r.path, r.data])).toEqual([
      ['/shift-bookings/21/check-in', { token: SITE_TOKEN, recorded_at: recorded[0] }],
      ['/shift-bookings/21/check-out', { token: SITE_TOKEN, recorded_at: recorded[1] }],
    ]);
    expect(kept(wx)).toEqual([]);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已补传' }));
  });

  test('with no bookings kept on the phone the scan itself is kept, and the upload finds the booking', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(SITE_TOKEN) });
    expect(kept(wx)).toEqual([expect.objectContaining({ kind: 'site', id: 4, action: 'scan', token: SITE_TOKEN })]);
    expect(page.dom.innerHTML).toContain('已保存在手机上，待上传');
    wx.setHandler(
      routes({
        'GET /me/shifts': (req) => ({
          statusCode: 200,
          data: { items: req.query.when === 'upcoming' ? [booking()] : [], total: 1, page: 1, page_size: 100 },
        }),
        'POST /shift-bookings/21/check-in': { statusCode: 200, data: booking({ checked_in_at: 'x' }) },
      }),
    );
    const recordedAt = kept(wx)[0].recorded_at;
    await page.instance.onUploadNow();
    await settle();
    // The position the phone had at the scan goes with it (the server checks it against the site).
    expect(sent(wx, '/shift-bookings/21/check-in').map((r) => r.data)).toEqual([
      {
        token: SITE_TOKEN,
        recorded_at: recordedAt,
        location: { latitude: 22.54372, longitude: 114.05795, accuracy: 15 },
      },
    ]);
    expect(kept(wx)).toEqual([]);
  });

  test('a kept site scan with no booking at that time is marked failed with a reason', async () => {
    const wx = setUp();
    wx.setHandler(OFFLINE);
    const page = await openPage({ scene: encodeURIComponent(SITE_TOKEN) });
    wx.setHandler(
      routes({ 'GET /me/shifts': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 100 } } }),
    );
    await page.instance.onUploadNow();
    await settle();
    expect(kept(wx)).toEqual([
      expect.objectContaining({ status: 'failed', reason: '没有找到您在该值守点扫码时段的预约' }),
    ]);
  });
});
