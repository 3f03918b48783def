/** The request wrapper: 2xx success, refusals with ids, network errors, the one silent re-login. */
const { installWx, routes, LOGIN_OK, DEVELOP_BASE } = require('./helpers/wx');

let wx;
let api;
let ApiError;

beforeEach(() => {
  jest.resetModules();
  wx = installWx({ storage: { auth_token: 'old-token' } });
  api = require('../api/request');
  ApiError = require('../api/api-error').ApiError;
});

describe('success means a 2xx statusCode', () => {
  test.each([
    [200, { id: 1 }],
    [201, { id: 2, status: 'confirmed' }],
  ])('%i resolves the body', async (statusCode, data) => {
    wx.setHandler(() => ({ statusCode, data }));
    await expect(api.request('/activities/1')).resolves.toEqual(data);
  });

  test('204 resolves null', async () => {
    wx.setHandler(() => ({ statusCode: 204, data: '' }));
    await expect(api.request('/auth/logout', { method: 'POST' })).resolves.toBeNull();
  });

  test.each([
    [400, 'malformed_body', '请求格式有误，请稍后重试'],
    [403, 'not_eligible', '您不符合报名条件（可能仅限党员或本社区居民）'],
    [404, 'not_found', '内容不存在或已删除'],
    [409, 'capacity_full', '名额已满'],
    [422, 'validation_failed', '填写的信息有误，请检查后重试'],
    [429, 'rate_limited', '操作太频繁，请稍后再试'],
    [503, 'wechat_unavailable', '微信服务暂时不可用，请稍后再试'],
  ])('%i %s rejects with the id and Chinese text', async (statusCode, error, message) => {
    // wx.request calls `success` for these too: the wrapper must not treat them as success.
    wx.setHandler(() => ({ statusCode, data: { error, message: 'server text' } }));
    const err = await api.request('/x').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: 'http', statusCode, error, message, serverMessage: 'server text' });
    expect(err.isNetworkError).toBe(false);
  });

  test('422 keeps the per-field errors', async () => {
    wx.setHandler(() => ({
      statusCode: 422,
      data: { error: 'validation_failed', message: '输入有误', errors: { capacity: ['必须大于 0'] } },
    }));
    const err = await api.request('/activities', { method: 'POST', data: {} }).catch((e) => e);
    expect(err.errors).toEqual({ capacity: ['必须大于 0'] });
  });

  test('an unknown id falls back to the server message', async () => {
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'brand_new_rule', message: '新规则不允许' } }));
    await expect(api.request('/x')).rejects.toMatchObject({ error: 'brand_new_rule', message: '新规则不允许' });
  });

  test('no body at all falls back to a text by status', async () => {
    wx.setHandler(() => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }));
    await expect(api.request('/x')).rejects.toMatchObject({
      kind: 'http',
      statusCode: 502,
      error: 'http_502',
      message: '服务暂时不可用，请稍后再试',
    });
  });
});

describe('network failures are told apart from refusals', () => {
  test('a fail callback rejects with kind network', async () => {
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' } }));
    const err = await api.request('/activities').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ kind: 'network', statusCode: 0, error: 'network_error' });
    expect(err.isNetworkError).toBe(true);
    expect(err.message).toBe('网络连接失败，请检查网络后重试');
  });

  test('a timeout is a network_timeout', async () => {
    wx.setHandler(() => ({ fail: { errMsg: 'request:fail timeout' } }));
    await expect(api.request('/activities')).rejects.toMatchObject({ kind: 'network', error: 'network_timeout' });
  });
});

describe('request details', () => {
  test('sends the stored token as a Bearer Authorization header', async () => {
    await api.request('/me');
    expect(wx.requests[0].header.Authorization).toBe('Bearer old-token');
    expect(wx.requests[0].header['Content-Type']).toBe('application/json');
    expect(wx.request.mock.calls[0][0].url).toBe(`${DEVELOP_BASE}/me`);
  });

  test('auth: false sends no token', async () => {
    await api.request('/auth/login', { method: 'POST', data: { code: 'c' }, auth: false });
    expect(wx.requests[0].header.Authorization).toBeUndefined();
  });

  test('query objects become a query string without empty values', async () => {
    await api.request('/activities', { query: { community_id: 3, category: '', q: '党课 学习', from: undefined } });
    expect(wx.request.mock.calls[0][0].url).toBe(
      `${DEVELOP_BASE}/activities?community_id=3&q=%E5%85%9A%E8%AF%BE%20%E5%AD%A6%E4%B9%A0`,
    );
  });

  test('sends the method and JSON body', async () => {
    await api.request('/activities/3/registrations', { method: 'POST', data: { companions: 1 } });
    expect(wx.requests[0]).toMatchObject({
      method: 'POST',
      path: '/activities/3/registrations',
      data: { companions: 1 },
    });
  });
});

