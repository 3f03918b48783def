/**
 * The day's duty roster across the community's sites (GET /rosters/shifts), or one site's part of it
 * (`siteId`, from the workbench's 今日现场): 代签到 (checking a volunteer in by hand: the organizer types
 * why, e.g. 手机没电; the booking is marked 组织者代签 with it, audited), 签退 and 缺勤 (no-show, once the
 * shift has started) after a confirmation since they cannot be taken back, and 拨打电话 (phones are
 * masked; the tap reveals one number, audited). Each checked-in row says how (扫码 with the distance
 * from the site, or 组织者代签 with the reason). Exports are desk work, done in the web console.
 * 换班: the day's open offers and the claims waiting for approval (GET /rosters/swaps) come first, a
 * claim with 通过 (every booking rule is checked again by the server) and 不通过 (a reason, in a dialog).
 */
const rosterService = require('../../../services/roster');
const shiftService = require('../../../services/shift');
const swapService = require('../../../services/swap');
const { presentSwap } = require('../../../controllers/swap');
const vacancyService = require('../../../services/vacancy');
const { presentShiftAlerts } = require('../../../controllers/vacancy-alerts');
const { dutyRosterRows } = require('../../../utils/present');
const { callPerson } = require('../../../controllers/phone-call');
const { rejectDialog } = require('../../../controllers/reject-dialog');
const { todayString, dayLabel } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, showSuccess, showText, confirm, withLoading } = require('../../../utils/ui');
const display = require('../../../utils/display');

// `question`: asked first, for what cannot be undone; `reason`: asked first, sent with the call.
const ACTIONS = {
  checkIn: {
    call: (id, reason) => shiftService.checkInByHand(id, reason),
    reason: '为「{name}」代签到',
    done: '已代签到',
  },
  checkOut: {
    call: (id) => shiftService.checkOutBooking(id),
    question: '为「{name}」签退？签退后按签到到签退的时间计入志愿时长。',
    confirmText: '签退',
    done: '已签退',
  },
  noShow: {
    call: (id) => shiftService.markNoShow(id),
    question: '将「{name}」标记为缺勤？标记后不能撤销，本班次不再为其签到。',
    confirmText: '标记缺勤',
    done: '已标记缺勤',
  },
};

/**
 * Why the organizer checks someone in by hand, typed in WeChat's dialog (at most 200 characters):
 * resolves the trimmed text ('' when left empty), or null when cancelled.
 */
function askReason(title) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      editable: true,
      placeholderText: '原因，如：手机没电、现场核实身份',
      confirmText: '代签到',
      success: (res) =>
        resolve(
          res.confirm
            ? String(res.content || '')
                .trim()
                .slice(0, 200)
            : null,
        ),
      fail: () => resolve(null),
    });
  });
}

// 不通过's dialog: the reason (both volunteers are told), checked here and by the server.
const rejectMethods = rejectDialog({ reader: '志愿者', send: (id, reason) => swapService.rejectSwap(id, reason) });

