/** Organizer workbench (社区工作者工作台): pick the community, then activities, shifts and rosters. */
const {
  refreshUser,
  cachedUser,
  isOrganizer,
  managedCommunities,
  organizerCommunityId,
  setOrganizerCommunityId,
} = require('../../../utils/user');
const { errorText } = require('../../../api/api-error');

Page({
  data: { allowed: true, communities: [], communityIndex: 0, error: '' },

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
