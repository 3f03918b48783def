/**
 * The lifecycle of a page that shows a paginated list: pull down to reload, reach the bottom for the
 * next page, stale answers dropped, and optionally the first page shown from the cache while the
 * network is asked (`cacheKey`). `pagedList(options)` returns page methods to merge into the
 * definition given to Page():
 *
 *   Page(Object.assign({}, pagedList({ fetch, present }), { data: {...}, onTabTap() {...} }));
 *
 * The page's data must hold `items`, `page` (0), `finished`, `loading` and `error`, and `raw` ([]) when
 * `present` is given. `reload` takes no arguments, so WXML may bind it directly (bindretry="reload").
 */
const { mergePage, PAGE_SIZE } = require('./pager');
const { withLoadState } = require('./load-state');
const { readCachedPage, saveCachedPage } = require('./list-cache');
const { errorText } = require('../api/api-error');
const { toast } = require('./ui');

const OFFLINE_NOTICE = '网络不可用，显示的是上次保存的内容';

/**
 * @param {object} options
 * @param {function({page: number, pageSize: number}): Promise<object>} options.fetch  one page of the
 *   API (`{items, total}`), called with the page as `this`
 * @param {function(object[]): object[]} [options.present]  all fetched items → what `items` shows,
 *   called with the page as `this`; the fetched ones are then kept in `raw`. Without it, `items` holds
 *   them as fetched.
 * @param {number} [options.pageSize]  PAGE_SIZE unless given
 * @param {boolean} [options.reloadOnShow]  add `onShow` reloading the list (pages that load in onLoad leave it out)
 * @param {function(): string} [options.cacheKey]  the storage key of the list under the current filters
 *   (called with the page as `this`). Page 1 as fetched is kept under it (utils/list-cache.js); a reload
 *   for filters other than those shown shows the kept page at once, with `fromCache` true, and the
 *   network's answer replaces it (`fromCache` false). When the network fails meanwhile, the kept page
 *   stays, `cacheNotice` says why (a toast too) and `error` stays empty. The page's data then also
 *   holds `fromCache` (false) and `cacheNotice` ('').
 */
function pagedList({ fetch, present, pageSize = PAGE_SIZE, reloadOnShow = false, cacheKey = null }) {
  /** Show the page kept for `key` at once, if any and if the list shows other filters. */
  function showCached(page, key) {
    if (!key || page.shownKey === key) return;
    const cached = readCachedPage(key);
    if (!cached) return;
    const shown = present ? { raw: cached.items, items: present.call(page, cached.items) } : { items: cached.items };
    const merged = mergePage([], cached, 1);
    page.shownKey = key;
    page.setData(Object.assign(shown, { page: 1, finished: merged.finished, fromCache: true, cacheNotice: '' }));
  }

  const methods = {
    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      if (!this.data.finished) this.loadPage(this.data.page + 1);
    },

    reload() {
      return this.loadPage(1);
    },

    /** Page 1 (re)loads and supersedes any load in flight; later pages wait their turn. */
    async loadPage(page) {
      if (page > 1 && this.data.loading) return;
      const seq = (this.seq = (this.seq || 0) + 1);
      const current = () => seq === this.seq;
      const key = cacheKey && page === 1 ? cacheKey.call(this) : null;
      if (key) showCached(this, key);
      await withLoadState(
        this,
        async () => {
          let body;
          try {
            body = await fetch.call(this, { page, pageSize });
          } catch (err) {
            if (!(key && current() && this.data.fromCache && this.shownKey === key)) throw err;
            // The kept page stays up: say why it is not fresh, and report no error.
            const cacheNotice =
              err && err.isNetworkError ? OFFLINE_NOTICE : `${errorText(err)}，显示的是上次保存的内容`;
            this.setData({ cacheNotice });
            toast(cacheNotice, '', 3000);
            return;
          }
          if (!current()) return;
          const merged = mergePage(present ? this.data.raw : this.data.items, body, page);
          const shown = present
            ? { raw: merged.items, items: present.call(this, merged.items) }
            : { items: merged.items };
          if (key) {
            saveCachedPage(key, body);
            this.shownKey = key;
            Object.assign(shown, { fromCache: false, cacheNotice: '' });
          } else if (cacheKey && page === 1) this.shownKey = null;
          this.setData(Object.assign(shown, { page: merged.page, finished: merged.finished }));
        },
        current,
      );
    },
  };
  if (reloadOnShow) {
    methods.onShow = function onShow() {
      this.reload();
    };
  }
  return methods;
}

module.exports = { pagedList };