describe('401: one silent re-login, then replay', () => {
  test('re-logs in with a wx.login code and replays with the new token', async () => {
    wx.setHandler(
      routes({
        'GET /me': (req) =>
          req.header.Authorization === 'Bearer new-token'
            ? { statusCode: 200, data: { id: 7 } }
            : { statusCode: 401, data: { error: 'token_expired', message: '登录已过期' } },
        'POST /auth/login': LOGIN_OK('new-token', { id: 7 }),
      }),
    );
    await expect(api.request('/me')).resolves.toEqual({ id: 7 });
    expect(wx.login).toHaveBeenCalledTimes(1);
    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /me', 'POST /auth/login', 'GET /me']);
    expect(wx.requests[1].data).toEqual({ code: 'wx-code-1' });
    expect(wx.requests[1].header.Authorization).toBeUndefined();
    expect(wx.store.auth_token).toBe('new-token');
    expect(wx.store.auth_user).toEqual({ id: 7 });
  });

  test.each(['not_authenticated', 'token_invalid', 'token_revoked'])('%s also triggers the re-login', async (id) => {
    let first = true;
    wx.setHandler(
      routes({
        'GET /me/shifts': () => {
          const answer = first ? { statusCode: 401, data: { error: id } } : { statusCode: 200, data: { items: [] } };
          first = false;
          return answer;
        },
        'POST /auth/login': LOGIN_OK(),
      }),
    );
    await expect(api.request('/me/shifts')).resolves.toEqual({ items: [] });
    expect(wx.login).toHaveBeenCalledTimes(1);
  });

  test('a second 401 is surfaced, not looped', async () => {
    wx.setHandler(
      routes({
        'GET /me': { statusCode: 401, data: { error: 'token_revoked', message: 'x' } },
        'POST /auth/login': LOGIN_OK(),
      }),
    );
    const err = await api.request('/me').catch((e) => e);
    expect(err).toMatchObject({
      kind: 'http',
      statusCode: 401,
      error: 'token_revoked',
      message: '登录已失效，请重新进入小程序',
    });
    expect(wx.login).toHaveBeenCalledTimes(1);
    expect(wx.requests.map((r) => r.path)).toEqual(['/me', '/auth/login', '/me']);
  });

  test("login's own 401 does not loop", async () => {
    wx.setHandler(
      routes({ 'POST /auth/login': { statusCode: 401, data: { error: 'wechat_code_invalid', message: 'x' } } }),
    );
    const auth = require('../services/auth');
    const err = await auth.login('used-code').catch((e) => e);
    expect(err).toMatchObject({
      statusCode: 401,
      error: 'wechat_code_invalid',
      message: '微信登录凭证无效或已使用，请重新进入小程序',
    });
    expect(wx.requests).toHaveLength(1);
    expect(wx.login).not.toHaveBeenCalled();
  });

  test('when the re-login itself is refused, that refusal is surfaced once', async () => {
    wx.setHandler(
      routes({
        'GET /me': { statusCode: 401, data: { error: 'token_expired' } },
        'POST /auth/login': { statusCode: 401, data: { error: 'wechat_code_invalid' } },
      }),
    );
    await expect(api.request('/me')).rejects.toMatchObject({ error: 'wechat_code_invalid' });
    expect(wx.requests.map((r) => r.path)).toEqual(['/me', '/auth/login']);
  });

  test('wx.login failing rejects with a login error', async () => {
    wx.login.mockImplementation((options) => wx.later(() => options.fail({ errMsg: 'login:fail' })));
    wx.setHandler(routes({ 'GET /me': { statusCode: 401, data: { error: 'token_expired' } } }));
    await expect(api.request('/me')).rejects.toMatchObject({ kind: 'login', error: 'wechat_login_failed' });
  });

  test('concurrent 401s share one login', async () => {
    wx.setHandler(
      routes({
        'GET /me': (req) =>
          req.header.Authorization === 'Bearer fresh' ? { statusCode: 200, data: 'me' } : { statusCode: 401, data: {} },
        'GET /me/hours': (req) =>
          req.header.Authorization === 'Bearer fresh'
            ? { statusCode: 200, data: 'hours' }
            : { statusCode: 401, data: {} },
        'POST /auth/login': LOGIN_OK('fresh'),
      }),
    );
    await expect(Promise.all([api.request('/me'), api.request('/me/hours')])).resolves.toEqual(['me', 'hours']);
    expect(wx.login).toHaveBeenCalledTimes(1);
  });

  test('calls made during a login wait for its token', async () => {
    delete wx.store.auth_token;
    wx.setHandler(
      routes({
        'POST /auth/login': LOGIN_OK('launch-token'),
        'GET /activities': { statusCode: 200, data: { items: [] } },
      }),
    );
    const login = api.login();
    const list = api.request('/activities');
    await Promise.all([login, list]);
    const listCall = wx.requests.find((r) => r.path === '/activities');
    expect(listCall.header.Authorization).toBe('Bearer launch-token');
  });
});

