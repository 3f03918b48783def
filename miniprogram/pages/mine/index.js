/** 我的 tab: profile summary, phone binding, volunteer hours, and the ways into my lists and organizer tools. */
const { cachedUser, refreshUser, isOrganizer } = require('../../utils/user');
const { ROLE_LABELS } = require('../../constants/status');
const { formatMinutes } = require('../../utils/time');
const { bindPhoneNumber } = require('../../controllers/phone');
const { errorText } = require('../../api/api-error');
const display = require('../../utils/display');
const { showText } = require('../../utils/ui');
const qualificationService = require('../../services/qualification');

/** My qualifications as 我的 lists them: "核酸采样点登记培训（至 2026-12-31）". */
function presentQualifications(body) {
  return ((body && body.items) || []).map((q) => ({
    id: q.id,
    name: q.name,
    stateText: q.expired ? `已过期（${q.expires_on}）` : q.expires_on ? `有效期至 ${q.expires_on}` : '长期有效',
    expired: !!q.expired,
  }));
}

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
  data: { user: null, view: null, organizer: false, error: '', elderMode: false, qualifications: [] },

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
      return;
    }
    try {
      this.setData({ qualifications: presentQualifications(await qualificationService.listMyQualifications()) });
    } catch (err) {
      // Shown when known; the rest of 我的 does not depend on it.
    }
  },

  /** The getPhoneNumber button: send its code (not a wx.login code) to POST /auth/phone. */
  onGetPhoneNumber(e) {
    return bindPhoneNumber(e, (user) => this.show(user));
  },

  /** The whole 长辈模式 row is the switch's tap target. */
  onElderModeTap() {
    this.setElderMode(!this.data.elderMode);
  },

  /** 长辈模式: larger text everywhere (display.js) and the two big actions on the activities tab. */
  setElderMode(on) {
    display.setElderMode(on);
    display.apply(this);
    display.selectTab(this, 'pages/mine/index');
    showText(on ? '已开启长辈模式' : '已关闭长辈模式');
  },

  onNavigate(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
