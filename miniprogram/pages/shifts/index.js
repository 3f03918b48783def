/**
 * 志愿值守 tab: shifts by date and site with free places per post; book and cancel; scan to check in.
 * A card opens the shift's page (map, 导航到这里). 离我最近 reads the phone's location (GCJ-02) once
 * and lists the nearest sites first (`GET /shifts?near=`), each card saying how far; sites without a
 * point come last. Refused permission: the chip stays off and the page says how to allow it.
 */
const shiftService = require('../../services/shift');
const siteService = require('../../services/site');
const communityService = require('../../services/community');
const { bookShiftPost } = require('../../controllers/signup');
const { preloadTemplates } = require('../../controllers/reminders');
const checkin = require('../../controllers/checkin');
const location = require('../../controllers/location');
const { presentShift } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const { todayString, nextDays } = require('../../utils/time');
const { cachedUser } = require('../../utils/user');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const display = require('../../utils/display');

const DAYS_AHEAD = 7;
const SHIFT_PAGE_SIZE = 50;
const ALL_SITES = { id: null, name: '全部点位' };

const listMethods = pagedList({
  pageSize: SHIFT_PAGE_SIZE,
  fetch(paging) {
    return shiftService.listShifts(this.filters(paging));
  },
  present: (raw) => {
    const now = Date.now();
    return raw.map((shift) => presentShift(shift, now));
  },
});

Page(
  Object.assign({}, listMethods, {
    data: {
      days: [],
      date: '',
      communities: [{ id: null, name: '全部社区' }],
      communityIndex: 0,
      sites: [ALL_SITES],
      siteIndex: 0,
      availableOnly: false,
      near: '', // "<lat>,<lng>" of 离我最近, '' when off
      nearProblem: null, // {text, denied} when the location could not be read
      raw: [],
      items: [],
      page: 0,
      finished: false,
      loading: false,
      busy: false,
      error: '',
    },

    onShow() {
      display.apply(this);
      display.selectTab(this, 'pages/shifts/index');
    },

    onLoad() {
      display.apply(this);
      const today = todayString();
      this.setData({ days: nextDays(today, DAYS_AHEAD), date: today });
      preloadTemplates();
      // The user's own community is the default filter, so it is known before the first load.
      this.loadCommunities().then(() => {
        this.loadSites();
        this.reload();
      });
    },

    async loadCommunities() {
      try {
        const body = await communityService.listCommunities();
        const communities = [{ id: null, name: '全部社区' }].concat((body && body.items) || []);
        const user = cachedUser();
        const mine = user && user.community ? communities.findIndex((c) => c.id === user.community.id) : -1;
        this.setData({ communities, communityIndex: mine > 0 ? mine : 0 });
      } catch (err) {
        // Filtering by community is optional.
      }
    },

    async loadSites() {
      const community = this.data.communities[this.data.communityIndex];
      try {
        const body = await siteService.listSites({ community_id: community && community.id });
        this.setData({ sites: [ALL_SITES].concat((body && body.items) || []), siteIndex: 0 });
      } catch (err) {
        this.setData({ sites: [ALL_SITES], siteIndex: 0 });
      }
    },

    /** The query of GET /shifts for one page of the list. */
    filters({ page, pageSize }) {
      const community = this.data.communities[this.data.communityIndex] || {};
      const site = this.data.sites[this.data.siteIndex] || {};
      return {
        date: this.data.date,
        community_id: community.id,
        site_id: site.id,
        available: this.data.availableOnly ? 'true' : undefined,
        near: this.data.near || undefined,
        page,
        page_size: pageSize,
      };
    },

    onDayTap(e) {
      this.setData({ date: e.currentTarget.dataset.date });
      this.reload();
    },

    onCommunityChange(e) {
      this.setData({ communityIndex: Number(e.detail.value) });
      this.loadSites();
      this.reload();
    },

    onSiteChange(e) {
      this.setData({ siteIndex: Number(e.detail.value) });
      this.reload();
    },

    onAvailableToggle() {
      this.setData({ availableOnly: !this.data.availableOnly });
      this.reload();
    },

    /** 离我最近: on, with the phone's position read now; off, back to soonest first. */
    async onNearToggle() {
      if (this.data.near) {
        this.setData({ near: '', nearProblem: null });
        return this.reload();
      }
      try {
        const here = await withLoading('正在定位', () => location.locate());
        this.setData({ near: location.nearParam(here), nearProblem: null });
      } catch (err) {
        this.setData({ nearProblem: { text: location.locationErrorText(err), denied: err.kind === 'denied' } });
        return null;
      }
      return this.reload();
    },

    async onOpenSettings() {
      const allowed = await location.openSettings();
      if (allowed) this.setData({ nearProblem: null });
    },

    onOpenShift(e) {
      wx.navigateTo({ url: `/pages/shift-detail/index?id=${e.currentTarget.dataset.id}` });
    },

    /** The booking tap: the subscribe dialog opens synchronously from here (WeChat requires a tap). */
    onBook(e) {
      if (this.data.busy) return;
      const { shift, post } = e.currentTarget.dataset;
      this.setData({ busy: true });
      return bookShiftPost(shift, post)
        .then((outcome) => {
          showSuccess(outcome.message);
          return this.reload();
        })
        .catch(showError)
        .then(() => this.setData({ busy: false }));
    },

    async onCancelBooking(e) {
      if (this.data.busy) return;
      const { shift } = e.currentTarget.dataset;
      const ok = await confirm('确定取消这个班次的预约吗？');
      if (!ok) return;
      this.setData({ busy: true });
      try {
        await withLoading('取消中', () => shiftService.cancelBooking(shift));
        showSuccess('已取消预约');
        await this.reload();
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    onScan() {
      return checkin.scanAndOpenCheckin(showText);
    },

    onMyShifts() {
      wx.navigateTo({ url: '/pages/my-shifts/index' });
    },

    onMyHours() {
      wx.navigateTo({ url: '/pages/my-hours/index' });
    },
  }),
);
