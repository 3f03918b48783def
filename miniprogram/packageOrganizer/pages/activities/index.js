/**
 * Organizer's activities of one community by status: edit, publish, cancel, roster, check-in code; an
 * activity needing approval (需审核) also has 审核报名, the roster opened on its 待审核 tab.
 */
const activityService = require('../../../services/activity');
const { presentActivity } = require('../../../utils/present');
const { pagedList } = require('../../../utils/paged-list');
const {
  showError,
  showSuccess,
  confirm,
  withLoading,
  showText,
  actionSheet,
  SHEET_DATA,
} = require('../../../utils/ui');
const display = require('../../../utils/display');

const TABS = [
  { value: 'draft', label: '草稿' },
  { value: 'published', label: '已发布' },
  { value: 'finished', label: '已结束' },
  { value: 'cancelled', label: '已取消' },
];

/** The usual reasons, offered first in an action sheet; the last one asks for the text. */
const CANCEL_REASONS = ['天气原因', '场地临时调整', '报名人数不足', '其他原因（手动填写）'];

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
  Object.assign({}, listMethods, actionSheet, {
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
      sheet: SHEET_DATA,
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

    onReview(e) {
      wx.navigateTo({ url: `/packageOrganizer/pages/roster/index?id=${e.currentTarget.dataset.id}&status=pending` });
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

    /** 更多 on a published activity: 编辑 and 取消活动 in an action sheet. */
    async onMore(e) {
      const { id, title } = e.currentTarget.dataset;
      const index = await this.chooseAction(['编辑活动', { label: '取消活动', color: 'var(--color-danger)' }], title);
      if (index === 0) this.onEdit(e);
      else if (index === 1) await this.cancelActivity(id, title);
    },

    /** Cancel with a reason (a usual one from the action sheet, or typed), after a last confirmation. */
    async cancelActivity(id, title) {
      const index = await this.chooseAction(CANCEL_REASONS, '请选择取消原因，已报名的居民会收到通知');
      if (index < 0) return;
      let reason = CANCEL_REASONS[index];
      if (index === CANCEL_REASONS.length - 1) {
        reason = await promptReason('取消活动');
        if (reason === null) return;
        if (!reason) {
          showText('请填写取消原因');
          return;
        }
      }
      const ok = await confirm(`确定取消「${title || '这个活动'}」吗？取消原因：${reason}`, {
        confirmText: '取消活动',
        cancelText: '不取消',
      });
      if (!ok) return;
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
