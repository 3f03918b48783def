/** 活动 tab: published activities with filters (community, category, date), soonest first. */
const activityService = require('../../services/activity');
const communityService = require('../../services/community');
const { CATEGORIES } = require('../../constants/status');
const { mergePage, PAGE_SIZE } = require('../../utils/pager');
const { errorText } = require('../../api/api-error');
const { dayLabel } = require('../../utils/time');

Page({
  data: {
    communities: [{ id: null, name: '全部社区' }],
    communityIndex: 0,
    categories: [{ value: '', label: '全部' }].concat(CATEGORIES),
    category: '',
    date: '',
    dateText: '全部日期',
    keyword: '',
    items: [],
    page: 0,
    finished: false,
    loading: false,
    error: '',
  },

  onLoad() {
    this.loadCommunities();
    this.reload();
  },

  onPullDownRefresh() {
    this.reload().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (!this.data.finished) this.loadPage(this.data.page + 1);
  },

  async loadCommunities() {
    try {
      const body = await communityService.listCommunities();
      this.setData({ communities: [{ id: null, name: '全部社区' }].concat((body && body.items) || []) });
    } catch (err) {
      // The list still works without the community filter.
    }
  },

  filters() {
    const community = this.data.communities[this.data.communityIndex] || {};
    return {
      community_id: community.id,
      category: this.data.category,
      from: this.data.date,
      to: this.data.date,
      q: this.data.keyword,
    };
  },

  reload() {
    return this.loadPage(1);
  },

  /** Page 1 (re)loads and supersedes any load in flight; later pages wait their turn. */
  async loadPage(page) {
    if (page > 1 && this.data.loading) return;
    const seq = (this.seq = (this.seq || 0) + 1);
    this.setData({ loading: true, error: '' });
    try {
      const body = await activityService.listActivities(Object.assign(this.filters(), { page, page_size: PAGE_SIZE }));
      if (seq === this.seq) this.setData(mergePage(this.data.items, body, page));
    } catch (err) {
      if (seq === this.seq) this.setData({ error: errorText(err) });
    } finally {
      if (seq === this.seq) this.setData({ loading: false });
    }
  },

  onCommunityChange(e) {
    this.setData({ communityIndex: Number(e.detail.value) });
    this.reload();
  },

  onCategoryTap(e) {
    this.setData({ category: e.currentTarget.dataset.value });
    this.reload();
  },

  onDateChange(e) {
    const date = e.detail.value;
    const day = dayLabel(date);
    this.setData({ date, dateText: `${day.label} ${day.weekday}` });
    this.reload();
  },

  onDateClear() {
    this.setData({ date: '', dateText: '全部日期' });
    this.reload();
  },

  onKeywordConfirm(e) {
    this.setData({ keyword: (e.detail.value || '').trim() });
    this.reload();
  },

  onSelect(e) {
    wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.detail.id}` });
  },

  onShareAppMessage() {
    return { title: '街道党群活动报名', path: '/pages/activities/index' };
  },
});
