/**
 * The shared list lifecycle (utils/paged-list.js) and the loading/error state under it
 * (utils/load-state.js): on a bare page object, then on pages rendered with miniprogram-simulate.
 */
const path = require('path');
const simulate = require('miniprogram-simulate');
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { ROOT, installPageShim } = require('./helpers/project');
const { pagedList } = require('../utils/paged-list');
const { withLoadState } = require('../utils/load-state');
const { ApiError } = require('../api/api-error');
const { GENERIC_MESSAGE } = require('../constants/errors');

/** A promise settled from outside: `{promise, resolve, reject}`. */
function deferred() {
  const d = {};
  d.promise = new Promise((resolve, reject) => Object.assign(d, { resolve, reject }));
  return d;
}

/** A page object as Page() would make it: the methods, `data`, and a setData that merges. */
function fakePage(methods, data) {
  const page = Object.assign({}, methods);
  page.data = Object.assign({ raw: [], items: [], page: 0, finished: false, loading: false, error: '' }, data);
  page.setData = jest.fn((patch) => {
    page.data = Object.assign({}, page.data, patch);
  });
  return page;
}

const body = (ids, total) => ({ items: ids.map((id) => ({ id })), total, page: 1, page_size: 2 });
const present = (raw) => raw.map((item) => ({ id: item.id, label: `#${item.id}` }));
const serverError = () => new ApiError({ kind: 'http', statusCode: 500, error: 'internal', message: '服务器出错了' });

let wx;
beforeEach(() => {
  wx = installWx();
});

