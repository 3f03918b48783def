/**
 * Activity detail: sign up (with companions and a remark), cancel, waitlist position, check-in by scanning, and
 * 添加到手机日历 for a confirmed place.
 */
const activityService = require('../../services/activity');
const { signUpForActivity } = require('../../controllers/signup');
const { preloadTemplates } = require('../../controllers/reminders');
const checkin = require('../../controllers/checkin');
const { addActivityToCalendar } = require('../../controllers/calendar');
const { presentActivity, signupState } = require('../../utils/present');
const { errorText } = require('../../api/api-error');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const display = require('../../utils/display');

const MAX_COMPANIONS = 5;

Page({
  data: {
    id: null,
    activity: null,
    view: null,
    state: null,
    companions: 0,
    maxCompanions: MAX_COMPANIONS,
    remark: '',
    submitting: false,
    error: '',
  },

  onShow() {
    display.apply(this);
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
      this.setData({ activity, view: presentActivity(activity), state: signupState(activity), error: '' });
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

  /** The sign-up tap: the subscribe dialog opens synchronously from here (WeChat requires a tap). */
  onSignUp() {
    if (this.data.submitting) return;
    this.setData({ submitting: true });
    return signUpForActivity(this.data.id, {
      companions: this.data.companions,
      remark: this.data.remark.trim(),
      waitlist: Boolean(this.data.state && this.data.state.action === 'waitlist'),
    })
      .then((outcome) => {
        showSuccess(outcome.message);
        return this.load();
      })
      .catch(showError)
      .then(() => this.setData({ submitting: false }));
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
