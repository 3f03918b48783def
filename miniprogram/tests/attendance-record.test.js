/**
 * 我的参加记录 (pages/my-attendance): the activities I was checked in at, by year, with 下载证明 (the PDF is
 * downloaded with the token and opened in WeChat's document viewer; a refusal is shown in Chinese).
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const item = (id, year, fields = {}) =>
  Object.assign(
    {
      registration_id: id,
      activity_id: id + 100,
      title: `活动${id}`,
      starts_at: `${year}-06-01T14:30:00+08:00`,
      ends_at: `${year}-06-01T16:30:00+08:00`,
      venue: '党群服务中心',
      community: { id: 1, code: 'haizhu', name: '海珠社区' },
      checked_in_at: `${year}-06-01T14:21:00+08:00`,
      certificate_available: false,
    },
    fields,
  );

const THIS_YEAR = new Date(Date.now() + 8 * 3600000).getUTCFullYear();
const RECORD = {
  [THIS_YEAR]: [item(61, THIS_YEAR, { title: '重阳节敬老茶话会', certificate_available: true }), item(52, THIS_YEAR)],
  [THIS_YEAR - 2]: [item(11, THIS_YEAR - 2, { title: '植树节义务植树' })],
};

let pageId;
beforeAll(() => {
  installWx();
  pageId = loadPage('pages/my-attendance/index');
});

afterEach(() => {
  delete global.getCurrentPages;
});

function open({ certificate } = {}) {
  const wx = installWx({ storage: { auth_token: 't' } });
  wx.setHandler(
    routes({
      'GET /me/attendance': (req) => {
        const year = Number(req.query.year) || THIS_YEAR;
        const items = RECORD[year] || [];
        return { statusCode: 200, data: { year, years: [THIS_YEAR, THIS_YEAR - 2], total: items.length, items } };
      },
      'DOWNLOAD /me/attendance/61/certificate.pdf': certificate || { statusCode: 200 },
    }),
  );
  const page = mount(pageId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({});
  page.instance.onShow();
  return { wx, page };
}

const text = (page) => page.dom.textContent;

test('shows this year’s attended activities, newest first, and the years to switch to', async () => {
  const { wx, page } = open();
  await settle();
  expect(wx.requests[0]).toMatchObject({ method: 'GET', path: '/me/attendance', query: {} });
  expect(text(page)).toContain(`${THIS_YEAR}年参加活动 2 次`);
  expect(text(page)).toContain('重阳节敬老茶话会');
  expect(text(page)).toContain('海珠社区 党群服务中心');
  const years = page.querySelectorAll('.tabs__item').map((t) => t.dom.textContent);
  expect(years).toEqual([`${THIS_YEAR}年`, `${THIS_YEAR - 2}年`]);
  // Only the activity whose organizer enabled certificates offers one.
  expect(page.querySelectorAll('.att__certificate')).toHaveLength(1);
});

test('the year switch loads that year', async () => {
  const { wx, page } = open();
  await settle();
  page.querySelectorAll('.tabs__item')[1].dispatchEvent('tap');
  await settle();
  expect(wx.requests[wx.requests.length - 1].query).toEqual({ year: String(THIS_YEAR - 2) });
  expect(text(page)).toContain('植树节义务植树');
  expect(text(page)).not.toContain('重阳节敬老茶话会');
  expect(text(page)).toContain(`${THIS_YEAR - 2}年参加活动 1 次`);
});

test('a year without attendance says so', async () => {
  const { wx, page } = open();
  await settle();
  await page.instance.onYearTap({ currentTarget: { dataset: { year: THIS_YEAR - 1 } } });
  await settle();
  expect(text(page)).toContain(`${THIS_YEAR - 1}年还没有签到参加的活动`);
  expect(wx.navigateTo).not.toHaveBeenCalled();
});

test('下载证明 downloads the PDF with the token and opens it, without opening the activity', async () => {
  const { wx, page } = open();
  await settle();
  page.querySelector('.att__certificate').dispatchEvent('tap');
  await settle();
  const download = wx.requests.find((r) => r.method === 'DOWNLOAD');
  expect(download.path).toBe('/me/attendance/61/certificate.pdf');
  expect(download.header.Authorization).toBe('Bearer t');
  expect(wx.openDocument).toHaveBeenCalledTimes(1);
  expect(wx.openDocument.mock.calls[0][0]).toMatchObject({ fileType: 'pdf', showMenu: true });
  expect(wx.openDocument.mock.calls[0][0].filePath).toMatch(/^wxfile:\/\/tmp\//);
  expect(wx.navigateTo).not.toHaveBeenCalled();
});

test('a refused certificate is explained in Chinese and nothing is opened', async () => {
  const { wx, page } = open({
    certificate: { statusCode: 409, data: { error: 'certificate_not_enabled', message: '该活动未开放参加证明' } },
  });
  await settle();
  page.querySelector('.att__certificate').dispatchEvent('tap');
  await settle();
  expect(wx.openDocument).not.toHaveBeenCalled();
  const shown = JSON.stringify(wx.showToast.mock.calls) + page.dom.innerHTML;
  expect(shown).toContain('该活动未开放参加证明');
});

test('tapping an activity opens its page', async () => {
  const { wx, page } = open();
  await settle();
  page.querySelectorAll('.section')[0].dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/activity-detail/index?id=161' });
});

test('我的 links to the attendance record', () => {
  const wxml = require('fs').readFileSync(require('path').join(__dirname, '..', 'pages/mine/index.wxml'), 'utf8');
  expect(wxml).toContain('data-url="/pages/my-attendance/index"');
});
