/**
 * Activity detail: sign up (with companions, a remark and the activity's questions), cancel, waitlist position,
 * check-in by scanning, and 添加到手机日历 for a confirmed place. Lottery (抽签): enter, withdraw, the result and
 * a link to the public draw (pages/draw). Approval (需审核): apply, withdraw, the reason of a rejection. An offered
 * place: 确认参加 / 放弃 with a live countdown to its deadline (the timer stops in onHide and onUnload).
 */
const activityService = require('../../services/activity');
const { signUpForActivity, acceptOffer } = require('../../controllers/signup');
const {
  presentQuestions,
  validateAnswers,
  answerErrorsFromServer,
  offerCountdown,
  lotteryResultText,
} = require('../../controllers/fair-places');
const { preloadTemplates } = require('../../controllers/reminders');
const checkin = require('../../controllers/checkin');
const { addActivityToCalendar } = require('../../controllers/calendar');
const { presentActivity, signupState } = require('../../utils/present');
const { formatDateTime } = require('../../utils/time');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const display = require('../../utils/display');

const MAX_COMPANIONS = 5;
// Refusals of 确认参加 / 放弃 that mean the offer is no longer there: reload to show what it is now.
const OFFER_GONE = ['offer_expired', 'no_offer'];

Page({
  data: {
    id: null,
    activity: null,
    view: null,
    state: null,
    companions: 0,
    maxCompanions: MAX_COMPANIONS,
    remark: '',
    questions: [],
    answers: {},
    answerErrors: {},
    offer: null,
    lotteryResult: '',
    submitting: false,
    error: '',
  },

  onShow() {
    display.apply(this);
    this.startCountdown();
  },

  onHide() {
    this.stopCountdown();
  },

  onUnload() {
    this.stopCountdown();
  },

  onLoad(query) {
    display.apply(this);
    this.setData({ id: Number(query.id) });
    // Template ids must be known before the tap: the subscribe dialog opens inside it.
    preloadTemplates();
    this.load();
  },

  onPullDownRefresh() {
    this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    try {
      const activity = await activityService.getActivity(this.data.id);
      const mine = activity.my_registration;
      this.setData({
        activity,
        view: presentActivity(activity),
        state: signupState(activity),
        questions: presentQuestions(activity.questions),
        lotteryResult: lotteryResultText(activity),
        offer:
          mine && mine.status === 'offered'
            ? Object.assign(
                { deadlineText: formatDateTime(mine.offer_expires_at) },
                offerCountdown(mine.offer_expires_at),
              )
            : null,
        error: '',
      });
      this.startCountdown();
      wx.setNavigationBarTitle({ title: activity.title || '活动详情' });
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
  },

  onCompanionsMinus() {
    this.setData({ companions: Math.max(0, this.data.companions - 1) });
  },

  onCompanionsPlus() {
    this.setData({ companions: Math.min(MAX_COMPANIONS, this.data.companions + 1) });
  },

  onRemarkInput(e) {
    this.setData({ remark: e.detail.value });
  },

  /** A text or number answer typed: keep it, and clear that question's error. */
  onAnswerInput(e) {
    const id = e.currentTarget.dataset.id;
    this.setData({ [`answers.${id}`]: e.detail.value, [`answerErrors.${id}`]: '' });
  },

  /** A choice tapped (the whole option row is the target); tapping the chosen one again clears it. */
  onAnswerChoose(e) {
    const { id, value } = e.currentTarget.dataset;
    const next = this.data.answers[id] === value ? '' : value;
    this.setData({ [`answers.${id}`]: next, [`answerErrors.${id}`]: '' });
  },

  /** The sign-up tap: the subscribe dialog opens synchronously from here (WeChat requires a tap). */
  onSignUp() {
    if (this.data.submitting) return;
    const activity = this.data.activity || {};
    // Checked before the dialog, synchronously: a form with a mistake asks for nothing.
    const { answers, errors } = validateAnswers(activity.questions, this.data.answers);
    if (Object.keys(errors).length) {
      this.setData({ answerErrors: errors });
      showText('请检查报名问题的填写');
      return;
    }
    this.setData({ submitting: true, answerErrors: {} });
    return signUpForActivity(this.data.id, {
      companions: this.data.companions,
      remark: this.data.remark.trim(),
      waitlist: Boolean(this.data.state && this.data.state.action === 'waitlist'),
      mode: activity.signup_mode,
      claimHours: activity.claim_hours || 0,
      answers,
    })
      .then((outcome) => {
        showSuccess(outcome.message);
        return this.load();
      })
      .catch((err) => {
        const fieldErrors = answerErrorsFromServer(err);
        if (Object.keys(fieldErrors).length) {
          this.setData({ answerErrors: fieldErrors });
          showText(fieldErrors._form || '请检查报名问题的填写');
          return;
        }
        showError(err);
      })
      .then(() => this.setData({ submitting: false }));
  },

  /** 撤回抽签 / 撤回申请: give up a lottery entry or a sign-up awaiting approval. */
  async onWithdraw() {
    if (this.data.submitting) return;
    const entered = this.data.view && this.data.view.myStatus === 'entered';
    const ok = await confirm(entered ? '确定撤回抽签吗？撤回后将不参加本次抽签。' : '确定撤回报名申请吗？', {
      confirmText: '撤回',
    });
    if (!ok) return;
    this.setData({ submitting: true });
    try {
      await withLoading('撤回中', () => activityService.cancelRegistration(this.data.id));
      showSuccess(entered ? '已撤回抽签' : '已撤回申请');
      await this.load();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ submitting: false });
    }
  },

  /** 确认参加: the subscribe dialog opens synchronously from this tap, then the offer is accepted. */
  onAcceptOffer() {
    if (this.data.submitting) return;
    this.setData({ submitting: true });
    return acceptOffer(this.data.id)
      .then((outcome) => {
        showSuccess(outcome.message);
        return this.load();
      })
      .catch((err) => {
        showError(err);
        // The offer ran out or was withdrawn meanwhile: show what it is now.
        if (OFFER_GONE.includes(err && err.error)) return this.load();
        return null;
      })
      .then(() => this.setData({ submitting: false }));
  },

  /** 放弃: decline the offered place (asked first: it cannot be undone). */
  async onDeclineOffer() {
    if (this.data.submitting) return;
    const ok = await confirm('确定放弃这个名额吗？放弃后名额将让给下一位候补居民，且不能恢复。', {
      confirmText: '放弃名额',
    });
    if (!ok) return;
    this.setData({ submitting: true });
    try {
      await withLoading('处理中', () => activityService.declineOffer(this.data.id));
      showSuccess('已放弃名额');
      await this.load();
    } catch (err) {
      showError(err);
      if (OFFER_GONE.includes(err && err.error)) await this.load();
    } finally {
      this.setData({ submitting: false });
    }
  },

  /** Tick the offer's countdown each second while the page shows; at the deadline, show it expired. */
  startCountdown() {
    this.stopCountdown();
    const offer = this.data.offer;
    if (!offer || offer.expired) return;
    this.countdownTimer = setInterval(() => this.tickCountdown(), 1000);
  },

  stopCountdown() {
    if (this.countdownTimer) clearInterval(this.countdownTimer);
    this.countdownTimer = null;
  },

  tickCountdown(nowMs = Date.now()) {
    const mine = this.data.activity && this.data.activity.my_registration;
    if (!mine || mine.status !== 'offered') return this.stopCountdown();
    const countdown = offerCountdown(mine.offer_expires_at, nowMs);
    this.setData({ 'offer.text': countdown.text, 'offer.seconds': countdown.seconds });
    if (countdown.expired) {
      this.stopCountdown();
      this.setData({ 'offer.expired': true, state: signupState(this.data.activity, nowMs) });
    }
    return countdown;
  },

  onOpenDraw() {
    wx.navigateTo({ url: `/pages/draw/index?id=${this.data.id}` });
  },

  async onCancel() {
    if (this.data.submitting) return;
    const ok = await confirm('确定取消报名吗？取消后名额将让给候补的居民。');
    if (!ok) return;
    this.setData({ submitting: true });
    try {
      await withLoading('取消中', () => activityService.cancelRegistration(this.data.id));
      showSuccess('已取消报名');
      await this.load();
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ submitting: false });
    }
  },

  async onScanCheckin() {
    const token = await checkin.scanToken();
    if (token === null) return; // cancelled by the user
    const parsed = checkin.parseCheckinToken(token);
    if (!parsed || parsed.kind !== 'activity' || parsed.id !== this.data.id) {
      showText('这不是本活动的签到码');
      return;
    }
    try {
      await withLoading('签到中', () => checkin.checkInToActivity(parsed));
      showSuccess('签到成功');
      await this.load();
    } catch (err) {
      showError(err);
    }
  },

  /** A tap: WeChat opens its own "add event" sheet only from one. */
  onAddToCalendar() {
    return addActivityToCalendar(this.data.activity);
  },

  onShareAppMessage() {
    const title = (this.data.view && this.data.view.title) || '党群活动';
    return { title, path: `/pages/activity-detail/index?id=${this.data.id}` };
  },
});
