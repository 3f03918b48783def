/**
 * My volunteer hours (GET /me/hours): the confirmed total and by month, then each checked-out shift with
 * its figure (待确认 / 已确认 / 已更正), a 申诉 action and the organizer's answer; and the proof of
 * service (志愿服务证明) for a chosen period.
 */
const shiftService = require('../../services/shift');
const { presentHours } = require('../../utils/present');
const { presentRecords, defaultPeriod, askQuery, openProof } = require('../../controllers/hours-record');
const { withLoadState } = require('../../utils/load-state');
const { showText } = require('../../utils/ui');
const display = require('../../utils/display');

Page({
  data: { hours: null, records: [], pendingText: '', period: defaultPeriod(), loading: true, error: '' },

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
      const body = await shiftService.getMyHours();
      this.setData(Object.assign({ hours: presentHours(body) }, presentRecords(body)));
    });
  },

  async onQuery(e) {
    if (await askQuery(Number(e.currentTarget.dataset.id))) this.load();
  },

  onFromChange(e) {
    this.setData({ 'period.from': e.detail.value });
  },

  onToChange(e) {
    this.setData({ 'period.to': e.detail.value });
  },

  onProof() {
    const { from, to } = this.data.period;
    if (to < from) {
      showText('结束日期不能早于开始日期');
      return;
    }
    openProof(from, to);
  },
});
