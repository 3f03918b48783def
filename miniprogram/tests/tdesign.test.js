/** The vendored TDesign Miniprogram (scripts/vendor-tdesign): offline, complete, and rendering under simulate. */
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const { ROOT, readJson } = require('./helpers/project');
const { installWx } = require('./helpers/wx');

const TD = path.join(ROOT, 'miniprogram_npm', 'tdesign-miniprogram');
const TD_URL = '/miniprogram_npm/tdesign-miniprogram/';

function walk(dir, skip = []) {
  const files = [];
  fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const full = path.join(dir, entry.name);
    if (skip.includes(entry.name) || entry.name.startsWith('.')) return;
    if (entry.isDirectory()) files.push(...walk(full, skip));
    else files.push(full);
  });
  return files;
}

const vendored = walk(TD);
const ownFiles = walk(ROOT, ['node_modules', 'miniprogram_npm', 'tests']).filter((f) => /\.(js|json|wxml)$/.test(f));
const iconWxss = fs.readFileSync(path.join(TD, 'icon', 'icon.wxss'), 'utf8');
const iconNames = new Set(
  Array.from(iconWxss.matchAll(/\.t-icon-([a-z0-9-]+):before\{content:'\\([0-9A-F]+)'/gi), (m) => m[1]),
);

describe('vendored files', () => {
  test('the pinned version, with its licences', () => {
    const pinned = readJson('package.json').devDependencies['tdesign-miniprogram'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const source = fs.readFileSync(path.join(TD, 'SOURCE'), 'utf8');
    expect(source).toContain(`tdesign-miniprogram@${pinned}`);
    expect(fs.readFileSync(path.join(TD, 'LICENSE'), 'utf8')).toContain('MIT');
    expect(fs.existsSync(path.join(TD, 'icon', 'LICENSE-tdesign-icons-svg'))).toBe(true);
  });

  test('no vendored file loads anything over the network (http:// or https://)', () => {
    const offenders = vendored.filter((f) => /https?:\/\//.test(fs.readFileSync(f, 'latin1')));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  test('no type declarations or unused packages were copied', () => {
    expect(vendored.filter((f) => f.endsWith('.d.ts'))).toEqual([]);
    const npmDeps = fs.readdirSync(path.join(TD, 'miniprogram_npm')).sort();
    expect(npmDeps).toEqual(['dayjs', 'tslib']);
  });

  test('stays small: under 400 KiB of the 2 MB main package', () => {
    const bytes = vendored.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    expect(bytes).toBeLessThan(400 * 1024);
  });

  test('every usingComponents entry of the app points at an existing component', () => {
    const jsons = ownFiles.filter((f) => f.endsWith('.json'));
    jsons.forEach((file) => {
      const using = JSON.parse(fs.readFileSync(file, 'utf8')).usingComponents || {};
      Object.entries(using).forEach(([tag, rel]) => {
        const base = rel.startsWith('/') ? path.join(ROOT, rel) : path.join(path.dirname(file), rel);
        expect({ file: path.relative(ROOT, file), tag, exists: fs.existsSync(`${base}.json`) }).toEqual({
          file: path.relative(ROOT, file),
          tag,
          exists: true,
        });
        if (tag.startsWith('t-')) expect(rel.startsWith(TD_URL)).toBe(true);
      });
    });
  });
});

describe('icon font', () => {
  test('is embedded as a WOFF data URI in place of the CDN', () => {
    const face = iconWxss.match(/@font-face\{font-family:t;src:url\(data:font\/woff;base64,([A-Za-z0-9+/=]+)\)/);
    expect(face).not.toBeNull();
    expect(Buffer.from(face[1], 'base64').subarray(0, 4).toString('latin1')).toBe('wOFF');
    expect(iconWxss).not.toMatch(/gtimg|\.eot|\.ttf\)/);
  });

  test('keeps only the icons in use (a subset, not all 2000+)', () => {
    expect(iconNames.size).toBeGreaterThan(5);
    expect(iconNames.size).toBeLessThan(60);
    ['close', 'check-circle', 'error-circle', 'close-circle'].forEach((name) => expect(iconNames).toContain(name));
  });

  test('has every icon name the app uses (t-icon name=, icon="...", icon: "...")', () => {
    const used = new Set();
    ownFiles.forEach((file) => {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/<t-icon\b[^>]*\bname="([a-z0-9-]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/<t-[a-z-]+\b[^>]*\bicon="([a-z0-9-]+)"/g)) used.add(m[1]);
      // icon: 'calendar' in JS (the tab bar's list); wx.showToast's own icons are not font icons.
      for (const m of text.matchAll(/\bicon:\s*'([a-z0-9-]+)'/g)) {
        if (!['none', 'success', 'error', 'loading'].includes(m[1])) used.add(m[1]);
      }
    });
    const missing = Array.from(used).filter((name) => !iconNames.has(name));
    expect(missing).toEqual([]);
  });
});

describe('rendering with miniprogram-simulate', () => {
  beforeEach(() => {
    installWx();
    global.getApp = () => ({ globalData: {} });
  });

  function load(rel, tag) {
    let id;
    jest.isolateModules(() => {
      id = simulate.load(path.join(TD, rel), tag, { rootPath: ROOT });
    });
    return id;
  }

  function mount(id, props) {
    const comp = simulate.render(id, props);
    comp.attach(document.createElement('parent-wrapper'));
    return comp;
  }

  test('t-empty shows its description and icon', async () => {
    const comp = mount(load('empty/empty', 't-empty'), { description: '暂无活动', icon: 'info-circle' });
    await simulate.sleep(0);
    expect(comp.dom.textContent).toContain('暂无活动');
    expect(comp.dom.innerHTML).toContain('t-icon-info-circle');
  });

  test('t-dialog shows title, content and both buttons when visible', async () => {
    const comp = mount(load('dialog/dialog', 't-dialog'), {
      title: '取消报名',
      content: '确定取消这次报名吗？',
      confirmBtn: '确定',
      cancelBtn: '再想想',
    });
    await simulate.sleep(0);
    expect(comp.dom.textContent).not.toContain('取消报名');
    comp.setData({ visible: true });
    await simulate.sleep(50);
    ['取消报名', '确定取消这次报名吗？', '确定', '再想想'].forEach((text) =>
      expect(comp.dom.textContent).toContain(text),
    );
  });

  test('t-toast shows its message', async () => {
    const comp = mount(load('toast/toast', 't-toast'), {});
    comp.instance.show({ message: '报名成功', theme: 'success', duration: 1000 });
    await simulate.sleep(50);
    expect(comp.dom.textContent).toContain('报名成功');
    expect(comp.dom.innerHTML).toContain('t-icon-check-circle');
  });
});
