/**
 * A scripted `wx` for tests: wx.request answers through a handler that sees `{method, path, query,
 * data, header}`; storage lives in memory; every API is a jest.fn so tests can assert calls.
 */
const DEVELOP_BASE = 'http://127.0.0.1:5000/api/v1';

function parseUrl(url) {
  const [withoutQuery, queryString = ''] = url.split('?');
  const path = withoutQuery.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
  const query = {};
  queryString
    .split('&')
    .filter(Boolean)
    .forEach((pair) => {
      const [k, v = ''] = pair.split('=');
      query[decodeURIComponent(k)] = decodeURIComponent(v);
    });
  return { path, query };
}

/** Build a handler from `{'GET /me': response | fn(req) => response}`; unknown routes answer 404. */
function routes(table) {
  return (req) => {
    const key = `${req.method} ${req.path}`;
    if (!(key in table)) return { statusCode: 404, data: { error: 'not_found', message: `no route ${key}` } };
    const answer = table[key];
    return typeof answer === 'function' ? answer(req) : answer;
  };
}

function createWx({
  envVersion = 'develop',
  storage = {},
  handler,
  subscribeAnswer,
  calendarAnswer,
  locationAnswer,
  fontSizeScaleFactor = 1,
} = {}) {
  const store = Object.assign({}, storage);
  const requests = [];
  let loginCount = 0;
  let respond = handler || (() => ({ statusCode: 200, data: {} }));
  let inFlight = 0;

  /** Run `fn` on a later turn, as WeChat answers; counted until it has run (see helpers/wait.settle). */
  function later(fn) {
    inFlight += 1;
    setTimeout(() => {
      try {
        fn();
      } finally {
        inFlight -= 1;
      }
    }, 0);
  }

  const wx = {
    store,
    requests,
    later,
    /** How many answers are scheduled and not yet delivered. */
    inFlight: () => inFlight,
    /** Replace the request handler: `(req) => ({statusCode, data}) | {fail: {errMsg}}`. */
    setHandler(fn) {
      respond = fn;
    },
    request: jest.fn((options) => {
      const { path, query } = parseUrl(options.url);
      const req = {
        method: options.method || 'GET',
        path,
        query,
        data: options.data,
        header: options.header || {},
        url: options.url,
      };
      requests.push(req);
      later(() => {
        const outcome = respond(req);
        if (outcome && outcome.fail) options.fail(outcome.fail);
        else options.success(Object.assign({ header: {}, errMsg: 'request:ok' }, outcome));
      });
      return { abort() {} };
    }),
    downloadFile: jest.fn((options) => {
      const { path, query } = parseUrl(options.url);
      const req = { method: 'DOWNLOAD', path, query, header: options.header || {}, url: options.url };
      requests.push(req);
      later(() => {
        const outcome = respond(req);
        if (outcome && outcome.fail) options.fail(outcome.fail);
        else {
          const tempFilePath = `wxfile://tmp/${requests.length}`;
          if (outcome.data !== undefined) store[`file:${tempFilePath}`] = JSON.stringify(outcome.data);
          options.success({ statusCode: outcome.statusCode, tempFilePath });
        }
      });
    }),
    getFileSystemManager: jest.fn(() => ({
      readFileSync: (filePath) => {
        if (!(`file:${filePath}` in store)) throw new Error('no such file');
        return store[`file:${filePath}`];
      },
    })),
    openDocument: jest.fn((options) => later(() => options.success({ errMsg: 'openDocument:ok' }))),
    login: jest.fn((options) => {
      loginCount += 1;
      const code = `wx-code-${loginCount}`;
      later(() => options.success({ code, errMsg: 'login:ok' }));
    }),
    requestSubscribeMessage: jest.fn((options) => {
      const answer = subscribeAnswer || ((ids) => Object.fromEntries(ids.map((id) => [id, 'accept'])));
      const result = answer(options.tmplIds);
      later(() => {
        if (result && result.fail) options.fail(result.fail);
        else options.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, result));
      });
    }),
    scanCode: jest.fn(),
    makePhoneCall: jest.fn((options) => later(() => options.success({ errMsg: 'makePhoneCall:ok' }))),
    // `calendarAnswer(options)` may answer `{fail: {errMsg}}` (e.g. 'addPhoneCalendar:fail cancel'); default: added.
    addPhoneCalendar: jest.fn((options) => {
      const result = calendarAnswer ? calendarAnswer(options) : null;
      later(() => {
        if (result && result.fail) options.fail(result.fail);
        else options.success({ errMsg: 'addPhoneCalendar:ok' });
      });
    }),
    // `locationAnswer(options)` answers wx.getLocation: a position, or `{fail: {errMsg}}` (e.g.
    // 'getLocation:fail auth deny'); default: a precise fix beside 海珠北门卡口 of the render fixtures.
    getLocation: jest.fn((options) => {
      const result = locationAnswer
        ? locationAnswer(options)
        : { latitude: 22.54372, longitude: 114.05795, accuracy: 15, horizontalAccuracy: 15 };
      later(() => {
        if (result && result.fail) options.fail(result.fail);
        else options.success(Object.assign({ errMsg: 'getLocation:ok' }, result));
      });
    }),
    openLocation: jest.fn((options) => later(() => options.success && options.success({ errMsg: 'openLocation:ok' }))),
    openSetting: jest.fn((options) =>
      later(() => options.success && options.success({ authSetting: { 'scope.userLocation': true } })),
    ),
    getStorageSync: jest.fn((key) => (key in store ? store[key] : '')),
    setStorageSync: jest.fn((key, value) => {
      store[key] = value;
    }),
    removeStorageSync: jest.fn((key) => {
      delete store[key];
    }),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { appId: 'wx0000000000demo', envVersion, version: '' } })),
    showToast: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    showModal: jest.fn((options) => options.success({ confirm: true, cancel: false })),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    switchTab: jest.fn(),
    reLaunch: jest.fn(),
    navigateBack: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    setKeepScreenOn: jest.fn(),
    // Device and base library, as TDesign and utils/display.js read them. SDKVersion stays below 2.19.2 so that
    // TDesign does not turn on `virtualHost`, which j-component (miniprogram-simulate) renders without the
    // host's wx:if children; on a phone TDesign works either way.
    getAppBaseInfo: jest.fn(() => ({ SDKVersion: '2.19.1', language: 'zh_CN', theme: 'light', fontSizeScaleFactor })),
    getWindowInfo: jest.fn(() => ({
      pixelRatio: 2,
      screenWidth: 375,
      screenHeight: 812,
      windowWidth: 375,
      windowHeight: 812,
      statusBarHeight: 44,
      safeArea: { top: 44, bottom: 778, left: 0, right: 375, width: 375, height: 734 },
    })),
    getDeviceInfo: jest.fn(() => ({ platform: 'devtools', system: 'iOS 17.0', brand: 'devtools', model: 'iPhone' })),
    getSystemInfoSync: jest.fn(() => ({
      SDKVersion: '2.19.1',
      platform: 'devtools',
      pixelRatio: 2,
      windowWidth: 375,
      windowHeight: 812,
      screenWidth: 375,
      screenHeight: 812,
      statusBarHeight: 44,
      fontSizeSetting: 16 * fontSizeScaleFactor,
    })),
    getMenuButtonBoundingClientRect: jest.fn(() => ({
      top: 48,
      bottom: 80,
      left: 281,
      right: 368,
      width: 87,
      height: 32,
    })),
    nextTick: jest.fn((fn) => setTimeout(fn, 0)),
    canIUse: jest.fn(() => true),
  };
  return wx;
}

