/**
 * 我的时长 as a record (pages/my-hours): each shift's figure with 待确认 / 已确认 / 已更正, a query (申诉)
 * sent from WeChat's own text dialog and the organizer's answer, and the proof of service
 * (志愿服务证明) for a period, downloaded with the token and opened in WeChat's document viewer.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');
const { presentRecord, defaultPeriod } = require('../controllers/hours-record');
const { profileChanges } = require('../controllers/forms');
const { presentBooking } = require('../utils/present');

installPageShim();

const item = (id, status, fields = {}) =>
  Object.assign(
    {
      booking_id: id,
      shift_id: id + 100,
      site: '北门卡口',
      post: '测温登记',
      starts_at: '2026-11-20T07:00:00+08:00',
      ends_at: '2026-11-20T11:00:00+08:00',
      minutes_worked: 230,
      minutes: 230,
      status,
      confirmed_at: null,
      query: null,
    },
    fields,
  );

const BODY = {
  total_minutes: 240,
  pending_minutes: 230,
  by_month: [{ month: '2026-11', minutes: 240 }],
  items: [
    item(93, 'pending'),
    item(89, 'corrected', {
      minutes: 240,
      query: {
        id: 4,
        text: '签到晚扫了',
        status: 'answered',
        answer: '已更正为4小时',
        created_at: '',
        answered_at: '',
      },
    }),
    item(80, 'confirmed', { query: { id: 5, text: '少算了', status: 'open', answer: null } }),
  ],
};

let pageId;
beforeAll(() => {
  installWx();
  pageId = loadPage('pages/my-hours/index');
});

function open({ proof, query, modal } = {}) {
  const wx = installWx({ storage: { auth_token: 't' } });
  wx.setHandler(
    routes({
      'GET /me/hours': () => ({ statusCode: 200, data: BODY }),
      'POST /shift-bookings/93/hours/query': query || { statusCode: 201, data: { id: 6, status: 'open' } },
      'DOWNLOAD /me/hours/proof.pdf': proof || { statusCode: 200 },
    }),
  );
  if (modal) wx.showModal.mockImplementation((options) => options.success(modal));
  const page = mount(pageId);
  page.instance.onLoad({});
  page.instance.onShow();
  return { wx, page };
}

const text = (page) => page.dom.textContent;

test('each shift shows its figure and status, and the answer to a query', async () => {
  const { page } = open();
  await settle();
  expect(text(page)).toContain('另有 3小时50分钟 待组织者确认');
  expect(text(page)).toContain('待确认');
  expect(text(page)).toContain('预计计入 3小时50分钟');
  expect(text(page)).toContain('已更正');
  expect(text(page)).toContain('组织者答复：已更正为4小时');
  expect(text(page)).toContain('等待组织者答复');
  // An open query allows no second one.
  expect(page.querySelectorAll('.record__action')).toHaveLength(2);
});

test('a query is sent with the typed text and the list reloads', async () => {
  const { wx, page } = open({ modal: { confirm: true, content: '  签退漏扫，实际18点离开 ' } });
  await settle();
  page.querySelectorAll('.record__action')[0].dispatchEvent('tap');
  await settle();
  const sent = wx.requests.find((r) => r.method === 'POST');
  expect(sent.path).toBe('/shift-bookings/93/hours/query');
  expect(sent.data).toEqual({ text: '签退漏扫，实际18点离开' });
  expect(wx.requests.filter((r) => r.path === '/me/hours')).toHaveLength(2);
});

test('a dismissed dialog sends nothing', async () => {
  const { wx, page } = open({ modal: { confirm: false, cancel: true } });
  await settle();
  page.querySelectorAll('.record__action')[0].dispatchEvent('tap');
  await settle();
  expect(wx.requests.find((r) => r.method === 'POST')).toBeUndefined();
});

test('the proof is downloaded for the period and opened', async () => {
  const { wx, page } = open();
  await settle();
  page.querySelector('.record__proof').dispatchEvent('tap');
  await settle();
  const download = wx.requests.find((r) => r.method === 'DOWNLOAD');
  expect(download.path).toBe('/me/hours/proof.pdf');
  expect(download.query).toEqual(defaultPeriod());
  expect(download.header.Authorization).toBe('Bearer t');
  expect(wx.openDocument.mock.calls[0][0]).toMatchObject({ fileType: 'pdf', showMenu: true });
});

test('no confirmed hours: the refusal is shown in Chinese', async () => {
  const { wx, page } = open({
    proof: { statusCode: 409, data: { error: 'no_confirmed_hours', message: '所选期间没有已确认的志愿时长' } },
  });
  await settle();
  page.querySelector('.record__proof').dispatchEvent('tap');
  await settle();
  expect(wx.openDocument).not.toHaveBeenCalled();
  expect(JSON.stringify(wx.showToast.mock.calls) + page.dom.innerHTML).toContain('没有已确认的志愿时长');
});

test('presentRecord and the profile field', () => {
  expect(presentRecord(item(1, 'confirmed'))).toMatchObject({
    statusText: '已确认',
    provisional: false,
    canQuery: true,
  });
  expect(defaultPeriod(Date.parse('2026-03-05T02:00:00Z'))).toEqual({ from: '2026-01-01', to: '2026-03-05' });
  expect(profileChanges({ nickname: '张', realName: '', volunteerNumber: ' 4403 ' })).toMatchObject({
    volunteer_number: '4403',
  });
  expect(profileChanges({ nickname: '张', volunteerNumber: '' }).volunteer_number).toBeNull();
  expect(profileChanges({ nickname: '张' })).not.toHaveProperty('volunteer_number');
});

test('我的值守 shows worked minutes as 待确认 until they are confirmed', () => {
  const pending = { id: 1, hours_status: 'pending', minutes_worked: 230, minutes_credited: 0, shift: {} };
  expect(presentBooking(pending).minutesText).toBe('3小时50分钟（待确认）');
  const confirmed = { id: 1, hours_status: 'confirmed', minutes_worked: 230, minutes_credited: 225, shift: {} };
  expect(presentBooking(confirmed).minutesText).toBe('3小时45分钟');
  expect(presentBooking({ id: 1, shift: {} }).minutesText).toBe('');
});