Page(
  Object.assign({}, rejectMethods, {
    data: {
      fontRoot: '16px',
      communityId: null,
      communityName: '',
      siteId: null,
      siteName: '',
      date: '',
      dateText: '',
      items: [],
      swaps: [],
      rejectOpen: false,
      rejectText: '',
      rejectReason: '',
      rejectError: '',
      // 空岗提醒 of one vacancy row, opened by its tap: the row's key and what the alerts reached.
      alertsKey: '',
      alerts: null,
      loading: true,
      busy: false,
      error: '',
    },

    onLoad(query) {
      display.apply(this);
      this.setData({ communityId: Number(query.communityId) || null, siteId: Number(query.siteId) || null });
      this.setDate(query.date || todayString());
    },

    onShow() {
      display.apply(this);
    },

    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh());
    },

    setDate(date) {
      const day = dayLabel(date);
      this.setData({ date, dateText: `${day.label} ${day.weekday}` });
      return this.load();
    },

    onDateChange(e) {
      return this.setDate(e.detail.value);
    },

    async load() {
      this.setData({ loading: true, error: '' });
      try {
        const query = { date: this.data.date, communityId: this.data.communityId };
        const [body, swapBody] = await Promise.all([
          rosterService.getDutyRoster(query),
          swapService.listRosterSwaps(query).catch(() => ({ items: [] })),
        ]);
        const rows = dutyRosterRows(body);
        const siteId = this.data.siteId;
        const items = siteId ? rows.filter((row) => row.siteId === siteId) : rows;
        const swaps = ((swapBody && swapBody.items) || [])
          .filter((swap) => !siteId || (swap.shift && swap.shift.site && swap.shift.site.id === siteId))
          .map(presentSwap);
        this.setData({
          items,
          swaps,
          siteName: siteId && items[0] ? items[0].siteName : '',
          communityName: (body && body.community && body.community.name) || '',
        });
      } catch (err) {
        this.setData({ error: errorText(err), items: [] });
      } finally {
        this.setData({ loading: false });
      }
    },

    /** Every site of the day instead of one. */
    onAllSites() {
      this.setData({ siteId: null, siteName: '' });
      return this.load();
    },

    onShowSiteCode() {
      const { siteId, siteName } = this.data;
      wx.navigateTo({
        url: `/packageOrganizer/pages/checkin-code/index?siteId=${siteId}&name=${encodeURIComponent(siteName)}`,
      });
    },

    /** 签到 / 签退 / 缺勤 by the organizer (no token needed); one at a time. */
    async onAction(e) {
      const { id, name, action } = e.currentTarget.dataset;
      const spec = ACTIONS[action];
      if (!spec || this.data.busy) return;
      if (spec.question) {
        const ok = await confirm(spec.question.replace('{name}', name), { confirmText: spec.confirmText });
        if (!ok) return;
      }
      let reason = '';
      if (spec.reason) {
        reason = await askReason(spec.reason.replace('{name}', name));
        if (reason === null) return; // cancelled
        if (!reason) {
          showText('请填写代签到的原因，如：手机没电');
          return;
        }
      }
      this.setData({ busy: true });
      try {
        await withLoading('提交中', () => spec.call(id, reason));
        showSuccess(spec.done);
        await this.load();
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    /** 通过 a claim: the place passes to the taker (the server checks every rule again, naming them). */
    async onApproveSwap(e) {
      const { id, giver, taker } = e.currentTarget.dataset;
      if (this.data.busy) return;
      const ok = await confirm(`同意由「${taker}」接替「${giver}」值守？`, { confirmText: '同意' });
      if (!ok) return;
      this.setData({ busy: true });
      try {
        await withLoading('处理中', () => swapService.approveSwap(id));
        showSuccess('已同意换班');
      } catch (err) {
        showError(err);
      } finally {
        this.setData({ busy: false });
      }
      await this.load();
    },

    /** 不通过: ask for the reason (both volunteers are told) in a dialog. */
    onOpenRejectSwap(e) {
      const { id, giver, taker } = e.currentTarget.dataset;
      this.rejectId = id;
      this.setData({
        rejectOpen: true,
        rejectText: `「${taker}」接替「${giver}」的换班不通过，原因会通知双方`,
        rejectReason: '',
        rejectError: '',
      });
    },

    /** 空岗提醒: whom the shift's vacancy alerts reached and who then booked; a second tap closes it. */
    async onShowAlerts(e) {
      const { key, shift } = e.currentTarget.dataset;
      if (this.data.alertsKey === key) {
        this.setData({ alertsKey: '', alerts: null });
        return;
      }
      try {
        const body = await withLoading('加载中', () => vacancyService.getShiftVacancyAlerts(shift));
        this.setData({ alertsKey: key, alerts: presentShiftAlerts(body) });
      } catch (err) {
        showError(err);
      }
    },

    /** 拨打电话: reveal this volunteer's number (audited), then call it. */
    onCall(e) {
      const { id, name } = e.currentTarget.dataset;
      return callPerson(name, () => rosterService.revealBookingPhone(id));
    },
  }),
);
