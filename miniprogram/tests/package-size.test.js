/**
 * Size: the main package stays under 1.5 MB (WeChat refuses 2 MB), every subpackage under 2 MB, counted as
 * scripts/miniprogram-size counts them; the organizer's pages live only in their subpackage, and the
 * main package never reaches into it.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, readJson } = require('./helpers/project');
const { packageSizes, isIgnored, overLimit, LIMITS, WECHAT_LIMIT } = require('../../scripts/miniprogram-size.js');

const MB = 1024 * 1024;
const sizes = packageSizes(ROOT);

test('the main package is under 1.5 MB and every subpackage under 2 MB', () => {
  expect(LIMITS.main).toBe(1.5 * MB);
  expect(WECHAT_LIMIT).toBe(2 * MB);
  expect(sizes.main.bytes).toBeLessThan(1.5 * MB);
  expect(sizes.subpackages.length).toBeGreaterThan(0);
  sizes.subpackages.forEach((pkg) => expect(pkg.bytes).toBeLessThan(2 * MB));
  expect(overLimit(sizes)).toEqual([]);
});

test('what is counted is what DevTools uploads: no tests, node_modules, package files, README or config', () => {
  const all = sizes.main.files.concat(...sizes.subpackages.map((pkg) => pkg.files));
  expect(all).toContain('app.js');
  expect(all).toContain('app.json');
  expect(all.filter((f) => /^(tests|node_modules)\//.test(f))).toEqual([]);
  expect(all).not.toContain('package.json');
  expect(all).not.toContain('package-lock.json');
  expect(all).not.toContain('README.md');
  expect(all).not.toContain('project.config.json');
  expect(all.filter((f) => f.split('/').some((part) => part.startsWith('.')))).toEqual([]);
});

test('the ignore rules read as DevTools reads them, and an oversized package is reported', () => {
  const rules = [
    { type: 'folder', value: 'tests' },
    { type: 'file', value: 'README.md' },
    { type: 'suffix', value: '.map' },
    { type: 'folder', value: 'docs/**' },
  ];
  expect(isIgnored('tests/a.test.js', rules)).toBe(true);
  expect(isIgnored('README.md', rules)).toBe(true);
  // Paths are from the root: a README inside a package's folder is uploaded.
  expect(isIgnored('miniprogram_npm/x/README.md', rules)).toBe(false);
  expect(isIgnored('utils/time.js.map', rules)).toBe(true);
  expect(isIgnored('docs/a/b.png', rules)).toBe(true);
  expect(isIgnored('pages/tests-like/index.js', rules)).toBe(false);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-size-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'app.json'),
      JSON.stringify({ pages: ['pages/a/index'], subPackages: [{ root: 'pkg', name: 'pkg', pages: ['p/index'] }] }),
    );
    fs.mkdirSync(path.join(dir, 'pkg'));
    fs.mkdirSync(path.join(dir, 'miniprogram_npm'));
    fs.writeFileSync(path.join(dir, 'pkg', 'big.js'), Buffer.alloc(2 * MB));
    fs.writeFileSync(path.join(dir, 'miniprogram_npm', 'lib.js'), Buffer.alloc(1000));
    const tmp = packageSizes(dir);
    expect(tmp.main.files.sort()).toEqual(['app.json', 'miniprogram_npm/lib.js']);
    expect(overLimit(tmp).map((pkg) => pkg.name)).toEqual(['pkg']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the organizer pages live only in the organizer subpackage', () => {
  const app = readJson('app.json');
  const organizer = (app.subPackages || []).find((pkg) => pkg.root === 'packageOrganizer');
  expect(organizer).toBeTruthy();
  // Every organizer page directory is a page of the subpackage; the main package's pages are under pages/.
  const dirs = fs.readdirSync(path.join(ROOT, 'packageOrganizer', 'pages')).sort();
  expect(organizer.pages.map((p) => p.replace(/^pages\/([^/]+)\/index$/, '$1')).sort()).toEqual(dirs);
  app.pages.forEach((page) => expect(page).toMatch(/^pages\//));
  const counted = sizes.subpackages.find((pkg) => pkg.root === 'packageOrganizer').files;
  expect(counted).toEqual(expect.arrayContaining(['packageOrganizer/pages/index/index.js']));
  expect(sizes.main.files.filter((file) => file.startsWith('packageOrganizer/'))).toEqual([]);
});

test('nothing in the main package requires or uses a component from the subpackage', () => {
  const offenders = sizes.main.files.filter((file) => {
    if (!/\.(js|json)$/.test(file)) return false;
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    if (file.endsWith('.js')) return /require\([^)]*packageOrganizer/.test(text);
    const usingComponents = (JSON.parse(text) || {}).usingComponents || {};
    return Object.values(usingComponents).some((target) => String(target).includes('packageOrganizer'));
  });
  expect(offenders).toEqual([]);
});
