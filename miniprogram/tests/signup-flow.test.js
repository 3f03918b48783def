/**
 * The taps that earn reminders: requestSubscribeMessage is opened inside the tap (before anything is
 * awaited), then the sign-up or booking is sent, then the accepted templates are reported.
 */
const { installWx, routes, TEMPLATES } = require('./helpers/wx');
const { settle } = require('./helpers/wait');

let wx;
let events;

function setup({ subscribeAnswer, registration, booking } = {}) {
  jest.resetModules();
  events = [];
  wx = installWx({ storage: { auth_token: 't' }, subscribeAnswer });
  wx.setHandler(
    routes({
      'GET /subscriptions/templates': TEMPLATES,
      'POST /activities/3/registrations': (req) => {
        events.push('register');
        return registration || { statusCode: 201, data: { id: 50, status: 'confirmed', waitlist_position: null } };
      },
      'POST /shifts/8/bookings': () => {
        events.push('book');
        return booking || { statusCode: 201, data: { id: 60, status: 'booked', role: { id: 21, name: '登记' } } };
      },
      'POST /me/subscriptions': (req) => {
        events.push(`report:${req.data.accepted.join(',')}`);
        return { statusCode: 200, data: {} };
      },
    }),
  );
  const original = wx.requestSubscribeMessage.getMockImplementation();
  wx.requestSubscribeMessage.mockImplementation((options) => {
    events.push(`subscribe:${options.tmplIds.join(',')}`);
    return original(options);
  });
}

const reminders = () => require('../controllers/reminders');
const signup = () => require('../controllers/signup');

describe('activity sign-up', () => {
  test('subscribe → register → report the accepted templates', async () => {
    setup();
    await reminders().preloadTemplates();
    const outcome = await signup().signUpForActivity(3, { companions: 1, remark: '带孩子' });
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register', 'report:T-ACT,T-CHANGE,T-CANCEL']);
    expect(outcome).toMatchObject({
      registration: { id: 50, status: 'confirmed' },
      accepted: ['T-ACT', 'T-CHANGE', 'T-CANCEL'],
      message: '报名成功',
    });
    const register = wx.requests.find((r) => r.path === '/activities/3/registrations');
    expect(register.data).toEqual({ companions: 1, remark: '带孩子' });
  });

  test('joining the waitlist asks for the promotion notice instead of schedule changes', async () => {
    setup();
    await reminders().preloadTemplates();
    await signup().signUpForActivity(3, { waitlist: true });
    expect(events).toEqual(['subscribe:T-WAIT,T-ACT,T-CANCEL', 'register', 'report:T-WAIT,T-ACT,T-CANCEL']);
  });

  test('the dialog opens synchronously inside the tap, before any await', async () => {
    setup();
    await reminders().preloadTemplates();
    const pending = signup().signUpForActivity(3);
    // Nothing has been awaited yet: WeChat only shows the dialog when it is called from the tap itself.
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-ACT', 'T-CHANGE', 'T-CANCEL']);
    await pending;
  });

  test('only the accepted templates are reported', async () => {
    setup({ subscribeAnswer: () => ({ 'T-ACT': 'accept', 'T-CHANGE': 'reject', 'T-CANCEL': 'ban' }) });
    await reminders().preloadTemplates();
    await signup().signUpForActivity(3);
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register', 'report:T-ACT']);
  });

  test('all rejected: signs up and reports nothing', async () => {
    setup({ subscribeAnswer: (ids) => Object.fromEntries(ids.map((id) => [id, 'reject'])) });
    await reminders().preloadTemplates();
    const outcome = await signup().signUpForActivity(3);
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register']);
    expect(outcome.accepted).toEqual([]);
  });

  test('a failing subscribe dialog still signs up', async () => {
    setup({ subscribeAnswer: () => ({ fail: { errMsg: 'requestSubscribeMessage:fail', errCode: 20004 } }) });
    await reminders().preloadTemplates();
    const outcome = await signup().signUpForActivity(3);
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register']);
    expect(outcome.registration.status).toBe('confirmed');
  });

  test('a failing report does not fail the sign-up', async () => {
    setup();
    await reminders().preloadTemplates();
    const handler = wx.request.getMockImplementation();
    wx.request.mockImplementation((options) =>
      options.url.endsWith('/me/subscriptions')
        ? wx.later(() => options.fail({ errMsg: 'request:fail' }))
        : handler(options),
    );
    await expect(signup().signUpForActivity(3)).resolves.toMatchObject({ message: '报名成功' });
  });

  test('templates that could not be loaded: still signs up without a dialog', async () => {
    setup();
    wx.setHandler(
      routes({
        'GET /subscriptions/templates': { fail: { errMsg: 'request:fail' } },
        'POST /activities/3/registrations': () => {
          events.push('register');
          return { statusCode: 201, data: { id: 50, status: 'confirmed' } };
        },
      }),
    );
    await reminders().preloadTemplates();
    await expect(signup().signUpForActivity(3)).resolves.toMatchObject({ message: '报名成功' });
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(events).toEqual(['register']);
  });

  test('a waitlisted answer tells the position', async () => {
    setup({ registration: { statusCode: 201, data: { id: 51, status: 'waitlisted', waitlist_position: 4 } } });
    await reminders().preloadTemplates();
    const outcome = await signup().signUpForActivity(3);
    expect(outcome.message).toBe('已加入候补，第 4 位');
  });

  test('a refused sign-up rejects with its error, and the accepted templates are still reported', async () => {
    setup({ registration: { statusCode: 409, data: { error: 'capacity_full', message: 'x' } } });
    await reminders().preloadTemplates();
    const err = await signup()
      .signUpForActivity(3)
      .catch((e) => e);
    expect(err).toMatchObject({ error: 'capacity_full', message: '名额已满' });
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register', 'report:T-ACT,T-CHANGE,T-CANCEL']);
  });

  test('templates not preloaded are fetched first, and the sign-up still happens', async () => {
    setup();
    await signup().signUpForActivity(3);
    expect(events).toEqual(['subscribe:T-ACT,T-CHANGE,T-CANCEL', 'register', 'report:T-ACT,T-CHANGE,T-CANCEL']);
  });
});

