/**
 * Organizer workbench (社区工作者工作台), on-site first: 今日现场 (today's activities and duty sites of the
 * chosen community, each with its check-in code and roster), 空缺岗位 (posts short now or later today, and
 * the volunteers of a shift under way who have not checked in, to call), then 本月数据. Desk work (shift
 * planning, sites, exports ...) is done in the web console; the workbench says so and opens its login.
 * Each block loads on its own: one that fails says so, and the rest of the workbench works. While the
 * workbench is on screen, today's blocks are read again every two minutes.
 */
const {
  refreshUser,
  cachedUser,
  isOrganizer,
  managedCommunities,
  organizerCommunityId,
  setOrganizerCommunityId,
} = require('../../../utils/user');
const { errorText } = require('../../../api/api-error');
const { loadMonthStats, UNAVAILABLE_TEXT } = require('../../../controllers/month-stats');
const { loadTodayActivities, loadTodayDuty } = require('../../../controllers/on-site');
const { callPerson } = require('../../../controllers/phone-call');
const rosterService = require('../../../services/roster');
const display = require('../../../utils/display');

const CODE_PAGE = '/packageOrganizer/pages/checkin-code/index';
// While the workbench is on screen, 今日现场 and 空缺岗位 are read again this often (who is late changes).
const TODAY_REFRESH_MS = 120000;

Page({
  data: {
    fontRoot: '16px',
    allowed: true,
    communities: [],
    communityIndex: 0,
    error: '',
    activities: [],
    activitiesLoading: false,
    activitiesError: '',
    sites: [],
    vacancies: [],
    absent: [],
    remainingShifts: 0,
    dutyLoading: false,
    dutyError: '',
    stats: null,
    statsLoading: false,
    statsError: '',
  },

  onLoad() {
    display.apply(this);
  },

  onShow() {
    display.apply(this);
    this.load();
    if (!this.todayTimer) this.todayTimer = setInterval(() => this.loadToday(), TODAY_REFRESH_MS);
  },

  onHide() {
    this.stopTimer();
  },

  onUnload() {
    this.stopTimer();
  },

  stopTimer() {
    if (this.todayTimer) clearInterval(this.todayTimer);
    this.todayTimer = null;
  },

  onPullDownRefresh() {
    Promise.resolve(this.user ? this.loadToday() : this.load()).then(() => wx.stopPullDownRefresh());
  },

  async load() {
    try {
      let user = cachedUser();
      try {
        user = await refreshUser();
      } catch (err) {
        if (!user) throw err;
      }
      if (!isOrganizer(user)) {
        this.setData({ allowed: false });
        return;
      }
      this.user = user;
      this.loadStats();
      const communities = await managedCommunities(user);
      const remembered = organizerCommunityId();
      const index = Math.max(
        0,
        communities.findIndex((c) => c.id === remembered),
      );
      this.setData({ allowed: true, communities, communityIndex: index, error: '' });
      if (communities[index]) setOrganizerCommunityId(communities[index].id);
      await this.loadToday();
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
  },

  communityId() {
    const community = this.data.communities[this.data.communityIndex];
    return community ? community.id : null;
  },

  /** 今日现场 and 空缺岗位 of the chosen community; never rejects. */
  loadToday() {
    const communityId = this.communityId();
    if (!communityId) return Promise.resolve();
    this.todaySeq = (this.todaySeq || 0) + 1;
    const seq = this.todaySeq;
    const current = () => seq === this.todaySeq;
    this.setData({ activitiesLoading: true, activitiesError: '', dutyLoading: true, dutyError: '' });
    const activities = loadTodayActivities(communityId).then(
      (items) => current() && this.setData({ activities: items, activitiesLoading: false }),
      (err) => current() && this.setData({ activities: [], activitiesLoading: false, activitiesError: errorText(err) }),
    );
    const duty = loadTodayDuty(communityId).then(
      (today) => current() && this.setData(Object.assign({ dutyLoading: false }, today)),
      (err) =>
        current() &&
        this.setData({
          sites: [],
          vacancies: [],
          absent: [],
          remainingShifts: 0,
          dutyLoading: false,
          dutyError: errorText(err),
        }),
    );
    return Promise.all([activities, duty]);
  },

  /** 本月数据: never rejects; a newer load supersedes an older one still on its way. */
  async loadStats() {
    this.statsSeq = (this.statsSeq || 0) + 1;
    const seq = this.statsSeq;
    this.setData({ statsLoading: true, statsError: '' });
    try {
      const stats = await loadMonthStats(this.user);
      if (seq === this.statsSeq) this.setData({ stats, statsLoading: false });
    } catch (err) {
      if (seq === this.statsSeq) this.setData({ stats: null, statsLoading: false, statsError: UNAVAILABLE_TEXT });
    }
  },

  onRetryStats() {
    if (this.user) this.loadStats();
  },

  onRetryToday() {
    return this.loadToday();
  },

  onCommunityChange(e) {
    const index = Number(e.detail.value);
    this.setData({ communityIndex: index });
    setOrganizerCommunityId(this.data.communities[index].id);
    return this.loadToday();
  },

  /** 出示签到码 of an activity (`data-activity`) or a duty site (`data-site`, `data-name`). */
  onShowCode(e) {
    const { activity, site, name } = e.currentTarget.dataset;
    const query = site ? `siteId=${site}` : `activityId=${activity}`;
    wx.navigateTo({ url: `${CODE_PAGE}?${query}&name=${encodeURIComponent(name || '')}` });
  },

  /** 居民确认码: the community's join code, shown at the centre. */
  onShowJoinCode() {
    const community = this.data.communities[this.data.communityIndex];
    if (!community) return;
    wx.navigateTo({ url: `${CODE_PAGE}?communityId=${community.id}&name=${encodeURIComponent(community.name || '')}` });
  },

  onActivityRoster(e) {
    wx.navigateTo({ url: `/packageOrganizer/pages/roster/index?id=${e.currentTarget.dataset.activity}` });
  },

  /** The day's duty roster, of one site when `data-site` is given. */
  onDutyRoster(e) {
    const site = e.currentTarget.dataset.site;
    const communityId = this.communityId();
    wx.navigateTo({
      url: `/packageOrganizer/pages/duty-roster/index?communityId=${communityId}${site ? `&siteId=${site}` : ''}`,
    });
  },

  /** 拨打电话 to a volunteer who has not checked in: the number is revealed (audited), never shown. */
  onCall(e) {
    const { booking, name } = e.currentTarget.dataset;
    return callPerson(name, () => rosterService.revealBookingPhone(booking));
  },

  onNavigate(e) {
    const community = this.data.communities[this.data.communityIndex];
    if (!community) return;
    wx.navigateTo({ url: `${e.currentTarget.dataset.url}?communityId=${community.id}` });
  },

  onConsoleLogin() {
    wx.navigateTo({ url: '/packageOrganizer/pages/console-login/index' });
  },
});
