/** Time formatting in China time and the view models the pages show. */
const time = require('../utils/time');
const present = require('../utils/present');

describe('time', () => {
  test('formats ISO times with +08:00 in China time', () => {
    expect(time.formatDateTime('2025-03-01T09:05:00+08:00')).toBe('03月01日 09:05');
    expect(time.formatDate('2025-03-01T09:05:00+08:00')).toBe('03月01日');
    expect(time.formatTime('2025-03-01T09:05:00+08:00')).toBe('09:05');
  });

  test('converts other offsets and UTC to China time', () => {
    expect(time.formatDateTime('2025-03-01T01:05:00Z')).toBe('03月01日 09:05');
    expect(time.formatDateTime('2025-02-28T20:30:00.123456+00:00')).toBe('03月01日 04:30');
  });

  test('invalid input gives empty text', () => {
    expect(time.formatDateTime(null)).toBe('');
    expect(time.formatDateTime('yesterday')).toBe('');
  });

  test('ranges on one day and across days', () => {
    expect(time.formatRange('2025-03-01T09:00:00+08:00', '2025-03-01T11:30:00+08:00')).toBe(
      '03月01日 周六 09:00-11:30',
    );
    expect(time.formatRange('2025-03-01T22:00:00+08:00', '2025-03-02T06:00:00+08:00')).toBe(
      '03月01日 22:00 至 03月02日 06:00',
    );
  });

  test('minutes, months, dates', () => {
    expect(time.formatMinutes(150)).toBe('2小时30分钟');
    expect(time.formatMinutes(120)).toBe('2小时');
    expect(time.formatMinutes(45)).toBe('45分钟');
    expect(time.formatMinutes(null)).toBe('0分钟');
    expect(time.formatMonth('2025-03')).toBe('2025年03月');
    expect(time.todayString(Date.parse('2025-02-28T17:00:00Z'))).toBe('2025-03-01');
    expect(time.addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(time.toIso('2025-03-01', '08:00')).toBe('2025-03-01T08:00:00+08:00');
    expect(time.splitIso('2025-03-01T00:30:00Z')).toEqual({ date: '2025-03-01', time: '08:30' });
    expect(time.nextDays('2025-03-01', 3).map((d) => d.weekday)).toEqual(['今天', '明天', '周一']);
  });
});

const NOW = Date.parse('2025-03-01T10:00:00+08:00');
const activity = (overrides = {}) =>
  Object.assign(
    {
      id: 3,
      title: '青年学堂',
      category: 'youth',
      community: { id: 1, code: 'haizhu', name: '海珠社区' },
      venue: '党群服务中心',
      starts_at: '2025-03-02T09:00:00+08:00',
      ends_at: '2025-03-02T11:00:00+08:00',
      signup_opens_at: null,
      signup_closes_at: null,
      capacity: 20,
      waitlist_enabled: true,
      audience: 'all',
      cancel_cutoff_minutes: 60,
      status: 'published',
      confirmed_count: 5,
      waitlist_count: 0,
      my_registration: null,
    },
    overrides,
  );

describe('signupState', () => {
  test.each([
    ['open with places', {}, 'signup', '立即报名'],
    ['full with waitlist', { confirmed_count: 20, waitlist_count: 2 }, 'waitlist', '加入候补'],
    ['full without waitlist', { confirmed_count: 20, waitlist_enabled: false }, 'none', '名额已满'],
    ['not open yet', { signup_opens_at: '2025-03-01T12:00:00+08:00' }, 'none', '报名未开始'],
    ['closed', { signup_closes_at: '2025-03-01T09:00:00+08:00' }, 'none', '报名已截止'],
    ['cancelled', { status: 'cancelled' }, 'none', '活动已取消'],
    ['finished', { status: 'finished' }, 'none', '活动已结束'],
    ['draft', { status: 'draft' }, 'none', '活动未发布'],
    ['registered', { my_registration: { id: 1, status: 'confirmed' } }, 'cancel', '取消报名'],
    ['waitlisted', { my_registration: { id: 1, status: 'waitlisted', waitlist_position: 2 } }, 'cancel', '取消报名'],
    [
      'registered after the cutoff',
      {
        starts_at: '2025-03-01T10:30:00+08:00',
        ends_at: '2025-03-01T12:00:00+08:00',
        my_registration: { id: 1, status: 'confirmed' },
      },
      'none',
      '已报名',
    ],
  ])('%s', (label, overrides, action, text) => {
    const state = present.signupState(activity(overrides), NOW);
    expect(state.action).toBe(action);
    expect(state.label).toBe(text);
  });

  test('waitlist position is in the hint', () => {
    const state = present.signupState(
      activity({ my_registration: { id: 1, status: 'waitlisted', waitlist_position: 2 } }),
      NOW,
    );
    expect(state.hint).toContain('候补第 2 位');
  });
});

describe('view models', () => {
  test('presentActivity', () => {
    const view = present.presentActivity(activity({ my_registration: { status: 'confirmed', checked_in_at: 'x' } }));
    expect(view).toMatchObject({
      categoryText: '青年学堂',
      communityName: '海珠社区',
      timeText: '03月02日 周日 09:00-11:00',
      free: 15,
      myStatus: 'checked_in',
    });
  });

  test('presentShift: free places per post and my post', () => {
    const view = present.presentShift(
      {
        id: 8,
        site: { id: 4, name: '北门卡口', kind: 'checkpoint' },
        starts_at: '2025-03-01T08:00:00+08:00',
        ends_at: '2025-03-01T12:00:00+08:00',
        party_members_only: true,
        status: 'open',
        roles: [
          { id: 21, name: '登记', capacity: 2, booked: 2 },
          { id: 22, name: '维持秩序', capacity: 3, booked: 1 },
        ],
        my_booking: { id: 60, status: 'booked', role: { id: 22, name: '维持秩序' } },
      },
      NOW,
    );
    expect(view).toMatchObject({
      siteKindText: '卡口',
      partyOnly: true,
      started: true,
      myBookingId: 60,
      myPostName: '维持秩序',
    });
    expect(view.posts).toEqual([
      expect.objectContaining({ id: 21, free: 0, full: true, mine: false }),
      expect.objectContaining({ id: 22, free: 2, full: false, mine: true }),
    ]);
  });

  test('presentBooking and bookingAction', () => {
    const b = {
      id: 1,
      status: 'booked',
      role: { name: '测温' },
      shift: {
        id: 8,
        site: { id: 4, name: '测温点', kind: 'temperature_point' },
        starts_at: '2025-03-01T14:00:00+08:00',
        ends_at: '2025-03-01T18:00:00+08:00',
      },
    };
    expect(present.presentBooking(b, NOW)).toMatchObject({
      siteKindText: '测温点',
      postName: '测温',
      action: 'check_in',
      canCancel: true,
      status: 'booked',
    });
    expect(present.bookingAction(Object.assign({}, b, { checked_in_at: 'x' }))).toBe('check_out');
    expect(present.bookingAction(Object.assign({}, b, { checked_in_at: 'x', checked_out_at: 'y' }))).toBe('done');
    expect(present.bookingAction(Object.assign({}, b, { status: 'cancelled' }))).toBe('none');
  });

  test('presentHours', () => {
    const view = present.presentHours({
      total_minutes: 390,
      by_month: [
        { month: '2025-02', minutes: 120 },
        { month: '2025-03', minutes: 270 },
      ],
    });
    expect(view.totalText).toBe('6小时30分钟');
    expect(view.totalHours).toBe('6.5');
    expect(view.months[1]).toMatchObject({ label: '2025年03月', text: '4小时30分钟', percent: 100 });
  });

  test('presentRosterRow', () => {
    const row = present.presentRosterRow({
      registration_id: 9,
      user: { id: 1, real_name: '张三', phone_masked: '138****5678' },
      status: 'confirmed',
      companions: 1,
      registered_at: '2025-03-01T08:00:00+08:00',
      checked_in_at: null,
    });
    expect(row).toMatchObject({
      name: '张三',
      phone: '138****5678',
      canCall: true,
      canCheckIn: true,
      status: 'confirmed',
    });
  });

  test('presentRosterRow never shows a full number, and offers no call without one', () => {
    const row = present.presentRosterRow({ registration_id: 9, user: { real_name: '张三', phone: '13812345678' } });
    expect(row).toMatchObject({ phone: '', canCall: false });
  });
});

test('dutyRosterRows: one row per volunteer and one per open post', () => {
  const rows = present.dutyRosterRows({
    date: '2025-03-01',
    community: { id: 1, name: '海珠社区' },
    shifts: [
      {
        id: 8,
        site: { id: 4, name: '北门卡口' },
        starts_at: '2025-03-01T08:00:00+08:00',
        ends_at: '2025-03-01T12:00:00+08:00',
        status: 'open',
        roles: [
          {
            id: 21,
            name: '登记',
            capacity: 3,
            booked: 2,
            volunteers: [
              {
                booking_id: 60,
                user: { real_name: '李四', phone: '13800000000' },
                status: 'booked',
                checked_in_at: null,
              },
              {
                booking_id: 61,
                user: { nickname: '小赵', phone_masked: '139****0000' },
                status: 'booked',
                checked_in_at: '2025-03-01T07:55:00+08:00',
              },
            ],
          },
        ],
      },
    ],
  });
  expect(rows).toEqual([
    expect.objectContaining({
      bookingId: 60,
      name: '李四',
      phone: '', // a full number is never shown on screen
      canCall: false,
      timeText: '08:00-12:00',
      canCheckIn: true,
      canCheckOut: false,
    }),
    expect.objectContaining({
      bookingId: 61,
      name: '小赵',
      phone: '139****0000',
      canCall: true,
      status: 'checked_in',
      canCheckIn: false,
      canCheckOut: true,
    }),
    expect.objectContaining({ bookingId: null, postName: '登记', vacancy: 1 }),
  ]);
});
