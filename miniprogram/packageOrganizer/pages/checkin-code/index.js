/**
 * The check-in code shown full screen at the venue: the rotating code of an activity (`activityId`) or a
 * duty site (`siteId`), or a community's join code (`communityId`). The code fills the screen's width,
 * the name and a countdown to the next code are in large type, the screen stays on and at full
 * brightness while it shows (given back on leaving). A new code is fetched before the current one
 * expires; when that fails while the current one is still valid, it stays up and the fetch is retried.
 */
const {
  loadCheckinCode,
  refreshDelay,
  expiryMs,
  formatCountdown,
  brighten,
  restoreBrightness,
  RETRY_MS,
} = require('../../../controllers/checkin-code');
const activityService = require('../../../services/activity');
const { formatTime } = require('../../../utils/time');
const { errorText } = require('../../../api/api-error');
const display = require('../../../utils/display');

const KIND_TEXT = {
  activity: { heading: '活动签到', tip: '已报名的居民用微信扫一扫，即可签到', code: '签到码' },
  site: { heading: '值守点签到', tip: '志愿者用微信扫一扫，签到或签退本点位今天的班次', code: '签到码' },
  community: { heading: '居民确认码', tip: '本社区居民用微信扫一扫，即可确认社区身份', code: '确认码' },
};

Page({
  data: {
    fontRoot: '16px',
    kind: 'activity',
    id: null,
    title: '',
    text: KIND_TEXT.activity,
    token: '',
    imagePath: '',
    imageError: '',
    expiresText: '',
    countdownText: '',
    notice: '',
    loading: true,
    error: '',
  },

  onLoad(query) {
    display.apply(this);
    let kind = 'activity';
    if (query.siteId) kind = 'site';
    else if (query.communityId) kind = 'community';
    const id = Number(query.siteId || query.communityId || query.activityId);
    const title = query.name ? decodeURIComponent(query.name) : '';
    this.setData({ kind, id, title, text: KIND_TEXT[kind] });
    if (kind === 'activity' && !title) {
      activityService
        .getActivity(id)
        .then((a) => this.setData({ title: a.title }))
        .catch(() => null);
    }
  },

  onShow() {
    display.apply(this);
    wx.setKeepScreenOn({ keepScreenOn: true });
    if (!this.brightening) this.brightening = brighten();
    this.ticker = this.ticker || setInterval(() => this.tick(), 1000);
    this.refresh();
  },

  onHide() {
    this.stop();
  },

  onUnload() {
    this.stop();
  },

  stop() {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = null;
    this.ticker = null;
    wx.setKeepScreenOn({ keepScreenOn: false });
    const brightening = this.brightening;
    this.brightening = null;
    if (brightening) brightening.then(restoreBrightness);
  },

  /** The countdown to the next code, once a second. */
  tick() {
    if (!this.nextAt) return;
    const countdownText = formatCountdown(this.nextAt - Date.now());
    if (countdownText !== this.data.countdownText) this.setData({ countdownText });
  },

  schedule(delay) {
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = Date.now() + delay;
    this.timer = setTimeout(() => this.refresh(), delay);
    this.tick();
  },

  async refresh() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const code = await loadCheckinCode(this.data.kind, this.data.id);
      const expires = expiryMs(code.expiresAt);
      this.expiresAt = expires;
      this.setData({
        token: code.token,
        imagePath: code.imagePath,
        imageError: code.imageError,
        expiresText: Number.isNaN(expires) ? '' : formatTime(expires),
        notice: '',
        loading: false,
        error: '',
      });
      this.schedule(refreshDelay(code.expiresAt));
    } catch (err) {
      if (this.data.token && Date.now() < this.expiresAt) {
        // The code on screen still works: keep it up and try again soon.
        this.setData({ notice: `签到码暂未更新（${errorText(err)}），正在重试` });
        this.schedule(Math.min(RETRY_MS, Math.max(1000, this.expiresAt - Date.now())));
      } else {
        this.nextAt = null;
        this.setData({ error: errorText(err), token: '', imagePath: '', countdownText: '', loading: false });
      }
    }
  },
});
