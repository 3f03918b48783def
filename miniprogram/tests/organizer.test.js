/** Organizer helpers: the rotating check-in code, and who sees the organizer screens. */
const { installWx, routes, DEVELOP_BASE } = require('./helpers/wx');

let wx;
beforeEach(() => {
  jest.resetModules();
  wx = installWx({ storage: { auth_token: 'org-token' } });
});

describe('check-in code', () => {
  const code = () => require('../controllers/checkin-code');

  test('expiry from ISO or epoch seconds/ms', () => {
    expect(code().expiryMs('2025-03-01T10:05:00+08:00')).toBe(Date.parse('2025-03-01T02:05:00Z'));
    expect(code().expiryMs(1740794700)).toBe(1740794700000);
    expect(code().expiryMs(1740794700000)).toBe(1740794700000);
    expect(code().expiryMs(null)).toBeNaN();
  });

  test('refreshes 30 s before expiry, never sooner than 30 s from now', () => {
    const now = Date.parse('2025-03-01T10:00:00+08:00');
    expect(code().refreshDelay('2025-03-01T10:05:00+08:00', now)).toBe(270000);
    expect(code().refreshDelay('2025-03-01T10:00:10+08:00', now)).toBe(30000);
    expect(code().refreshDelay(undefined, now)).toBe(240000);
  });

  test('relative code URLs resolve against the API origin', () => {
    expect(code().absoluteCodeUrl('/api/v1/checkin-codes/a1.x.y.jpg')).toBe(
      'http://127.0.0.1:5000/api/v1/checkin-codes/a1.x.y.jpg',
    );
    expect(code().absoluteCodeUrl('https://cdn.example.com/c.jpg')).toBe('https://cdn.example.com/c.jpg');
  });

  test.each([
    ['activity', 3, '/activities/3/checkin-code'],
    ['site', 4, '/sites/4/checkin-code'],
    ['community', 2, '/communities/2/join-code'],
  ])('loads the %s code and downloads its image', async (kind, id, path) => {
    wx.setHandler(
      routes({
        [`GET ${path}`]: {
          statusCode: 200,
          data: {
            token: 'a3.x.y',
            expires_at: '2025-03-01T10:05:00+08:00',
            qrcode_url: `${DEVELOP_BASE}/checkin-codes/a3.x.y.jpg`,
          },
        },
        'DOWNLOAD /checkin-codes/a3.x.y.jpg': { statusCode: 200 },
      }),
    );
    const loaded = await code().loadCheckinCode(kind, id);
    expect(loaded).toMatchObject({ token: 'a3.x.y', expiresAt: '2025-03-01T10:05:00+08:00', imageError: '' });
    expect(loaded.imagePath).toMatch(/^wxfile:/);
  });

  test('an image that fails to load still gives the token', async () => {
    wx.setHandler(
      routes({
        'GET /activities/3/checkin-code': {
          statusCode: 200,
          data: { token: 'a3.x.y', expires_at: null, qrcode_url: '/api/v1/checkin-codes/a3.x.y.jpg' },
        },
        'DOWNLOAD /checkin-codes/a3.x.y.jpg': { statusCode: 503, data: { error: 'wechat_unavailable' } },
      }),
    );
    const loaded = await code().loadCheckinCode('activity', 3);
    expect(loaded).toMatchObject({ token: 'a3.x.y', imagePath: '', imageError: '微信服务暂时不可用，请稍后再试' });
  });

  test('a refusal of the code itself rejects', async () => {
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'activity_not_open' } }));
    await expect(code().loadCheckinCode('activity', 3)).rejects.toMatchObject({
      message: '活动未开放（未发布、已取消或已结束）',
    });
  });
});

describe('organizer visibility', () => {
  const { isOrganizer } = require('../utils/user');
  test.each([
    [{ roles: ['resident'], organizer_communities: [] }, false],
    [{ roles: ['resident', 'organizer'], organizer_communities: [{ id: 1 }] }, true],
    [{ roles: ['resident', 'admin'], organizer_communities: [] }, true],
    [null, false],
  ])('%j → %s', (user, expected) => {
    expect(isOrganizer(user)).toBe(expected);
  });
});
