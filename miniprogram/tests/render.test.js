/**
 * Every page of app.json, in every state that matters (tests/render/states.js), rendered with
 * miniprogram-simulate and the API fake: it must not throw, must call only endpoints the fake knows,
 * and must show no raw template syntax, undefined/null/NaN or English.
 *
 * With RENDER_HTML_DIR set (scripts/screenshots does), each render is also written there as a
 * standalone HTML file for Chromium to photograph.
 */
const fs = require('fs');
const path = require('path');
const { renderPage } = require('./render/harness');
const { allRenders } = require('./render/states');
const { problems } = require('./render/text-check');

const OUT = process.env.RENDER_HTML_DIR;
const renders = allRenders();

beforeAll(() => {
  if (OUT) fs.mkdirSync(OUT, { recursive: true });
});

describe.each(renders.map((r) => [r.name, r]))('%s', (name, { route, state }) => {
  test('renders without errors and shows only Chinese', async () => {
    const result = await renderPage(route, state);
    if (OUT) fs.writeFileSync(path.join(OUT, `${name}.html`), result.html);
    expect(result.errors.map((e) => e.stack || e.message)).toEqual([]);
    // A call the fake has no route for: add it to tests/render/fixtures.js.
    expect(result.unrouted).toEqual([]);
    expect(problems(result.text)).toEqual([]);
    expect(result.text.length).toBeGreaterThan(0);
  });
});

describe('the checks can fail', () => {
  test('a template showing raw syntax, undefined and English is caught', () => {
    const found = problems('活动 {{title}}\n剩余 undefined 个\nNaN 人\nnull\nSign up now\n[object Object]');
    expect(found.join(' ')).toMatch(/template syntax/);
    expect(found.join(' ')).toMatch(/undefined/);
    expect(found.join(' ')).toMatch(/NaN/);
    expect(found.join(' ')).toMatch(/"null"/);
    expect(found.join(' ')).toMatch(/object Object/);
    expect(found.join(' ')).toMatch(/English shown to a user: title, Sign, up, now$/);
    expect(problems('导出 XLSX 文件，距离 2 km')).toEqual([]);
    // Codes shown to be read out are not words.
    expect(problems('签到码 a3.2xk9.Qw3rTy，登录码 Tk3mQ9xW2pLr8vNa5cYd')).toEqual([]);
  });

  test('a deliberately broken page is caught by the render itself', async () => {
    const { renderBroken } = require('./render/broken');
    const result = await renderBroken();
    expect(result.errors).toEqual([]);
    const found = problems(result.text).join(' ');
    expect(found).toMatch(/"undefined"/);
    expect(found).toMatch(/template syntax/);
    expect(found).toMatch(/English shown to a user: Loading/);
  });

  test('a page that throws while loading is reported', async () => {
    const { renderBroken } = require('./render/broken');
    const result = await renderBroken('pages/throws/index');
    expect(result.errors.map(String).join(' ')).toMatch(/Cannot read properties of null/);
  });
});