/** Install a fresh scripted wx as `global.wx` and forget cached modules (login in flight, templates). */
function installWx(options) {
  const wx = createWx(options);
  global.wx = wx;
  return wx;
}

const LOGIN_OK = (token = 'token-1', user = { id: 7, nickname: '居民' }) => ({
  statusCode: 200,
  data: { token, expires_in: 604800, user },
});

/** GET /subscriptions/templates: one template id per reminder kind. */
const TEMPLATES = {
  statusCode: 200,
  data: {
    items: [
      { key: 'activity_reminder', template_id: 'T-ACT' },
      { key: 'shift_reminder', template_id: 'T-SHIFT' },
      { key: 'waitlist_promoted', template_id: 'T-WAIT' },
      { key: 'cancelled_by_organizer', template_id: 'T-CANCEL' },
      { key: 'schedule_changed', template_id: 'T-CHANGE' },
      { key: 'signup_result', template_id: 'T-RESULT' },
      { key: 'shift_swap', template_id: 'T-SWAP' },
      { key: 'shift_vacancy', template_id: 'T-VACANCY' },
    ],
  },
};

/**
 * A fresh, logged-in wx (modules reloaded) whose requests `table` answers, over answers to the
 * subscribe-template list and the accept report every tapped sign-up, booking or claim makes.
 */
function serveLoggedIn(table) {
  jest.resetModules();
  const wx = installWx({ storage: { auth_token: 't' } });
  wx.setHandler(
    routes(
      Object.assign(
        { 'GET /subscriptions/templates': TEMPLATES, 'POST /me/subscriptions': { statusCode: 200, data: {} } },
        table,
      ),
    ),
  );
  return wx;
}

module.exports = { DEVELOP_BASE, parseUrl, routes, createWx, installWx, serveLoggedIn, LOGIN_OK, TEMPLATES };
