/**
 * 适老化: every page follows the font size (page-meta + display.apply, text in rem), and 长辈模式 (我的 tab)
 * makes text larger and puts 找活动 / 我的报名 first on the activities tab.
 */
const fs = require('fs');
const path = require('path');
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { ROOT, allPages, installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const read = (rel) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe.each(allPages())('page %s', (route) => {
  test('starts with <page-meta root-font-size="{{fontRoot}}"> and sets fontRoot on load and show', () => {
    expect(read(`${route}.wxml`)).toMatch(/^<page-meta root-font-size="\{\{fontRoot\}\}"><\/page-meta>/);
    const js = read(`${route}.js`);
    expect(js).toMatch(/require\('(\.\.\/)+utils\/display'\)/);
    expect(js).toMatch(/onShow\(\) \{\n\s+display\.apply\(this\);/);
  });

  test('sizes its text in rem (design tokens), not rpx or px', () => {
    const fixed = read(`${route}.wxss`).match(/font-size:\s*[\d.]+(rpx|px)/g);
    expect(fixed).toBeNull();
  });

  test('labels its icon-only buttons for screen readers (aria-label)', () => {
    const wxml = read(`${route}.wxml`);
    const unlabelled = [];
    // A tappable element whose whole text is a sign (+, -, ›, ×, ✕ ...) and no Chinese or digits.
    const re = /<([a-z-]+)\b([^>]*\bbind:?tap="[^"]+"[^>]*)>\s*([^<{\u4e00-\u9fa5A-Za-z0-9]{1,2})\s*<\/\1>/g;
    let m;
    while ((m = re.exec(wxml))) if (!/aria-label=/.test(m[2])) unlabelled.push(m[0]);
    expect(unlabelled).toEqual([]);
  });

  test('mounts the TDesign toast and dialog that utils/ui.js uses', () => {
    const wxml = read(`${route}.wxml`);
    expect(wxml).toContain('<t-toast id="t-toast" />');
    expect(wxml).toContain('<t-dialog id="t-dialog" />');
  });
});

test('components size their text in rem too', () => {
  fs.readdirSync(path.join(ROOT, 'components')).forEach((name) => {
    expect({ name, fixed: read(`components/${name}/index.wxss`).match(/font-size:\s*[\d.]+(rpx|px)/g) }).toEqual({
      name,
      fixed: null,
    });
  });
});

let ids;
beforeAll(() => {
  installWx();
  ids = { mine: loadPage('pages/mine/index'), activities: loadPage('pages/activities/index') };
});

const ME = {
  id: 7,
  nickname: '王阿姨',
  roles: ['resident'],
  community: { id: 1, name: '海珠社区' },
  volunteer_minutes: 90,
};

describe('我的: the 长辈模式 switch', () => {
  test('is off at first; turning it on stores elder_mode, enlarges the text and says so', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(routes({ 'GET /me': { statusCode: 200, data: ME } }));
    const page = mount(ids.mine);
    page.instance.onShow();
    await settle();
    expect(page.dom.textContent).toContain('长辈模式');
    expect(page.data.elderMode).toBe(false);
    expect(page.data.fontRoot).toBe('16px');

    page.querySelector('.mine__elder').dispatchEvent('tap');
    await waitFor(() => page.data.elderMode === true);
    expect(wx.store.elder_mode).toBe(true);
    expect(page.data.fontRoot).toBe('20px');
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已开启长辈模式' }));

    page.querySelector('.mine__elder').dispatchEvent('tap');
    await waitFor(() => page.data.elderMode === false);
    expect(wx.store.elder_mode).toBe(false);
    expect(page.data.fontRoot).toBe('16px');
  });

  test('with the largest system font, 长辈模式 goes up to 40px', async () => {
    const wx = installWx({ storage: { auth_token: 't', elder_mode: true }, fontSizeScaleFactor: 2 });
    wx.setHandler(routes({ 'GET /me': { statusCode: 200, data: ME } }));
    const page = mount(ids.mine);
    page.instance.onShow();
    await settle();
    expect(page.data.fontRoot).toBe('40px');
    expect(page.data.elderMode).toBe(true);
  });
});

describe('活动 tab in 长辈模式', () => {
  function open(storage) {
    const wx = installWx({ storage: Object.assign({ auth_token: 't' }, storage) });
    wx.setHandler(
      routes({
        'GET /communities': { statusCode: 200, data: { items: [] } },
        'GET /activities': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 20 } },
      }),
    );
    const page = mount(ids.activities);
    page.instance.onLoad();
    page.instance.onShow();
    return { wx, page };
  }

  test('shows the two big actions first, the filters only after 找活动', async () => {
    const { wx, page } = open({ elder_mode: true });
    await settle();
    const bar = page.querySelector('.elder-bar');
    expect(bar).toBeTruthy();
    expect(bar.dom.textContent).toContain('找活动');
    expect(bar.dom.textContent).toContain('我的报名');
    expect(page.querySelector('.filters')).toBeUndefined();

    page.querySelector('.elder-bar__action--find').dispatchEvent('tap');
    await settle();
    expect(page.querySelector('.filters')).toBeTruthy();

    page.querySelectorAll('.elder-bar__action')[1].dispatchEvent('tap');
    await settle();
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/my-registrations/index' });
  });

  test('without 长辈模式: no big actions, the filters as before', async () => {
    const { page } = open({});
    await settle();
    expect(page.querySelector('.elder-bar')).toBeUndefined();
    expect(page.querySelector('.filters')).toBeTruthy();
    expect(page.data.fontRoot).toBe('16px');
  });
});
