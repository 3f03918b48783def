/** Organizer's activities of one community by status: edit, publish, cancel, roster, check-in code. */
const activityService = require('../../../services/activity');
const { presentActivity } = require('../../../utils/present');
const { pagedList } = require('../../../utils/paged-list');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../../utils/ui');
const display = require('../../../utils/display');

const TABS = [
  { value: 'draft', label: '草稿' },
  { value: 'published', label: '已发布' },
  { value: 'finished', label: '已结束' },
  { value: 'cancelled', label: '已取消' },
];

/** wx.showModal with a text field (base library ≥ 2.17.1); resolves the text, or null when dismissed. */
function promptReason(title) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      editable: true,
      placeholderText: '请填写取消原因（将通知已报名的居民）',
      success: (res) => resolve(res.confirm ? (res.content || '').trim() : null),
      fail: () => resolve(null),
    });
  });
}

const listMethods = pagedList({
  reloadOnShow: true,
  fetch({ page, pageSize }) {
    // `status` other than published is the server's organizer extension of GET /activities.
    return activityService.listActivities({
      community_id: this.data.communityId,
      status: this.data.status === 'published' ? undefined : this.data.status,
      page,
      page_size: pageSize,
    });
  },
  present: (raw) => raw.map(presentActivity),
});

Page(
  Object.assign({}, listMethods, {
    data: {
      communityId: null,
      tabs: TABS,
      status: 'published',
      items: [],
      raw: [],
      page: 0,
      finished: false,
      loading: false,
      error: '',
    },

    onShow() {
      display.apply(this);
      listMethods.onShow.call(this);
    },

    onLoad(query) {
      display.apply(this);
      this.setData({ communityId: Number(query.communityId) || null });
    },

    onTabTap(e) {
      const status = e.currentTarget.dataset.value;
      if (status === this.data.status) return;
      this.setData({ status, raw: [], items: [] });
      this.reload();
    },

    onCreate() {
      wx.navigateTo({ url: `/packageOrganizer/pages/activity-edit/index?communityId=${this.data.communityId}` });
    },

    onEdit(e) {
      wx.navigateTo({ url: `/packageOrganizer/pages/activity-edit/index?id=${e.currentTarget.dataset.id}` });
    },

    onRoster(e) {
      wx.navigateTo({ url: `/packageOrganizer/pages/roster/index?id=${e.currentTarget.dataset.id}` });
    },

    onCode(e) {
      wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?activityId=${e.currentTarget.dataset.id}` });
    },

    async onPublish(e) {
      const id = e.currentTarget.dataset.id;
      const ok = await confirm('发布后居民即可看到并报名，确定发布吗？');
      if (!ok) return;
      try {
        await withLoading('发布中', () => activityService.publishActivity(id));
        showSuccess('已发布');
        await this.reload();
      } catch (err) {
        showError(err);
      }
    },

    async onCancelActivity(e) {
      const id = e.currentTarget.dataset.id;
      const reason = await promptReason('取消活动');
      if (reason === null) return;
      if (!reason) {
        showText('请填写取消原因');
        return;
      }
      try {
        await withLoading('取消中', () => activityService.cancelActivity(id, reason));
        showSuccess('活动已取消');
        await this.reload();
      } catch (err) {
        showError(err);
      }
    },
  }),
);
