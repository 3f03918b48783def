/**
 * Text size for older eyes: the page's root font size (1rem) from WeChat's font scaling and 长辈模式.
 *
 * Every page's WXML starts with `<page-meta root-font-size="{{fontRoot}}"></page-meta>` and calls
 * `display.apply(this)` in onLoad and onShow; its text sizes are in rem. The system factor
 * (wx.getAppBaseInfo().fontSizeScaleFactor, else getSystemInfoSync().fontSizeSetting / 16) is clamped
 * to [1, 2]; 长辈模式 multiplies it by 1.25, capped at 2.5: from 16px up to 40px.
 */
const ELDER_MODE_KEY = 'elder_mode';
const BASE_PX = 16;
const SYSTEM_MIN = 1;
const SYSTEM_MAX = 2;
const ELDER_FACTOR = 1.25;
const MAX_SCALE = 2.5;

function positive(value) {
  const n = Number(value);
  return typeof value !== 'boolean' && isFinite(n) && n > 0 ? n : null;
}

/** WeChat's font scale factor for this user (1 when the base library tells nothing). */
function systemScale() {
  try {
    if (typeof wx.getAppBaseInfo === 'function') {
      const factor = positive((wx.getAppBaseInfo() || {}).fontSizeScaleFactor);
      if (factor) return factor;
    }
  } catch (e) {
    // Older base libraries: fall through to getSystemInfoSync.
  }
  try {
    if (typeof wx.getSystemInfoSync === 'function') {
      const setting = positive((wx.getSystemInfoSync() || {}).fontSizeSetting);
      if (setting) return setting / BASE_PX;
    }
  } catch (e) {
    // No information: standard size.
  }
  return 1;
}

function isElderMode() {
  try {
    return wx.getStorageSync(ELDER_MODE_KEY) === true;
  } catch (e) {
    return false;
  }
}

function setElderMode(on) {
  wx.setStorageSync(ELDER_MODE_KEY, !!on);
}

/** The factor applied to 16px: system scale clamped to [1, 2], × 1.25 in 长辈模式, at most 2.5. */
function scale() {
  let factor = Math.min(SYSTEM_MAX, Math.max(SYSTEM_MIN, systemScale()));
  if (isElderMode()) factor *= ELDER_FACTOR;
  return Math.min(MAX_SCALE, factor);
}

/** The root font size for <page-meta root-font-size>, e.g. '16px' or '20px'. */
function fontRoot() {
  return `${Math.round(BASE_PX * scale())}px`;
}

/** Set `fontRoot` (and `elderMode`) on a page or component when they changed; returns the font root. */
function apply(page) {
  const root = fontRoot();
  const elder = isElderMode();
  const data = page.data || {};
  const patch = {};
  if (data.fontRoot !== root) patch.fontRoot = root;
  if (data.elderMode !== elder) patch.elderMode = elder;
  if (Object.keys(patch).length) page.setData(patch);
  return root;
}

/** On a tab page: mark `route`'s tab in the custom tab bar (custom-tab-bar/), if WeChat gives the page one. */
function selectTab(page, route) {
  const bar = typeof page.getTabBar === 'function' ? page.getTabBar() : null;
  if (bar && typeof bar.select === 'function') bar.select(route);
  return bar || null;
}

module.exports = { ELDER_MODE_KEY, systemScale, isElderMode, setElderMode, scale, fontRoot, apply, selectTab };
