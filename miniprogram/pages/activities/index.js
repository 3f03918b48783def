/**
 * 活动 tab: published activities with filters (community, category, date), soonest first. The first page
 * under each filter is kept in storage and shown at once on the next visit (`fromCache`) while the
 * network is asked; without a network it stays, with a notice (`cacheNotice`).
 */
const activityService = require('../../services/activity');
const communityService = require('../../services/community');
const { CATEGORIES } = require('../../constants/status');
const { pagedList } = require('../../utils/paged-list');
const { dayLabel } = require('../../utils/time');
const display = require('../../utils/display');

const listMethods = pagedList({
  fetch({ page, pageSize }) {
    return activityService.listActivities(Object.assign(this.filters(), { page, page_size: pageSize }));
  },
  cacheKey() {
    return `activities:${JSON.stringify(this.filters())}`;
  },
});

Page(
  Object.assign({}, listMethods, {
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
      fromCache: false,
      cacheNotice: '',
      elderMode: false,
      filtersOpen: false,
    },

    onShow() {
      display.apply(this);
      display.selectTab(this, 'pages/activities/index');
    },

    onLoad() {
      display.apply(this);
      this.loadCommunities();
      this.reload();
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

    /** 长辈模式's 找活动: open (or close) the filters above the list. */
    onFindTap() {
      this.setData({ filtersOpen: !this.data.filtersOpen });
    },

    /** 长辈模式's 我的报名. */
    onMyRegistrations() {
      wx.navigateTo({ url: '/pages/my-registrations/index' });
    },

    onSelect(e) {
      wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.detail.id}` });
    },

    onShareAppMessage() {
      return { title: '街道党群活动报名', path: '/pages/activities/index' };
    },
  }),
);
