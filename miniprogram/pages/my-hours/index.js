/** My volunteer hours: the total and by month (GET /me/hours). */
const shiftService = require('../../services/shift');
const { presentHours } = require('../../utils/present');
const { errorText } = require('../../api/api-error');

Page({
  data: { hours: null, loading: true, error: '' },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      this.setData({ hours: presentHours(await shiftService.getMyHours()) });
    } catch (err) {
      this.setData({ error: errorText(err) });
    } finally {
      this.setData({ loading: false });
    }
  },
});
