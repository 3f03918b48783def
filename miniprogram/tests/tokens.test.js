/** Design tokens (app.wxss): defined once, readable (WCAG contrast ≥ 4.5:1 for text), used through var(--…). */
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./helpers/project');

const appWxss = fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8');
const pageBlock = appWxss.match(/(?:^|\n)page\s*\{([\s\S]*?)\n\}/)[1];
const tokens = {};
for (const m of pageBlock.matchAll(/(--[a-z0-9-]+)\s*:\s*([^;]+);/gi)) tokens[m[1]] = m[2].trim();

function resolve(value, seen = []) {
  const ref = /^var\((--[a-z0-9-]+)\)$/i.exec(value);
  if (!ref) return value;
  if (seen.includes(ref[1]) || !(ref[1] in tokens)) throw new Error(`unresolved ${value}`);
  return resolve(tokens[ref[1]], seen.concat(ref[1]));
}

function luminance(hex) {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.replace(/./g, '$&$&') : h;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a, b) {
  const [la, lb] = [luminance(resolve(a)), luminance(resolve(b))];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

test('the present colour scheme: the party red #c8161d is the primary colour, and TDesign uses it', () => {
  expect(tokens['--color-primary']).toBe('#c8161d');
  expect(resolve(tokens['--td-brand-color'])).toBe('#c8161d');
  expect(resolve(tokens['--td-text-color-primary'])).toBe(resolve(tokens['--color-text']));
});

test('contrast helper: #999 on white fails, #767676 passes', () => {
  expect(contrast('#999999', '#ffffff')).toBeLessThan(4.5);
  expect(contrast('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
});

const TEXT = ['--color-text', '--color-text-secondary', '--color-text-muted', '--color-primary', '--color-warning'];
const MORE_TEXT = ['--color-danger', '--color-success'];
const BACKGROUNDS = ['--color-surface', '--color-bg', '--color-fill'];

describe.each(TEXT.concat(MORE_TEXT))('text colour %s', (fg) => {
  test.each(BACKGROUNDS)('on %s: contrast ≥ 4.5', (bg) => {
    expect(contrast(`var(${fg})`, `var(${bg})`)).toBeGreaterThanOrEqual(4.5);
  });
});

test.each([
  ['--color-on-primary', '--color-primary'],
  ['--color-primary', '--color-primary-light'],
  ['--color-success', '--color-success-light'],
  ['--color-warning', '--color-warning-light'],
  ['--color-danger', '--color-danger-light'],
  ['--color-text-secondary', '--color-neutral-light'],
])('tags and buttons: %s on %s ≥ 4.5', (fg, bg) => {
  expect(contrast(`var(${fg})`, `var(${bg})`)).toBeGreaterThanOrEqual(4.5);
});

test('pages and components take colours from the tokens: no hex colour outside app.wxss', () => {
  const offenders = [];
  const walk = (dir) => {
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).forEach((entry) => {
      const rel = path.join(dir, entry.name);
      if (['node_modules', 'miniprogram_npm', 'tests'].includes(entry.name)) return;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(wxss|wxml)$/.test(entry.name) && rel !== 'app.wxss') {
        const hex = fs.readFileSync(path.join(ROOT, rel), 'utf8').match(/#[0-9a-f]{3,8}\b/gi);
        if (hex) offenders.push(`${rel}: ${hex.join(' ')}`);
      }
    });
  };
  walk('.');
  expect(offenders).toEqual([]);
});

test('every --td-* variable app.wxss sets is one the vendored TDesign styles read (no misspelt theme names)', () => {
  const tdDir = path.join(ROOT, 'miniprogram_npm', 'tdesign-miniprogram');
  const styles = [];
  const walk = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.wxss')) styles.push(fs.readFileSync(full, 'utf8'));
    });
  walk(tdDir);
  const all = styles.join('\n');
  const unread = Object.keys(tokens).filter((name) => name.startsWith('--td-') && !all.includes(`var(${name}`));
  expect(unread).toEqual([]);
});
