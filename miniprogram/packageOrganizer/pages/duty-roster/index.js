/**
 * The day's duty roster across the community's sites (GET /rosters/shifts): check volunteers in and
 * out by hand, mark no-shows, call one (phones are masked; "拨打电话" reveals one number), and export the
 * 排班表 as XLSX.
 */
const rosterService = require('../../../services/roster');
const shiftService = require('../../../services/shift');
const { dutyRosterRows } = require('../../../utils/present');
const { exportXlsx } = require('../../../controllers/export');
const { callPerson } = require('../../../controllers/phone-call');
const { todayString, dayLabel } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, showSuccess, confirm, withLoading } = require('../../../utils/ui');

const ACTIONS = {
  checkIn: { call: (id) => shiftService.checkInBooking(id), question: '为「{name}」签到？', done: '已签到' },
  checkOut: { call: (id) => shiftService.checkOutBooking(id), question: '为「{name}」签退？', done: '已签退' },
  noShow: { call: (id) => shiftService.markNoShow(id), question: '将「{name}」标记为缺勤？', done: '已标记缺勤' },
};

Page({
  data: { communityId: null, communityName: '', date: '', dateText: '', items: [], loading: true, error: '' },

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
      this.setData({
        items: dutyRosterRows(body),
        communityName: (body && body.community && body.community.name) || '',
      });
    } catch (err) {
      this.setData({ error: errorText(err), items: [] });
    } finally {
      this.setData({ loading: false });
    }
  },

  /** 签到 / 签退 / 缺勤 by the organizer (no token needed). */
  async onAction(e) {
    const { id, name, action } = e.currentTarget.dataset;
    const spec = ACTIONS[action];
    if (!spec) return;
    const ok = await confirm(spec.question.replace('{name}', name));
    if (!ok) return;
    try {
      await withLoading('提交中', () => spec.call(id));
      showSuccess(spec.done);
      await this.load();
    } catch (err) {
      showError(err);
    }
  },

  /** 拨打电话: reveal this volunteer's number (audited), then call it. */
  onCall(e) {
    const { id, name } = e.currentTarget.dataset;
    return callPerson(name, () => rosterService.revealBookingPhone(id));
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
