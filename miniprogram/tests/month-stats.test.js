/**
 * 本月数据 on the organizer workbench: the period (the 1st of the month to today, China time), the
 * request GET /stats, the figures' formatting, the card's failure that leaves the workbench usable, and
 * residents who never ask.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const stats = () => require('../controllers/month-stats');

const HAIZHU = { id: 1, code: 'haizhu', name: '海珠社区' };
const BINHAI = { id: 2, code: 'binhai', name: '滨海社区' };

const me = (extra) =>
  Object.assign(
    {
      id: 7,
      nickname: '小王',
      real_name: '王小明',
      phone_masked: '138****5678',
      community: HAIZHU,
      roles: ['resident'],
      volunteer_minutes: 0,
      organizer_communities: [],
    },
    extra,
  );
const RESIDENT = me({});
const ORGANIZER = me({ roles: ['resident', 'organizer'], organizer_communities: [HAIZHU] });
const ORGANIZER_OF_TWO = me({ roles: ['resident', 'organizer'], organizer_communities: [HAIZHU, BINHAI] });
const ADMIN = me({ roles: ['resident', 'admin'] });

const FIGURES = {
  activities_held: 12,
  signups: 300,
  confirmed_places: 280,
  people_served: 356,
  residents_reached: 240,
  waitlist_unserved: 4,
  shifts_run: 40,
  posts_capacity: 120,
  posts_filled: 103,
  fill_rate: 0.858,
  vacancies: 17,
  volunteer_minutes: 1234,
  no_shows: 3,
  no_show_rate: 0.029,
  new_volunteers: 5,
};

const body = (totals = FIGURES, from = '2025-03-01', to = '2025-03-15') => ({
  from,
  to,
  community_id: null,
  group_by: null,
  totals,
  groups: [],
  top_volunteers: [],
});

// 2025-03-15 10:00 in China.
const MID_MARCH = Date.parse('2025-03-15T10:00:00+08:00');

const statsRequests = (wx) => wx.requests.filter((r) => r.path === '/stats');

describe('the period', () => {
  test.each([
    ['mid-month', '2025-03-15T10:00:00+08:00', '2025-03-01', '2025-03-15'],
    [
      'the 1st, just after midnight in China (still the 28th in UTC)',
      '2025-02-28T16:30:00Z',
      '2025-03-01',
      '2025-03-01',
    ],
    ['the last minute of the month in China', '2025-03-31T23:59:00+08:00', '2025-03-01', '2025-03-31'],
    ['the 1st of April in China, still 31 March in UTC', '2025-03-31T16:05:00Z', '2025-04-01', '2025-04-01'],
    ['a leap day', '2024-02-29T12:00:00+08:00', '2024-02-01', '2024-02-29'],
    ['new year in China, still 31 December in UTC', '2025-12-31T16:10:00Z', '2026-01-01', '2026-01-01'],
  ])('%s', (label, now, from, to) => {
    expect(stats().monthPeriod(Date.parse(now))).toEqual({ from, to });
  });
});

describe('formatting', () => {
  test.each([
    [1234, '20.6'],
    [90, '1.5'],
    [60, '1.0'],
    [0, '0.0'],
    [2, '0.0'],
    [3, '0.1'],
    [null, '—'],
    [undefined, '—'],
  ])('%p minutes → %p hours', (minutes, text) => {
    expect(stats().formatHours(minutes)).toBe(text);
  });

  test.each([
    [0.858, '85.8%'],
    [1, '100%'],
    [0.5, '50%'],
    [0, '0%'],
    [0.001, '0.1%'],
    [0.9995, '100%'],
    [null, '—'],
    [undefined, '—'],
  ])('rate %p → %p', (rate, text) => {
    expect(stats().formatRate(rate)).toBe(text);
  });

  test.each([
    [12, '12'],
    [0, '0'],
    [null, '—'],
  ])('count %p → %p', (count, text) => {
    expect(stats().formatCount(count)).toBe(text);
  });

  test('the card: five figures in order, units dropped where the figure is —', () => {
    const card = stats().presentMonthStats(body(), ORGANIZER, { from: '2025-03-01', to: '2025-03-15' });
    expect(card).toEqual({
      scope: '海珠社区',
      period: '03月01日 至 03月15日',
      figures: [
        { key: 'activities_held', label: '活动场次', value: '12', unit: '场' },
        { key: 'people_served', label: '服务人次', value: '356', unit: '人次' },
        { key: 'volunteer_minutes', label: '志愿时长', value: '20.6', unit: '小时' },
        { key: 'fill_rate', label: '岗位填充率', value: '85.8%', unit: '' },
        { key: 'no_shows', label: '缺勤', value: '3', unit: '人次' },
      ],
    });
    const empty = stats().presentMonthStats(
      body(Object.assign({}, FIGURES, { fill_rate: null, volunteer_minutes: null })),
      ORGANIZER,
      { from: '2025-03-01', to: '2025-03-15' },
    );
    expect(empty.figures.find((f) => f.key === 'fill_rate')).toMatchObject({ value: '—', unit: '' });
    expect(empty.figures.find((f) => f.key === 'volunteer_minutes')).toMatchObject({ value: '—', unit: '' });
  });

  test.each([
    ['an organizer of one community', ORGANIZER, '海珠社区'],
    ['an organizer of two', ORGANIZER_OF_TWO, '我负责的2个社区'],
    ['an admin', ADMIN, '全街道'],
  ])('scope of %s', (label, user, text) => {
    expect(stats().scopeText(user)).toBe(text);
  });
});

describe('loadMonthStats', () => {
  let wx;
  beforeEach(() => {
    jest.resetModules();
    wx = installWx({ storage: { auth_token: 't' } });
  });

  test.each([
    ['an organizer', ORGANIZER],
    ['an admin', ADMIN],
  ])('%s asks GET /stats for this month, without community or grouping', async (label, user) => {
    wx.setHandler(routes({ 'GET /stats': { statusCode: 200, data: body() } }));
    const card = await stats().loadMonthStats(user, MID_MARCH);
    expect(statsRequests(wx)).toHaveLength(1);
    expect(statsRequests(wx)[0].query).toEqual({ from: '2025-03-01', to: '2025-03-15' });
    expect(statsRequests(wx)[0].header.Authorization).toBe('Bearer t');
    expect(card.figures.map((f) => f.value)).toEqual(['12', '356', '20.6', '85.8%', '3']);
  });

  test('a resident is never asked', async () => {
    wx.setHandler(() => ({ statusCode: 200, data: body() }));
    expect(await stats().loadMonthStats(RESIDENT, MID_MARCH)).toBeNull();
    expect(await stats().loadMonthStats(null, MID_MARCH)).toBeNull();
    expect(wx.requests).toHaveLength(0);
  });

  test('a refusal rejects with the ApiError', async () => {
    wx.setHandler(() => ({ statusCode: 403, data: { error: 'forbidden' } }));
    await expect(stats().loadMonthStats(ORGANIZER, MID_MARCH)).rejects.toMatchObject({ error: 'forbidden' });
  });
});

describe('workbench card', () => {
  let pageId;
  beforeAll(() => {
    installWx();
    pageId = loadPage('packageOrganizer/pages/index/index');
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function open(user, statsAnswer) {
    jest.resetModules();
    jest.spyOn(Date, 'now').mockReturnValue(MID_MARCH);
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /me': { statusCode: 200, data: user },
        'GET /communities': { statusCode: 200, data: { items: [HAIZHU, BINHAI] } },
        'GET /stats': statsAnswer,
        'GET /activities': { statusCode: 200, data: { items: [], total: 0 } },
        'GET /rosters/shifts': { statusCode: 200, data: { date: '2025-03-15', community: HAIZHU, shifts: [] } },
      }),
    );
    const page = mount(pageId);
    page.instance.onShow();
    return { wx, page };
  }

  const html = (page) => page.dom.innerHTML;

  /** Wait (up to 2 s, for a busy machine) until `done()` holds, then for the scripted wx to be quiet. */
  async function until(done) {
    await waitFor(done);
    await settle();
  }

  /** The workbench and its card have both loaded (or failed). */
  const settled = (page) => () =>
    page.data.communities.length > 0 && !page.data.statsLoading && !!(page.data.stats || page.data.statsError);

  test('an organizer sees this month of their communities, next to the workbench', async () => {
    const { wx, page } = open(ORGANIZER_OF_TWO, { statusCode: 200, data: body() });
    await until(settled(page));
    expect(statsRequests(wx).map((r) => r.query)).toEqual([{ from: '2025-03-01', to: '2025-03-15' }]);
    ['本月数据', '我负责的2个社区', '活动场次', '服务人次', '志愿时长', '岗位填充率', '缺勤'].forEach((text) =>
      expect(html(page)).toContain(text),
    );
    ['>12<', '>356<', '>20.6<', '>85.8%<', '>3<', '03月01日 至 03月15日'].forEach((text) =>
      expect(html(page)).toContain(text),
    );
    expect(html(page)).toContain('当前社区');
    expect(html(page)).toContain('今日现场');
  });

  test('an admin sees the whole sub-district', async () => {
    const { wx, page } = open(ADMIN, { statusCode: 200, data: body() });
    await until(settled(page));
    expect(statsRequests(wx)).toHaveLength(1);
    expect(statsRequests(wx)[0].query).toEqual({ from: '2025-03-01', to: '2025-03-15' });
    expect(html(page)).toContain('全街道');
  });

  test('a month without posts shows — for the fill rate', async () => {
    const totals = Object.assign({}, FIGURES, { posts_capacity: 0, posts_filled: 0, fill_rate: null });
    const { page } = open(ORGANIZER, { statusCode: 200, data: body(totals) });
    await until(settled(page));
    expect(page.data.stats.figures[3]).toEqual({ key: 'fill_rate', label: '岗位填充率', value: '—', unit: '' });
    expect(html(page)).toContain('>—<');
  });

  test.each([
    ['the server fails', { statusCode: 500, data: { error: 'internal_error' } }],
    ['the network fails', { fail: { errMsg: 'request:fail' } }],
    ['the server refuses', { statusCode: 403, data: { error: 'forbidden' } }],
  ])('when %s the card says 数据暂不可用 and the workbench still works', async (label, answer) => {
    const { wx, page } = open(ORGANIZER, answer);
    await until(settled(page));
    expect(html(page)).toContain('数据暂不可用');
    expect(html(page)).not.toContain('活动场次');
    expect(page.data.error).toBe('');
    expect(html(page)).toContain('海珠社区');
    expect(html(page)).toContain('今日现场');
    page.instance.onNavigate({ currentTarget: { dataset: { url: '/packageOrganizer/pages/activities/index' } } });
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/packageOrganizer/pages/activities/index?communityId=1' });
  });

  test('a tap on the failed card tries again', async () => {
    const { wx, page } = open(ORGANIZER, { statusCode: 500, data: { error: 'internal_error' } });
    await until(settled(page));
    wx.setHandler(routes({ 'GET /stats': { statusCode: 200, data: body() } }));
    page.querySelector('.stats__message').dispatchEvent('tap');
    await until(() => !page.data.statsLoading && !!page.data.stats);
    expect(statsRequests(wx)).toHaveLength(2);
    expect(html(page)).not.toContain('数据暂不可用');
    expect(html(page)).toContain('>356<');
  });

  test('while loading the card says so, and the workbench is already there', async () => {
    const { wx, page } = open(ORGANIZER, { statusCode: 200, data: body() });
    const answer = wx.request;
    let release = null;
    wx.request = jest.fn((options) => {
      if (!/\/stats\?/.test(options.url)) return answer(options);
      release = () => answer(options);
      return { abort() {} };
    });
    await until(() => release !== null && page.data.communities.length > 0);
    expect(page.data.statsLoading).toBe(true);
    expect(html(page)).toContain('加载中…');
    expect(html(page)).toContain('今日现场');
    release();
    await until(settled(page));
    expect(page.data.statsLoading).toBe(false);
    expect(html(page)).not.toContain('加载中…');
    expect(html(page)).toContain('>356<');
  });

  test('residents never ask for the figures', async () => {
    const { wx, page } = open(RESIDENT, { statusCode: 200, data: body() });
    await until(() => page.data.allowed === false);
    expect(statsRequests(wx)).toHaveLength(0);
    expect(html(page)).toContain('仅社区工作者可以使用工作台');
    expect(html(page)).not.toContain('本月数据');
  });
});
