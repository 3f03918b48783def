/** My registrations: upcoming and past, with status and waitlist position. */
const activityService = require('../../services/activity');
const { presentRegistration } = require('../../utils/present');
const { mergePage, PAGE_SIZE } = require('../../utils/pager');
const { errorText } = require('../../api/api-error');

Page({
  data: { when: 'upcoming', raw: [], items: [], page: 0, finished: false, loading: false, error: '' },

  onShow() {
    this.reload();
  },

  onPullDownRefresh() {
    this.reload().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (!this.data.finished) this.loadPage(this.data.page + 1);
  },

  reload() {
    return this.loadPage(1);
  },

  async loadPage(page) {
    if (page > 1 && this.data.loading) return;
    const seq = (this.seq = (this.seq || 0) + 1);
    this.setData({ loading: true, error: '' });
    try {
      const body = await activityService.listMyRegistrations({ when: this.data.when, page, pageSize: PAGE_SIZE });
      if (seq !== this.seq) return;
      const merged = mergePage(this.data.raw, body, page);
      this.setData({
        raw: merged.items,
        items: merged.items.map(presentRegistration),
        page: merged.page,
        finished: merged.finished,
      });
    } catch (err) {
      if (seq === this.seq) this.setData({ error: errorText(err) });
    } finally {
      if (seq === this.seq) this.setData({ loading: false });
    }
  },

  onTabTap(e) {
    const when = e.currentTarget.dataset.when;
    if (when === this.data.when) return;
    this.setData({ when, raw: [], items: [] });
    this.reload();
  },

  onOpen(e) {
    wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.currentTarget.dataset.id}` });
  },
});
