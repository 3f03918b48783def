/** My shifts: upcoming and past bookings; cancel; check in and out by scanning the site's code. */
const shiftService = require('../../services/shift');
const checkin = require('../../controllers/checkin');
const { presentBooking } = require('../../utils/present');
const { mergePage, PAGE_SIZE } = require('../../utils/pager');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, confirm, withLoading } = require('../../utils/ui');

Page({
  data: { when: 'upcoming', raw: [], items: [], page: 0, finished: false, loading: false, busy: false, error: '' },

  onShow() {
    this.reload();
  },

  onPullDownRefresh() {
    this.reload().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (!this.data.finished) this.loadPage(this.data.page + 1);
  },

  reload() {
    return this.loadPage(1);
  },

  async loadPage(page) {
    if (page > 1 && this.data.loading) return;
    const seq = (this.seq = (this.seq || 0) + 1);
    this.setData({ loading: true, error: '' });
    try {
      const body = await shiftService.listMyShifts({ when: this.data.when, page, pageSize: PAGE_SIZE });
      if (seq !== this.seq) return;
      const merged = mergePage(this.data.raw, body, page);
      const now = Date.now();
      this.setData({
        raw: merged.items,
        items: merged.items.map((b) => presentBooking(b, now)),
        page: merged.page,
        finished: merged.finished,
      });
    } catch (err) {
      if (seq === this.seq) this.setData({ error: errorText(err) });
    } finally {
      if (seq === this.seq) this.setData({ loading: false });
    }
  },

  onTabTap(e) {
    const when = e.currentTarget.dataset.when;
    if (when === this.data.when) return;
    this.setData({ when, raw: [], items: [] });
    this.reload();
  },

  async onCancel(e) {
    const { shift } = e.currentTarget.dataset;
    const ok = await confirm('确定取消这个班次的预约吗？');
    if (!ok) return;
    try {
      await withLoading('取消中', () => shiftService.cancelBooking(shift));
      showSuccess('已取消预约');
      await this.reload();
    } catch (err) {
      showError(err);
    }
  },

  /** Scan the site's code, then check this booking in or out with the token. */
  async onScan(e) {
    if (this.data.busy) return;
    const booking = this.data.raw.find((b) => b.id === e.currentTarget.dataset.id);
    if (!booking) return;
    let res;
    try {
      res = await checkin.scan();
    } catch (err) {
      return; // cancelled
    }
    const parsed = checkin.parseCheckinToken(checkin.tokenFromScan(res));
    const siteId = booking.shift && booking.shift.site && booking.shift.site.id;
    if (!parsed || parsed.kind !== 'site' || parsed.id !== siteId) {
      wx.showToast({ title: '请扫描本值守点的签到码', icon: 'none' });
      return;
    }
    this.setData({ busy: true });
    try {
      const action = presentBooking(booking).action;
      await withLoading(action === 'check_out' ? '签退中' : '签到中', () =>
        checkin.checkInOrOut(booking, parsed.token),
      );
      showSuccess(action === 'check_out' ? '签退成功' : '签到成功');
      await this.reload();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ busy: false });
    }
  },

  onBrowse() {
    wx.switchTab({ url: '/pages/shifts/index' });
  },
});
