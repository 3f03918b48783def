/**
 * Privacy authorization: the app's one `wx.onNeedPrivacyAuthorization` listener, the popup that answers
 * it through WeChat's agree button, and the profile page, whose nickname input stays locked until the
 * user agreed (`<input type="nickname">` cannot raise the event itself).
 */
const path = require('path');
const simulate = require('miniprogram-simulate');
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const fs = require('fs');
const { ROOT, allPages, readJson, installPageShim } = require('./helpers/project');

installPageShim();

/** The scripted wx plus WeChat's privacy APIs: `needAuthorization` until the user agrees. */
function installPrivacyWx({ needAuthorization = true } = {}) {
  const wx = installWx({
    handler: routes({
      'GET /communities': { statusCode: 200, data: { items: [{ id: 1, code: 'haizhu', name: '海珠社区' }] } },
      'GET /me': { statusCode: 200, data: { id: 7, nickname: '', real_name: null, community: null } },
    }),
  });
  const state = { needAuthorization, listener: null };
  wx.privacy = state;
  wx.onNeedPrivacyAuthorization = jest.fn((listener) => {
    state.listener = listener;
  });
  wx.getPrivacySetting = jest.fn((options) =>
    wx.later(() =>
      options.success({
        needAuthorization: state.needAuthorization,
        privacyContractName: '《党群服务隐私保护指引》',
      }),
    ),
  );
  // Like WeChat: a privacy interface waits for the listener's resolve when agreement is missing.
  wx.requirePrivacyAuthorize = jest.fn((options) => {
    if (!state.needAuthorization) {
      wx.later(() => options.success({ errMsg: 'requirePrivacyAuthorize:ok' }));
      return;
    }
    state.listener(
      (result) => {
        if (result.event === 'agree') {
          state.needAuthorization = false;
          options.success({ errMsg: 'requirePrivacyAuthorize:ok' });
        } else if (result.event === 'disagree') {
          options.fail({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized' });
        }
      },
      { referrer: 'requirePrivacyAuthorize' },
    );
  });
  wx.openPrivacyContract = jest.fn();
  return wx;
}

let privacy;
let ids;
beforeAll(() => {
  installPrivacyWx();
  // One module registry for the popup, the page and this test: they share the privacy hub.
  privacy = require('../components/privacy-popup/privacy');
  const popup = simulate.load(path.join(ROOT, 'components/privacy-popup/index'), { rootPath: ROOT });
  // The Page() shim registers a plain component: its child is handed over as simulate wants it.
  const profile = simulate.load(path.join(ROOT, 'pages/profile/index'), {
    rootPath: ROOT,
    usingComponents: { 'privacy-popup': popup },
  });
  ids = { popup, profile };
});

beforeEach(() => privacy.reset());

function mount(id) {
  const comp = simulate.render(id, {});
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

describe('the app', () => {
  test('registers the privacy listener on launch, once', () => {
    const wx = installPrivacyWx();
    let app;
    global.App = (definition) => {
      app = definition;
    };
    jest.isolateModules(() => require('../app'));
    app.onLaunch();
    app.onLaunch();
    expect(wx.onNeedPrivacyAuthorization).toHaveBeenCalledTimes(1);
  });

  test('is declared to use the privacy check', () => {
    expect(require('../app.json').__usePrivacyCheck__).toBe(true);
  });
});

describe('every page', () => {
  // WeChat's privacy interfaces this app can use in WXML; a page using one must mount the popup, or the
  // interface waits for an answer no one can give.
  const PRIVACY_WXML = /open-type="[^"]*(getPhoneNumber|chooseAvatar|getRealtimePhoneNumber)|type="nickname"/;

  test.each(allPages())('%s mounts <privacy-popup> if it uses a privacy interface', (route) => {
    const wxml = fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8');
    if (!PRIVACY_WXML.test(wxml)) return;
    expect(wxml).toMatch(/<privacy-popup\b/);
    const using = readJson(`${route}.json`).usingComponents || {};
    expect(path.join(path.dirname(route), using['privacy-popup'] || '')).toBe('components/privacy-popup/index');
  });

  // wx.getLocation (位置信息) is a privacy interface called from script: the pages that ask for the
  // location (on-site check-in, 离我最近) mount the popup too.
  test.each(['pages/checkin/index', 'pages/shifts/index'])(
    '%s asks for the location and mounts <privacy-popup>',
    (route) => {
      const script = fs.readFileSync(path.join(ROOT, `${route}.js`), 'utf8');
      expect(script).toMatch(/location\.locate(Quietly)?\(/);
      expect(fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8')).toMatch(/<privacy-popup\b/);
      const using = readJson(`${route}.json`).usingComponents || {};
      expect(path.join(path.dirname(route), using['privacy-popup'] || '')).toBe('components/privacy-popup/index');
    },
  );

  test('app.json declares the location interface it uses and why', () => {
    const app = require('../app.json');
    expect(app.requiredPrivateInfos).toEqual(['getLocation', 'chooseLocation']);
    expect(app.permission['scope.userLocation'].desc).toMatch(/签到/);
  });
});

describe('privacy popup', () => {
  test("agrees through WeChat's own agree button, whose id it reports", () => {
    const wxml = fs.readFileSync(path.join(ROOT, 'components/privacy-popup/index.wxml'), 'utf8');
    expect(wxml).toMatch(
      /<button id="privacy-agree"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/,
    );
    expect(privacy.AGREE_BUTTON_ID).toBe('privacy-agree');
  });

  test('shows when WeChat asks, reports the exposure, and agrees through the agree button', async () => {
    const wx = installPrivacyWx();
    privacy.install();
    const popup = mount(ids.popup);
    expect(popup.querySelector('.privacy-popup')).toBeUndefined();
    const resolve = jest.fn();
    wx.privacy.listener(resolve, { referrer: 'button.getPhoneNumber' });
    await settle();
    expect(popup.querySelector('.privacy-popup')).toBeDefined();
    expect(resolve).toHaveBeenCalledWith({ event: 'exposureAuthorization' });
    expect(popup.querySelector('.privacy-popup__link').dom.textContent).toBe('《党群服务隐私保护指引》');
    popup.querySelector('#privacy-agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(resolve).toHaveBeenLastCalledWith({ buttonId: 'privacy-agree', event: 'agree' });
    expect(popup.querySelector('.privacy-popup')).toBeUndefined();
  });

  test('a refusal fails the waiting interface and closes the popup', async () => {
    const wx = installPrivacyWx();
    privacy.install();
    const popup = mount(ids.popup);
    const resolve = jest.fn();
    wx.privacy.listener(resolve, { referrer: 'button.getPhoneNumber' });
    await settle();
    popup.querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(resolve).toHaveBeenLastCalledWith({ event: 'disagree' });
    expect(popup.querySelector('.privacy-popup')).toBeUndefined();
  });

  test('the guide opens with wx.openPrivacyContract', async () => {
    const wx = installPrivacyWx();
    privacy.install();
    const popup = mount(ids.popup);
    wx.privacy.listener(jest.fn(), {});
    await settle();
    popup.querySelector('.privacy-popup__link').dispatchEvent('tap');
    await settle();
    expect(wx.openPrivacyContract).toHaveBeenCalledTimes(1);
  });

  test('a request made before any popup is mounted waits for the next popup', async () => {
    const wx = installPrivacyWx();
    privacy.install();
    const resolve = jest.fn();
    wx.privacy.listener(resolve, {});
    expect(resolve).not.toHaveBeenCalled();
    const popup = mount(ids.popup);
    await settle();
    expect(popup.querySelector('.privacy-popup')).toBeDefined();
    popup.querySelector('#privacy-agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(resolve).toHaveBeenLastCalledWith({ buttonId: 'privacy-agree', event: 'agree' });
  });

  test('an old base library without privacy APIs needs no agreement', async () => {
    const wx = installWx();
    expect(privacy.install()).toBe(false);
    expect(await privacy.needsAuthorization()).toEqual({ needAuthorization: false, privacyContractName: '' });
    expect(await privacy.requireAuthorization()).toBe(true);
    expect(wx.showToast).not.toHaveBeenCalled();
  });
});

/** The page's <privacy-popup> (a child component has its own tree). */
const popupOf = (page) => page.querySelector('#privacy-popup');

describe('profile page', () => {
  test('the nickname input is not usable until the user agrees in the popup', async () => {
    const wx = installPrivacyWx({ needAuthorization: true });
    privacy.install();
    const page = mount(ids.profile);
    page.instance.onLoad();
    await settle();
    expect(page.querySelector('.profile__nickname')).toBeUndefined();
    page.querySelector('.profile__locked').dispatchEvent('tap');
    await settle();
    expect(wx.requirePrivacyAuthorize).toHaveBeenCalledTimes(1);
    expect(popupOf(page).querySelector('.privacy-popup')).toBeDefined();
    expect(page.querySelector('.profile__nickname')).toBeUndefined();
    popupOf(page).querySelector('#privacy-agree').dispatchEvent('agreeprivacyauthorization');
    await settle();
    expect(popupOf(page).querySelector('.privacy-popup')).toBeUndefined();
    expect(page.querySelector('.profile__nickname')).toBeDefined();
    expect(page.data.privacyPending).toBe(false);
  });

  test('refusing keeps the inputs locked and says why', async () => {
    const wx = installPrivacyWx({ needAuthorization: true });
    privacy.install();
    const page = mount(ids.profile);
    page.instance.onLoad();
    await settle();
    page.querySelector('.profile__locked').dispatchEvent('tap');
    await settle();
    popupOf(page).querySelector('.privacy-popup__disagree').dispatchEvent('tap');
    await settle();
    expect(page.querySelector('.profile__nickname')).toBeUndefined();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '同意隐私保护指引后才能填写' }));
  });

  test('a user who already agreed gets the inputs at once', async () => {
    installPrivacyWx({ needAuthorization: false });
    privacy.install();
    const page = mount(ids.profile);
    page.instance.onLoad();
    await settle();
    expect(page.querySelector('.profile__nickname')).toBeDefined();
    expect(page.querySelector('.profile__locked')).toBeUndefined();
  });
});
