/** The day's duty roster across the community's sites (GET /rosters/shifts), with XLSX export. */
const rosterService = require('../../../services/roster');
const { presentDutyRow } = require('../../../utils/present');
const { exportXlsx } = require('../../../controllers/export');
const { todayString, dayLabel } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, withLoading } = require('../../../utils/ui');

Page({
  data: { communityId: null, date: '', dateText: '', items: [], loading: true, error: '' },

  onLoad(query) {
    this.setData({ communityId: Number(query.communityId) || null });
    this.setDate(query.date || todayString());
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  setDate(date) {
    const day = dayLabel(date);
    this.setData({ date, dateText: `${day.label} ${day.weekday}` });
    this.load();
  },

  onDateChange(e) {
    this.setDate(e.detail.value);
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const body = await rosterService.getDutyRoster({ date: this.data.date, communityId: this.data.communityId });
      const rows = Array.isArray(body) ? body : (body && body.items) || [];
      this.setData({ items: rows.map(presentDutyRow) });
    } catch (err) {
      this.setData({ error: errorText(err), items: [] });
    } finally {
      this.setData({ loading: false });
    }
  },

  async onExport() {
    const query = { date: this.data.date, communityId: this.data.communityId };
    try {
      await withLoading('导出中', () => exportXlsx(() => rosterService.downloadDutyRoster(query)));
    } catch (err) {
      showError(err);
    }
  },
});
