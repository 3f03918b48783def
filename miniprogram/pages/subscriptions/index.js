/** Reminder subscriptions: how many reminders of each kind the server may still send, and a tap to add more. */
const subscriptionService = require('../../services/subscription');
const { withReminders, preloadTemplates } = require('../../controllers/reminders');
const {
  TEMPLATE_LABELS,
  ACTIVITY_TEMPLATE_KEYS,
  WAITLIST_TEMPLATE_KEYS,
  SHIFT_TEMPLATE_KEYS,
  NOTICE_TEMPLATE_KEYS,
  RESULT_TEMPLATE_KEYS,
  SWAP_TEMPLATE_KEYS,
} = require('../../constants/status');
const { withLoadState } = require('../../utils/load-state');
const { showSuccess, showText } = require('../../utils/ui');
const display = require('../../utils/display');

const GROUPS = {
  activity: ACTIVITY_TEMPLATE_KEYS,
  waitlist: WAITLIST_TEMPLATE_KEYS,
  shift: SHIFT_TEMPLATE_KEYS,
  notice: NOTICE_TEMPLATE_KEYS,
  // 报名结果: a draw's result, an approval's decision, a place offered to claim.
  result: RESULT_TEMPLATE_KEYS,
  // 换班: an offer named to me, my booking taken, a claim approved or refused.
  swap: SWAP_TEMPLATE_KEYS,
};

Page({
  data: { items: [], loading: true, error: '' },

  onLoad() {
    display.apply(this);
    preloadTemplates();
  },

  onShow() {
    display.apply(this);
    this.load();
  },

  load() {
    return withLoadState(this, async () => {
      const body = await subscriptionService.listMySubscriptions();
      const items = ((body && body.items) || []).map((item) => ({
        key: item.key,
        label: TEMPLATE_LABELS[item.key] || item.key,
        remaining: item.remaining || 0,
      }));
      this.setData({ items });
    });
  },

  /** The subscribe tap: one dialog for a group of templates, then report what was accepted. */
  onSubscribe(e) {
    const keys = GROUPS[e.currentTarget.dataset.group] || [];
    return withReminders(keys, () => Promise.resolve(null)).then(({ accepted }) => {
      if (accepted.length) showSuccess('已开启提醒');
      else showText('未开启提醒');
      return this.load();
    });
  },

  /** 空岗提醒 has its own page: which sites and communities, and its own template. */
  onVacancyAlerts() {
    wx.navigateTo({ url: '/pages/vacancy-alerts/index' });
  },
});
