/**
 * The community's members (居民身份确认): the pending claims (待确认) with confirm and reject, the
 * confirmed members, and the community's join code for residents to scan at the centre.
 */
const communityService = require('../../../services/community');
const membership = require('../../../controllers/membership');
const { pagedList } = require('../../../utils/paged-list');
const { showError, showSuccess, confirm, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');

const listMethods = pagedList({
  fetch({ page, pageSize }) {
    return communityService.listMembers(this.data.communityId, { status: this.data.status, page, pageSize });
  },
  present: (raw) => raw.map(membership.presentMember),
});

Page(
  Object.assign({}, listMethods, {
    data: {
      communityId: null,
      status: 'claimed',
      raw: [],
      items: [],
      page: 0,
      finished: false,
      loading: false,
      error: '',
      busy: false,
    },

    onShow() {
      display.apply(this);
    },

    onLoad(query) {
      display.apply(this);
      this.setData({ communityId: Number(query.communityId) || null });
      this.reload();
    },

    onTabTap(e) {
      const status = e.currentTarget.dataset.status;
      if (status === this.data.status) return;
      this.setData({ status, raw: [], items: [] });
      this.reload();
    },

    async decide(userId, action) {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        await withLoading('提交中', () => membership.decide(this.data.communityId, userId, action));
        showSuccess(action === 'confirm' ? '已确认' : '已驳回');
        await this.reload();
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    onConfirm(e) {
      return this.decide(e.currentTarget.dataset.id, 'confirm');
    },

    async onReject(e) {
      const { id, name } = e.currentTarget.dataset;
      const removing = this.data.status === 'confirmed';
      const ok = await confirm(
        removing
          ? `确定将${name}移出本社区吗？其已报名的活动不受影响。`
          : `确定驳回${name}的社区身份申请吗？驳回后其不再属于本社区。`,
        { title: removing ? '移出社区' : '驳回申请', confirmText: removing ? '移出' : '驳回' },
      );
      if (ok) await this.decide(id, 'reject');
    },

    onJoinCode() {
      wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?communityId=${this.data.communityId}` });
    },
  }),
);
