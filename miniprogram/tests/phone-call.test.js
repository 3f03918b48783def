/**
 * "拨打电话" on the organizer's rosters: the rosters show masked numbers only; a tap reveals that one
 * person's number (POST .../phone, audited by the server) and hands it to wx.makePhoneCall.
 */
const fs = require('fs');
const path = require('path');
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { ROOT, installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

function mountLoaded(id, query) {
  const page = mount(id);
  page.instance.onLoad(query);
  return page;
}

const tapOn = (id, name) => ({ currentTarget: { dataset: { id, name } } });

const ACTIVITY_ROSTER = {
  activity: { id: 3, title: '周末党课' },
  counts: { confirmed: 2, waitlisted: 0, cancelled: 0, checked_in: 0, places: 2 },
  items: [
    {
      registration_id: 12,
      user: { id: 1, real_name: '张三', phone_masked: '138****5678', phone: null },
      status: 'confirmed',
      companions: 0,
      remark: '',
      registered_at: '2025-03-01T08:00:00+08:00',
      checked_in_at: null,
    },
    {
      registration_id: 13,
      user: { id: 2, real_name: '李四', phone_masked: null, phone: null },
      status: 'confirmed',
      companions: 0,
      remark: '',
      registered_at: '2025-03-01T08:05:00+08:00',
      checked_in_at: null,
    },
  ],
};

const DUTY_ROSTER = {
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
          capacity: 1,
          booked: 1,
          volunteers: [
            {
              booking_id: 60,
              user: { real_name: '王五', phone_masked: '139****0000', phone: null },
              status: 'booked',
              checked_in_at: null,
            },
          ],
        },
      ],
    },
  ],
};

let ids;
beforeAll(() => {
  installWx();
  ids = {
    roster: loadPage('packageOrganizer/pages/roster/index'),
    duty: loadPage('packageOrganizer/pages/duty-roster/index'),
  };
});

describe('activity roster', () => {
  let wx;
  beforeEach(() => {
    jest.resetModules();
    wx = installWx({ storage: { auth_token: 't' } });
  });

  test('shows masked numbers and a call button only for people with a number', async () => {
    wx.setHandler(routes({ 'GET /activities/3/roster': { statusCode: 200, data: ACTIVITY_ROSTER } }));
    const page = mountLoaded(ids.roster, { id: '3' });
    await settle();
    const html = page.dom.innerHTML;
    expect(html).toContain('138****5678');
    expect(html.match(/拨打电话/g)).toHaveLength(1);
  });

  test('拨打电话 reveals that one number and calls it', async () => {
    wx.setHandler(
      routes({
        'GET /activities/3/roster': { statusCode: 200, data: ACTIVITY_ROSTER },
        'POST /activities/3/roster/12/phone': { statusCode: 200, data: { phone: '13812345678' } },
      }),
    );
    const page = mountLoaded(ids.roster, { id: '3' });
    await settle();
    await page.instance.onCall(tapOn(12, '张三'));
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: expect.stringContaining('张三') }));
    expect(wx.requests.filter((r) => r.path.endsWith('/phone'))).toHaveLength(1);
    expect(wx.makePhoneCall).toHaveBeenCalledWith(expect.objectContaining({ phoneNumber: '13812345678' }));
    expect(page.dom.innerHTML).not.toContain('13812345678'); // the number is never put on the page
  });

  test('declining the question reveals nothing', async () => {
    wx.setHandler(routes({ 'GET /activities/3/roster': { statusCode: 200, data: ACTIVITY_ROSTER } }));
    wx.showModal.mockImplementation((options) => options.success({ confirm: false, cancel: true }));
    const page = mountLoaded(ids.roster, { id: '3' });
    await settle();
    await page.instance.onCall(tapOn(12, '张三'));
    expect(wx.requests.filter((r) => r.path.endsWith('/phone'))).toHaveLength(0);
    expect(wx.makePhoneCall).not.toHaveBeenCalled();
  });

  test('a refusal is shown and nothing is called', async () => {
    wx.setHandler(
      routes({
        'GET /activities/3/roster': { statusCode: 200, data: ACTIVITY_ROSTER },
        'POST /activities/3/roster/12/phone': {
          statusCode: 403,
          data: { error: 'forbidden', message: '只有该活动所在社区的组织者可以查看完整手机号' },
        },
      }),
    );
    const page = mountLoaded(ids.roster, { id: '3' });
    await settle();
    await page.instance.onCall(tapOn(12, '张三'));
    expect(wx.makePhoneCall).not.toHaveBeenCalled();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'none' }));
  });

  test('a person without a number is told so', async () => {
    wx.setHandler(
      routes({
        'GET /activities/3/roster': { statusCode: 200, data: ACTIVITY_ROSTER },
        'POST /activities/3/roster/13/phone': { statusCode: 200, data: { phone: null } },
      }),
    );
    const page = mountLoaded(ids.roster, { id: '3' });
    await settle();
    await page.instance.onCall(tapOn(13, '李四'));
    expect(wx.makePhoneCall).not.toHaveBeenCalled();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '对方未绑定手机号' }));
  });
});

describe('duty roster', () => {
  test("拨打电话 reveals the volunteer's number through the booking and calls it", async () => {
    jest.resetModules();
    const wx = installWx({ storage: { auth_token: 't' } });
    wx.setHandler(
      routes({
        'GET /rosters/shifts': { statusCode: 200, data: DUTY_ROSTER },
        'POST /shift-bookings/60/phone': { statusCode: 200, data: { phone: '13912340000' } },
      }),
    );
    const page = mountLoaded(ids.duty, { date: '2025-03-01', communityId: '1' });
    await settle();
    expect(page.dom.innerHTML).toContain('139****0000');
    expect(page.dom.innerHTML).toContain('拨打电话');
    await page.instance.onCall(tapOn(60, '王五'));
    expect(wx.makePhoneCall).toHaveBeenCalledWith(expect.objectContaining({ phoneNumber: '13912340000' }));
  });
});

test('the profile page says who sees the number, and that every reveal is recorded', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/profile/index.wxml'), 'utf8');
  expect(wxml).not.toContain('仅向活动组织者显示部分号码');
  expect(wxml).toContain('每次查看都有记录');
  expect(wxml).toContain('导出的名单含完整号码');
});
