/**
 * The tab bar (app.json tabBar.custom): TDesign's t-tab-bar with icons for 活动, 志愿值守 and 我的.
 *
 * WeChat gives each tab page its own instance; the page marks its tab from onShow through
 * display.selectTab(this, route). The bar lives outside the page, where <page-meta root-font-size> does not
 * reach, so its label size and height follow display.scale() through TDesign's variables instead.
 */
const display = require('../utils/display');

const TABS = [
  { value: 'pages/activities/index', label: '活动', icon: 'calendar', iconSelected: 'calendar-filled' },
  { value: 'pages/shifts/index', label: '志愿值守', icon: 'time', iconSelected: 'time-filled' },
  { value: 'pages/mine/index', label: '我的', icon: 'user', iconSelected: 'user-filled' },
];

/** TDesign variables for a label of 12px × scale and an item tall enough for the icon and the label. */
function barStyle(scale) {
  const label = Math.round(12 * scale);
  const line = Math.round(label * 1.3);
  const height = Math.max(48, 20 + line + 8);
  return `--td-font-body-extraSmall: ${label}px / ${line}px var(--td-font-family); --td-tab-bar-height: ${height}px;`;
}

Component({
  data: { tabs: TABS, value: TABS[0].value, barStyle: barStyle(1) },

  lifetimes: {
    attached() {
      this.setData({ barStyle: barStyle(display.scale()) });
    },
  },

  methods: {
    /** Mark `route`'s tab as the current one (and follow a changed font size or 长辈模式). */
    select(route) {
      const value = String(route || '').replace(/^\//, '');
      this.setData({ value, barStyle: barStyle(display.scale()) });
    },

    onChange(e) {
      const value = e.detail.value;
      if (!value || value === this.data.value) return;
      wx.switchTab({ url: `/${value}` });
    },
  },
});
