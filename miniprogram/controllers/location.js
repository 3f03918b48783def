/**
 * Where the phone is, for on-site check-in, "离我最近" and the shift page's map (docs/api.md,
 * "On-site check-in"). Coordinates are GCJ-02 throughout: `wx.getLocation({type: 'gcj02'})` returns
 * them, the sites are stored so, and `wx.openLocation` / `<map>` take them.
 *
 * `locate()` resolves `{latitude, longitude, accuracy}` or rejects with a LocationError whose `kind`
 * says why: 'denied' (the user refused the location permission, now or before: only the settings page
 * can give it back), 'off' (the phone's location service is off or no fix came: outdoors, turn it on),
 * or 'failed'. `locationErrorText` explains each in plain Chinese.
 */

const PERMISSION_HINT = '请点右上角「···」→「设置」，打开「位置信息」后重试。';

const TEXTS = {
  denied: `您没有允许小程序获取位置，无法核验是否在值守点。${PERMISSION_HINT}`,
  off: '无法获取您的位置。请打开手机的定位服务（GPS），到室外开阔处后重试。',
  failed: '获取位置失败，请稍后重试。',
};

class LocationError extends Error {
  constructor(kind, errMsg) {
    super(TEXTS[kind] || TEXTS.failed);
    this.name = 'LocationError';
    this.kind = kind;
    this.errMsg = errMsg || '';
  }
}

function isLocationError(err) {
  return !!err && err.name === 'LocationError';
}

/** The kind of a wx.getLocation failure, from its errMsg (and errno where the base library gives one). */
function failureKind(res) {
  const errMsg = String((res && res.errMsg) || '');
  if (/auth den|auth deny|authorize|permission|scope/i.test(errMsg)) return 'denied';
  if (/system permission|location service|locationSwitch|gps|timeout|ERROR_NOCELL|ERROR_NETWORK/i.test(errMsg))
    return 'off';
  return 'failed';
}

/** The phone's position, high accuracy where it can (up to 5 seconds), as `wx.getLocation` answers. */
function locate() {
  return new Promise((resolve, reject) => {
    wx.getLocation({
      type: 'gcj02',
      isHighAccuracy: true,
      highAccuracyExpireTime: 5000,
      success: (res) =>
        resolve({
          latitude: Number(res.latitude),
          longitude: Number(res.longitude),
          // The accuracy the server allows for; WeChat reports it in metres (0 when unknown on some phones).
          accuracy: Math.max(0, Number(res.horizontalAccuracy || res.accuracy) || 0),
        }),
      fail: (res) => reject(new LocationError(failureKind(res), res && res.errMsg)),
    });
  });
}

/** Like `locate`, but resolves null instead of rejecting: for what only helps (an offline scan's position). */
function locateQuietly() {
  return locate().catch(() => null);
}

function locationErrorText(err) {
  return isLocationError(err) ? err.message : TEXTS.failed;
}

/** Opens WeChat's settings page for this mini-program (to turn the location permission back on). */
function openSettings() {
  return new Promise((resolve) => {
    wx.openSetting({
      success: (res) => resolve(!!(res && res.authSetting && res.authSetting['scope.userLocation'])),
      fail: () => resolve(false),
    });
  });
}

/** True when the site has a point (both coordinates). */
function hasPoint(site) {
  return !!site && typeof site.latitude === 'number' && typeof site.longitude === 'number';
}

/** "350 米" / "1.2 公里" for a distance in metres; '' when unknown. */
function distanceText(metres) {
  if (typeof metres !== 'number' || !isFinite(metres) || metres < 0) return '';
  if (metres < 1000) return `${Math.round(metres)} 米`;
  return `${(metres / 1000).toFixed(metres < 10000 ? 1 : 0)} 公里`;
}

/** "导航到这里": WeChat's map at the site, with its route button (wx.openLocation takes GCJ-02). */
function openSiteLocation(site) {
  if (!hasPoint(site)) return Promise.resolve(false);
  return new Promise((resolve) => {
    wx.openLocation({
      latitude: site.latitude,
      longitude: site.longitude,
      name: site.name || '',
      address: site.address || '',
      scale: 16,
      success: () => resolve(true),
      fail: () => resolve(false),
    });
  });
}

/** `near` of GET /shifts: "<lat>,<lng>" rounded to about a metre. */
function nearParam(position) {
  return `${position.latitude.toFixed(5)},${position.longitude.toFixed(5)}`;
}

module.exports = {
  LocationError,
  isLocationError,
  failureKind,
  locate,
  locateQuietly,
  locationErrorText,
  openSettings,
  hasPoint,
  distanceText,
  openSiteLocation,
  nearParam,
  PERMISSION_HINT,
};
