/**
 * 空岗提醒 settings: switch alerts on, choose the communities and sites to hear of, optionally a home
 * point (wx.chooseLocation; kept to about 100 m) for "nearest first", and accept the `shift_vacancy`
 * template (each accept is one alert). Saved as a whole with PUT /me/vacancy-alerts.
 */
const vacancyService = require('../../services/vacancy');
const communityService = require('../../services/community');
const siteService = require('../../services/site');
const { withReminders, preloadTemplates } = require('../../controllers/reminders');
const {
  VACANCY_TEMPLATE_KEYS,
  roundPoint,
  settingsState,
  settingsBody,
  settingsProblem,
  toggled,
} = require('../../controllers/vacancy-alerts');
const { withLoadState } = require('../../utils/load-state');
const { showError, showSuccess, showText, withLoading } = require('../../utils/ui');
const display = require('../../utils/display');

const SITE_PAGE_SIZE = 100;

Page({
  data: {
    enabled: false,
    communities: [],
    sites: [],
    home: null,
    credits: 0,
    loading: true,
    saving: false,
    error: '',
  },

  onLoad() {
    display.apply(this);
    preloadTemplates();
    this.load();
  },

  onShow() {
    display.apply(this);
  },

  load() {
    return withLoadState(this, async () => {
      const [mine, communities, sites] = await Promise.all([
        vacancyService.getMyVacancyAlerts(),
        communityService.listCommunities(),
        siteService.listSites({ page_size: SITE_PAGE_SIZE }),
      ]);
      this.setData(settingsState(mine, communities && communities.items, sites && sites.items));
    });
  },

  onToggleEnabled() {
    this.setData({ enabled: !this.data.enabled });
  },

  onToggleCommunity(e) {
    this.setData({ communities: toggled(this.data.communities, Number(e.currentTarget.dataset.id)) });
  },

  onToggleSite(e) {
    this.setData({ sites: toggled(this.data.sites, Number(e.currentTarget.dataset.id)) });
  },

  /** The point is rounded here already: the exact spot never leaves the phone. */
  onChooseHome() {
    wx.chooseLocation({
      success: (res) => {
        if (typeof res.latitude !== 'number' || typeof res.longitude !== 'number') return;
        this.setData({ home: { latitude: roundPoint(res.latitude), longitude: roundPoint(res.longitude) } });
      },
      fail: () => showText('未选择位置'),
    });
  },

  onClearHome() {
    this.setData({ home: null });
  },

  /** The subscribe tap: the dialog opens from the tap itself; each accept is one alert. */
  onSubscribe() {
    return withReminders(VACANCY_TEMPLATE_KEYS, () => vacancyService.getMyVacancyAlerts()).then(
      ({ result, accepted }) => {
        if (accepted.length) {
          showSuccess('已增加 1 次提醒');
          this.setData({ credits: ((result && result.credits) || 0) + accepted.length });
        } else {
          showText('未开启提醒');
        }
      },
      showError,
    );
  },

  async onSave() {
    const problem = settingsProblem(this.data);
    if (problem) {
      showText(problem);
      return;
    }
    this.setData({ saving: true });
    try {
      const saved = await withLoading('保存中', () => vacancyService.updateMyVacancyAlerts(settingsBody(this.data)));
      this.setData({ enabled: !!saved.enabled, credits: saved.credits || 0 });
      showSuccess(saved.enabled ? '已开启空岗提醒' : '已关闭空岗提醒');
    } catch (err) {
      showError(err);
    } finally {
      this.setData({ saving: false });
    }
  },
});
