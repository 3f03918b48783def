/** The project is valid for WeChat DevTools: configs, pages, components, bindings, and WXML that wcc compiles. */
const fs = require('fs');
const path = require('path');
const {
  ROOT,
  readJson,
  allPages,
  allComponents,
  boundHandlers,
  pageDefinition,
  componentDefinition,
} = require('./helpers/project');

const exists = (rel) => fs.existsSync(path.join(ROOT, rel));
const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('project.config.json', () => {
  const config = readJson('project.config.json');

  test('is a mini-program project with a placeholder appid', () => {
    expect(config.compileType).toBe('miniprogram');
    expect(['touristappid', 'wx0000000000demo']).toContain(config.appid);
    expect(exists(path.join(config.miniprogramRoot || '.', 'app.json'))).toBe(true);
  });

  test('does not check request domains, so DevTools can reach http://127.0.0.1:5000', () => {
    expect(config.setting.urlCheck).toBe(false);
  });
});

describe('app.json', () => {
  const app = readJson('app.json');

  test('the activities tab is the home page', () => {
    expect(app.pages[0]).toBe('pages/activities/index');
  });

  test('tabBar: 活动, 志愿值守, 我的', () => {
    expect(app.tabBar.list.map((t) => t.text)).toEqual(['活动', '志愿值守', '我的']);
    app.tabBar.list.forEach((tab) => expect(app.pages).toContain(tab.pagePath));
  });

  test('organizer screens live in the packageOrganizer subpackage', () => {
    const pkg = (app.subPackages || []).find((p) => p.root === 'packageOrganizer');
    expect(pkg.pages.length).toBeGreaterThanOrEqual(6);
  });

  test('the check-in page the mini-program code opens is in the main package', () => {
    expect(app.pages).toContain('pages/checkin/index');
  });

  test('sitemap.json exists and has rules', () => {
    expect(app.sitemapLocation).toBe('sitemap.json');
    const sitemap = readJson('sitemap.json');
    sitemap.rules.forEach((rule) => {
      expect(['allow', 'disallow']).toContain(rule.action);
      expect(typeof rule.page).toBe('string');
    });
  });
});

describe.each(allPages())('page %s', (route) => {
  test('has its js, json, wxml and wxss', () => {
    ['js', 'json', 'wxml', 'wxss'].forEach((ext) => expect(exists(`${route}.${ext}`)).toBe(true));
  });

  test('calls Page() once, and every handler its WXML binds exists', () => {
    const definition = pageDefinition(route);
    expect(definition).toBeTruthy();
    boundHandlers(read(`${route}.wxml`)).forEach((name) => {
      expect({ handler: name, type: typeof definition[name] }).toEqual({ handler: name, type: 'function' });
    });
  });

  test('its components exist', () => {
    const using = readJson(`${route}.json`).usingComponents || {};
    Object.values(using).forEach((rel) => {
      // Absolute paths ('/miniprogram_npm/tdesign-miniprogram/...') start at the project root.
      const target = rel.startsWith('/') ? rel.slice(1) : path.join(path.dirname(route), rel);
      expect(exists(`${target}.js`)).toBe(true);
      expect(readJson(`${target}.json`).component).toBe(true);
    });
  });
});

describe.each(allComponents())('component %s', (route) => {
  test('every handler its WXML binds is a method', () => {
    const definition = componentDefinition(route);
    boundHandlers(read(`${route}.wxml`)).forEach((name) => {
      expect({ handler: name, type: typeof (definition.methods || {})[name] }).toEqual({
        handler: name,
        type: 'function',
      });
    });
  });
});

test('every WXML file compiles with the official wcc compiler', () => {
  const compiler = require('miniprogram-compiler');
  expect(() => compiler.wxmlToJs(ROOT)).not.toThrow();
});

test('source avoids syntax older base libraries reject (optional chaining, ??)', () => {
  const offenders = [];
  const walk = (dir) => {
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).forEach((entry) => {
      const rel = path.join(dir, entry.name);
      if (['node_modules', 'tests'].includes(entry.name) || entry.name.startsWith('.')) return;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.js') && /\?\.[A-Za-z_[(]|\?\?/.test(read(rel))) offenders.push(rel);
    });
  };
  walk('.');
  expect(offenders).toEqual([]);
});
