/** Create an activity (saved as a draft, then optionally published) or edit an existing one. */
const activityService = require('../../../services/activity');
const { CATEGORIES, AUDIENCES } = require('../../../constants/status');
const { emptyActivityForm, activityToForm, buildActivityPayload } = require('../../../controllers/forms');
const { cachedUser, managedCommunities } = require('../../../utils/user');
const { todayString, addDays } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../../utils/ui');
const display = require('../../../utils/display');

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
    communities: [],
    communityIndex: 0,
    errors: {},
    saving: false,
    error: '',
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
      categoryIndex: indexOf(CATEGORIES, form.category),
      audienceIndex: indexOf(AUDIENCES, form.audience),
    });
  },

  onInput(e) {
    this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value });
  },

  onSwitch(e) {
    this.setData({ [`form.${e.currentTarget.dataset.field}`]: !!e.detail.value });
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
    this.setData({ 'form.opensDate': '', 'form.opensTime': '', 'form.closesDate': '', 'form.closesTime': '' });
  },

  async onSubmit() {
    if (this.data.saving) return;
    const { payload, errors } = buildActivityPayload(this.data.form, { forUpdate: !!this.data.id });
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
