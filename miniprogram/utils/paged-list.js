/**
 * The lifecycle of a page that shows a paginated list: pull down to reload, reach the bottom for the
 * next page, stale answers dropped. `pagedList(options)` returns page methods to merge into the
 * definition given to Page():
 *
 *   Page(Object.assign({}, pagedList({ fetch, present }), { data: {...}, onTabTap() {...} }));
 *
 * The page's data must hold `items`, `page` (0), `finished`, `loading` and `error`, and `raw` ([]) when
 * `present` is given. `reload` takes no arguments, so WXML may bind it directly (bindretry="reload").
 */
const { mergePage, PAGE_SIZE } = require('./pager');
const { withLoadState } = require('./load-state');

/**
 * @param {object} options
 * @param {function({page: number, pageSize: number}): Promise<object>} options.fetch  one page of the
 *   API (`{items, total}`), called with the page as `this`
 * @param {function(object[]): object[]} [options.present]  all fetched items → what `items` shows,
 *   called with the page as `this`; the fetched ones are then kept in `raw`. Without it, `items` holds
 *   them as fetched.
 * @param {number} [options.pageSize]  PAGE_SIZE unless given
 * @param {boolean} [options.reloadOnShow]  add `onShow` reloading the list (pages that load in onLoad leave it out)
 */
function pagedList({ fetch, present, pageSize = PAGE_SIZE, reloadOnShow = false }) {
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
      await withLoadState(
        this,
        async () => {
          const body = await fetch.call(this, { page, pageSize });
          if (!current()) return;
          const merged = mergePage(present ? this.data.raw : this.data.items, body, page);
          const shown = present
            ? { raw: merged.items, items: present.call(this, merged.items) }
            : { items: merged.items };
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
