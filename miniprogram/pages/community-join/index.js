/**
 * Community join page, opened by scanning a community's join code at the centre (`scene` = the
 * token) or from the profile's scan button: confirms the caller's membership of that community
 * (POST /me/community/join), making it their community if they had none or another.
 */
const checkin = require('../../controllers/checkin');
const membership = require('../../controllers/membership');
const { errorText } = require('../../api/api-error');
const display = require('../../utils/display');

Page({
  data: {
    status: 'idle', // idle | working | done | failed
    message: '',
    communityName: '',
  },

  onShow() {
    display.apply(this);
  },

  onLoad(query) {
    display.apply(this);
    this.start(checkin.tokenFromQuery(query));
  },

  async start(token) {
    const parsed = membership.parseJoinToken(token);
    if (!parsed) {
      this.setData({ status: token ? 'failed' : 'idle', message: token ? '无法识别的居民确认码，请重新扫码' : '' });
      return;
    }
    this.setData({ status: 'working', message: '正在确认社区身份…' });
    try {
      const user = await membership.joinWithToken(parsed);
      const name = (user.community && user.community.name) || '';
      this.setData({ status: 'done', communityName: name, message: `已确认为${name}居民` });
    } catch (err) {
      this.setData({ status: 'failed', message: errorText(err) });
    }
  },

  async onScan() {
    const token = await checkin.scanToken();
    if (token !== null) this.start(token); // null: cancelled
  },

  onProfile() {
    wx.redirectTo({ url: '/pages/profile/index' });
  },

  onHome() {
    wx.switchTab({ url: '/pages/activities/index' });
  },
});
