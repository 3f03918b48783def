/** Check-in tokens: parsing the kind and id, reading them from a scanned code, and using them. */
const { installWx, routes } = require('./helpers/wx');

let checkin;
let wx;
beforeEach(() => {
  jest.resetModules();
  wx = installWx({ storage: { auth_token: 't' } });
  checkin = require('../controllers/checkin');
});

describe('parseCheckinToken', () => {
  test.each([
    ['a123.4k9x.AbCdEfGhIjKl', { kind: 'activity', id: 123 }],
    ['s7.zz.Ab-_9xYz0123', { kind: 'site', id: 7 }],
    ['  a5.1.abcdefghijkl  ', { kind: 'activity', id: 5 }],
  ])('%s', (token, expected) => {
    expect(checkin.parseCheckinToken(token)).toEqual(Object.assign({ token: token.trim() }, expected));
  });

  test.each([
    '',
    null,
    'x12.a.b',
    'a12',
    'a12.4k9x',
    'aX.4k9x.abc',
    'a12.4K9X.abc',
    'a12.4k9x.abc.def',
    'https://example.com',
  ])('rejects %p', (token) => {
    expect(checkin.parseCheckinToken(token)).toBeNull();
  });
});

describe('reading the token', () => {
  test('from the page query of a scanned mini-program code (scene, URL-encoded)', () => {
    expect(checkin.tokenFromQuery({ scene: encodeURIComponent('a123.4k9x.AbCdEfGhIjKl') })).toBe(
      'a123.4k9x.AbCdEfGhIjKl',
    );
    expect(checkin.tokenFromQuery({ token: 's4.1.abc' })).toBe('s4.1.abc');
    expect(checkin.tokenFromQuery({})).toBe('');
  });

  test('from wx.scanCode res.path', () => {
    const res = { path: 'pages/checkin/index?scene=a123.4k9x.AbCdEfGhIjKl', result: '', scanType: 'WX_CODE' };
    expect(checkin.tokenFromScan(res)).toBe('a123.4k9x.AbCdEfGhIjKl');
    const encoded = { path: `pages/checkin/index?scene=${encodeURIComponent('s9.2.XyZ')}&x=1` };
    expect(checkin.tokenFromScan(encoded)).toBe('s9.2.XyZ');
  });

  test('from a plain QR code carrying the bare token or a link', () => {
    expect(checkin.tokenFromScan({ result: 's9.2.XyZ' })).toBe('s9.2.XyZ');
    expect(checkin.tokenFromScan({ result: 'https://x.example/checkin?scene=a1.2.abc' })).toBe('a1.2.abc');
    expect(checkin.tokenFromScan({ result: 'hello' })).toBe('');
  });

  test('scanToken: the token of a scan, empty for an unknown code, null when cancelled', async () => {
    wx.scanCode.mockImplementationOnce((o) => o.success({ path: 'pages/checkin/index?scene=s9.2.XyZ' }));
    await expect(checkin.scanToken()).resolves.toBe('s9.2.XyZ');
    wx.scanCode.mockImplementationOnce((o) => o.success({ result: 'hello' }));
    await expect(checkin.scanToken()).resolves.toBe('');
    wx.scanCode.mockImplementationOnce((o) => o.fail({ errMsg: 'scanCode:fail cancel' }));
    await expect(checkin.scanToken()).resolves.toBeNull();
    expect(wx.scanCode.mock.calls[0][0]).toMatchObject({ scanType: ['wxCode', 'qrCode'] });
  });
});

describe('using the token', () => {
  test('an activity token checks in to that activity', async () => {
    wx.setHandler(routes({ 'POST /activities/123/check-in': { statusCode: 200, data: { checked_in_at: 'x' } } }));
    await checkin.checkInToActivity(checkin.parseCheckinToken('a123.4k9x.AbCdEfGhIjKl'));
    expect(wx.requests[0]).toMatchObject({
      path: '/activities/123/check-in',
      data: { token: 'a123.4k9x.AbCdEfGhIjKl' },
    });
  });

  test('an expired token is refused with clear text', async () => {
    wx.setHandler(() => ({ statusCode: 409, data: { error: 'checkin_token_invalid' } }));
    await expect(checkin.checkInToActivity({ id: 1, token: 'a1.1.x' })).rejects.toMatchObject({
      message: '签到码无效或已过期，请重新扫码',
    });
  });

  const NOW = Date.parse('2025-03-01T10:00:00+08:00');
  const booking = (id, siteId, startsAt, extra = {}) =>
    Object.assign(
      {
        id,
        status: 'booked',
        shift: { id: id * 10, site: { id: siteId, name: `点位${siteId}` }, starts_at: startsAt, ends_at: startsAt },
      },
      extra,
    );

  test("today's bookings at the site, from upcoming and past, soonest first", async () => {
    wx.setHandler(
      routes({
        'GET /me/shifts': (req) =>
          req.query.when === 'upcoming'
            ? {
                statusCode: 200,
                data: {
                  items: [
                    booking(3, 4, '2025-03-01T14:00:00+08:00'),
                    booking(4, 5, '2025-03-01T08:00:00+08:00'),
                    booking(5, 4, '2025-03-02T08:00:00+08:00'),
                  ],
                },
              }
            : {
                statusCode: 200,
                data: {
                  items: [
                    booking(1, 4, '2025-03-01T06:00:00+08:00', { checked_in_at: 'x' }),
                    booking(2, 4, '2025-03-01T07:00:00+08:00', { status: 'cancelled' }),
                  ],
                },
              },
      }),
    );
    const found = await checkin.todaysBookingsAtSite(4, NOW);
    expect(found.map((b) => b.id)).toEqual([1, 3]);
    expect(wx.requests.map((r) => r.query.when).sort()).toEqual(['past', 'upcoming']);
  });

  test('checks in a booking not yet checked in, and out one that is', async () => {
    wx.setHandler(() => ({ statusCode: 200, data: {} }));
    await checkin.checkInOrOut({ id: 30, status: 'booked' }, 's4.1.abc');
    await checkin.checkInOrOut({ id: 31, status: 'booked', checked_in_at: '2025-03-01T08:00:00+08:00' }, 's4.1.abc');
    await checkin.checkInOrOut({ id: 32, status: 'booked', checked_in_at: 'x', checked_out_at: 'y' }, 's4.1.abc');
    expect(wx.requests.map((r) => `${r.method} ${r.path} ${r.data.token}`)).toEqual([
      'POST /shift-bookings/30/check-in s4.1.abc',
      'POST /shift-bookings/31/check-out s4.1.abc',
    ]);
  });
});
