/** The custom tab bar (custom-tab-bar/, TDesign t-tab-bar): 活动 / 志愿值守 / 我的 with icons, selected from onShow. */
const path = require('path');
const simulate = require('miniprogram-simulate');
const { ROOT, readJson } = require('./helpers/project');
const { installWx } = require('./helpers/wx');
const display = require('../utils/display');

function loadBar() {
  let id;
  jest.isolateModules(() => {
    id = simulate.load(path.join(ROOT, 'custom-tab-bar/index'), 'custom-tab-bar', { rootPath: ROOT });
  });
  return id;
}

let barId;
beforeAll(() => {
  installWx();
  barId = loadBar();
});

function mountBar() {
  const bar = simulate.render(barId, {});
  bar.attach(document.createElement('parent-wrapper'));
  return bar;
}

const checked = (bar) =>
  bar.dom.querySelectorAll('.t-tab-bar-item--t-tab-bar-item__content--checked, [class*="__content--checked"]');

test('app.json turns the custom tab bar on and keeps the native list it requires', () => {
  const app = readJson('app.json');
  expect(app.tabBar.custom).toBe(true);
  expect(app.tabBar.list.map((t) => t.pagePath)).toEqual([
    'pages/activities/index',
    'pages/shifts/index',
    'pages/mine/index',
  ]);
});

test('shows the three tabs with their Chinese labels and icons', async () => {
  const bar = mountBar();
  await simulate.sleep(10);
  const text = bar.dom.textContent;
  ['活动', '志愿值守', '我的'].forEach((label) => expect(text).toContain(label));
  expect(bar.dom.innerHTML).toContain('t-icon-calendar-filled'); // the first tab, selected
  expect(bar.dom.innerHTML).toContain('t-icon-time');
  expect(bar.dom.innerHTML).toContain('t-icon-user');
});

test('a tab page marks its tab from onShow (display.selectTab), the others are not selected', async () => {
  const bar = mountBar();
  await simulate.sleep(10);
  const page = { getTabBar: () => bar.instance };
  display.selectTab(page, 'pages/mine/index');
  await simulate.sleep(10);
  expect(bar.instance.data.value).toBe('pages/mine/index');
  const selected = checked(bar);
  expect(selected).toHaveLength(1);
  expect(selected[0].textContent).toContain('我的');
  expect(bar.dom.innerHTML).toContain('t-icon-user-filled');
  expect(bar.dom.innerHTML).not.toContain('t-icon-calendar-filled');
});

test('tapping another tab switches to its page; tapping the current one does nothing', async () => {
  const wx = installWx();
  const bar = mountBar();
  await simulate.sleep(10);
  bar.instance.select('pages/activities/index');
  await simulate.sleep(10);
  const tap = async (index) => {
    bar.querySelectorAll('.tab-item')[index].querySelector('.t-tab-bar-item__content').dispatchEvent('tap');
    await simulate.sleep(10);
  };
  await tap(1);
  expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/shifts/index' });
  await tap(0);
  expect(wx.switchTab).toHaveBeenCalledTimes(1);
});

test('pages without getTabBar (tests, old base libraries) are left alone', () => {
  expect(display.selectTab({}, 'pages/mine/index')).toBeNull();
});

test('labels and height grow with the font size and 长辈模式', async () => {
  const wx = installWx({ fontSizeScaleFactor: 2 });
  wx.setStorageSync('elder_mode', true);
  const bar = mountBar();
  await simulate.sleep(10);
  expect(bar.instance.data.barStyle).toContain('--td-font-body-extraSmall: 30px / 39px');
  expect(bar.instance.data.barStyle).toContain('--td-tab-bar-height: 67px');
});
