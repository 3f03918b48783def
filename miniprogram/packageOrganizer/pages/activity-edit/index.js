/**
 * Create an activity (saved as a draft, then optionally published) or edit an existing one. 报名方式: 先到先得,
 * 抽签 (with its draw time) or 需审核, fixed once published; 确认时限 (claim_hours) for freed places. The
 * questions asked at sign-up are edited in the web console (a form of up to five rows fits a desk better);
 * here their number is shown and an edit keeps them.
 */
const activityService = require('../../../services/activity');
const { CATEGORIES, AUDIENCES, SIGNUP_MODES } = require('../../../constants/status');
const {
  emptyActivityForm,
  activityToForm,
  signupModeLock,
  buildActivityPayload,
} = require('../../../controllers/forms');
const { cachedUser, managedCommunities } = require('../../../utils/user');
const { todayString, addDays } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../../utils/ui');
const display = require('../../../utils/display');

/**
 * The four times of the form, each chosen in TDesign's date-time picker and kept as the form's date and
 * time fields (controllers/forms.js builds the payload from them).
 */
const WHEN = [
  { key: 'start', label: '开始', title: '开始时间', date: 'startDate', time: 'startTime', error: 'starts_at' },
  { key: 'end', label: '结束', title: '结束时间', date: 'endDate', time: 'endTime', error: 'ends_at' },
  {
    key: 'opens',
    label: '报名开始',
    title: '报名开始时间',
    date: 'opensDate',
    time: 'opensTime',
    error: 'signup_opens_at',
  },
  {
    key: 'closes',
    label: '报名截止',
    title: '报名截止时间',
    date: 'closesDate',
    time: 'closesTime',
    error: 'signup_closes_at',
  },
  { key: 'draw', label: '开奖时间', title: '开奖时间', date: 'drawDate', time: 'drawTime', error: 'draw_at' },
];
const EMPTY_TEXT = { start: '请选择', end: '请选择', opens: '发布后立即', closes: '活动开始时', draw: '请选择' };

/** The rows shown for the times: "2026-06-01 09:00", or what an empty one means; 开奖时间 for a lottery only. */
function whenFields(form, { locked = false } = {}) {
  return WHEN.filter((w) => w.key !== 'draw' || form.signupMode === 'lottery').map((w) => {
    let date = form[w.date];
    if (w.key === 'end' && !date && form[w.time]) date = form.startDate;
    const text = date ? `${date} ${form[w.time] || '00:00'}` : EMPTY_TEXT[w.key];
    const readOnly = w.key === 'draw' && locked;
    return { key: w.key, label: w.label, title: w.title, error: w.error, text, empty: !date, readOnly };
  });
}

const indexOf = (options, value) =>
  Math.max(
    0,
    options.findIndex((o) => o.value === value),
  );

