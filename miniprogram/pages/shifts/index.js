/**
 * 志愿值守 tab: shifts by date and site with free places per post; book and cancel; scan to check in.
 * 换班求助: the day's open swap offers the caller may take (GET /shift-swaps), each opening pages/swap.
 * A card opens the shift's page (map, 导航到这里). 离我最近 reads the phone's location (GCJ-02) once
 * and lists the nearest sites first (`GET /shifts?near=`), each card saying how far; sites without a
 * point come last. Refused permission: the chip stays off and the page says how to allow it.
 */
const shiftService = require('../../services/shift');
const swapService = require('../../services/swap');
const { presentSwap } = require('../../controllers/swap');
const siteService = require('../../services/site');
const communityService = require('../../services/community');
const { bookShiftPost } = require('../../controllers/signup');
const { preloadTemplates } = require('../../controllers/reminders');
const checkin = require('../../controllers/checkin');
const { alertTarget } = require('../../controllers/vacancy-alerts');
const location = require('../../controllers/location');
const { presentShift } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const { todayString, nextDays } = require('../../utils/time');
const { cachedUser } = require('../../utils/user');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const display = require('../../utils/display');
const { answersProblem } = require('../../utils/health');

const DAYS_AHEAD = 7;
const SHIFT_PAGE_SIZE = 50;
const ALL_SITES = { id: null, name: '全部点位' };

const listMethods = pagedList({
  pageSize: SHIFT_PAGE_SIZE,
  fetch(paging) {
    if (paging.page === 1) this.loadSwaps();
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
      swaps: [],
      // The booking sheet of a post asking for today's health declaration: {shiftId, postId, ...} or null.
      sheet: null,
      health: { answers: {}, complete: false, well: false },
      // Opened from a vacancy alert (空岗提醒): the shift that is short of people, shown marked.
      focusShiftId: null,
    },

    onShow() {
      display.apply(this);
      display.selectTab(this, 'pages/shifts/index');
    },

    onLoad(query) {
      display.apply(this);
      const today = todayString();
      const days = nextDays(today, DAYS_AHEAD);
      // A vacancy alert's card opens the list on the shift's day and site, the shift marked.
      const target = alertTarget(query);
      const date = target && days.some((d) => d.date === target.date) ? target.date : today;
      this.setData({ days, date, focusShiftId: target ? target.shiftId : null });
      preloadTemplates();
      if (target) {
        // Every community, so the alerted site is in the site list.
        this.loadSites().then(() => {
          const index = this.data.sites.findIndex((s) => s.id === target.siteId);
          if (index > 0) this.setData({ siteIndex: index });
          this.reload();
        });
        this.loadCommunities({ keepAll: true });
        return;
      }
      // The user's own community is the default filter, so it is known before the first load.
      this.loadCommunities().then(() => {
        this.loadSites();
        this.reload();
      });
    },

    async loadCommunities({ keepAll = false } = {}) {
      try {
        const body = await communityService.listCommunities();
        const communities = [{ id: null, name: '全部社区' }].concat((body && body.items) || []);
        const user = cachedUser();
        const mine = user && user.community ? communities.findIndex((c) => c.id === user.community.id) : -1;
        this.setData({ communities, communityIndex: mine > 0 && !keepAll ? mine : 0 });
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

    /** The day's swap offers I may take; a failure just leaves the section out (the shifts still show). */
    async loadSwaps() {
      const date = this.data.date;
      try {
        const body = await swapService.listSwaps({ date, page_size: 20 });
        if (date === this.data.date) this.setData({ swaps: ((body && body.items) || []).map(presentSwap) });
      } catch (err) {
        this.setData({ swaps: [] });
      }
    },

    onOpenSwap(e) {
      wx.navigateTo({ url: `/pages/swap/index?id=${e.currentTarget.dataset.id}` });
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

    /**
     * The booking tap: the subscribe dialog opens synchronously from here (WeChat requires a tap). A
     * post asking for today's health declaration opens the booking sheet first; its 确认预约 books.
     */
    onBook(e) {
      if (this.data.busy) return;
      const { shift, post } = e.currentTarget.dataset;
      const shown = this.data.items.find((item) => item.id === shift);
      const shownPost = shown && shown.posts.find((p) => p.id === post);
      if (shownPost && shownPost.declareAtBooking) {
        this.setData({
          sheet: {
            shiftId: shift,
            postId: post,
            title: `${shown.siteName} · ${shownPost.name}`,
            timeText: shown.timeText,
            requirementText: shownPost.requirementText,
          },
          health: { answers: {}, complete: false, well: false },
        });
        return;
      }
      return this.book(shift, post);
    },

    book(shift, post, declaration) {
      this.setData({ busy: true });
      return bookShiftPost(shift, post, declaration)
        .then((outcome) => {
          showSuccess(outcome.message);
          this.setData({ sheet: null });
          return this.reload();
        })
        .catch(showError)
        .then(() => this.setData({ busy: false }));
    },

    onHealthChange(e) {
      this.setData({ health: e.detail });
    },

    /** 确认预约 in the sheet: every question answered; unwell is told kindly here, nothing is sent. */
    onSheetConfirm() {
      if (this.data.busy || !this.data.sheet) return;
      const { health, sheet } = this.data;
      const problem = answersProblem(health);
      if (problem) {
        showText(problem);
        return;
      }
      return this.book(sheet.shiftId, sheet.postId, health.answers);
    },

    onSheetClose() {
      this.setData({ sheet: null });
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
        if (err && err.error === 'cancel_cutoff_passed') {
          // Too late to cancel: the way out is 换班, offered from 我的值守.
          const go = await confirm(
            '已过取消预约的截止时间。不能前来的话，可以在“我的值守”发起换班，请其他志愿者接班。',
            {
              title: '不能取消',
              confirmText: '去换班',
            },
          );
          if (go) wx.navigateTo({ url: '/pages/my-shifts/index' });
        } else {
          showError(err);
        }
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
