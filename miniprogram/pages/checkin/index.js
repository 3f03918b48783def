/**
 * Check-in page, opened by scanning an organizer's mini-program code (`scene` = the token) or from
 * an in-app scan (`token`). Activity tokens check in at once; site tokens list today's bookings at
 * that site, each with its check-in or check-out button.
 */
const activityService = require('../../services/activity');
const checkin = require('../../controllers/checkin');
const { parseJoinToken } = require('../../controllers/membership');
const { presentBooking } = require('../../utils/present');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, withLoading } = require('../../utils/ui');

Page({
  data: {
    token: '',
    kind: '',
    status: 'idle', // idle | working | done | failed | bookings
    message: '',
    activityTitle: '',
    activityId: null,
    bookings: [],
    rawBookings: [],
    busy: false,
  },

  onLoad(query) {
    this.start(checkin.tokenFromQuery(query));
  },

  start(token) {
    const parsed = checkin.parseCheckinToken(token);
    if (!parsed && parseJoinToken(token)) {
      // A community's join code scanned here: it belongs to the join page.
      wx.redirectTo({ url: `/pages/community-join/index?token=${encodeURIComponent(token)}` });
      return Promise.resolve();
    }
    if (!parsed) {
      this.setData({ status: token ? 'failed' : 'idle', message: token ? '无法识别的签到码，请重新扫码' : '' });
      return Promise.resolve();
    }
    this.setData({ token: parsed.token, kind: parsed.kind });
    return parsed.kind === 'activity' ? this.checkInActivity(parsed) : this.loadBookings(parsed);
  },

  async checkInActivity(parsed) {
    this.setData({ status: 'working', activityId: parsed.id, message: '正在签到…' });
    activityService
      .getActivity(parsed.id)
      .then((a) => this.setData({ activityTitle: a.title }))
      .catch(() => null);
    try {
      await checkin.checkInToActivity(parsed);
      this.setData({ status: 'done', message: '签到成功' });
    } catch (err) {
      this.setData({ status: 'failed', message: errorText(err) });
    }
  },

  async loadBookings(parsed) {
    this.setData({ status: 'working', message: '正在查找您今天在此的值守…' });
    try {
      const raw = await checkin.todaysBookingsAtSite(parsed.id);
      this.setData({
        status: raw.length ? 'bookings' : 'failed',
        message: raw.length ? '' : '您今天在此值守点没有预约的班次',
        rawBookings: raw,
        bookings: raw.map((b) => presentBooking(b)),
      });
    } catch (err) {
      this.setData({ status: 'failed', message: errorText(err) });
    }
  },

  async onBookingAction(e) {
    if (this.data.busy) return;
    const booking = this.data.rawBookings.find((b) => b.id === e.currentTarget.dataset.id);
    if (!booking) return;
    const checkingOut = presentBooking(booking).action === 'check_out';
    this.setData({ busy: true });
    try {
      await withLoading(checkingOut ? '签退中' : '签到中', () => checkin.checkInOrOut(booking, this.data.token));
      showSuccess(checkingOut ? '签退成功' : '签到成功');
      await this.loadBookings(checkin.parseCheckinToken(this.data.token));
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ busy: false });
    }
  },

  async onScan() {
    const token = await checkin.scanToken();
    if (token !== null) this.start(token); // null: cancelled
  },

  onOpenActivity() {
    wx.redirectTo({ url: `/pages/activity-detail/index?id=${this.data.activityId}` });
  },

  onHome() {
    wx.switchTab({ url: '/pages/activities/index' });
  },
});
