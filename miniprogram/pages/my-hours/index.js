/** My volunteer hours: the total and by month (GET /me/hours). */
const shiftService = require('../../services/shift');
const { presentHours } = require('../../utils/present');
const { withLoadState } = require('../../utils/load-state');

Page({
  data: { hours: null, loading: true, error: '' },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return withLoadState(this, async () => {
      this.setData({ hours: presentHours(await shiftService.getMyHours()) });
    });
  },
});
