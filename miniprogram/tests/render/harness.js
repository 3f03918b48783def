/**
 * The render harness: loads a page of app.json with miniprogram-simulate (the official wcc compiler),
 * answers its calls from the API fake (fixtures.js) through the scripted wx (tests/helpers/wx.js), runs
 * onLoad(query) / onShow / onReady, waits until nothing is in flight, and serialises what it shows
 * into a standalone HTML file: the DOM, the page's and its components' WXSS, app.wxss, and a phone
 * frame (status bar, navigation bar with the page's title, the tab bar on tab pages).
 *
 * Runs inside jest (jsdom), as tests/render.test.js does.
 *
 * Choices, and why:
 * - rpx: simulate and j-component turn 1rpx into 1px. A phone is 375 CSS px wide and 750 rpx, so the
 *   harness replaces both conversions (their `transformRpx`) with n rpx → n/2 px before anything is
 *   loaded. The HTML is then real CSS for a 375 px viewport, inline styles included.
 * - WXSS scoping: simulate prefixes every class with the component's tag (`.main--row` on pages,
 *   `.activity-card--title` ...), and so does the DOM; the harness keeps that. It rewrites `page`
 *   selectors to the `wx-page` element that wraps the page and `:host` to the component's tag.
 *   app.wxss applies to the page and to components that declare addGlobalClass (or a shared
 *   styleIsolation), as in WeChat.
 * - Taps: j-component keeps each node's bound events on its virtual node (`__wxElement._vt.event`);
 *   an element with a tap or longpress handler is written with `data-tap="handler"`, which the
 *   browser checks (scripts/screenshots.py) use to find touch targets.
 * - Root font size: `<page-meta root-font-size>` (else the page's data.fontRoot, else 16px) becomes
 *   the html font-size, so rem follows WeChat's font scaling as on a phone.
 * - Time: Date is frozen at fixtures.NOW (timers stay real), so the pictures do not change daily.
 */
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const simUtils = require('miniprogram-simulate/src/utils');
const simWxss = require('miniprogram-simulate/src/wxss');
const jComponent = require('j-component');
const jUtils = require('j-component/src/tool/utils');
const { installWx } = require('../helpers/wx');
const { settle } = require('../helpers/wait');
const fixtures = require('./fixtures');

const ROOT = path.join(__dirname, '..', '..');
// The project being rendered: the mini-program, or another root (state.root) for the test of a broken page.
let currentRoot = ROOT;
let lastRoot = ROOT;
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(currentRoot, rel), 'utf8'));
const exists = (rel) => fs.existsSync(path.join(currentRoot, rel));

/** n rpx → n/2 px: 750 rpx across a 375 px wide phone. */
function rpxToPx(css) {
  return String(css).replace(/(-?\d*\.?\d+)rpx/gi, (m, n) => `${+(Number(n) / 2).toFixed(3)}px`);
}

