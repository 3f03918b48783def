/**
 * Walking the project: pages of app.json, their files, a Page() shim for loading page code, and
 * loading and mounting a page or component with miniprogram-simulate.
 */
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.join(__dirname, '..', '..');
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));

/** Every page route of app.json, subpackages included (no leading slash, no extension). */
function allPages() {
  const app = readJson('app.json');
  const pages = app.pages.slice();
  (app.subPackages || app.subpackages || []).forEach((pkg) => pkg.pages.forEach((p) => pages.push(`${pkg.root}/${p}`)));
  return pages;
}

function allComponents() {
  return fs.readdirSync(path.join(ROOT, 'components')).map((name) => `components/${name}/index`);
}

/** Handler names bound in a WXML file (bindtap="x", catch:tap="y" ...), leaving out {{dynamic}} ones. */
function boundHandlers(wxml) {
  const names = new Set();
  const re = /\s(?:capture-)?(?:bind|catch|mut-bind):?[a-z]+="([^"]+)"/g;
  let m;
  while ((m = re.exec(wxml))) if (!m[1].includes('{{')) names.add(m[1]);
  return Array.from(names);
}

/**
 * Global Page() for miniprogram-simulate, which only knows Component(): the page becomes a component
 * whose methods are the page's functions (lifecycles included, called by the test).
 */
function installPageShim() {
  global.Page = (definition) => {
    const methods = {};
    Object.keys(definition).forEach((key) => {
      if (typeof definition[key] === 'function') methods[key] = definition[key];
    });
    global.Component({ data: definition.data || {}, methods });
  };
  global.getApp = () => ({ globalData: {} });
}

/** The definition a page file passes to Page(), without rendering it. */
function pageDefinition(route) {
  let captured = null;
  const previous = global.Page;
  global.Page = (definition) => {
    captured = definition;
  };
  global.getApp = () => ({ globalData: {} });
  jest.isolateModules(() => {
    require(path.join(ROOT, route));
  });
  global.Page = previous;
  return captured;
}

/** The definition a component file passes to Component(), without rendering it. */
function componentDefinition(route) {
  let captured = null;
  const previous = global.Component;
  global.Component = (definition) => {
    captured = definition;
  };
  jest.isolateModules(() => {
    require(path.join(ROOT, route));
  });
  global.Component = previous;
  return captured;
}

/** Load a page (or component) for miniprogram-simulate, in a fresh module registry; returns its id. */
function loadPage(route) {
  let id;
  jest.isolateModules(() => {
    id = simulate.load(path.join(ROOT, route), { rootPath: ROOT });
  });
  return id;
}

/** Render a loaded page or component with `props` and attach it to a document node. */
function mount(id, props = {}) {
  const rendered = simulate.render(id, props);
  rendered.attach(document.createElement('parent-wrapper'));
  return rendered;
}

module.exports = {
  ROOT,
  readJson,
  allPages,
  allComponents,
  boundHandlers,
  installPageShim,
  pageDefinition,
  componentDefinition,
  loadPage,
  mount,
};
