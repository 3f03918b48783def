/** utils/display.js: the root font size from WeChat's font scaling and 长辈模式. */
const { installWx } = require('./helpers/wx');
const display = require('../utils/display');

function withBase(info, systemInfo) {
  const wx = installWx();
  wx.getAppBaseInfo = jest.fn(() => info);
  wx.getSystemInfoSync = jest.fn(() => systemInfo || {});
  return wx;
}

describe('fontRoot', () => {
  test.each([
    [1, '16px'],
    [1.25, '20px'],
    [1.5, '24px'],
    [2, '32px'],
    [3.1, '32px'], // clamped to 2
    [0.8, '16px'], // never below the standard size
  ])('fontSizeScaleFactor %p → %s', (factor, root) => {
    withBase({ fontSizeScaleFactor: factor });
    expect(display.fontRoot()).toBe(root);
  });

  test('without fontSizeScaleFactor: getSystemInfoSync().fontSizeSetting / 16', () => {
    withBase({ SDKVersion: '2.10.0' }, { fontSizeSetting: 20 });
    expect(display.fontRoot()).toBe('20px');
  });

  test('without getAppBaseInfo (old base library) it asks getSystemInfoSync', () => {
    const wx = installWx();
    delete wx.getAppBaseInfo;
    wx.getSystemInfoSync = jest.fn(() => ({ fontSizeSetting: 24 }));
    expect(display.fontRoot()).toBe('24px');
  });

  test('nothing known → the standard 16px', () => {
    const wx = installWx();
    delete wx.getAppBaseInfo;
    delete wx.getSystemInfoSync;
    expect(display.fontRoot()).toBe('16px');
  });

  test('a throwing API falls back instead of breaking the page', () => {
    const wx = withBase(null, { fontSizeSetting: 18 });
    wx.getAppBaseInfo = jest.fn(() => {
      throw new Error('not supported');
    });
    expect(display.fontRoot()).toBe('18px');
  });

  test.each([
    [1, '20px'],
    [1.5, '30px'],
    [2, '40px'], // 2 × 1.25 = 2.5, the cap
  ])('长辈模式 multiplies by 1.25: factor %p → %s', (factor, root) => {
    const wx = withBase({ fontSizeScaleFactor: factor });
    wx.setStorageSync('elder_mode', true);
    expect(display.fontRoot()).toBe(root);
    expect(display.scale()).toBeLessThanOrEqual(2.5);
  });
});

describe('elder mode', () => {
  test('is off by default and stored under elder_mode', () => {
    const wx = withBase({ fontSizeScaleFactor: 1 });
    expect(display.isElderMode()).toBe(false);
    display.setElderMode(true);
    expect(wx.store.elder_mode).toBe(true);
    expect(display.isElderMode()).toBe(true);
    display.setElderMode(false);
    expect(display.isElderMode()).toBe(false);
  });
});

describe('apply', () => {
  function fakePage(data) {
    const page = { data: Object.assign({}, data), setData: jest.fn((patch) => Object.assign(page.data, patch)) };
    return page;
  }

  test('sets fontRoot and elderMode on a page that has none', () => {
    withBase({ fontSizeScaleFactor: 1.5 });
    const page = fakePage({});
    expect(display.apply(page)).toBe('24px');
    expect(page.setData).toHaveBeenCalledWith({ fontRoot: '24px', elderMode: false });
  });

  test('does not call setData when nothing changed', () => {
    withBase({ fontSizeScaleFactor: 1 });
    const page = fakePage({ fontRoot: '16px', elderMode: false });
    display.apply(page);
    expect(page.setData).not.toHaveBeenCalled();
  });

  test('follows 长辈模式 switched on another page (onShow)', () => {
    const wx = withBase({ fontSizeScaleFactor: 1 });
    const page = fakePage({ fontRoot: '16px', elderMode: false });
    wx.setStorageSync('elder_mode', true);
    display.apply(page);
    expect(page.setData).toHaveBeenCalledWith({ fontRoot: '20px', elderMode: true });
  });
});
