/**
 * Requirements per post (岗位要求) on the pages, rendered with miniprogram-simulate: the shift list shows
 * "需资格：…" and "需当日健康申报"; a post asking for the declaration at booking opens the booking sheet,
 * whose answers are checked before anything is sent (unwell: told kindly, nothing sent) and then sent
 * with the booking; the check-in page shows the form first and sends the answers with the check-in;
 * a refusal's message is shown; the organizer's member sheet grants and revokes; 我的 lists mine.
 */
const { installWx, serveLoggedIn } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');
const { answersOf, requirementText } = require('../utils/health');

installPageShim();

const TODAY = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10); // China date
const SOON = (h) => `${TODAY}T${String(h).padStart(2, '0')}:00:00+08:00`;
const SITE = {
  id: 4,
  name: '海珠核酸采样点',
  kind: 'testing_site',
  address: '文化广场',
  community: { id: 1, name: '海珠社区' },
};
const TRAINING = { id: 7, name: '核酸采样点登记培训' };
const WELL = { temperature_normal: true, has_symptoms: false, is_risk_person: false };

const shift = {
  id: 11,
  site: SITE,
  starts_at: SOON(23),
  ends_at: `${TODAY}T23:59:00+08:00`,
  status: 'open',
  notes: '',
  party_members_only: false,
  cancel_reason: null,
  my_booking: null,
  roles: [
    { id: 31, name: '登记', booked: 0, capacity: 2, required_qualification: TRAINING, health_declaration: 'none' },
    { id: 32, name: '引导', booked: 0, capacity: 2, required_qualification: null, health_declaration: 'booking' },
  ],
};

let ids;
beforeAll(() => {
  installWx();
  ids = {
    shifts: loadPage('pages/shifts/index'),
    checkin: loadPage('pages/checkin/index'),
    members: loadPage('packageOrganizer/pages/members/index'),
    mine: loadPage('pages/mine/index'),
  };
});

