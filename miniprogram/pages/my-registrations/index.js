/** My registrations: upcoming and past, with status and waitlist position. */
const activityService = require('../../services/activity');
const { presentRegistration } = require('../../utils/present');
const { pagedList } = require('../../utils/paged-list');
const display = require('../../utils/display');

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

    onOpen(e) {
      wx.navigateTo({ url: `/pages/activity-detail/index?id=${e.currentTarget.dataset.id}` });
    },
  }),
);
