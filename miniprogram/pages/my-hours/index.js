/** My volunteer hours: the total and by month (GET /me/hours). */
const shiftService = require('../../services/shift');
const { presentHours } = require('../../utils/present');
const { withLoadState } = require('../../utils/load-state');
const display = require('../../utils/display');

Page({
  data: { hours: null, loading: true, error: '' },

  onShow() {
    display.apply(this);
  },

  onLoad() {
    display.apply(this);
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
