/** Login without a login page: a silent wx.login on launch when there is no token yet. */
const { installWx, routes, LOGIN_OK } = require('./helpers/wx');
const { settle } = require('./helpers/wait');

function launch() {
  let app;
  global.App = (definition) => {
    app = definition;
  };
  jest.isolateModules(() => require('../app'));
  app.onLaunch({ path: 'pages/activities/index', query: {}, scene: 1001 });
  return app;
}

beforeEach(() => jest.resetModules());

test('without a token: wx.login, POST /auth/login, token and user stored', async () => {
  const wx = installWx();
  wx.setHandler(
    routes({
      'POST /auth/login': LOGIN_OK('launch-token', { id: 7, nickname: '居民' }),
      'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } },
    }),
  );
  launch();
  await settle();
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(wx.requests[0]).toMatchObject({ method: 'POST', path: '/auth/login', data: { code: 'wx-code-1' } });
  expect(wx.store.auth_token).toBe('launch-token');
  expect(wx.store.auth_user).toEqual({ id: 7, nickname: '居民' });
  // The template list waited for the login instead of going out without a token.
  expect(wx.requests[1]).toMatchObject({
    path: '/subscriptions/templates',
    header: { Authorization: 'Bearer launch-token' },
  });
});

test('with a stored token: no login until a call earns a 401', async () => {
  const wx = installWx({ storage: { auth_token: 'kept' } });
  wx.setHandler(routes({ 'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } } }));
  launch();
  await settle();
  expect(wx.login).not.toHaveBeenCalled();
});

test('a failed launch login is silent (pages show their own errors)', async () => {
  const wx = installWx();
  wx.setHandler(() => ({ statusCode: 503, data: { error: 'wechat_unavailable' } }));
  launch();
  await settle();
  expect(wx.showToast).not.toHaveBeenCalled();
});