let wx;
function serve(table) {
  wx = serveLoggedIn(
    Object.assign(
      {
        'GET /communities': { statusCode: 200, data: { items: [] } },
        'GET /sites': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 50 } },
        'GET /shifts': { statusCode: 200, data: { items: [shift], total: 1, page: 1, page_size: 50 } },
      },
      table,
    ),
  );
  return wx;
}
const posts = (path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

describe('the answers and the words', () => {
  test('answersOf is complete and well only with all three fit answers', () => {
    expect(answersOf({})).toEqual({ answers: {}, complete: false, well: false });
    expect(answersOf(WELL)).toEqual({ answers: WELL, complete: true, well: true });
    expect(answersOf(Object.assign({}, WELL, { has_symptoms: true })).well).toBe(false);
  });

  test('requirementText says what a post asks', () => {
    expect(requirementText(shift.roles[0])).toBe('需资格：核酸采样点登记培训');
    expect(requirementText(shift.roles[1])).toBe('需当日健康申报（预约时）');
    expect(requirementText({ required_qualification: TRAINING, health_declaration: 'checkin' })).toBe(
      '需资格：核酸采样点登记培训；需当日健康申报（签到时）',
    );
    expect(requirementText({ health_declaration: 'none' })).toBe('');
  });
});

describe('booking a post with requirements', () => {
  async function openShifts() {
    const page = mount(ids.shifts);
    page.instance.onLoad();
    await settle();
    return page;
  }

  test('the list shows the requirements', async () => {
    serve({});
    const page = await openShifts();
    expect(page.dom.innerHTML).toContain('需资格：核酸采样点登记培训');
    expect(page.dom.innerHTML).toContain('需当日健康申报（预约时）');
  });

  test('the sheet asks first; unanswered or unwell sends nothing; fit answers go with the booking', async () => {
    serve({ 'POST /shifts/11/bookings': { statusCode: 201, data: { id: 60, status: 'booked', role: { id: 32 } } } });
    const page = await openShifts();
    page.instance.onBook({ currentTarget: { dataset: { shift: 11, post: 32 } } });
    await settle();
    expect(page.data.sheet).toMatchObject({ shiftId: 11, postId: 32 });
    expect(page.dom.innerHTML).toContain('今天体温是否正常');
    expect(posts('/shifts/11/bookings')).toHaveLength(0);

    page.instance.onSheetConfirm();
    expect(wx.showToast).toHaveBeenCalled();
    page.instance.onHealthChange({
      detail: answersOf({ temperature_normal: true, has_symptoms: true, is_risk_person: false }),
    });
    page.instance.onSheetConfirm();
    await settle();
    expect(posts('/shifts/11/bookings')).toHaveLength(0);
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled();

    page.instance.onHealthChange({ detail: answersOf(WELL) });
    await page.instance.onSheetConfirm();
    await settle();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(posts('/shifts/11/bookings')[0].data).toEqual({ role_id: 32, health_declaration: WELL });
    expect(page.data.sheet).toBe(null);
  });

  test('a post requiring a qualification is booked at once; the refusal is shown', async () => {
    serve({
      'POST /shifts/11/bookings': {
        statusCode: 403,
        data: { error: 'qualification_required', message: '该岗位需要“核酸采样点登记培训”资格，请联系组织者' },
      },
    });
    const page = await openShifts();
    await page.instance.onBook({ currentTarget: { dataset: { shift: 11, post: 31 } } });
    await settle();
    expect(posts('/shifts/11/bookings')[0].data).toEqual({ role_id: 31 });
    const shown = [].concat(
      wx.showToast.mock.calls.map((c) => c[0].title),
      (wx.showModal.mock ? wx.showModal.mock.calls : []).map((c) => c[0].content),
    );
    expect(shown.join(' ')).toContain('核酸采样点登记培训');
  });
});

describe('checking in to a post asking for the declaration', () => {
  const booking = {
    id: 90,
    shift_id: 11,
    role: { id: 31, name: '登记' },
    status: 'booked',
    booked_at: SOON(1),
    checked_in_at: null,
    checked_out_at: null,
    minutes_credited: 0,
    shift: Object.assign({}, shift, {
      starts_at: SOON(0),
      roles: [Object.assign({}, shift.roles[0], { health_declaration: 'checkin' })],
    }),
  };

  test('the form comes first and its answers go with the check-in', async () => {
    serve({
      'GET /me/shifts': { statusCode: 200, data: { items: [booking], total: 1, page: 1, page_size: 50 } },
      'GET /me/health-declaration': { statusCode: 200, data: { declaration: null } },
      'POST /shift-bookings/90/check-in': {
        statusCode: 200,
        data: Object.assign({}, booking, { checked_in_at: SOON(0) }),
      },
    });
    const page = mount(ids.checkin);
    page.instance.onLoad({ token: 's4.2xk9.Qw3rTy' });
    await settle();
    expect(page.data.bookings[0].needsDeclaration).toBe(true);
    expect(page.dom.innerHTML).toContain('提交申报并签到');
    expect(page.dom.innerHTML).toContain('是否有发热、咳嗽等症状');
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 90 } } });
    expect(posts('/shift-bookings/90/check-in')).toHaveLength(0);
    page.instance.onHealthChange({ detail: answersOf(WELL) });
    await page.instance.onBookingAction({ currentTarget: { dataset: { id: 90 } } });
    await settle();
    expect(posts('/shift-bookings/90/check-in')[0].data).toEqual({ token: 's4.2xk9.Qw3rTy', health_declaration: WELL });
  });

  test('a fit declaration made earlier today: a plain 签到', async () => {
    serve({
      'GET /me/shifts': { statusCode: 200, data: { items: [booking], total: 1, page: 1, page_size: 50 } },
      'GET /me/health-declaration': {
        statusCode: 200,
        data: { declaration: Object.assign({ day: TODAY, well: true }, WELL) },
      },
    });
    const page = mount(ids.checkin);
    page.instance.onLoad({ token: 's4.2xk9.Qw3rTy' });
    await settle();
    expect(page.data.bookings[0].needsDeclaration).toBe(false);
    expect(page.dom.innerHTML).not.toContain('提交申报并签到');
  });
});

