/** My shifts: upcoming and past bookings; cancel; check in and out by scanning the site's code. */
const shiftService = require('../../services/shift');
const checkin = require('../../controllers/checkin');
const { presentBooking } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const display = require('../../utils/display');

const listMethods = pagedList({
  reloadOnShow: true,
  fetch({ page, pageSize }) {
    return shiftService.listMyShifts({ when: this.data.when, page, pageSize });
  },
  present: (raw) => {
    const now = Date.now();
    return raw.map((b) => presentBooking(b, now));
  },
});

Page(
  Object.assign({}, listMethods, {
    data: { when: 'upcoming', raw: [], items: [], page: 0, finished: false, loading: false, busy: false, error: '' },

    onShow() {
      display.apply(this);
      listMethods.onShow.call(this);
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
      const token = await checkin.scanToken();
      if (token === null) return; // cancelled
      const parsed = checkin.parseCheckinToken(token);
      const siteId = booking.shift && booking.shift.site && booking.shift.site.id;
      if (!parsed || parsed.kind !== 'site' || parsed.id !== siteId) {
        showText('请扫描本值守点的签到码');
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
  }),
);
