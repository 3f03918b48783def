/**
 * API base URLs by mini-program version (wx.getAccountInfoSync().miniProgram.envVersion).
 *
 * REPLACE the trial and release placeholders with the real HTTPS domains before uploading a
 * version: they must also be registered as request/downloadFile domains in the admin console
 * (mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名).
 */
const BASE_URLS = {
  // scripts/run serves the API here; DevTools needs "不校验合法域名" (setting.urlCheck false).
  // For 真机调试 on a phone, replace 127.0.0.1 with this computer's LAN address.
  develop: 'http://127.0.0.1:5000/api/v1',
  // REPLACE: the trial (体验版) server.
  trial: 'https://trial.example.invalid/api/v1',
  // REPLACE: the production (正式版) server.
  release: 'https://api.example.invalid/api/v1',
};

const REQUEST_TIMEOUT_MS = 15000;

/** The running version: develop, trial or release (release when it cannot be told). */
function getEnvVersion() {
  try {
    const info = wx.getAccountInfoSync();
    const version = info && info.miniProgram && info.miniProgram.envVersion;
    return BASE_URLS[version] ? version : 'release';
  } catch (err) {
    return 'release';
  }
}

function getBaseUrl(envVersion) {
  const version = envVersion || getEnvVersion();
  return BASE_URLS[version] || BASE_URLS.release;
}

module.exports = { BASE_URLS, REQUEST_TIMEOUT_MS, getEnvVersion, getBaseUrl };
