/** Each service function calls the contract's method and path with the right query and body. */
const { installWx } = require('./helpers/wx');

let wx;
beforeEach(() => {
  jest.resetModules();
  wx = installWx({ storage: { auth_token: 't' } });
  wx.setHandler(() => ({ statusCode: 200, data: {} }));
});

const svc = (name) => require(`../services/${name}`);

// [label, call, method, path, query, body]
const CASES = [
  ['auth.login', () => svc('auth').login('c1'), 'POST', '/auth/login', {}, { code: 'c1' }],
  ['auth.logout', () => svc('auth').logout(), 'POST', '/auth/logout', {}, undefined],
  ['auth.bindPhone', () => svc('auth').bindPhone('p1'), 'POST', '/auth/phone', {}, { code: 'p1' }],
  ['user.getMe', () => svc('user').getMe(), 'GET', '/me', {}, undefined],
  ['user.updateMe', () => svc('user').updateMe({ community_id: 2 }), 'PATCH', '/me', {}, { community_id: 2 }],
  ['user.deleteMe', () => svc('user').deleteMe(), 'DELETE', '/me', {}, undefined],
  [
    'user.grantRole',
    () => svc('user').grantRole(5, 'organizer', 2),
    'POST',
    '/users/5/roles',
    {},
    { role: 'organizer', community_id: 2 },
  ],
  [
    'user.revokeRole',
    () => svc('user').revokeRole(5, 'party_member'),
    'DELETE',
    '/users/5/roles/party_member',
    {},
    undefined,
  ],
  ['community.listCommunities', () => svc('community').listCommunities(), 'GET', '/communities', {}, undefined],
  [
    'community.listMembers',
    () => svc('community').listMembers(2, { status: 'claimed', page: 2, pageSize: 10 }),
    'GET',
    '/communities/2/members',
    { status: 'claimed', page: '2', page_size: '10' },
    undefined,
  ],
  [
    'community.listMembers (every status)',
    () => svc('community').listMembers(2),
    'GET',
    '/communities/2/members',
    { page: '1', page_size: '20' },
    undefined,
  ],
  [
    'community.confirmMember',
    () => svc('community').confirmMember(2, 9),
    'POST',
    '/communities/2/members/9/confirm',
    {},
    undefined,
  ],
  [
    'community.rejectMember',
    () => svc('community').rejectMember(2, 9),
    'POST',
    '/communities/2/members/9/reject',
    {},
    undefined,
  ],
  ['community.getJoinCode', () => svc('community').getJoinCode(2), 'GET', '/communities/2/join-code', {}, undefined],
  [
    'user.joinCommunity',
    () => svc('user').joinCommunity('c2.x.y'),
    'POST',
    '/me/community/join',
    {},
    { token: 'c2.x.y' },
  ],
  [
    'activity.listActivities',
    () =>
      svc('activity').listActivities({
        community_id: 2,
        category: 'youth',
        from: '2025-03-01',
        to: '2025-03-01',
        q: '',
      }),
    'GET',
    '/activities',
    { community_id: '2', category: 'youth', from: '2025-03-01', to: '2025-03-01' },
    undefined,
  ],
  ['activity.getActivity', () => svc('activity').getActivity(3), 'GET', '/activities/3', {}, undefined],
  [
    'activity.createActivity',
    () => svc('activity').createActivity({ title: 'T' }),
    'POST',
    '/activities',
    {},
    { title: 'T' },
  ],
  [
    'activity.updateActivity',
    () => svc('activity').updateActivity(3, { capacity: 9 }),
    'PATCH',
    '/activities/3',
    {},
    { capacity: 9 },
  ],
  [
    'activity.publishActivity',
    () => svc('activity').publishActivity(3),
    'POST',
    '/activities/3/publish',
    {},
    undefined,
  ],
  [
    'activity.cancelActivity',
    () => svc('activity').cancelActivity(3, '天气'),
    'POST',
    '/activities/3/cancel',
    {},
    { reason: '天气' },
  ],
  [
    'activity.register',
    () => svc('activity').register(3, { companions: 2, remark: '孩子 6 岁' }),
    'POST',
    '/activities/3/registrations',
    {},
    { companions: 2, remark: '孩子 6 岁' },
  ],
  [
    'activity.register (with answers)',
    () => svc('activity').register(3, { answers: { q1: 7, q2: '需要' } }),
    'POST',
    '/activities/3/registrations',
    {},
    { companions: 0, remark: '', answers: { q1: 7, q2: '需要' } },
  ],
  [
    'activity.acceptOffer',
    () => svc('activity').acceptOffer(3),
    'POST',
    '/activities/3/registrations/me/accept',
    {},
    undefined,
  ],
  [
    'activity.declineOffer',
    () => svc('activity').declineOffer(3),
    'POST',
    '/activities/3/registrations/me/decline',
    {},
    undefined,
  ],
  ['activity.getDraw', () => svc('activity').getDraw(3), 'GET', '/activities/3/draw', {}, undefined],
  [
    'activity.cancelRegistration',
    () => svc('activity').cancelRegistration(3),
    'DELETE',
    '/activities/3/registrations/me',
    {},
    undefined,
  ],
  [
    'activity.listMyRegistrations',
    () => svc('activity').listMyRegistrations({ when: 'past', page: 2 }),
    'GET',
    '/me/registrations',
    { when: 'past', page: '2', page_size: '20' },
    undefined,
  ],
  [
    'activity.getCheckinCode',
    () => svc('activity').getCheckinCode(3),
    'GET',
    '/activities/3/checkin-code',
    {},
    undefined,
  ],
  [
    'activity.checkIn',
    () => svc('activity').checkIn(3, 'a3.x.y'),
    'POST',
    '/activities/3/check-in',
    {},
    { token: 'a3.x.y' },
  ],
  [
    'site.listSites',
    () => svc('site').listSites({ community_id: 2, kind: 'checkpoint' }),
    'GET',
    '/sites',
    { community_id: '2', kind: 'checkpoint' },
    undefined,
  ],
  ['site.getSiteCheckinCode', () => svc('site').getSiteCheckinCode(4), 'GET', '/sites/4/checkin-code', {}, undefined],
  [
    'shift.listShifts',
    () => svc('shift').listShifts({ date: '2025-03-01', site_id: 4, available: 'true' }),
    'GET',
    '/shifts',
    { date: '2025-03-01', site_id: '4', available: 'true' },
    undefined,
  ],
  ['shift.bookShift', () => svc('shift').bookShift(8, 21), 'POST', '/shifts/8/bookings', {}, { role_id: 21 }],
  ['shift.cancelBooking', () => svc('shift').cancelBooking(8), 'DELETE', '/shifts/8/bookings/me', {}, undefined],
  [
    'shift.checkInBooking',
    () => svc('shift').checkInBooking(30, 's4.x.y'),
    'POST',
    '/shift-bookings/30/check-in',
    {},
    { token: 's4.x.y' },
  ],
  [
    'shift.checkOutBooking',
    () => svc('shift').checkOutBooking(30, 's4.x.y'),
    'POST',
    '/shift-bookings/30/check-out',
    {},
    { token: 's4.x.y' },
  ],
  ['shift.markNoShow', () => svc('shift').markNoShow(30), 'POST', '/shift-bookings/30/no-show', {}, undefined],
  [
    'shift.listMyShifts',
    () => svc('shift').listMyShifts({ when: 'upcoming' }),
    'GET',
    '/me/shifts',
    { when: 'upcoming', page: '1', page_size: '20' },
    undefined,
  ],
  ['shift.getMyHours', () => svc('shift').getMyHours(), 'GET', '/me/hours', {}, undefined],
  [
    'roster.getActivityRoster',
    () => svc('roster').getActivityRoster(3),
    'GET',
    '/activities/3/roster',
    { format: 'json' },
    undefined,
  ],
  [
    'roster.getActivityRoster (pending)',
    () => svc('roster').getActivityRoster(3, { status: 'pending' }),
    'GET',
    '/activities/3/roster',
    { format: 'json', status: 'pending' },
    undefined,
  ],
  [
    'roster.approveRegistration',
    () => svc('roster').approveRegistration(3, 12),
    'POST',
    '/activities/3/roster/12/approve',
    {},
    undefined,
  ],
  [
    'roster.rejectRegistration',
    () => svc('roster').rejectRegistration(3, 12, '名额已满'),
    'POST',
    '/activities/3/roster/12/reject',
    {},
    { reason: '名额已满' },
  ],
  [
    'roster.checkInRegistration',
    () => svc('roster').checkInRegistration(3, 12),
    'POST',
    '/activities/3/roster/12/check-in',
    {},
    undefined,
  ],
  [
    'roster.revealRegistrationPhone',
    () => svc('roster').revealRegistrationPhone(3, 12),
    'POST',
    '/activities/3/roster/12/phone',
    {},
    undefined,
  ],
  [
    'roster.revealBookingPhone',
    () => svc('roster').revealBookingPhone(60),
    'POST',
    '/shift-bookings/60/phone',
    {},
    undefined,
  ],
  [
    'roster.getDutyRoster',
    () => svc('roster').getDutyRoster({ date: '2025-03-01', communityId: 2 }),
    'GET',
    '/rosters/shifts',
    { date: '2025-03-01', community_id: '2', format: 'json' },
    undefined,
  ],
  [
    'subscription.listTemplates',
    () => svc('subscription').listTemplates(),
    'GET',
    '/subscriptions/templates',
    {},
    undefined,
  ],
  [
    'subscription.reportAccepted',
    () => svc('subscription').reportAccepted(['t1']),
    'POST',
    '/me/subscriptions',
    {},
    { accepted: ['t1'] },
  ],
  [
    'subscription.listMySubscriptions',
    () => svc('subscription').listMySubscriptions(),
    'GET',
    '/me/subscriptions',
    {},
    undefined,
  ],
  [
    'stats.getStats',
    () => svc('stats').getStats({ from: '2025-03-01', to: '2025-03-15', communityId: 2, groupBy: 'month' }),
    'GET',
    '/stats',
    { from: '2025-03-01', to: '2025-03-15', community_id: '2', group_by: 'month' },
    undefined,
  ],
  [
    'stats.getStats (every community of the caller, no grouping)',
    () => svc('stats').getStats({ from: '2025-03-01', to: '2025-03-15' }),
    'GET',
    '/stats',
    { from: '2025-03-01', to: '2025-03-15' },
    undefined,
  ],
  [
    'console.getConsoleLogin',
    () => svc('console').getConsoleLogin('Tk_-0123456789abcdefgh'),
    'GET',
    '/console-logins/Tk_-0123456789abcdefgh',
    {},
    undefined,
  ],
  [
    'console.confirmConsoleLogin',
    () => svc('console').confirmConsoleLogin('Tk_-0123456789abcdefgh'),
    'POST',
    '/console-logins/Tk_-0123456789abcdefgh/confirm',
    {},
    undefined,
  ],
  [
    'console.rejectConsoleLogin',
    () => svc('console').rejectConsoleLogin('Tk_-0123456789abcdefgh'),
    'POST',
    '/console-logins/Tk_-0123456789abcdefgh/reject',
    {},
    undefined,
  ],
  [
    'console.listConsoleSessions',
    () => svc('console').listConsoleSessions(),
    'GET',
    '/me/console-sessions',
    {},
    undefined,
  ],
  [
    'console.endConsoleSessions',
    () => svc('console').endConsoleSessions(),
    'DELETE',
    '/me/console-sessions',
    {},
    undefined,
  ],
];

test.each(CASES.map(([label, call, method, path, query, body]) => [label, method, path, call, query, body]))(
  '%s → %s %s',
  async (label, method, path, call, query, body) => {
    await call();
    expect(wx.requests).toHaveLength(1);
    expect(wx.requests[0]).toMatchObject({ method, path, query });
    expect(wx.requests[0].data).toEqual(body);
  },
);

test('only api/request.js calls wx.request or wx.downloadFile', () => {
  const fs = require('fs');
  const path = require('path');
  const root = path.join(__dirname, '..');
  const offenders = [];
  const walk = (dir) => {
    fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      if (['node_modules', 'tests'].includes(entry.name) || entry.name.startsWith('.')) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js') && /wx\.(request|downloadFile)\(/.test(fs.readFileSync(full, 'utf8'))) {
        offenders.push(path.relative(root, full));
      }
    });
  };
  walk(root);
  expect(offenders).toEqual(['api/request.js']);
});