describe('shift booking', () => {
  test('subscribe (shift templates) → book → report', async () => {
    setup();
    await reminders().preloadTemplates();
    const pending = signup().bookShiftPost(8, 21);
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    const outcome = await pending;
    expect(events).toEqual(['subscribe:T-SHIFT,T-CHANGE,T-CANCEL', 'book', 'report:T-SHIFT,T-CHANGE,T-CANCEL']);
    expect(wx.requests.find((r) => r.path === '/shifts/8/bookings').data).toEqual({ role_id: 21 });
    expect(outcome).toMatchObject({ booking: { id: 60 }, message: '预约成功' });
  });

  test.each([
    ['role_full', '该岗位已约满，请选择其他岗位或班次'],
    ['shift_overlap', '与您已预约的其他班次时间冲突'],
    ['daily_limit_exceeded', '超过任意24小时内的值守时长上限'],
  ])('a refused booking (%s) rejects with Chinese text', async (error, message) => {
    setup({ booking: { statusCode: 409, data: { error } } });
    await reminders().preloadTemplates();
    await expect(signup().bookShiftPost(8, 21)).rejects.toMatchObject({ error, message });
  });

  test('a subscribe failure does not block the booking', async () => {
    setup({
      subscribeAnswer: () => ({
        fail: { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' },
      }),
    });
    await reminders().preloadTemplates();
    await expect(signup().bookShiftPost(8, 21)).resolves.toMatchObject({ message: '预约成功' });
    expect(events).toEqual(['subscribe:T-SHIFT,T-CHANGE,T-CANCEL', 'book']);
  });
});

describe('template ids', () => {
  test('skip blanks and duplicates, keep order, at most 3 per dialog', () => {
    const { templateIdsFor } = reminders();
    const map = { a: 'X', b: '', c: 'X', d: 'Y', e: 'Z', f: 'W' };
    expect(templateIdsFor(['a', 'b', 'c', 'd'], map)).toEqual(['X', 'Y']);
    expect(templateIdsFor(['a', 'd', 'e', 'f'], map)).toEqual(['X', 'Y', 'Z']);
    expect(templateIdsFor(['a'], null)).toEqual([]);
  });

  test('acceptWithAudio counts as accepted', async () => {
    setup({ subscribeAnswer: () => ({ 'T-SHIFT': 'acceptWithAudio', 'T-CANCEL': 'filter' }) });
    await expect(reminders().requestSubscribe(['T-SHIFT', 'T-CANCEL'])).resolves.toEqual(['T-SHIFT']);
  });

  test('preloading happens once', async () => {
    setup();
    await reminders().preloadTemplates();
    await reminders().preloadTemplates();
    await settle();
    expect(wx.requests.filter((r) => r.path === '/subscriptions/templates')).toHaveLength(1);
  });
});
