/**
 * Shows the rotating check-in code of an activity (`activityId`) or a duty site (`siteId`), or a
 * community's join code (`communityId`), refreshed before it expires.
 */
const { loadCheckinCode, refreshDelay, expiryMs } = require('../../../controllers/checkin-code');
const activityService = require('../../../services/activity');
const { formatTime } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');

Page({
  data: { kind: 'activity', id: null, title: '', token: '', imagePath: '', imageError: '', expiresText: '', error: '' },

  onLoad(query) {
    let kind = 'activity';
    if (query.siteId) kind = 'site';
    else if (query.communityId) kind = 'community'; // the community's join code
    const id = Number(query.siteId || query.communityId || query.activityId);
    this.setData({ kind, id, title: query.name ? decodeURIComponent(query.name) : '' });
    if (kind === 'activity') {
      activityService
        .getActivity(id)
        .then((a) => this.setData({ title: a.title }))
        .catch(() => null);
    }
  },

  onShow() {
    wx.setKeepScreenOn({ keepScreenOn: true });
    this.refresh();
  },

  onHide() {
    this.stop();
  },

  onUnload() {
    this.stop();
  },

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    wx.setKeepScreenOn({ keepScreenOn: false });
  },

  async refresh() {
    if (this.timer) clearTimeout(this.timer);
    try {
      const code = await loadCheckinCode(this.data.kind, this.data.id);
      const expires = expiryMs(code.expiresAt);
      this.setData({
        token: code.token,
        imagePath: code.imagePath,
        imageError: code.imageError,
        expiresText: Number.isNaN(expires) ? '' : formatTime(expires),
        error: '',
      });
      this.timer = setTimeout(() => this.refresh(), refreshDelay(code.expiresAt));
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
  },
});
