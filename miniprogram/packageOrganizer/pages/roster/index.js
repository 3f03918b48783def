/**
 * An activity's roster: counts, registrants (masked phones, "拨打电话" reveals one) with check-in by hand,
 * XLSX export, and the check-in code.
 */
const rosterService = require('../../../services/roster');
const { presentRosterRow } = require('../../../utils/present');
const { exportXlsx } = require('../../../controllers/export');
const { callPerson } = require('../../../controllers/phone-call');
const { withLoadState } = require('../../../utils/load-state');
const { showError, showSuccess, confirm, withLoading } = require('../../../utils/ui');

Page({
  data: { id: null, title: '', counts: null, items: [], filter: 'all', loading: true, error: '' },

  onLoad(query) {
    this.setData({ id: Number(query.id) });
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  load() {
    return withLoadState(this, async () => {
      const roster = await rosterService.getActivityRoster(this.data.id);
      this.rows = ((roster && roster.items) || []).map(presentRosterRow);
      this.setData({
        title: (roster.activity && roster.activity.title) || '',
        counts: roster.counts || null,
      });
      this.applyFilter();
    });
  },

  applyFilter() {
    const filter = this.data.filter;
    const rows = this.rows || [];
    const items =
      filter === 'all' ? rows : rows.filter((r) => (filter === 'pending' ? r.canCheckIn : r.status === filter));
    this.setData({ items });
  },

  onFilterTap(e) {
    this.setData({ filter: e.currentTarget.dataset.value });
    this.applyFilter();
  },

  async onCheckIn(e) {
    const { id, name } = e.currentTarget.dataset;
    const ok = await confirm(`确认为「${name}」签到吗？`);
    if (!ok) return;
    try {
      await withLoading('签到中', () => rosterService.checkInRegistration(this.data.id, id));
      showSuccess('已签到');
      await this.load();
    } catch (err) {
      showError(err);
    }
  },

  /** 拨打电话: reveal this registrant's number (audited), then call it. */
  onCall(e) {
    const { id, name } = e.currentTarget.dataset;
    return callPerson(name, () => rosterService.revealRegistrationPhone(this.data.id, id));
  },

  async onExport() {
    try {
      await withLoading('导出中', () => exportXlsx(() => rosterService.downloadActivityRoster(this.data.id)));
    } catch (err) {
      showError(err);
    }
  },

  onShowCode() {
    wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?activityId=${this.data.id}` });
  },
});