describe('qualifications', () => {
  test('the organizer grants and revokes from the member sheet', async () => {
    const held = (isHeld) => ({
      member: { id: 21, real_name: '陈志明' },
      items: [Object.assign({}, TRAINING, { note: '', held: isHeld, expires_on: null, expired: false })],
    });
    let holding = false;
    serve({
      'GET /communities/1/members': { statusCode: 200, data: { items: [], total: 0, page: 1, page_size: 20 } },
      'GET /communities/1/members/21/qualifications': () => ({ statusCode: 200, data: held(holding) }),
      'POST /qualifications/7/grants': (req) => {
        holding = true;
        return { statusCode: 200, data: Object.assign({}, TRAINING, { held: true }) };
      },
      'DELETE /qualifications/7/grants/21': () => {
        holding = false;
        return { statusCode: 200, data: Object.assign({}, TRAINING, { held: false }) };
      },
    });
    wx.showModal.mockImplementation((o) => o.success && o.success({ confirm: true, cancel: false }));
    const page = mount(ids.members);
    page.instance.onLoad({ communityId: '1' });
    await settle();
    await page.instance.onQualifications({ currentTarget: { dataset: { id: 21, name: '陈志明' } } });
    await settle();
    expect(page.dom.innerHTML).toContain('陈志明的资格');
    expect(page.data.sheet.items[0]).toMatchObject({ name: '核酸采样点登记培训', held: false, stateText: '未持有' });
    await page.instance.onGrant({ currentTarget: { dataset: { id: 7 } } });
    await settle();
    expect(posts('/qualifications/7/grants')[0].data).toEqual({ user_id: 21, expires_on: null });
    expect(page.data.sheet.items[0].held).toBe(true);
    await page.instance.onRevoke({ currentTarget: { dataset: { id: 7, name: '核酸采样点登记培训' } } });
    await settle();
    expect(wx.requests.filter((r) => r.method === 'DELETE' && r.path === '/qualifications/7/grants/21')).toHaveLength(
      1,
    );
    expect(page.data.sheet.items[0].held).toBe(false);
  });

  test('我的 lists my qualifications', async () => {
    serve({
      'GET /me': { statusCode: 200, data: { id: 7, real_name: '李芳', roles: ['resident'], volunteer_minutes: 0 } },
      'GET /me/qualifications': {
        statusCode: 200,
        data: { items: [Object.assign({}, TRAINING, { held: true, expires_on: '2027-06-30', expired: false })] },
      },
    });
    const page = mount(ids.mine);
    page.instance.onShow();
    await settle();
    expect(page.dom.innerHTML).toContain('我的资格');
    expect(page.dom.innerHTML).toContain('有效期至 2027-06-30');
  });
});

describe("the organizer's duty roster", () => {
  test('flags a missing qualification and whether the declaration was made', () => {
    const { dutyRosterRows } = require('../utils/present');
    const volunteer = (id, fields) =>
      Object.assign(
        { booking_id: id, user: { real_name: `志愿者${id}` }, status: 'booked', checked_in_at: null },
        fields,
      );
    const rows = dutyRosterRows({
      shifts: [
        Object.assign({}, shift, {
          roles: [
            Object.assign({}, shift.roles[0], {
              capacity: 2,
              volunteers: [
                volunteer(1, { qualification_missing: true, health_declared: null }),
                volunteer(2, { qualification_missing: false, health_declared: false }),
              ],
            }),
          ],
        }),
      ],
    });
    expect(rows.map((r) => r.flagText)).toEqual(['缺少资格', '未健康申报']);
  });
});