Page({
  data: {
    id: null,
    form: emptyActivityForm(null),
    categories: CATEGORIES,
    categoryIndex: 0,
    audiences: AUDIENCES,
    audienceIndex: 0,
    modes: SIGNUP_MODES,
    modeLock: '',
    questionCount: 0,
    communities: [],
    communityIndex: 0,
    errors: {},
    saving: false,
    error: '',
    whenFields: whenFields(emptyActivityForm(null)),
    picker: { visible: false, key: '', title: '', value: '', start: '', end: '' },
  },

  onShow() {
    display.apply(this);
  },

  async onLoad(query) {
    display.apply(this);
    const id = Number(query.id) || null;
    this.setData({ id });
    wx.setNavigationBarTitle({ title: id ? '编辑活动' : '发布活动' });
    try {
      if (id) {
        const activity = await activityService.getActivity(id);
        this.setData({
          modeLock: signupModeLock(activity),
          questionCount: (activity.questions || []).length,
        });
        this.setForm(activityToForm(activity));
      } else {
        const communities = await managedCommunities(cachedUser());
        const wanted = Number(query.communityId) || (communities[0] && communities[0].id);
        const form = emptyActivityForm(wanted);
        const tomorrow = addDays(todayString(), 1);
        form.startDate = tomorrow;
        form.endDate = tomorrow;
        this.setData({
          communities,
          communityIndex: Math.max(
            0,
            communities.findIndex((c) => c.id === wanted),
          ),
        });
        this.setForm(form);
      }
    } catch (err) {
      this.setData({ error: errorText(err) });
    }
  },

  setForm(form) {
    this.setData({
      form,
      whenFields: whenFields(form, { locked: !!this.data.modeLock }),
      categoryIndex: indexOf(CATEGORIES, form.category),
      audienceIndex: indexOf(AUDIENCES, form.audience),
    });
  },

  onInput(e) {
    this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value });
  },

  /** A switch row (the whole row is the tap target): flip the boolean field it names. */
  onToggle(e) {
    const field = e.currentTarget.dataset.field;
    this.setData({ [`form.${field}`]: !this.data.form[field] });
  },

  /** 报名方式 chosen (not once published: the row is read-only then). */
  onModeTap(e) {
    if (this.data.modeLock) return;
    const form = Object.assign({}, this.data.form, { signupMode: e.currentTarget.dataset.value });
    this.setForm(form);
  },

  /** Open the date-time picker on one of the times (WHEN), at its value or a sensible default. */
  onOpenPicker(e) {
    const when = WHEN.find((w) => w.key === e.currentTarget.dataset.key);
    if (!when) return;
    if (when.key === 'draw' && this.data.modeLock) {
      showText(this.data.modeLock);
      return;
    }
    const form = this.data.form;
    const today = todayString();
    const date = form[when.date] || form.startDate || addDays(today, 1);
    const time = form[when.time] || (when.key === 'end' ? form.endTime : '') || form.startTime || '09:00';
    this.setData({
      picker: {
        visible: true,
        key: when.key,
        title: when.title,
        value: `${date} ${time}`,
        start: `${addDays(today, -365)} 00:00`,
        end: `${addDays(today, 730)} 23:59`,
      },
    });
  },

  /** The picker's 确定: "YYYY-MM-DD HH:mm" into the form's date and time fields. */
  onPickerChange(e) {
    const when = WHEN.find((w) => w.key === this.data.picker.key);
    const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/.exec(String(e.detail.value || ''));
    if (!when || !match) return this.onPickerClose();
    const form = Object.assign({}, this.data.form, { [when.date]: match[1], [when.time]: match[2] });
    this.setData({
      [`form.${when.date}`]: match[1],
      [`form.${when.time}`]: match[2],
      whenFields: whenFields(form, { locked: !!this.data.modeLock }),
      'picker.visible': false,
    });
  },

  onPickerClose() {
    this.setData({ 'picker.visible': false });
  },

  onCategoryChange(e) {
    const index = Number(e.detail.value);
    this.setData({ categoryIndex: index, 'form.category': CATEGORIES[index].value });
  },

  onAudienceChange(e) {
    const index = Number(e.detail.value);
    this.setData({ audienceIndex: index, 'form.audience': AUDIENCES[index].value });
  },

  onCommunityChange(e) {
    const index = Number(e.detail.value);
    this.setData({ communityIndex: index, 'form.communityId': this.data.communities[index].id });
  },

  onClearSignupWindow() {
    const form = Object.assign({}, this.data.form, { opensDate: '', opensTime: '', closesDate: '', closesTime: '' });
    this.setForm(form);
  },

  async onSubmit() {
    if (this.data.saving) return;
    const { payload, errors } = buildActivityPayload(this.data.form, {
      forUpdate: !!this.data.id,
      modeLocked: !!this.data.modeLock,
    });
    this.setData({ errors });
    if (Object.keys(errors).length) {
      showText(errors[Object.keys(errors)[0]]);
      return;
    }
    this.setData({ saving: true });
    try {
      if (this.data.id) {
        await withLoading('保存中', () => activityService.updateActivity(this.data.id, payload));
        showSuccess('已保存');
        setTimeout(() => wx.navigateBack(), 800);
        return;
      }
      const created = await withLoading('保存中', () => activityService.createActivity(payload));
      const publishNow = await confirm('活动已保存为草稿。现在发布，让居民可以报名吗？', { confirmText: '发布' });
      if (publishNow) {
        await withLoading('发布中', () => activityService.publishActivity(created.id));
        showSuccess('已发布');
      }
      wx.redirectTo({ url: `/packageOrganizer/pages/activities/index?communityId=${payload.community_id}` });
    } catch (err) {
      const fieldErrors = {};
      Object.keys(err.errors || {}).forEach((field) => {
        fieldErrors[field] = [].concat(err.errors[field])[0];
      });
      this.setData({ errors: fieldErrors });
      showError(err);
    } finally {
      this.setData({ saving: false });
    }
  },
});
