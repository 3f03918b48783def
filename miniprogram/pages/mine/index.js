/** 我的 tab: profile summary, phone binding, volunteer hours, and the ways into my lists and organizer tools. */
const { cachedUser, refreshUser, isOrganizer } = require('../../utils/user');
const { ROLE_LABELS } = require('../../constants/status');
const { formatMinutes } = require('../../utils/time');
const { bindPhoneNumber } = require('../../controllers/phone');
const { errorText } = require('../../api/api-error');
const display = require('../../utils/display');
const { showText } = require('../../utils/ui');

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
  data: { user: null, view: null, organizer: false, error: '', elderMode: false },

  onShow() {
    display.apply(this);
    display.selectTab(this, 'pages/mine/index');
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
  onGetPhoneNumber(e) {
    return bindPhoneNumber(e, (user) => this.show(user));
  },

  /** 长辈模式: larger text everywhere (display.js) and the two big actions on the activities tab. */
  onElderModeChange(e) {
    const on = !!e.detail.value;
    display.setElderMode(on);
    display.apply(this);
    display.selectTab(this, 'pages/mine/index');
    showText(on ? '已开启长辈模式' : '已关闭长辈模式');
  },

  onNavigate(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
