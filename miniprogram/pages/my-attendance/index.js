/**
 * My attendance record (参加记录): the activities I was checked in at, by year (a year switch), each with
 * 下载证明 when its organizer enabled certificates of participation (GET /me/attendance).
 */
const attendanceService = require('../../services/attendance');
const { openCertificate, presentAttendance } = require('../../controllers/attendance-record');
const { withLoadState } = require('../../utils/load-state');
const display = require('../../utils/display');

Page({
  data: { year: null, years: [], items: [], total: 0, loaded: false, loading: true, error: '' },

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
    const year = this.data.year;
    return withLoadState(
      this,
      async () => {
        const view = presentAttendance(await attendanceService.getMyAttendance(year));
        if (this.data.year !== year) return; // another year was chosen meanwhile
        this.setData(Object.assign(view, { loaded: true }));
      },
      () => this.data.year === year,
    );
  },

  onYearTap(e) {
    const year = Number(e.currentTarget.dataset.year);
    if (!year || year === this.data.year) return Promise.resolve();
    this.setData({ year, items: [], total: 0 });
    return this.load();
  },

  onOpen(e) {
    wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.currentTarget.dataset.id}` });
  },

  /** 下载证明 (catchtap: the tap must not also open the activity). */
  onCertificate(e) {
    return openCertificate(e.currentTarget.dataset.id);
  },
});