describe('pagedList', () => {
  test('gives the list methods; onShow only when asked', () => {
    const fetch = jest.fn();
    expect(Object.keys(pagedList({ fetch })).sort()).toEqual([
      'loadPage',
      'onPullDownRefresh',
      'onReachBottom',
      'reload',
    ]);
    expect(typeof pagedList({ fetch, reloadOnShow: true }).onShow).toBe('function');
  });

  test('reload replaces the list: raw keeps the fetched items, items shows them presented', async () => {
    const fetch = jest.fn(() => Promise.resolve(body([1, 2], 5)));
    const page = fakePage(pagedList({ fetch, present }), {
      raw: [{ id: 8 }, { id: 9 }],
      items: present([{ id: 8 }, { id: 9 }]),
      page: 3,
      finished: true,
    });
    await page.reload();
    expect(fetch).toHaveBeenCalledWith({ page: 1, pageSize: 20 });
    expect(page.data).toMatchObject({
      raw: [{ id: 1 }, { id: 2 }],
      items: [
        { id: 1, label: '#1' },
        { id: 2, label: '#2' },
      ],
      page: 1,
      finished: false,
      loading: false,
      error: '',
    });
  });

  test('reaching the bottom fetches the next page and appends it', async () => {
    const fetch = jest.fn(({ page }) => Promise.resolve(page === 1 ? body([1, 2], 3) : body([3], 3)));
    const page = fakePage(pagedList({ fetch, present }));
    await page.reload();
    page.onReachBottom();
    await settle();
    expect(fetch.mock.calls.map((c) => c[0])).toEqual([
      { page: 1, pageSize: 20 },
      { page: 2, pageSize: 20 },
    ]);
    expect(page.data.raw.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(page.data.items.map((r) => r.label)).toEqual(['#1', '#2', '#3']);
    expect(page.data).toMatchObject({ page: 2, finished: true, loading: false });
  });

  test('once finished, reaching the bottom fetches nothing', async () => {
    const fetch = jest.fn(() => Promise.resolve(body([1, 2], 2)));
    const page = fakePage(pagedList({ fetch, present }));
    await page.reload();
    expect(page.data.finished).toBe(true);
    page.onReachBottom();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test('an empty page finishes the list even when total says more', async () => {
    const fetch = jest.fn(({ page }) => Promise.resolve(page === 1 ? body([1, 2], 9) : body([], 9)));
    const page = fakePage(pagedList({ fetch, present }));
    await page.reload();
    await page.loadPage(2);
    expect(page.data).toMatchObject({ page: 2, finished: true });
    expect(page.data.items).toHaveLength(2);
  });

  test('a next page asked for while one is loading is not fetched', async () => {
    const second = deferred();
    const fetch = jest
      .fn()
      .mockResolvedValueOnce(body([1, 2], 6))
      .mockReturnValueOnce(second.promise);
    const page = fakePage(pagedList({ fetch, present }));
    await page.reload();
    page.onReachBottom();
    expect(page.data.loading).toBe(true);
    page.onReachBottom();
    page.loadPage(3);
    expect(fetch).toHaveBeenCalledTimes(2);
    second.resolve(body([3, 4], 6));
    await settle();
    expect(page.data).toMatchObject({ page: 2, finished: false, loading: false });
    expect(page.data.raw.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  /** Two reloads in flight, their answers (`older`, `newer`) settled by the test. */
  function twoReloads() {
    const older = deferred();
    const newer = deferred();
    const fetch = jest.fn().mockReturnValueOnce(older.promise).mockReturnValueOnce(newer.promise);
    const page = fakePage(pagedList({ fetch, present }));
    return { page, older, newer, first: page.reload(), second: page.reload() };
  }

  test('a stale answer is dropped (seq guard): the newer reload wins, whatever the order of answers', async () => {
    const { page, older, newer, first, second } = twoReloads();
    newer.resolve(body([7], 1));
    await second;
    expect(page.data).toMatchObject({ raw: [{ id: 7 }], page: 1, finished: true, loading: false });
    const writes = page.setData.mock.calls.length;
    older.resolve(body([1, 2], 9));
    await first;
    expect(page.setData).toHaveBeenCalledTimes(writes);
    expect(page.data.raw).toEqual([{ id: 7 }]);
  });

  test('a stale load neither clears loading nor reports its error while the newer one runs', async () => {
    const { page, older, newer, first, second } = twoReloads();
    older.reject(serverError());
    await first;
    expect(page.data).toMatchObject({ loading: true, error: '' });
    newer.resolve(body([3], 1));
    await second;
    expect(page.data).toMatchObject({ loading: false, error: '', raw: [{ id: 3 }] });
  });

  test('errors land in error as Chinese text, the list stays, and the next load clears them', async () => {
    const fetch = jest
      .fn()
      .mockResolvedValueOnce(body([1, 2], 6))
      .mockRejectedValueOnce(serverError())
      .mockRejectedValueOnce(new TypeError('x is undefined'))
      .mockResolvedValueOnce(body([1, 2], 6));
    const page = fakePage(pagedList({ fetch, present }));
    await page.reload();
    await page.loadPage(2);
    expect(page.data).toMatchObject({ error: '服务器出错了', loading: false, page: 1 });
    expect(page.data.items).toHaveLength(2);
    await page.loadPage(2);
    expect(page.data.error).toBe(GENERIC_MESSAGE);
    await page.reload();
    expect(page.data).toMatchObject({ error: '', loading: false, page: 1 });
  });

  test('a present that throws is an error too', async () => {
    const fetch = jest.fn(() => Promise.resolve(body([1], 1)));
    const page = fakePage(
      pagedList({
        fetch,
        present: () => {
          throw new Error('bad item');
        },
      }),
    );
    await page.reload();
    expect(page.data).toMatchObject({ error: GENERIC_MESSAGE, loading: false, raw: [] });
  });

  test('fetch and present see the page as `this`; the page size is the one given', async () => {
    const seen = [];
    const page = fakePage(
      pagedList({
        pageSize: 50,
        fetch(paging) {
          seen.push([this.data.when, paging]);
          return Promise.resolve(body([1], 1));
        },
        present(raw) {
          seen.push(this.data.when);
          return raw;
        },
      }),
      { when: 'past' },
    );
    await page.reload();
    expect(seen).toEqual([['past', { page: 1, pageSize: 50 }], 'past']);
  });

  test('without present, items holds what was fetched and raw is not written', async () => {
    const fetch = jest.fn(({ page }) => Promise.resolve(page === 1 ? body([1, 2], 3) : body([3], 3)));
    const page = fakePage(pagedList({ fetch }), { raw: undefined });
    await page.reload();
    await page.loadPage(2);
    expect(page.data.items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(page.data.raw).toBeUndefined();
    page.setData.mock.calls.forEach(([patch]) => expect(patch).not.toHaveProperty('raw'));
  });

  test('pull-down reloads page 1, then stops the refresh animation', async () => {
    const fetch = jest.fn(() => Promise.resolve(body([1], 1)));
    const page = fakePage(pagedList({ fetch, present }), { page: 4 });
    page.onPullDownRefresh();
    expect(wx.stopPullDownRefresh).not.toHaveBeenCalled();
    await settle();
    expect(fetch).toHaveBeenCalledWith({ page: 1, pageSize: 20 });
    expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1);
    expect(page.data.page).toBe(1);
  });

  test('onShow (reloadOnShow) reloads page 1', async () => {
    const fetch = jest.fn(() => Promise.resolve(body([1], 1)));
    const page = fakePage(pagedList({ fetch, present, reloadOnShow: true }));
    page.onShow();
    await settle();
    expect(fetch).toHaveBeenCalledWith({ page: 1, pageSize: 20 });
    expect(page.data.items).toEqual([{ id: 1, label: '#1' }]);
  });
});

describe('withLoadState', () => {
  test('loading while the task runs, then cleared; a previous error is cleared at the start', async () => {
    const page = fakePage({}, { error: 'old' });
    const task = deferred();
    const done = withLoadState(page, () => task.promise);
    expect(page.data).toMatchObject({ loading: true, error: '' });
    task.resolve();
    await done;
    expect(page.data).toMatchObject({ loading: false, error: '' });
  });

  test('what the task throws lands in error; the promise still resolves', async () => {
    const page = fakePage({});
    await expect(
      withLoadState(page, async () => {
        throw serverError();
      }),
    ).resolves.toBeUndefined();
    expect(page.data).toMatchObject({ loading: false, error: '服务器出错了' });
  });

  test('when no longer current, neither error nor loading is touched', async () => {
    const page = fakePage({});
    await withLoadState(
      page,
      async () => {
        throw serverError();
      },
      () => false,
    );
    expect(page.data).toMatchObject({ loading: true, error: '' });
  });
});

describe('pages on the shared lifecycle', () => {
  installPageShim();

  function mount(route) {
    let id;
    jest.isolateModules(() => {
      id = simulate.load(path.join(ROOT, route), { rootPath: ROOT });
    });
    const page = simulate.render(id, {});
    page.attach(document.createElement('parent-wrapper'));
    return page;
  }

  const registration = (id) => ({
    id,
    status: 'confirmed',
    companions: 0,
    activity: { id: 100 + id, title: `活动${id}`, starts_at: '2025-03-01T09:00:00+08:00' },
  });

  test('my registrations: onShow loads page 1, reaching the bottom appends page 2, a tab reloads', async () => {
    wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /me/registrations': (req) => {
          const ids = req.query.when === 'past' ? [9] : req.query.page === '1' ? [1, 2] : [3];
          return { statusCode: 200, data: { items: ids.map(registration), total: req.query.when === 'past' ? 1 : 3 } };
        },
      }),
    );
    const page = mount('pages/my-registrations/index');
    page.instance.onShow();
    await settle();
    expect(page.data.items.map((i) => i.activity.title)).toEqual(['活动1', '活动2']);
    expect(page.dom.innerHTML).toContain('上拉加载更多');

    page.instance.onReachBottom();
    await settle();
    expect(page.data.items.map((i) => i.activity.title)).toEqual(['活动1', '活动2', '活动3']);
    expect(page.data.raw.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(page.dom.innerHTML).toContain('活动3');
    expect(page.dom.innerHTML).toContain('没有更多了');

    page.instance.onTabTap({ currentTarget: { dataset: { when: 'past' } } });
    await settle();
    expect(page.data.items.map((i) => i.activity.title)).toEqual(['活动9']);
    expect(wx.requests.map((r) => [r.query.when, r.query.page, r.query.page_size])).toEqual([
      ['upcoming', '1', '20'],
      ['upcoming', '2', '20'],
      ['past', '1', '20'],
    ]);
  });

  test('activities tab: items are the activities as fetched, and a failure shows the error', async () => {
    wx = installWx({ storage: { auth_token: 't' } });
    let fail = false;
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [] } },
        'GET /activities': () =>
          fail
            ? { statusCode: 500, data: { error: 'internal' } }
            : { statusCode: 200, data: { items: [{ id: 5, title: '青年读书会' }], total: 1 } },
      }),
    );
    const page = mount('pages/activities/index');
    page.instance.onLoad();
    await settle();
    expect(page.data.items).toEqual([{ id: 5, title: '青年读书会' }]);
    expect(page.data).toMatchObject({ page: 1, finished: true, loading: false, error: '' });
    expect(wx.requests.find((r) => r.path === '/activities').query).toMatchObject({ page: '1', page_size: '20' });

    fail = true;
    page.instance.reload();
    await settle();
    expect(page.data.error).not.toBe('');
    expect(page.dom.innerHTML).toContain(page.data.error);
  });
});
