/**
 * An activity's roster at the venue: counts, registrants (masked phones, "拨打电话" reveals one) with
 * 签到 in one tap, and the check-in code. Exports are desk work, done in the web console.
 */
const rosterService = require('../../../services/roster');
const { presentRosterRow } = require('../../../utils/present');
const { callPerson } = require('../../../controllers/phone-call');
const { withLoadState } = require('../../../utils/load-state');
const { showError, showSuccess, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');

Page({
  data: {
    fontRoot: '16px',
    id: null,
    title: '',
    counts: null,
    items: [],
    filter: 'all',
    loading: true,
    busy: false,
    error: '',
  },

  onLoad(query) {
    display.apply(this);
    this.setData({ id: Number(query.id) });
    this.load();
  },

  onShow() {
    display.apply(this);
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

  /** 签到 in one tap (it takes nothing away: no confirmation); one at a time. */
  async onCheckIn(e) {
    const { id } = e.currentTarget.dataset;
    if (this.data.busy) return;
    this.setData({ busy: true });
    try {
      await withLoading('签到中', () => rosterService.checkInRegistration(this.data.id, id));
      showSuccess('已签到');
      await this.load();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ busy: false });
    }
  },

  /** 拨打电话: reveal this registrant's number (audited), then call it. */
  onCall(e) {
    const { id, name } = e.currentTarget.dataset;
    return callPerson(name, () => rosterService.revealRegistrationPhone(this.data.id, id));
  },

  onShowCode() {
    const name = encodeURIComponent(this.data.title || '');
    wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?activityId=${this.data.id}&name=${name}` });
  },
});
