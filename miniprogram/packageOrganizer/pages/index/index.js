/**
 * Organizer workbench (社区工作者工作台): this month's figures (本月数据), then pick the community, then
 * activities, shifts and rosters. The figures load on their own: when they fail, the card says so and the
 * rest of the workbench works as before.
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

Page({
  data: {
    allowed: true,
    communities: [],
    communityIndex: 0,
    error: '',
    stats: null,
    statsLoading: false,
    statsError: '',
  },

  onShow() {
    this.load();
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
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
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

  onCommunityChange(e) {
    const index = Number(e.detail.value);
    this.setData({ communityIndex: index });
    setOrganizerCommunityId(this.data.communities[index].id);
  },

  onNavigate(e) {
    const community = this.data.communities[this.data.communityIndex];
    if (!community) return;
    wx.navigateTo({ url: `${e.currentTarget.dataset.url}?communityId=${community.id}` });
  },
});
