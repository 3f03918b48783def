/**
 * 添加到手机日历: a confirmed place written into the phone's calendar with wx.addPhoneCalendar (unix seconds,
 * an alarm an hour before), from the activity detail page and from 我的报名. Cancelling WeChat's sheet is
 * silent; a refused permission or a failure is said in Chinese.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const fs = require('fs');
const path = require('path');
const { ROOT, allPages, installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const ACTIVITY = {
  id: 3,
  title: '重阳节敬老茶话会',
  description: '',
  category: 'elderly',
  community: { id: 1, code: 'haizhu', name: '海珠社区' },
  venue: '党群服务中心一楼',
  starts_at: '2030-10-11T14:30:00+08:00',
  ends_at: '2030-10-11T16:30:00+08:00',
  capacity: 30,
  confirmed_count: 5,
  waitlist_count: 0,
  waitlist_enabled: true,
  audience: 'all',
  cancel_cutoff_minutes: 0,
  status: 'published',
  my_registration: null,
};
const START = Date.parse('2030-10-11T06:30:00Z') / 1000;
const END = START + 2 * 3600;

const calendar = () => require('../controllers/calendar');

function setup(options = {}) {
  jest.resetModules();
  return installWx(Object.assign({ storage: { auth_token: 't' } }, options));
}

describe('the calendar event', () => {
  test('has the title, unix-second times, the place and an alarm an hour before', () => {
    setup();
    expect(calendar().calendarEvent(ACTIVITY)).toEqual({
      title: '重阳节敬老茶话会',
      startTime: START,
      endTime: END,
      location: '海珠社区 党群服务中心一楼',
      description: '海珠社区的党群活动「重阳节敬老茶话会」，您已报名成功，请准时参加。',
      alarm: true,
      alarmOffset: 3600,
    });
  });

  test('unreadable times make no event', () => {
    setup();
    expect(calendar().calendarEvent(Object.assign({}, ACTIVITY, { starts_at: 'soon' }))).toBeNull();
  });
});

describe('adding to the calendar', () => {
  test('success says 已添加到日历', async () => {
    const wx = setup();
    await expect(calendar().addActivityToCalendar(ACTIVITY)).resolves.toBe('added');
    expect(wx.addPhoneCalendar).toHaveBeenCalledTimes(1);
    expect(wx.addPhoneCalendar.mock.calls[0][0]).toMatchObject({
      title: ACTIVITY.title,
      startTime: START,
      endTime: END,
    });
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已添加到日历', icon: 'success' }));
  });

  test('the user closing the sheet is silent', async () => {
    const wx = setup({ calendarAnswer: () => ({ fail: { errMsg: 'addPhoneCalendar:fail cancel' } }) });
    await expect(calendar().addActivityToCalendar(ACTIVITY)).resolves.toBe('cancelled');
    expect(wx.showToast).not.toHaveBeenCalled();
  });

  test('a refused permission says where to allow it', async () => {
    const wx = setup({ calendarAnswer: () => ({ fail: { errMsg: 'addPhoneCalendar:fail auth deny' } }) });
    await expect(calendar().addActivityToCalendar(ACTIVITY)).resolves.toBe('denied');
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: calendar().MESSAGES.denied }));
    expect(calendar().MESSAGES.denied).toMatch(/设置/);
  });

  test('another failure says so in Chinese', async () => {
    const wx = setup({ calendarAnswer: () => ({ fail: { errMsg: 'addPhoneCalendar:fail system error' } }) });
    await expect(calendar().addActivityToCalendar(ACTIVITY)).resolves.toBe('failed');
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '添加到日历失败，请稍后重试' }));
  });

  test('an old WeChat without the API is told to upgrade', async () => {
    const wx = setup();
    delete wx.addPhoneCalendar;
    await expect(calendar().addActivityToCalendar(ACTIVITY)).resolves.toBe('unsupported');
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: calendar().MESSAGES.unsupported }));
  });
});

test('every page that adds to the calendar mounts <privacy-popup> (wx.addPhoneCalendar is a privacy interface)', () => {
  const users = allPages().filter((route) =>
    /onAddToCalendar/.test(fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8')),
  );
  expect(users.sort()).toEqual(['pages/activity-detail/index', 'pages/my-registrations/index']);
  users.forEach((route) => {
    expect(fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8')).toMatch(/<privacy-popup id="privacy-popup"/);
    const using = JSON.parse(fs.readFileSync(path.join(ROOT, `${route}.json`), 'utf8')).usingComponents;
    expect(using['privacy-popup']).toBe('../../components/privacy-popup/index');
  });
});

describe('the pages', () => {
  let detailId;
  let registrationsId;
  beforeAll(() => {
    installWx();
    detailId = loadPage('pages/activity-detail/index');
    registrationsId = loadPage('pages/my-registrations/index');
  });

  function openDetail(registration) {
    const wx = setup();
    const activity = Object.assign({}, ACTIVITY, { my_registration: registration });
    wx.setHandler(
      routes({
        'GET /activities/3': { statusCode: 200, data: activity },
        'GET /subscriptions/templates': { statusCode: 200, data: { items: [] } },
      }),
    );
    const page = mount(detailId);
    page.instance.onLoad({ id: '3' });
    return { wx, page };
  }

  const registration = (status) => ({
    id: 50,
    activity_id: 3,
    status,
    companions: 0,
    remark: '',
    registered_at: '2030-10-01T10:00:00+08:00',
    checked_in_at: null,
    waitlist_position: status === 'waitlisted' ? 1 : null,
  });

  test('the detail page offers it on a confirmed place and adds the activity', async () => {
    const { wx, page } = openDetail(registration('confirmed'));
    await settle();
    expect(page.dom.textContent).toContain('添加到手机日历');
    const buttons = page.querySelectorAll('.detail__calendar');
    expect(buttons).toHaveLength(1);
    buttons[0].dispatchEvent('tap');
    await settle();
    expect(wx.addPhoneCalendar).toHaveBeenCalledTimes(1);
    expect(wx.addPhoneCalendar.mock.calls[0][0]).toMatchObject({ title: ACTIVITY.title, startTime: START });
  });

  test('the detail page does not offer it on the waitlist or without a sign-up', async () => {
    for (const reg of [registration('waitlisted'), null]) {
      const { page } = openDetail(reg);
      await settle();
      expect(page.dom.textContent).not.toContain('添加到手机日历');
    }
  });

  test('my registrations offers it on confirmed upcoming places, without opening the activity', async () => {
    const wx = setup();
    const other = Object.assign({}, ACTIVITY, { id: 4, title: '青年读书会' });
    wx.setHandler(
      routes({
        'GET /me/registrations': {
          statusCode: 200,
          data: {
            items: [
              Object.assign(registration('confirmed'), { activity: ACTIVITY }),
              Object.assign(registration('waitlisted'), { id: 51, activity_id: 4, activity: other }),
            ],
            total: 2,
            page: 1,
            page_size: 20,
          },
        },
      }),
    );
    const page = mount(registrationsId);
    page.instance.onShow();
    await settle();
    const buttons = page.querySelectorAll('.reg__calendar');
    expect(buttons).toHaveLength(1);
    buttons[0].dispatchEvent('tap');
    await settle();
    expect(wx.addPhoneCalendar).toHaveBeenCalledTimes(1);
    expect(wx.addPhoneCalendar.mock.calls[0][0].title).toBe(ACTIVITY.title);
    expect(wx.navigateTo).not.toHaveBeenCalled();
  });
});
