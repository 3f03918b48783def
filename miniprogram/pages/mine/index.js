/** 我的 tab: profile summary, phone binding, volunteer hours, and the ways into my lists and organizer tools. */
const authService = require('../../services/auth');
const session = require('../../api/session');
const { cachedUser, refreshUser, isOrganizer } = require('../../utils/user');
const { ROLE_LABELS } = require('../../constants/status');
const { formatMinutes } = require('../../utils/time');
const { showError, showSuccess, withLoading } = require('../../utils/ui');
const { errorText } = require('../../api/api-error');

function view(user) {
  if (!user) return null;
  return {
    name: user.real_name || user.nickname || '微信用户',
    phone: user.phone_masked || '',
    communityName: (user.community && user.community.name) || '未选择社区',
    roles: (user.roles || []).map((role) => ROLE_LABELS[role] || role).join('、'),
    hoursText: formatMinutes(user.volunteer_minutes),
  };
}

Page({
  data: { user: null, view: null, organizer: false, error: '' },

  onShow() {
    this.show(cachedUser());
    this.refresh();
  },

  onPullDownRefresh() {
    this.refresh().then(() => wx.stopPullDownRefresh());
  },

  show(user) {
    this.setData({ user, view: view(user), organizer: isOrganizer(user) });
  },

  async refresh() {
    try {
      this.show(await refreshUser());
      this.setData({ error: '' });
    } catch (err) {
      if (!this.data.user) this.setData({ error: errorText(err) });
    }
  },

  /** The getPhoneNumber button: send its code (not a wx.login code) to POST /auth/phone. */
  async onGetPhoneNumber(e) {
    const code = e.detail && e.detail.code;
    if (!code) {
      wx.showToast({ title: '未授权手机号', icon: 'none' });
      return;
    }
    try {
      const user = await withLoading('绑定中', () => authService.bindPhone(code));
      session.setUser(user);
      this.show(user);
      showSuccess('手机号已绑定');
    } catch (err) {
      showError(err);
    }
  },

  onNavigate(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