describe('conditional GETs (ETag, If-None-Match, 304)', () => {
  /** A server that answers `body` with `etag`, and 304 to a request that names it. */
  function etagServer(state) {
    return (req) => {
      if (req.header['If-None-Match'] === state.etag) return { statusCode: 304, data: '', header: {} };
      return { statusCode: 200, data: state.body, header: { ETag: state.etag } };
    };
  }

  test('a second GET of the URL names the ETag, and a 304 resolves the kept body', async () => {
    const state = { etag: '"a1"', body: { items: [{ id: 1, my_registration: null }], total: 1 } };
    wx.setHandler(etagServer(state));
    const first = await api.request('/activities', { query: { page_size: 20 } });
    expect(wx.requests[0].header['If-None-Match']).toBeUndefined();
    const second = await api.request('/activities', { query: { page_size: 20 } });
    expect(wx.requests[1].header['If-None-Match']).toBe('"a1"');
    expect(second).toEqual(first);
    second.items[0].title = 'changed by a page'; // what a caller does to its answer is its own
    await expect(api.request('/activities', { query: { page_size: 20 } })).resolves.toEqual(first);
  });

  test('a changed answer replaces the kept one; another URL is asked afresh', async () => {
    const state = { etag: '"a1"', body: { items: [], total: 0 } };
    wx.setHandler(etagServer(state));
    await api.request('/activities');
    Object.assign(state, { etag: '"a2"', body: { items: [{ id: 7 }], total: 1 } });
    await expect(api.request('/activities')).resolves.toEqual({ items: [{ id: 7 }], total: 1 });
    expect(wx.requests[1].header['If-None-Match']).toBe('"a1"');
    await expect(api.request('/activities')).resolves.toEqual({ items: [{ id: 7 }], total: 1 });
    expect(wx.requests[2].header['If-None-Match']).toBe('"a2"');
    await api.request('/shifts');
    expect(wx.requests[3].header['If-None-Match']).toBeUndefined();
  });

  test('an answer without an ETag is not kept, and writes never send If-None-Match', async () => {
    wx.setHandler(() => ({ statusCode: 200, data: { id: 1 } }));
    await api.request('/me');
    await api.request('/me');
    await api.request('/activities/1/registrations', { method: 'POST', data: {} });
    expect(wx.requests.map((r) => r.header['If-None-Match'])).toEqual([undefined, undefined, undefined]);
  });

  test('a 401 replays with the new token and the same If-None-Match', async () => {
    const state = { etag: '"a1"', body: { items: [], total: 0 } };
    let expired = false;
    wx.setHandler((req) => {
      if (req.path === '/auth/login') return LOGIN_OK('new-token');
      if (expired && req.header.Authorization === 'Bearer old-token')
        return { statusCode: 401, data: { error: 'token_expired' } };
      return etagServer(state)(req);
    });
    await api.request('/shifts');
    expired = true;
    await expect(api.request('/shifts')).resolves.toEqual({ items: [], total: 0 });
    const replay = wx.requests[wx.requests.length - 1];
    expect(replay.header).toMatchObject({ Authorization: 'Bearer new-token', 'If-None-Match': '"a1"' });
  });
});

describe('downloads', () => {
  test('send the token and resolve the temp file path', async () => {
    wx.setHandler(() => ({ statusCode: 200 }));
    const path = await api.download('/activities/3/roster', { query: { format: 'xlsx' } });
    expect(path).toMatch(/^wxfile:\/\/tmp\//);
    expect(wx.downloadFile.mock.calls[0][0].url).toBe(`${DEVELOP_BASE}/activities/3/roster?format=xlsx`);
    expect(wx.downloadFile.mock.calls[0][0].header.Authorization).toBe('Bearer old-token');
  });

  test('a refused download keeps the error id from the JSON body', async () => {
    wx.setHandler(() => ({ statusCode: 403, data: { error: 'forbidden', message: 'x' } }));
    await expect(api.download('/rosters/shifts')).rejects.toMatchObject({
      statusCode: 403,
      error: 'forbidden',
      message: '没有权限进行此操作',
    });
  });

  test('a 401 on a download re-logs in and replays', async () => {
    let n = 0;
    wx.setHandler((req) => {
      if (req.path === '/auth/login') return LOGIN_OK('dl-token');
      n += 1;
      return n === 1 ? { statusCode: 401, data: { error: 'token_expired' } } : { statusCode: 200 };
    });
    await expect(api.download('/activities/3/roster')).resolves.toMatch(/^wxfile:/);
    expect(wx.downloadFile.mock.calls[1][0].header.Authorization).toBe('Bearer dl-token');
  });

  test('never sends the token to another origin', async () => {
    wx.setHandler(() => ({ statusCode: 200 }));
    await api.download('https://cdn.example.com/code.jpg');
    expect(wx.downloadFile.mock.calls[0][0].header.Authorization).toBeUndefined();
  });
});
