/** The getPhoneNumber button shared by the 我的 tab and the profile page (controllers/phone.js). */
const { installWx, routes } = require('./helpers/wx');

let wx;
let bindPhoneNumber;
beforeEach(() => {
  jest.resetModules();
  wx = installWx({ storage: { auth_token: 't' } });
  ({ bindPhoneNumber } = require('../controllers/phone'));
});

test('sends the button code, stores the user, hands it over, then reports', async () => {
  const user = { id: 7, phone_masked: '138****5678' };
  wx.setHandler(routes({ 'POST /auth/phone': { statusCode: 200, data: user } }));
  const onBound = jest.fn(() => expect(wx.showToast).not.toHaveBeenCalled());
  await bindPhoneNumber({ detail: { code: 'phone-code-1' } }, onBound);
  expect(wx.requests.map((r) => [r.method, r.path, r.data])).toEqual([
    ['POST', '/auth/phone', { code: 'phone-code-1' }],
  ]);
  expect(wx.store.auth_user).toEqual(user);
  expect(onBound).toHaveBeenCalledWith(user);
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '手机号已绑定', icon: 'success' }));
});

test('no code (authorization refused): a toast, no request', async () => {
  const onBound = jest.fn();
  await bindPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } }, onBound);
  expect(wx.requests).toHaveLength(0);
  expect(onBound).not.toHaveBeenCalled();
  expect(wx.showToast).toHaveBeenCalledWith({ title: '未授权手机号', icon: 'none' });
});

test('a refusal is shown in Chinese and nothing is stored', async () => {
  wx.setHandler(() => ({ statusCode: 503, data: { error: 'wechat_unavailable' } }));
  const onBound = jest.fn();
  await expect(bindPhoneNumber({ detail: { code: 'c' } }, onBound)).resolves.toBeUndefined();
  expect(onBound).not.toHaveBeenCalled();
  expect(wx.store.auth_user).toBeUndefined();
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '微信服务暂时不可用，请稍后再试' }));
  expect(wx.hideLoading).toHaveBeenCalled();
});
