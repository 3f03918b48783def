/**
 * The community's members (居民身份确认): the pending claims (待确认) with confirm and reject, the
 * confirmed members, and the community's join code for residents to scan at the centre.
 */
const communityService = require('../../../services/community');
const membership = require('../../../controllers/membership');
const { pagedList } = require('../../../utils/paged-list');
const { showError, showSuccess, confirm, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');
const qualificationService = require('../../../services/qualification');

/** A qualification as the member sheet lists it. */
function presentHeld(q) {
  let stateText = '未持有';
  if (q.held) stateText = q.expires_on ? `持有，有效期至 ${q.expires_on}` : '持有（长期）';
  else if (q.expired) stateText = `已过期（${q.expires_on}）`;
  return { id: q.id, name: q.name, note: q.note || '', held: !!q.held, expired: !!q.expired, stateText };
}

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
      // The qualification sheet of one member: {userId, name, items} or null.
      sheet: null,
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

    /** 资格: the community's qualifications, each held or not by this member, to grant or revoke. */
    async onQualifications(e) {
      const { id, name } = e.currentTarget.dataset;
      try {
        const body = await withLoading('加载中', () =>
          qualificationService.memberQualifications(this.data.communityId, id),
        );
        this.setData({ sheet: { userId: id, name, items: ((body && body.items) || []).map(presentHeld) } });
      } catch (err) {
        showError(err);
      }
    },

    async changeQualification(qualificationId, granting) {
      if (this.data.busy || !this.data.sheet) return;
      const { userId, name } = this.data.sheet;
      this.setData({ busy: true });
      try {
        await withLoading('提交中', () =>
          granting
            ? qualificationService.grantQualification(qualificationId, userId)
            : qualificationService.revokeQualification(qualificationId, userId),
        );
        showSuccess(granting ? '已授予' : '已撤销');
        const body = await qualificationService.memberQualifications(this.data.communityId, userId);
        this.setData({ sheet: { userId, name, items: ((body && body.items) || []).map(presentHeld) } });
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    onGrant(e) {
      return this.changeQualification(e.currentTarget.dataset.id, true);
    },

    async onRevoke(e) {
      const { id, name } = e.currentTarget.dataset;
      const ok = await confirm(
        `确定撤销${this.data.sheet.name}的“${name}”资格吗？其已预约的岗位会保留，名单中会标出。`,
        {
          title: '撤销资格',
          confirmText: '撤销',
        },
      );
      if (ok) await this.changeQualification(id, false);
    },

    onSheetClose() {
      this.setData({ sheet: null });
    },

    onJoinCode() {
      wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?communityId=${this.data.communityId}` });
    },
  }),
);
