/** The community's duty sites, each with its check-in code for volunteers. */
const siteService = require('../../../services/site');
const { siteKindLabel } = require('../../../constants/status');
const { withLoadState } = require('../../../utils/load-state');

Page({
  data: { communityId: null, items: [], loading: true, error: '' },

  onLoad(query) {
    this.setData({ communityId: Number(query.communityId) || null });
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return withLoadState(this, async () => {
      const body = await siteService.listSites({ community_id: this.data.communityId });
      const items = ((body && body.items) || []).map((s) => ({
        id: s.id,
        name: s.name,
        kindText: siteKindLabel(s.kind),
        address: s.address || '',
        grid: s.grid || '',
      }));
      this.setData({ items });
    });
  },

  onCode(e) {
    const { id, name } = e.currentTarget.dataset;
    wx.navigateTo({
      url: `/packageOrganizer/pages/checkin-code/index?siteId=${id}&name=${encodeURIComponent(name)}`,
    });
  },
});
