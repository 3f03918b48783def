/**
 * The activities list's first screen from the cache (utils/list-cache.js, utils/paged-list.js `cacheKey`):
 * a second launch shows the kept page before the network answers, then the fresh one; a network failure
 * keeps the kept page with a notice.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const activity = (id, title) => ({
  id,
  title,
  category: 'party_lesson',
  community: { id: 1, name: '海珠社区' },
  venue: '党群服务中心',
  starts_at: '2030-03-01T09:00:00+08:00',
  ends_at: '2030-03-01T11:00:00+08:00',
  capacity: 30,
  status: 'published',
  confirmed_count: 12,
  waitlist_count: 0,
});

const FIRST = { items: [activity(3, '党课：新时代党员学习'), activity(4, '重阳敬老活动')], total: 2 };
const LATER = { items: [activity(5, '垃圾分类宣传')], total: 1 };
const COMMUNITIES = { statusCode: 200, data: { items: [{ id: 1, name: '海珠社区' }] } };

describe('list cache', () => {
  const cache = () => require('../utils/list-cache');

  beforeEach(() => {
    jest.resetModules();
    installWx();
  });

  test('keeps page 1 per key, the latest first, a bounded number of keys', () => {
    const { readCachedPage, saveCachedPage, MAX_ENTRIES, STORAGE_KEY } = cache();
    const now = Date.parse('2025-03-01T09:00:00+08:00');
    for (let i = 0; i <= MAX_ENTRIES; i += 1) saveCachedPage(`k${i}`, { items: [{ id: i }], total: 1 }, now + i);
    expect(readCachedPage('k0', now + 100)).toBeNull(); // the oldest went
    expect(readCachedPage(`k${MAX_ENTRIES}`, now + 100)).toEqual({
      items: [{ id: MAX_ENTRIES }],
      total: 1,
      savedAt: now + MAX_ENTRIES,
    });
    expect(global.wx.store[STORAGE_KEY].entries).toHaveLength(MAX_ENTRIES);
  });

  test('a kept page too old is not shown, and an unreadable value costs only the cache', () => {
    const { readCachedPage, saveCachedPage, MAX_AGE_MS, STORAGE_KEY } = cache();
    saveCachedPage('k', FIRST, 1000);
    expect(readCachedPage('k', 1000 + MAX_AGE_MS - 1)).not.toBeNull();
    expect(readCachedPage('k', 1000 + MAX_AGE_MS)).toBeNull();
    global.wx.store[STORAGE_KEY] = 'garbage';
    expect(readCachedPage('k', 1000)).toBeNull();
    global.wx.setStorageSync.mockImplementation(() => {
      throw new Error('setStorageSync:fail exceed storage max size');
    });
    expect(() => saveCachedPage('k', FIRST, 1000)).not.toThrow();
  });
});

describe('activities tab from the cache', () => {
  let pageId;
  beforeAll(() => {
    installWx();
    pageId = loadPage('pages/activities/index');
  });

  /** A launch: fresh modules, the same storage; requests to /activities held until `release()`. */
  function launch(storage, activitiesAnswer) {
    jest.resetModules();
    const wx = installWx({ storage });
    wx.setHandler(routes({ 'GET /communities': COMMUNITIES, 'GET /activities': activitiesAnswer }));
    const answer = wx.request;
    const held = [];
    wx.request = jest.fn((options) => {
      if (/\/activities(\?|$)/.test(options.url)) held.push(() => answer(options));
      else answer(options);
      return { abort() {} };
    });
    const page = mount(pageId);
    page.instance.onLoad();
    return {
      wx,
      page,
      release: async () => {
        held.splice(0).forEach((send) => send());
        await settle();
      },
      held,
    };
  }

  test('the second launch shows the kept activities before the network answers, then the fresh ones', async () => {
    const first = launch({}, { statusCode: 200, data: FIRST });
    await waitFor(() => first.held.length === 1);
    // Nothing kept yet: the first launch waits for the network.
    expect(first.page.data.items).toEqual([]);
    await first.release();
    expect(first.page.data.fromCache).toBe(false);
    expect(first.page.dom.innerHTML).toContain('重阳敬老活动');

    const second = launch(first.wx.store, { statusCode: 200, data: LATER });
    await waitFor(() => second.held.length === 1);
    expect(second.page.data.fromCache).toBe(true);
    expect(second.page.data.items.map((a) => a.title)).toEqual(['党课：新时代党员学习', '重阳敬老活动']);
    expect(second.page.dom.innerHTML).toContain('重阳敬老活动');
    expect(second.page.dom.innerHTML).toContain('正在更新…');

    await second.release();
    expect(second.page.data.fromCache).toBe(false);
    expect(second.page.data.items.map((a) => a.title)).toEqual(['垃圾分类宣传']);
    expect(second.page.dom.innerHTML).not.toContain('重阳敬老活动');
    expect(second.page.dom.innerHTML).not.toContain('正在更新…');
  });

  test('without a network the kept activities stay, with a notice and no error', async () => {
    const first = launch({}, { statusCode: 200, data: FIRST });
    await waitFor(() => first.held.length === 1);
    await first.release();

    const offline = launch(first.wx.store, { fail: { errMsg: 'request:fail' } });
    await waitFor(() => offline.held.length === 1);
    await offline.release();
    expect(offline.page.data.items.map((a) => a.title)).toEqual(['党课：新时代党员学习', '重阳敬老活动']);
    expect(offline.page.data.fromCache).toBe(true);
    expect(offline.page.data.error).toBe('');
    expect(offline.page.data.cacheNotice).toBe('网络不可用，显示的是上次保存的内容');
    expect(offline.wx.showToast).toHaveBeenCalledWith(
      expect.objectContaining({ title: '网络不可用，显示的是上次保存的内容' }),
    );
    expect(offline.page.dom.innerHTML).toContain('重阳敬老活动');
    expect(offline.page.dom.innerHTML).toContain('网络不可用，显示的是上次保存的内容');
  });

  test('each filter has its own kept page; a filter never kept waits for the network', async () => {
    const first = launch({}, (req) => ({ statusCode: 200, data: req.query.category ? LATER : FIRST }));
    await waitFor(() => first.held.length === 1);
    await first.release();
    first.page.instance.onCategoryTap({ currentTarget: { dataset: { value: 'elderly' } } });
    await waitFor(() => first.held.length === 1);
    expect(first.page.data.fromCache).toBe(false);
    await first.release();
    expect(first.page.data.items.map((a) => a.title)).toEqual(['垃圾分类宣传']);

    // Back to every category: its kept page shows at once.
    first.page.instance.onCategoryTap({ currentTarget: { dataset: { value: '' } } });
    expect(first.page.data.fromCache).toBe(true);
    expect(first.page.data.items.map((a) => a.title)).toEqual(['党课：新时代党员学习', '重阳敬老活动']);
    await first.release();
  });

  test('without a network and nothing kept, the error shows as before', async () => {
    const offline = launch({}, { fail: { errMsg: 'request:fail' } });
    await waitFor(() => offline.held.length === 1);
    await offline.release();
    expect(offline.page.data.items).toEqual([]);
    expect(offline.page.data.error).not.toBe('');
    expect(offline.page.data.fromCache).toBe(false);
  });
});