/** `page` → `wx-page` and `:host` → the component's tag, in raw WXSS (before simulate prefixes classes). */
function scopeSelectors(wxss, tag) {
  return String(wxss || '')
    .replace(/:host/g, tag === 'main' ? 'main' : tag)
    .replace(/(^|[\s,>+~(}])page(?=\s*[{,.:#[>+~)\s])/g, '$1wx-page');
}

const globalClassPrefixes = new Set(['main']);
const componentPaths = {}; // j-component id → the component's file path (without extension)
let installed = false;

/** Patch simulate and j-component once (see the choices above) and install the Page() shim. */
function install() {
  if (installed) return;
  installed = true;
  simUtils.transformRpx = rpxToPx;
  jUtils.transformRpx = rpxToPx;
  const compile = simWxss.compile;
  simWxss.compile = (wxss, options = {}) => compile(scopeSelectors(wxss, options.prefix || 'main'), options);
  const register = jComponent.register;
  jComponent.register = (definition) => {
    if (definition && definition.id && definition.path) componentPaths[definition.id] = definition.path;
    const o = (definition && definition.options) || {};
    if (o.classPrefix && (o.addGlobalClass || /^(apply-)?shared$/.test(o.styleIsolation || '')))
      globalClassPrefixes.add(o.classPrefix);
    return register(definition);
  };
}

/** Page() → Component(): the page's functions become methods; getTabBar answers the rendered tab bar. */
function installPageShim(context) {
  global.Page = (definition) => {
    const methods = {
      getTabBar() {
        return context.tabBar ? context.tabBar.instance : null;
      },
    };
    Object.keys(definition).forEach((key) => {
      if (typeof definition[key] === 'function') methods[key] = definition[key];
    });
    global.Component({ data: definition.data || {}, methods });
  };
  global.getApp = () => ({ globalData: {} });
  global.getCurrentPages = () => (context.page ? [context.page.instance] : []);
}

/** The APIs pages call beyond helpers/wx.js, as plain functions, added only where wx lacks them. */
function completeWx(wx, state, context) {
  const scale = state.fontScale || 1;
  // Base library 2.19.1, as tests/helpers/setup.js reports it: TDesign turns on `virtualHost` from
  // 2.19.2, which j-component renders without the children of the host's wx:if.
  const SDK = '2.19.1';
  const add = {
    getAppBaseInfo: () => ({ SDKVersion: SDK, language: 'zh_CN', theme: 'light', fontSizeScaleFactor: scale }),
    getSystemInfoSync: () => ({
      platform: 'ios',
      model: 'iPhone 13',
      pixelRatio: 2,
      screenWidth: 375,
      screenHeight: 812,
      windowWidth: 375,
      windowHeight: 812 - 88,
      statusBarHeight: 44,
      fontSizeSetting: 16 * scale,
      fontSizeScaleFactor: scale,
      SDKVersion: SDK,
      safeArea: { top: 44, bottom: 778, left: 0, right: 375, width: 375, height: 734 },
    }),
    getWindowInfo: () => ({ pixelRatio: 2, screenWidth: 375, screenHeight: 812, windowWidth: 375, windowHeight: 724 }),
    getDeviceInfo: () => ({ platform: 'ios', model: 'iPhone 13' }),
    getNetworkType: (o = {}) =>
      wx.later(() => o.success && o.success({ networkType: state.offline ? 'none' : 'wifi' })),
    getNetworkTypeSync: () => ({ networkType: state.offline ? 'none' : 'wifi' }),
    onNetworkStatusChange: () => {},
    offNetworkStatusChange: () => {},
    onNeedPrivacyAuthorization: () => {},
    getPrivacySetting: (o = {}) => wx.later(() => o.success && o.success({ needAuthorization: false })),
    requirePrivacyAuthorize: (o = {}) => wx.later(() => o.success && o.success({})),
    openPrivacyContract: () => {},
    setScreenBrightness: (o = {}) => o.success && o.success({}),
    getScreenBrightness: (o = {}) => o.success && o.success({ value: 0.5 }),
    setKeepScreenOn: () => {},
    vibrateShort: () => {},
    hideToast: () => {},
    showActionSheet: () => {},
    pageScrollTo: () => {},
    nextTick: (fn) => Promise.resolve().then(fn),
    setNavigationBarTitle: (o = {}) => {
      context.title = o.title;
    },
    getStorageInfoSync: () => ({ keys: Object.keys(wx.store), currentSize: 0, limitSize: 10240 }),
  };
  // What the state decides (font scale, title capture) replaces helpers/wx.js's answers; the rest fills gaps.
  const OWN = ['getAppBaseInfo', 'getSystemInfoSync', 'getWindowInfo', 'setNavigationBarTitle', 'getNetworkType'];
  Object.keys(add).forEach((name) => {
    if (OWN.includes(name) || typeof wx[name] !== 'function') wx[name] = add[name];
  });
  // A call the fake holds (state "loading") is recorded and never answered.
  const request = wx.request;
  wx.request = (options) => {
    if (context.hold) {
      context.held.push(options.url);
      return { abort() {} };
    }
    return request(options);
  };
}

/** Placeholder for images from the fake API (a mini-program code): a deterministic QR-like SVG. */
function codeImage() {
  let cells = '';
  let seed = 7;
  for (let y = 0; y < 21; y += 1) {
    for (let x = 0; x < 21; x += 1) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const finder = (x < 7 && y < 7) || (x > 13 && y < 7) || (x < 7 && y > 13);
      const on = finder
        ? !(x % 20 === 1 || y % 20 === 1 || x === 5 || y === 5 || x === 15 || y === 15) ||
          (x % 14 >= 2 && x % 14 <= 4 && y % 14 >= 2 && y % 14 <= 4)
        : seed % 3 === 0;
      if (on) cells += `<rect x="${x}" y="${y}" width="1" height="1"/>`;
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 25 25"><rect x="-2" y="-2" width="25" height="25" fill="#fff"/><g fill="#222">${cells}</g></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s) => esc(s).replace(/"/g, '&quot;');
const TAP_EVENTS = new Set(['tap', 'longpress', 'longtap']);
const VOID_TEXT_TAGS = new Set(['WX-INPUT', 'WX-TEXTAREA']);

/**
 * Whether a tap handler on `node` does something for the user. A library component (miniprogram_npm)
 * binds taps inside itself whether or not anyone listens (t-icon re-emits every tap as `click`): such
 * a tap counts only when a library component around it, up to the first of our own, has an event
 * bound by its user (t-button bindtap, t-switch bindchange, t-tab-bar bindchange around its items).
 * Taps in our own pages and components always count.
 */
const isLibrary = (file) => /[\\/]miniprogram_npm[\\/]/.test(file || '');

function reachesUser(node) {
  const el = node.__wxElement;
  const root = el && el.ownerShadowRoot;
  const host = root && typeof root.getHostNode === 'function' ? root.getHostNode() : null;
  if (!host || !isLibrary(componentPaths[host.is])) return true;
  for (let n = node.parentElement; n; n = n.parentElement) {
    const w = n.__wxElement;
    const file = w && componentPaths[w.is];
    if (!file) continue;
    if (!isLibrary(file)) return false;
    const events = (w._vt && w._vt.event) || {};
    if (Object.keys(events).some((k) => events[k] && events[k].handler)) return true;
  }
  return false;
}

/**
 * Serialise a rendered tree. Returns {html, text, meta}: `text` is what a user reads (text nodes,
 * input values or placeholders, button labels), `meta` the page-meta attributes.
 */
function serialize(root) {
  const texts = [];
  const meta = {};

  function attrsOf(el) {
    const vt = el.__wxElement && el.__wxElement._vt;
    const out = {};
    if (vt && Array.isArray(vt.attrs)) vt.attrs.forEach((a) => (out[a.name] = a.value));
    return { attrs: out, events: (vt && vt.event) || {} };
  }

  function walk(node, hidden) {
    if (node.nodeType === 3) {
      if (!hidden && node.data.trim()) texts.push(node.data.trim());
      return esc(node.data);
    }
    if (node.nodeType !== 1) return '';
    const tag = node.tagName.toLowerCase();
    const { attrs, events } = attrsOf(node);
    if (tag === 'page-meta' || tag === 'wx-page-meta') {
      Object.assign(meta, attrs);
      return '';
    }
    const isHidden =
      hidden ||
      attrs.hidden === true ||
      attrs.hidden === 'true' ||
      /display:\s*none/.test(node.getAttribute('style') || '');
    const out = [];
    Array.from(node.attributes).forEach((a) => out.push(`${a.name}="${escAttr(a.value)}"`));
    if (isHidden && !hidden) out.push('hidden');
    const taps = Object.keys(events)
      .map((k) => events[k])
      .filter((e) => e && e.handler && TAP_EVENTS.has(e.name))
      .map((e) => e.handler);
    if (taps.length && !reachesUser(node)) taps.length = 0;
    if (taps.length) out.push(`data-tap="${escAttr(taps.join(' '))}"`);
    [
      'type',
      'size',
      'plain',
      'disabled',
      'loading',
      'open-type',
      'openType',
      'mode',
      'checked',
      'aria-label',
      'ariaLabel',
      'scrollX',
      'scrollY',
    ].forEach((name) => {
      const v = attrs[name];
      if (v === undefined || v === false || v === null || v === '') return;
      const dashed = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      out.push(v === true ? dashed : `${dashed}="${escAttr(v)}"`);
    });
    let inner = '';
    if (VOID_TEXT_TAGS.has(node.tagName)) {
      const value = attrs.value === undefined || attrs.value === null ? '' : String(attrs.value);
      const shown = value || String(attrs.placeholder || '');
      if (shown && !isHidden) texts.push(shown);
      let cls = value ? 'wx-input__value' : 'wx-input__placeholder';
      // placeholder-class names a class of the input's own component: prefix it as simulate does.
      const phClass = attrs['placeholder-class'] || attrs.placeholderClass;
      if (!value && phClass) {
        const prefix = (/(?:^|\s)([\w-]+?--)/.exec(node.getAttribute('class') || '') || [null, 'main--'])[1];
        cls +=
          ' ' +
          String(phClass)
            .split(/\s+/)
            .filter(Boolean)
            .map((c) => prefix + c)
            .join(' ');
      }
      inner = `<span class="${cls}">${esc(attrs.password && value ? '•'.repeat(value.length) : shown) || '&#8203;'}</span>`;
    } else if (tag === 'wx-image') {
      const src = String(attrs.src || '');
      // Images from the fake API or downloaded from it (wxfile://) are mini-program codes.
      const url = /^(https?|wxfile):/.test(src) ? codeImage() : src;
      inner = url ? `<img src="${escAttr(url)}" alt="">` : '';
    } else if (tag === 'wx-map') {
      // A native map draws nothing here: a plain street-grid picture with the marker's pin and callout.
      const markers = Array.isArray(attrs.markers) ? attrs.markers : [];
      const callout = markers[0] && markers[0].callout ? markers[0].callout.content : '';
      inner =
        '<span class="wx-map__streets"></span>' +
        (markers.length ? '<span class="wx-map__pin"></span>' : '') +
        (callout ? `<span class="wx-map__callout">${esc(callout)}</span>` : '');
      if (!isHidden && callout) texts.push(callout);
    } else if (tag === 'wx-switch') {
      inner = `<span class="wx-switch__track${attrs.checked ? ' wx-switch--on' : ''}"></span>`;
    } else if (tag === 'wx-checkbox' || tag === 'wx-radio') {
      inner = `<span class="wx-check${attrs.checked ? ' wx-check--on' : ''}"></span>`;
      inner += Array.from(node.childNodes)
        .map((c) => walk(c, isHidden))
        .join('');
    } else if (tag === 'wx-progress') {
      const pct = Math.max(0, Math.min(100, Number(attrs.percent) || 0));
      inner = `<span class="wx-progress__bar" style="width:${pct}%"></span>`;
    } else if (tag === 'wx-rich-text' && typeof attrs.nodes === 'string') {
      const tmp = document.createElement('div');
      tmp.innerHTML = attrs.nodes;
      if (!isHidden && tmp.textContent.trim()) texts.push(tmp.textContent.trim());
      inner = attrs.nodes;
    } else {
      inner = Array.from(node.childNodes)
        .map((c) => walk(c, isHidden))
        .join('');
    }
    return `<${tag}${out.length ? ' ' + out.join(' ') : ''}>${inner}</${tag}>`;
  }
  const html = walk(root, false);
  return { html, text: texts.join('\n'), meta };
}

/** The CSS of a rendered component: its <style> (simulate's, rpx converted) and app.wxss where it applies. */
function cssFor(id) {
  const style = document.querySelector(`style#${id}`);
  return style ? style.textContent : '';
}

function appCss() {
  if (!exists('app.wxss')) return '';
  const raw = simWxss.getContent(path.join(currentRoot, 'app.wxss'));
  return Array.from(globalClassPrefixes)
    .map((prefix) => rpxToPx(simWxss.compile(raw, { prefix })))
    .join('\n');
}

const FRAME_CSS = fs.readFileSync(path.join(__dirname, 'frame.css'), 'utf8');

function pageJson(route) {
  return exists(`${route}.json`) ? readJson(`${route}.json`) : {};
}

/** The app.json tabBar entry of a route, or null. */
function tabBarOf(route) {
  const app = readJson('app.json');
  const list = (app.tabBar && app.tabBar.list) || [];
  return list.some((t) => t.pagePath === route) ? app.tabBar : null;
}

/**
 * Wait (at most a second) while an element is between the classes of an enter or leave transition
 * (`t-fade-enter-active` ...): a toast or dialog is pictured once it is shown, as a user sees it.
 */
async function transitionsDone(rendered) {
  const moving = /[a-z]-(?:enter|leave)(?:-active|-to)?(?=[\s"])/;
  for (let i = 0; i < 50 && moving.test(rendered.dom.innerHTML); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Render `route` in `state` ({name, query, storage, api, fontScale, tap?: {handler, dataset}}). Returns
 * {html, text, title, requests, unrouted, held, errors}. Never throws for the page's own errors:
 * they are returned in `errors` (the render test fails on them).
 */
async function renderPage(route, state = {}) {
  install();
  currentRoot = state.root || ROOT;
  if (currentRoot !== lastRoot) {
    // wcc's output keeps its constant pools in one global (`__WXML_GLOBAL__.ops_cached.$gwx_1` ...),
    // named alike in every project: another project's templates would read this one's pools.
    if (global.__WXML_GLOBAL__) global.__WXML_GLOBAL__.ops_cached = {};
    lastRoot = currentRoot;
  }
  const context = { tabBar: null, page: null, held: [], title: null, hold: false };
  const errors = [];
  const onRejection = (reason) => errors.push(reason instanceof Error ? reason : new Error(String(reason)));
  process.on('unhandledRejection', onRejection);
  const originalConsoleError = console.error;
  console.error = (...args) => errors.push(new Error(args.map(String).join(' ')));
  jest.useFakeTimers({
    now: fixtures.NOW,
    doNotFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'setImmediate',
      'clearImmediate',
      'nextTick',
      'queueMicrotask',
      'hrtime',
      'performance',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
    ],
  });
  const unrouted = [];
  try {
    jest.resetModules();
    const storage = Object.assign({ auth_token: 'render-token' }, state.storage || {});
    const wx = installWx({ storage, fontSizeScaleFactor: state.fontScale || 1 });
    const fake = fixtures.api(state.api || {});
    context.hold = !!(state.api && state.api.hold);
    wx.setHandler((req) => {
      const answer = fake(req);
      if (answer && answer.statusCode === 404 && answer.data && answer.data.error === 'not_found') {
        unrouted.push(`${req.method} ${req.path}`);
      }
      return answer;
    });
    completeWx(wx, state, context);
    installPageShim(context);

    const tab = tabBarOf(route);
    if (tab && tab.custom && exists('custom-tab-bar/index.json')) {
      let tabId;
      jest.isolateModules(() => {
        tabId = simulate.load(path.join(currentRoot, 'custom-tab-bar/index'), 'custom-tab-bar', {
          rootPath: currentRoot,
        });
      });
      context.tabBar = simulate.render(tabId, {});
      context.tabBar.attach(document.createElement('parent-wrapper'));
      context.tabBarId = tabId;
    }

    let id;
    jest.isolateModules(() => {
      id = simulate.load(path.join(currentRoot, route), { rootPath: currentRoot });
    });
    const page = simulate.render(id, {});
    page.attach(document.createElement('parent-wrapper'));
    context.page = page;
    const inst = page.instance;
    // j-component's selectComponent throws when nothing matches; WeChat answers null (utils/ui.js
    // looks for a page's <t-toast> that way).
    const selectComponent = inst.selectComponent;
    inst.selectComponent = function select(selector) {
      try {
        return selectComponent.call(this, selector);
      } catch (err) {
        return null;
      }
    };
    inst.route = route;
    inst.options = state.query || {};
    // As WeChat, call the lifecycles without waiting for what they return (a call held in the
    // "loading" state never ends); a rejection is an error of the page.
    const lifecycle = (name, arg) => {
      if (typeof inst[name] !== 'function') return;
      try {
        Promise.resolve(inst[name](arg)).catch((err) => errors.push(err));
      } catch (err) {
        errors.push(err);
      }
    };
    lifecycle('onLoad', Object.assign({}, state.query || {}));
    lifecycle('onShow');
    lifecycle('onReady');
    try {
      await settle({ wx, timeout: 5000 });
      if (state.tap) {
        // A state reached by a tap once loaded (a sheet opened): the handler with the tapped dataset.
        const event = { currentTarget: { dataset: state.tap.dataset || {} }, detail: state.tap.detail || {} };
        lifecycle(state.tap.handler, event);
        await settle({ wx, timeout: 5000 });
      }
      await transitionsDone(page);
    } catch (err) {
      errors.push(err);
    }

    const body = serialize(page.dom);
    const tabSer = context.tabBar ? serialize(context.tabBar.dom) : null;
    const tabHtml = tabSer ? tabSer.html : null;
    const json = pageJson(route);
    const app = readJson('app.json');
    const title =
      context.title || json.navigationBarTitleText || (app.window && app.window.navigationBarTitleText) || '';
    const fontRoot =
      body.meta.rootFontSize || body.meta['root-font-size'] || (page.data && page.data.fontRoot) || '16px';
    const css = [cssFor(id), context.tabBarId ? cssFor(context.tabBarId) : '', appCss()].join('\n');
    const html = documentHtml({
      route,
      state,
      title,
      fontRoot,
      pageMeta: body.meta,
      css,
      body: body.html,
      tab,
      tabHtml,
      json,
      app,
    });
    try {
      if (inst.onHide) inst.onHide();
      if (inst.onUnload) inst.onUnload();
    } catch (err) {
      errors.push(err);
    }
    page.detach();
    if (context.tabBar) context.tabBar.detach();
    const text = [title, body.text, tabSer ? tabSer.text : tabText(tab)].filter(Boolean).join('\n');
    return {
      html,
      text,
      title,
      fontRoot,
      requests: wx.requests.map((r) => `${r.method} ${r.path}`),
      unrouted,
      held: context.held,
      errors,
    };
  } finally {
    jest.useRealTimers();
    currentRoot = ROOT;
    console.error = originalConsoleError;
    process.removeListener('unhandledRejection', onRejection);
  }
}

function tabText(tab) {
  return tab ? tab.list.map((t) => t.text).join(' ') : '';
}

/**
 * WeChat draws a custom tab bar in the tab bar's own area below the page, not over it: its fixed
 * elements (t-tab-bar is position: fixed) are put back in the flow of the frame's tab bar.
 */
const TAB_BAR_SCRIPT = `<script>
for (const el of document.querySelectorAll('.frame-tabbar--custom *')) {
  if (getComputedStyle(el).position === 'fixed') {
    Object.assign(el.style, { position: 'relative', top: 'auto', bottom: 'auto', left: 'auto', right: 'auto' });
  }
}
</script>`;

/** The standalone HTML of one screenshot. */
function documentHtml({ route, state, title, fontRoot, pageMeta, css, body, tab, tabHtml, json, app }) {
  const win = Object.assign({}, app.window || {}, json);
  const navBg = win.navigationBarBackgroundColor || '#c8161d';
  const navFg = win.navigationBarTextStyle === 'black' ? '#000000' : '#ffffff';
  const customNav = win.navigationStyle === 'custom';
  const background = win.backgroundColor || '#f5f5f5';
  const pageFont = pageMeta.pageFontSize || pageMeta['page-font-size'];
  const pageStyle = pageMeta.pageStyle || pageMeta['page-style'] || '';
  const tabs = !tab
    ? ''
    : tabHtml
      ? // Inside wx-page: the bar inherits the page's variables (app.wxss tokens), as in WeChat.
        `<div class="frame-tabbar frame-tabbar--custom">${tabHtml}</div>`
      : `<div class="frame-tabbar" style="background:${tab.backgroundColor || '#ffffff'}">${tab.list
          .map(
            (t) =>
              `<div class="frame-tab" style="color:${t.pagePath === route ? tab.selectedColor || '#c8161d' : tab.color || '#666666'}">${esc(t.text)}</div>`,
          )
          .join('')}</div>`;
  const isFirst = ((app.tabBar && app.tabBar.list) || []).some((t) => t.pagePath === route) || route === app.pages[0];
  return `<!doctype html>
<html lang="zh-CN" style="font-size:${escAttr(fontRoot)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=375">
<title>${esc(route)} · ${esc(state.name || 'normal')}</title>
<style>${FRAME_CSS}</style>
<style>wx-page{background:${escAttr(background)};${pageFont ? `font-size:${escAttr(pageFont)};` : ''}}</style>
<style>${css}</style>
</head>
<body>
<div class="frame" data-route="${escAttr(route)}" data-state="${escAttr(state.name || 'normal')}">
<div class="frame-status" style="background:${customNav ? 'transparent' : navBg};color:${navFg}"><span>9:41</span><span class="frame-status__icons">▮▮▮ ◔ ▭</span></div>
${customNav ? '' : `<div class="frame-nav" style="background:${navBg};color:${navFg}"><span class="frame-nav__back">${isFirst ? '' : '‹'}</span><span class="frame-nav__title">${esc(title)}</span><span class="frame-nav__capsule">··· ◉</span></div>`}
<wx-page style="${escAttr(pageStyle)}">${body}${tabs}</wx-page>
</div>
${tabHtml ? TAB_BAR_SCRIPT : ''}
</body>
</html>
`;
}

module.exports = { ROOT, renderPage, serialize, rpxToPx, scopeSelectors, readJson };
