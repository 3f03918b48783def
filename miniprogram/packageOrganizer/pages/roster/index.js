/**
 * An activity's roster at the venue: counts, registrants (masked phones, "拨打电话" reveals one) with
 * 签到 in one tap, and the check-in code; 发送通知 sends a short notice to the participants and lists
 * whom it could not reach (tab 需电话联系), each with 拨打电话. Exports are desk work, done in the web console.
 * 报名审核: the tab 待审核 lists sign-ups awaiting approval with 通过 / 不通过 (a reason, in a dialog); an
 * offered place shows 待确认 and its deadline; each person's answers to the activity's questions show under them.
 * Opened with `status=pending`, the page starts on 待审核.
 */
const rosterService = require('../../../services/roster');
const { presentRosterRow } = require('../../../utils/present');
const { callPerson } = require('../../../controllers/phone-call');
const { rejectDialog } = require('../../../controllers/reject-dialog');
const { withLoadState } = require('../../../utils/load-state');
const { showError, showSuccess, showText, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');

// 不通过's dialog: the reason, checked here and by the server; a sign-up decided meanwhile reloads.
const rejectMethods = rejectDialog({
  reader: '居民',
  send: (id, reason, page) => rosterService.rejectRegistration(page.data.id, id, reason),
  reloadAfter: (err) => Boolean(err && err.error === 'not_pending'),
});

Page(
  Object.assign({}, rejectMethods, {
    data: {
      fontRoot: '16px',
      id: null,
      title: '',
      counts: null,
      items: [],
      filter: 'all',
      loading: true,
      busy: false,
      error: '',
      noticeOpen: false,
      noticeText: '',
      noticeWaitlist: false,
      noticeError: '',
      unreachableCount: 0,
      approval: false,
      pendingCount: 0,
      rejectOpen: false,
      rejectName: '',
      rejectReason: '',
      rejectError: '',
    },

    onLoad(query) {
      display.apply(this);
      this.setData({ id: Number(query.id), filter: query.status === 'pending' ? 'pending_approval' : 'all' });
      this.load();
    },

    onShow() {
      display.apply(this);
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    load() {
      return withLoadState(this, async () => {
        // One read: the roster lists every status; sign-ups awaiting approval also get a tab of their own.
        const roster = await rosterService.getActivityRoster(this.data.id);
        const activity = (roster && roster.activity) || {};
        const questions = activity.questions || [];
        this.rows = ((roster && roster.items) || []).map((row) => presentRosterRow(row, questions));
        this.pendingRows = this.rows.filter((row) => row.status === 'pending');
        this.setData({
          title: activity.title || '',
          counts: roster.counts || null,
          approval: activity.signup_mode === 'approval' || this.pendingRows.length > 0,
          pendingCount: this.pendingRows.length,
        });
        this.applyFilter();
      });
    },

    applyFilter() {
      const filter = this.data.filter;
      const rows = this.rows || [];
      if (filter === 'pending_approval') {
        this.setData({ items: this.pendingRows || [] });
        return;
      }
      const items =
        filter === 'all'
          ? rows
          : rows.filter((r) => {
              if (filter === 'pending') return r.canCheckIn;
              if (filter === 'unreachable') return (this.unreachableIds || []).includes(r.registrationId);
              return r.status === filter;
            });
      this.setData({ items });
    },

    onFilterTap(e) {
      this.setData({ filter: e.currentTarget.dataset.value });
      this.applyFilter();
    },

    /** 签到 in one tap (it takes nothing away: no confirmation); one at a time. */
    async onCheckIn(e) {
      const { id } = e.currentTarget.dataset;
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        await withLoading('签到中', () => rosterService.checkInRegistration(this.data.id, id));
        showSuccess('已签到');
        await this.load();
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    /** 通过: approve a pending sign-up (it takes a place if one fits, else the waitlist); one at a time. */
    async onApprove(e) {
      const { id, name } = e.currentTarget.dataset;
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const result = await withLoading('处理中', () => rosterService.approveRegistration(this.data.id, id));
        if (result && result.status === 'waitlisted') showText(`已通过，名额已满，${name || ''}已进入候补`);
        else showSuccess('已通过');
        await this.load();
      } catch (err) {
        showError(err);
        // Withdrawn or decided by someone else meanwhile: show the list as it is now.
        if (err && err.error === 'not_pending') await this.load();
      } finally {
        this.setData({ busy: false });
      }
    },

    /** 不通过: ask for the reason (shown to the resident) in a dialog. */
    onOpenReject(e) {
      const { id, name } = e.currentTarget.dataset;
      this.rejectId = id;
      this.setData({ rejectOpen: true, rejectName: name || '', rejectReason: '', rejectError: '' });
    },

    /** 拨打电话: reveal this registrant's number (audited), then call it. */
    onCall(e) {
      const { id, name } = e.currentTarget.dataset;
      return callPerson(name, () => rosterService.revealRegistrationPhone(this.data.id, id));
    },

    /** 发送通知: open the dialog; one key per opening, so a repeated 发送 sends once. */
    onOpenNotice() {
      this.noticeKey = `n-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
      this.setData({ noticeOpen: true, noticeError: '' });
    },

    onNoticeInput(e) {
      this.setData({ noticeText: e.detail.value, noticeError: '' });
    },

    onNoticeWaitlist(e) {
      this.setData({ noticeWaitlist: !!e.detail.value });
    },

    onNoticeCancel() {
      this.setData({ noticeOpen: false });
    },

    async onNoticeConfirm() {
      const text = (this.data.noticeText || '').trim();
      if (!text) {
        this.setData({ noticeError: '请填写通知内容' });
        return;
      }
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const result = await withLoading('发送中', () =>
          rosterService.sendNotice(this.data.id, {
            text,
            includeWaitlist: this.data.noticeWaitlist,
            key: this.noticeKey,
          }),
        );
        const unreachable = (result && result.unreachable) || [];
        this.unreachableIds = unreachable.map((u) => u.registration_id);
        this.setData({
          noticeOpen: false,
          noticeText: '',
          unreachableCount: unreachable.length,
          filter: unreachable.length ? 'unreachable' : this.data.filter,
        });
        this.applyFilter();
        const queued = (result && result.queued) || 0;
        if (unreachable.length) showText(`已通知 ${queued} 人，${unreachable.length} 人未订阅，请电话联系`);
        else showSuccess(`已通知 ${queued} 人`);
      } catch (err) {
        const fields = (err && err.errors) || {};
        if (fields.text) this.setData({ noticeError: fields.text[0] });
        else showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    onShowCode() {
      const name = encodeURIComponent(this.data.title || '');
      wx.navigateTo({ url: `/packageOrganizer/pages/checkin-code/index?activityId=${this.data.id}&name=${name}` });
    },
  }),
);
