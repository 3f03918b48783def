/**
 * Profile: nickname, real name, 志愿者编号 (the number in the official volunteer system, shown on the hours
 * export and the proof of service), community, phone binding, the web console's sessions (organizers and
 * admins: how many browsers are logged in, and 退出电脑端登录), and deleting the account.
 *
 * Privacy: until the user agrees to the privacy guide (`wx.getPrivacySetting`), the nickname and real
 * name inputs are replaced by a placeholder whose tap asks for the agreement (`<input type="nickname">`
 * cannot ask by itself); the getPhoneNumber button asks through WeChat's own event. Both show
 * `<privacy-popup>`.
 */
const userService = require('../../services/user');
const communityService = require('../../services/community');
const session = require('../../api/session');
const { cachedUser, refreshUser } = require('../../utils/user');
const { profileChanges } = require('../../controllers/forms');
const { bindPhoneNumber } = require('../../controllers/phone');
const { membershipView } = require('../../controllers/membership');
const consoleLogin = require('../../controllers/console-login');
const { showError, showSuccess, confirm, withLoading, showText } = require('../../utils/ui');
const privacy = require('../../components/privacy-popup/privacy');
const display = require('../../utils/display');

const NO_COMMUNITY = { id: null, name: '暂不选择' };

Page({
  data: {
    nickname: '',
    realName: '',
    volunteerNumber: '', // 志愿者编号 in the official volunteer system (optional)
    phone: '',
    communities: [NO_COMMUNITY],
    communityIndex: 0,
    membership: membershipView(null),
    consoleSessions: 0, // the web console's sessions; the row shows only when there are some
    saving: false,
    fieldErrors: {},
    // The personal inputs stay locked until WeChat says no privacy agreement is missing.
    privacyPending: true,
  },

  onLoad() {
    display.apply(this);
    this.checkPrivacy();
    this.fill(cachedUser());
    Promise.all([communityService.listCommunities(), refreshUser()])
      .then(([body, user]) => {
        this.setData({ communities: [NO_COMMUNITY].concat((body && body.items) || []) });
        this.fill(user);
        this.loadConsoleSessions(user);
      })
      .catch(showError);
  },

  /** The count of the console sessions; a failure only hides the row (the page itself still works). */
  loadConsoleSessions(user) {
    return consoleLogin
      .countConsoleSessions(user)
      .then((count) => this.setData({ consoleSessions: count }))
      .catch(() => this.setData({ consoleSessions: 0 }));
  },

  async onEndConsoleSessions() {
    if (await consoleLogin.endConsoleSessions()) this.setData({ consoleSessions: 0 });
  },

  checkPrivacy() {
    return privacy.needsAuthorization().then((res) => this.setData({ privacyPending: res.needAuthorization }));
  },

  /** The tap on the locked inputs: WeChat shows the popup; agreeing unlocks them. */
  async onAskPrivacy() {
    const agreed = await privacy.requireAuthorization();
    if (agreed) this.setData({ privacyPending: false });
    else showText('同意隐私保护指引后才能填写');
  },

  onPrivacyAgreed() {
    this.setData({ privacyPending: false });
  },

  onOpenPrivacyContract() {
    privacy.openContract();
  },

  fill(user) {
    if (!user) return;
    const index = user.community ? this.data.communities.findIndex((c) => c.id === user.community.id) : 0;
    this.setData({
      nickname: user.nickname || '',
      realName: user.real_name || '',
      volunteerNumber: user.volunteer_number || '',
      phone: user.phone_masked || '',
      communityIndex: index > 0 ? index : 0,
      membership: membershipView(user),
    });
  },

  onNicknameInput(e) {
    this.setData({ nickname: e.detail.value });
  },

  onRealNameInput(e) {
    this.setData({ realName: e.detail.value });
  },

  onVolunteerNumberInput(e) {
    this.setData({ volunteerNumber: e.detail.value });
  },

  onCommunityChange(e) {
    this.setData({ communityIndex: Number(e.detail.value) });
  },

  async onSave() {
    if (this.data.saving) return;
    const community = this.data.communities[this.data.communityIndex] || NO_COMMUNITY;
    const changes = profileChanges({
      nickname: this.data.nickname,
      realName: this.data.realName,
      volunteerNumber: this.data.volunteerNumber,
      communityId: community.id,
    });
    this.setData({ saving: true, fieldErrors: {} });
    try {
      const user = await withLoading('保存中', () => userService.updateMe(changes));
      session.setUser(user);
      this.setData({ membership: membershipView(user) });
      showSuccess('已保存');
    } catch (err) {
      this.setData({ fieldErrors: err.errors || {} });
      showError(err);
    } finally {
      this.setData({ saving: false });
    }
  },

  onJoinScan() {
    wx.navigateTo({ url: '/pages/community-join/index' });
  },

  onShow() {
    display.apply(this);
    // Back from the join page: the cached user may now be confirmed.
    const user = cachedUser();
    if (user) this.setData({ membership: membershipView(user) });
  },

  onGetPhoneNumber(e) {
    return bindPhoneNumber(e, (user) => this.setData({ phone: user.phone_masked || '' }));
  },

  async onDeleteAccount() {
    const ok = await confirm('注销后将删除您的个人资料，并取消所有未开始的活动报名和值守预约。确定注销吗？', {
      title: '注销账号',
      confirmText: '注销',
    });
    if (!ok) return;
    try {
      await withLoading('注销中', () => userService.deleteMe());
      session.clear();
      wx.reLaunch({ url: '/pages/activities/index' });
    } catch (err) {
      showError(err);
    }
  },
});
