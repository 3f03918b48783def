/**
 * The organizer on site: the workbench's 今日现场 and 空缺岗位 (computed from today's activities and the
 * day's duty roster), the day's rosters with one-tap 签到 and confirmed 缺勤, and the full-screen
 * check-in code (screen kept on, brightness up and given back, countdown, a failed refresh that keeps
 * the valid code up).
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

// 2025-03-01 09:30 in China.
const NOW = Date.parse('2025-03-01T09:30:00+08:00');
const HAIZHU = { id: 1, code: 'haizhu', name: '海珠社区' };
const ORGANIZER = {
  id: 9,
  nickname: '社区小李',
  roles: ['resident', 'organizer'],
  organizer_communities: [HAIZHU],
};

const volunteer = (bookingId, name, extra) =>
  Object.assign(
    {
      booking_id: bookingId,
      user: { real_name: name, phone_masked: '139****0000', phone: null },
      status: 'booked',
      checked_in_at: null,
      checked_out_at: null,
    },
    extra,
  );

const DUTY_ROSTER = {
  date: '2025-03-01',
  community: HAIZHU,
  shifts: [
    {
      id: 10,
      site: { id: 5, name: '南门卡口' },
      starts_at: '2025-03-01T06:00:00+08:00',
      ends_at: '2025-03-01T08:00:00+08:00',
      status: 'open',
      roles: [{ id: 30, name: '登记', capacity: 2, booked: 0, volunteers: [] }],
    },
    {
      id: 8,
      site: { id: 4, name: '北门卡口' },
      starts_at: '2025-03-01T08:00:00+08:00',
      ends_at: '2025-03-01T12:00:00+08:00',
      status: 'open',
      roles: [
        {
          id: 21,
          name: '登记',
          capacity: 2,
          booked: 2,
          volunteers: [volunteer(60, '王五'), volunteer(61, '赵六', { checked_in_at: '2025-03-01T07:58:00+08:00' })],
        },
        { id: 22, name: '测温', capacity: 1, booked: 1, volunteers: [volunteer(62, '钱七', { status: 'no_show' })] },
      ],
    },
    {
      id: 11,
      site: { id: 6, name: '西门卡口' },
      starts_at: '2025-03-01T10:00:00+08:00',
      ends_at: '2025-03-01T12:00:00+08:00',
      status: 'cancelled',
      roles: [{ id: 40, name: '登记', capacity: 3, booked: 0, volunteers: [] }],
    },
    {
      id: 9,
      site: { id: 4, name: '北门卡口' },
      starts_at: '2025-03-01T14:00:00+08:00',
      ends_at: '2025-03-01T18:00:00+08:00',
      status: 'open',
      roles: [{ id: 23, name: '登记', capacity: 2, booked: 1, volunteers: [volunteer(63, '孙八')] }],
    },
  ],
};

const ACTIVITIES = {
  items: [
    {
      id: 3,
      title: '党课：新时代党员学习',
      venue: '党群服务中心',
      starts_at: '2025-03-01T14:00:00+08:00',
      ends_at: '2025-03-01T16:00:00+08:00',
      status: 'published',
      capacity: 30,
      confirmed_count: 12,
    },
    {
      id: 4,
      title: '晨练太极',
      venue: '社区广场',
      starts_at: '2025-03-01T07:00:00+08:00',
      ends_at: '2025-03-01T08:00:00+08:00',
      status: 'finished',
      capacity: 20,
      confirmed_count: 8,
    },
    {
      id: 5,
      title: '已取消的讲座',
      venue: '活动室',
      starts_at: '2025-03-01T10:00:00+08:00',
      ends_at: '2025-03-01T11:00:00+08:00',
      status: 'cancelled',
      capacity: 20,
      confirmed_count: 0,
    },
  ],
  total: 3,
};

describe('what the workbench computes', () => {
  const onSite = () => require('../controllers/on-site');

  test('空缺岗位: posts short now come first, then later today; ended and cancelled shifts are left out', () => {
    const rows = onSite().vacantPosts(DUTY_ROSTER, NOW);
    expect(rows.map((r) => [r.siteName, r.postName, r.timeText, r.missing, r.current])).toEqual([
      // A no-show gave the place up: the post is short right now.
      ['北门卡口', '测温', '08:00-12:00', 1, true],
      ['北门卡口', '登记', '14:00-18:00', 1, false],
    ]);
  });

  test('a full post is not vacant; one more volunteer short makes it so', () => {
    const roster = JSON.parse(JSON.stringify(DUTY_ROSTER));
    roster.shifts[1].roles[0].volunteers.pop();
    const rows = onSite().vacantPosts(roster, NOW);
    expect(rows.filter((r) => r.current).map((r) => r.postName)).toEqual(['登记', '测温']);
  });

  test('未到岗: booked, not checked in, on a shift under way; whom to call', () => {
    const rows = onSite().absentVolunteers(DUTY_ROSTER, NOW);
    expect(rows).toEqual([
      expect.objectContaining({
        bookingId: 60,
        name: '王五',
        phone: '139****0000',
        canCall: true,
        siteName: '北门卡口',
        postName: '登记',
        lateText: '已开始 90 分钟',
      }),
    ]);
    // Before the shift starts nobody is late.
    expect(onSite().absentVolunteers(DUTY_ROSTER, Date.parse('2025-03-01T07:59:00+08:00'))).toEqual([]);
  });

  test("今日现场: the day's sites with their slots, those done for the day last; cancelled shifts gone", () => {
    expect(onSite().todaySites(DUTY_ROSTER, NOW)).toEqual([
      {
        siteId: 4,
        siteName: '北门卡口',
        slotsText: '08:00-12:00、14:00-18:00',
        bookedText: '已排 3/5 人',
        ended: false,
        canShowCode: true,
      },
      {
        siteId: 5,
        siteName: '南门卡口',
        slotsText: '06:00-08:00',
        bookedText: '已排 0/2 人',
        ended: true,
        canShowCode: false,
      },
    ]);
  });

  test("今日现场: today's activities soonest first, cancelled ones left out, ended ones without a code", () => {
    const rows = onSite().todayActivities(ACTIVITIES, NOW);
    expect(rows.map((r) => [r.title, r.timeText, r.signedUpText, r.canShowCode])).toEqual([
      ['晨练太极', '07:00-08:00', '已报名 8/20 人', false],
      ['党课：新时代党员学习', '14:00-16:00', '已报名 12/30 人', true],
    ]);
  });
});

describe('workbench page', () => {
  let pageId;
  let shown = null;
  beforeAll(() => {
    installWx();
    pageId = loadPage('packageOrganizer/pages/index/index');
  });
  afterEach(() => {
    // Leaving the page stops its refresh timer.
    if (shown) shown.instance.onUnload();
    shown = null;
    jest.restoreAllMocks();
  });

  function open(table) {
    jest.resetModules();
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes(
        Object.assign(
          {
            'GET /me': { statusCode: 200, data: ORGANIZER },
            'GET /stats': { statusCode: 500, data: { error: 'internal_error' } },
            'GET /activities': { statusCode: 200, data: ACTIVITIES },
            'GET /rosters/shifts': { statusCode: 200, data: DUTY_ROSTER },
          },
          table,
        ),
      ),
    );
    const page = mount(pageId);
    page.instance.onShow();
    shown = page;
    return { wx, page };
  }

  const loaded = (page) => () =>
    page.data.communities.length > 0 && !page.data.activitiesLoading && !page.data.dutyLoading;

  test("shows today's activities and sites, the vacant posts and who is late, and no desk work", async () => {
    const { wx, page } = open();
    await waitFor(loaded(page));
    await settle();
    const activityQuery = wx.requests.find((r) => r.path === '/activities').query;
    expect(activityQuery).toMatchObject({ community_id: '1', from: '2025-03-01', to: '2025-03-01' });
    expect(wx.requests.find((r) => r.path === '/rosters/shifts').query).toMatchObject({
      community_id: '1',
      date: '2025-03-01',
      format: 'json',
    });
    const html = page.dom.innerHTML;
    [
      '今日现场',
      '党课：新时代党员学习',
      '北门卡口',
      '08:00-12:00、14:00-18:00',
      '空缺岗位',
      '进行中',
      '缺 1 人',
      '王五',
      '已开始 90 分钟',
      '排班、点位、导出等案头工作请在电脑端管理后台办理',
      '登录管理后台',
    ].forEach((text) => expect(html).toContain(text));
    expect(html).not.toContain('已取消的讲座');
    expect(html).not.toContain('西门卡口');
    expect(html).not.toContain('批量排班');
    expect(html).not.toContain('shift-batch');
    expect(html).not.toContain('pages/sites/');
    // Two codes to show (the 党课 and 北门卡口); the ended 晨练太极 and 南门卡口 only have a roster.
    expect(html.match(/出示签到码/g)).toHaveLength(2);
  });

  test('出示签到码 and 名单 open the code and the roster of that site or activity', async () => {
    const { wx, page } = open();
    await waitFor(loaded(page));
    const codeButtons = page.querySelectorAll('.onsite__btn').filter((b) => b.dom.textContent === '出示签到码');
    codeButtons[0].dispatchEvent('tap');
    codeButtons[1].dispatchEvent('tap');
    const rosterButtons = page.querySelectorAll('.onsite__btn').filter((b) => b.dom.textContent === '名单');
    rosterButtons.forEach((b) => b.dispatchEvent('tap'));
    await settle();
    expect(wx.navigateTo.mock.calls.map((c) => c[0].url)).toEqual([
      `/packageOrganizer/pages/checkin-code/index?activityId=3&name=${encodeURIComponent('党课：新时代党员学习')}`,
      `/packageOrganizer/pages/checkin-code/index?siteId=4&name=${encodeURIComponent('北门卡口')}`,
      '/packageOrganizer/pages/roster/index?id=4',
      '/packageOrganizer/pages/roster/index?id=3',
      '/packageOrganizer/pages/duty-roster/index?communityId=1&siteId=4',
      '/packageOrganizer/pages/duty-roster/index?communityId=1&siteId=5',
    ]);
  });

  test('拨打电话 for a late volunteer reveals the number through the audited call, never on the page', async () => {
    const { wx, page } = open({
      'POST /shift-bookings/60/phone': { statusCode: 200, data: { phone: '13912340000' } },
    });
    await waitFor(loaded(page));
    const call = page.querySelectorAll('.onsite__btn').find((b) => b.dom.textContent === '拨打电话');
    call.dispatchEvent('tap');
    await waitFor(() => wx.makePhoneCall.mock.calls.length === 1);
    expect(wx.showModal).toHaveBeenCalledTimes(1);
    expect(wx.makePhoneCall.mock.calls[0][0].phoneNumber).toBe('13912340000');
    expect(page.dom.innerHTML).not.toContain('13912340000');
  });

  test('a refused duty roster says so in its blocks; the activities and the rest still show', async () => {
    const { page } = open({ 'GET /rosters/shifts': { statusCode: 403, data: { error: 'forbidden' } } });
    await waitFor(loaded(page));
    await settle();
    const html = page.dom.innerHTML;
    expect(html).toContain('今日值守加载失败');
    expect(html).toContain('党课：新时代党员学习');
    expect(html).toContain('暂时无法获取');
    expect(page.data.error).toBe('');
  });

  test('a day with nothing on says so', async () => {
    const { page } = open({
      'GET /activities': { statusCode: 200, data: { items: [], total: 0 } },
      'GET /rosters/shifts': { statusCode: 200, data: { date: '2025-03-01', community: HAIZHU, shifts: [] } },
    });
    await waitFor(loaded(page));
    await settle();
    expect(page.dom.innerHTML).toContain('今天没有活动和值守安排');
    expect(page.dom.innerHTML).toContain('今天没有进行中或待开始的班次');
    page.instance.onUnload();
  });

  test('every post filled: 空缺岗位 says so', async () => {
    const full = JSON.parse(JSON.stringify(DUTY_ROSTER));
    full.shifts[1].roles[1].volunteers = [volunteer(64, '周九')];
    full.shifts[3].roles[0].volunteers.push(volunteer(65, '吴十'));
    const { page } = open({ 'GET /rosters/shifts': { statusCode: 200, data: full } });
    await waitFor(loaded(page));
    await settle();
    expect(page.data.vacancies).toEqual([]);
    expect(page.dom.innerHTML).toContain('今天余下的班次岗位都已排满');
    page.instance.onUnload();
  });

  test('while on screen, today is read again every two minutes; not once it is left', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { wx, page } = open();
      const dutyReads = () => wx.requests.filter((r) => r.path === '/rosters/shifts').length;
      await jest.advanceTimersByTimeAsync(10);
      const first = dutyReads();
      expect(first).toBe(1);
      await jest.advanceTimersByTimeAsync(120000);
      expect(dutyReads()).toBe(2);
      page.instance.onHide();
      await jest.advanceTimersByTimeAsync(360000);
      expect(dutyReads()).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test("居民确认码 shows the community's join code full screen", async () => {
    const { wx, page } = open();
    await waitFor(loaded(page));
    page.instance.onShowJoinCode();
    expect(wx.navigateTo).toHaveBeenCalledWith({
      url: `/packageOrganizer/pages/checkin-code/index?communityId=1&name=${encodeURIComponent('海珠社区')}`,
    });
    page.instance.onUnload();
  });

  test('登录管理后台 opens the console login page', async () => {
    const { wx, page } = open();
    await waitFor(loaded(page));
    page.querySelector('.desk__login').dispatchEvent('tap');
    await settle();
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/packageOrganizer/pages/console-login/index' });
  });
});

describe('duty roster page', () => {
  let pageId;
  beforeAll(() => {
    installWx();
    pageId = loadPage('packageOrganizer/pages/duty-roster/index');
  });
  afterEach(() => jest.restoreAllMocks());

  function open(query, table = {}) {
    jest.resetModules();
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes(
        Object.assign(
          {
            'GET /rosters/shifts': { statusCode: 200, data: DUTY_ROSTER },
            'POST /shift-bookings/60/check-in': { statusCode: 200, data: {} },
            'POST /shift-bookings/60/no-show': { statusCode: 200, data: {} },
            'POST /shift-bookings/61/check-out': { statusCode: 200, data: {} },
          },
          table,
        ),
      ),
    );
    const page = mount(pageId);
    page.instance.onLoad(query);
    return { wx, page };
  }

  const button = (page, text, name) =>
    page
      .querySelectorAll('.duty__btn')
      .find((b) => b.dom.textContent === text && (!name || b.dom.dataset.name === name));
  const posts = (wx, path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

  test("one site's part of the day, with its code at hand", async () => {
    const { wx, page } = open({ communityId: '1', siteId: '5', date: '2025-03-01' });
    await settle();
    expect(page.data.items.map((r) => r.siteName)).toEqual(['南门卡口']);
    expect(page.dom.innerHTML).toContain('只看：南门卡口');
    button(page, '出示签到码').dispatchEvent('tap');
    await settle();
    expect(wx.navigateTo).toHaveBeenCalledWith({
      url: `/packageOrganizer/pages/checkin-code/index?siteId=5&name=${encodeURIComponent('南门卡口')}`,
    });
    await page.instance.onAllSites();
    await settle();
    expect(new Set(page.data.items.map((r) => r.siteName))).toEqual(new Set(['南门卡口', '北门卡口']));
  });

  test('代签到 asks why, sends the reason, and sends nothing without one', async () => {
    const { wx, page } = open({ communityId: '1', date: '2025-03-01' });
    await settle();
    const checkIn = page.querySelectorAll('.duty__btn').filter((b) => b.dom.textContent === '代签到');
    // 王五 (booked, not in) and 孙八 (booked on the afternoon shift).
    expect(checkIn).toHaveLength(2);
    // Left empty: nothing is sent, the organizer is told what is missing.
    wx.showModal.mockImplementation((options) => options.success({ confirm: true, content: '   ' }));
    checkIn[0].dispatchEvent('tap');
    await settle();
    expect(posts(wx, '/shift-bookings/60/check-in')).toHaveLength(0);
    expect(wx.showModal.mock.calls[0][0]).toEqual(expect.objectContaining({ editable: true }));
    expect(wx.showModal.mock.calls[0][0].title).toContain('王五');
    // Cancelled: nothing is sent either.
    wx.showModal.mockImplementation((options) => options.success({ confirm: false, cancel: true }));
    checkIn[0].dispatchEvent('tap');
    await settle();
    expect(posts(wx, '/shift-bookings/60/check-in')).toHaveLength(0);
    // With a reason: sent as the server's manual check-in.
    wx.showModal.mockImplementation((options) => options.success({ confirm: true, content: ' 手机没电 ' }));
    checkIn[0].dispatchEvent('tap');
    await waitFor(() => posts(wx, '/shift-bookings/60/check-in').length === 1);
    await settle();
    expect(posts(wx, '/shift-bookings/60/check-in')[0].data).toEqual({ reason: '手机没电' });
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已代签到' }));
  });

  test('缺勤 asks first, and nothing is sent when the organizer backs out', async () => {
    const { wx, page } = open({ communityId: '1', date: '2025-03-01' });
    await settle();
    wx.showModal.mockImplementation((options) => options.success({ confirm: false, cancel: true }));
    button(page, '缺勤', '王五').dispatchEvent('tap');
    await settle();
    expect(wx.showModal).toHaveBeenCalledTimes(1);
    expect(wx.showModal.mock.calls[0][0].content).toContain('王五');
    expect(posts(wx, '/shift-bookings/60/no-show')).toHaveLength(0);

    wx.showModal.mockImplementation((options) => options.success({ confirm: true, cancel: false }));
    button(page, '缺勤', '王五').dispatchEvent('tap');
    await waitFor(() => posts(wx, '/shift-bookings/60/no-show').length === 1);
  });

  test('签退 asks first too', async () => {
    const { wx, page } = open({ communityId: '1', date: '2025-03-01' });
    await settle();
    button(page, '签退', '赵六').dispatchEvent('tap');
    await waitFor(() => posts(wx, '/shift-bookings/61/check-out').length === 1);
    expect(wx.showModal).toHaveBeenCalledTimes(1);
  });

  test('no 缺勤 before a shift has started (the server refuses it then)', async () => {
    const { page } = open({ communityId: '1', date: '2025-03-01' });
    await settle();
    // 孙八's shift starts at 14:00: 代签到 is offered, 缺勤 is not.
    expect(button(page, '代签到', '孙八')).toBeTruthy();
    expect(button(page, '缺勤', '孙八')).toBeUndefined();
    expect(button(page, '缺勤', '王五')).toBeTruthy();
  });

  test('no export on the phone', async () => {
    const { page } = open({ communityId: '1', date: '2025-03-01' });
    await settle();
    expect(page.dom.innerHTML).not.toContain('导出');
  });
});

describe('activity roster page', () => {
  test('签到 goes in one tap; no export on the phone', async () => {
    installWx();
    const pageId = loadPage('packageOrganizer/pages/roster/index');
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /activities/3/roster': {
          statusCode: 200,
          data: {
            activity: { id: 3, title: '周末党课' },
            counts: { confirmed: 1, waitlisted: 0, cancelled: 0, checked_in: 0 },
            items: [
              {
                registration_id: 12,
                user: { id: 1, real_name: '张三', phone_masked: '138****5678', phone: null },
                status: 'confirmed',
                companions: 0,
                remark: '',
                registered_at: '2025-03-01T08:00:00+08:00',
                checked_in_at: null,
              },
            ],
          },
        },
        'POST /activities/3/roster/12/check-in': { statusCode: 200, data: {} },
      }),
    );
    const page = mount(pageId);
    page.instance.onLoad({ id: '3' });
    await settle();
    expect(page.dom.innerHTML).not.toContain('导出');
    page
      .querySelectorAll('.roster__btn')
      .find((b) => b.dom.textContent === '签到')
      .dispatchEvent('tap');
    await waitFor(() => wx.requests.some((r) => r.path === '/activities/3/roster/12/check-in'));
    await settle();
    expect(wx.showModal).not.toHaveBeenCalled();
    page.instance.onShowCode();
    expect(wx.navigateTo).toHaveBeenCalledWith({
      url: `/packageOrganizer/pages/checkin-code/index?activityId=3&name=${encodeURIComponent('周末党课')}`,
    });
  });
});

describe('full-screen check-in code', () => {
  let pageId;
  beforeAll(() => {
    installWx();
    pageId = loadPage('packageOrganizer/pages/checkin-code/index');
  });
  afterEach(() => jest.restoreAllMocks());

  let now;
  function open(query, codeAnswer, { brightness = true } = {}) {
    jest.resetModules();
    now = NOW;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const wx = installWx({ storage: { auth_token: 't' } });
    if (brightness) {
      wx.getScreenBrightness = jest.fn((options) => wx.later(() => options.success({ value: 0.3 })));
      wx.setScreenBrightness = jest.fn((options) => wx.later(() => options.success({})));
    }
    let answer = codeAnswer;
    wx.setHandler((req) => {
      if (req.method === 'DOWNLOAD') return { statusCode: 200 };
      if (req.path === '/sites/4/checkin-code' || req.path === '/activities/3/checkin-code') return answer;
      if (req.path === '/activities/3') return { statusCode: 200, data: { id: 3, title: '周末党课' } };
      return { statusCode: 404, data: { error: 'not_found' } };
    });
    const page = mount(pageId);
    page.instance.onLoad(query);
    page.instance.onShow();
    return { wx, page, answerWith: (next) => (answer = next) };
  }

  const CODE = (expiresAt) => ({
    statusCode: 200,
    data: { token: 's4.k1.AbCd', expires_at: expiresAt, qrcode_url: '/api/v1/checkin-codes/s4.k1.AbCd.jpg' },
  });

  test('the name, the code and a countdown in large type; screen on and bright, given back on leaving', async () => {
    const { wx, page } = open({ siteId: '4', name: encodeURIComponent('北门卡口') }, CODE('2025-03-01T09:35:00+08:00'));
    await settle();
    expect(wx.setKeepScreenOn).toHaveBeenCalledWith({ keepScreenOn: true });
    expect(wx.setScreenBrightness).toHaveBeenCalledWith(expect.objectContaining({ value: 1 }));
    const html = page.dom.innerHTML;
    expect(html).toContain('北门卡口');
    expect(html).toContain('志愿者用微信扫一扫');
    expect(page.querySelector('.code__image')).toBeTruthy();
    // Expires 09:35, refreshed 30 s before: the next code in 4:30.
    expect(page.data.countdownText).toBe('4:30');
    expect(html).toContain('当前签到码有效至 09:35');
    now += 61000;
    page.instance.tick();
    expect(page.data.countdownText).toBe('3:29');

    page.instance.onUnload();
    await settle();
    expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false });
    expect(wx.setScreenBrightness).toHaveBeenLastCalledWith(expect.objectContaining({ value: 0.3 }));
  });

  test('a failed refresh keeps the still-valid code up and says so; past expiry it gives way', async () => {
    const { page, answerWith } = open({ siteId: '4', name: '北门卡口' }, CODE('2025-03-01T09:35:00+08:00'));
    await settle();
    answerWith({ fail: { errMsg: 'request:fail' } });
    now += 4.5 * 60000;
    await page.instance.refresh();
    await settle();
    expect(page.data.token).toBe('s4.k1.AbCd');
    expect(page.data.error).toBe('');
    expect(page.dom.innerHTML).toContain('签到码暂未更新');
    expect(page.querySelector('.code__image')).toBeTruthy();

    now += 60000; // 09:35:30: the code on screen has expired
    await page.instance.refresh();
    await settle();
    expect(page.data.token).toBe('');
    expect(page.data.error).not.toBe('');
    page.instance.onUnload();
  });

  test('without the brightness API nothing breaks and nothing is restored', async () => {
    const { wx, page } = open({ activityId: '3' }, CODE('2025-03-01T09:35:00+08:00'), { brightness: false });
    await settle();
    expect(wx.getScreenBrightness).toBeUndefined();
    expect(page.data.countdownText).toBe('4:30');
    expect(page.data.title).toBe('周末党课');
    expect(page.dom.innerHTML).toContain('已报名的居民用微信扫一扫');
    page.instance.onUnload();
    await settle();
  });
});
