/**
 * My registrations: upcoming and past, with status and waitlist position; 添加到手机日历 on confirmed places.
 * Lottery entries (待开奖), sign-ups awaiting approval (待审核), offered places to confirm (待确认, with the
 * deadline) and rejected ones (未通过, with the reason) show here too; a tap opens the activity to act on them.
 */
const activityService = require('../../services/activity');
const { presentRegistration } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const display = require('../../utils/display');
const { addActivityToCalendar } = require('../../controllers/calendar');

const listMethods = pagedList({
  reloadOnShow: true,
  fetch({ page, pageSize }) {
    return activityService.listMyRegistrations({ when: this.data.when, page, pageSize });
  },
  present: (raw) => raw.map(presentRegistration),
});

Page(
  Object.assign({}, listMethods, {
    data: { when: 'upcoming', raw: [], items: [], page: 0, finished: false, loading: false, error: '' },

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

    /** 添加到手机日历 on a confirmed place (a tap: it must not open the activity too, hence catchtap). */
    onAddToCalendar(e) {
      const id = e.currentTarget.dataset.id;
      const registration = this.data.raw.find((r) => r.id === id);
      if (!registration) return Promise.resolve('failed');
      return addActivityToCalendar(registration.activity);
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.currentTarget.dataset.id}` });
    },
  }),
);
