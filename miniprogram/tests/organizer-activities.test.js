/**
 * The organizer's activity list (packageOrganizer/pages/activities): the less common and destructive actions
 * sit behind 更多 in a TDesign action sheet; cancelling picks a usual reason (or types one) and confirms in a
 * t-dialog before POST /activities/{id}/cancel.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const FUTURE = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
const ACTIVITY = {
  id: 5,
  title: '重阳节敬老活动',
  description: '',
  category: 'volunteer',
  community: { id: 1, code: 'haizhu', name: '海珠社区' },
  venue: '党群服务中心',
  starts_at: `${FUTURE}T09:00:00+08:00`,
  ends_at: `${FUTURE}T11:00:00+08:00`,
  signup_opens_at: null,
  signup_closes_at: null,
  capacity: 30,
  waitlist_enabled: true,
  audience: 'all',
  cancel_cutoff_minutes: 60,
  status: 'published',
  confirmed_count: 12,
  waitlist_count: 0,
  my_registration: null,
};

let listId;
beforeAll(() => {
  installWx();
  listId = loadPage('packageOrganizer/pages/activities/index');
});

afterEach(() => {
  delete global.getCurrentPages;
});

function open() {
  const wx = installWx({ storage: { auth_token: 't' } });
  const cancels = [];
  wx.setHandler(
    routes({
      'GET /activities': { statusCode: 200, data: { items: [ACTIVITY], total: 1, page: 1, page_size: 20 } },
      'POST /activities/5/cancel': (req) => {
        cancels.push(req.data);
        return { statusCode: 200, data: Object.assign({}, ACTIVITY, { status: 'cancelled' }) };
      },
    }),
  );
  const page = mount(listId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({ communityId: '1' });
  page.instance.onShow();
  return { wx, page, cancels };
}

const sheet = (page) => page.querySelector('#t-action-sheet');
const sheetItems = (page) => sheet(page).querySelectorAll('.t-action-sheet__list-item');

test('a published activity shows 名单, 签到码 and 更多; 更多 opens the action sheet', async () => {
  const { page } = open();
  await settle();
  const buttons = Array.from(page.dom.querySelectorAll('wx-button'), (b) => b.textContent.trim());
  expect(buttons).toEqual(['发布新活动', '名单', '签到码', '更多']);

  page.querySelector('.org-act__more').dispatchEvent('tap');
  await waitFor(() => sheet(page).dom.textContent.includes('取消活动'));
  expect(sheet(page).dom.textContent).toContain('编辑活动');
  expect(sheet(page).dom.textContent).toContain('重阳节敬老活动');
});

test('更多 → 编辑活动 opens the form', async () => {
  const { wx, page } = open();
  await settle();
  page.querySelector('.org-act__more').dispatchEvent('tap');
  await waitFor(() => sheetItems(page).length === 2);
  sheetItems(page)[0].dispatchEvent('tap');
  await settle();
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/packageOrganizer/pages/activity-edit/index?id=5' });
});

test('更多 → 取消活动 → 天气原因 → t-dialog 取消活动: cancelled with that reason', async () => {
  const { page, cancels } = open();
  await settle();
  page.querySelector('.org-act__more').dispatchEvent('tap');
  await waitFor(() => sheetItems(page).length === 2);
  sheetItems(page)[1].dispatchEvent('tap');
  await waitFor(() => sheet(page).dom.textContent.includes('天气原因'));
  expect(sheet(page).dom.textContent).toContain('请选择取消原因');
  sheetItems(page)[0].dispatchEvent('tap');
  await waitFor(() => page.dom.textContent.includes('取消原因：天气原因'));
  expect(cancels).toEqual([]);
  page.querySelector('#t-dialog').instance.onConfirm();
  await waitFor(() => cancels.length === 1);
  expect(cancels[0]).toEqual({ reason: '天气原因' });
});

test('其他原因 asks for the text; an empty text cancels nothing', async () => {
  const { wx, page, cancels } = open();
  await settle();
  wx.showModal = jest.fn((options) => options.success({ confirm: true, content: '  ' }));
  const done = page.instance.cancelActivity(5, '重阳节敬老活动');
  await waitFor(() => sheetItems(page).length === 4);
  sheetItems(page)[3].dispatchEvent('tap');
  await done;
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ editable: true }));
  await waitFor(() => page.querySelector('#t-toast').dom.textContent.includes('请填写取消原因'));
  expect(cancels).toEqual([]);
});

test('closing the sheet does nothing', async () => {
  const { page, cancels } = open();
  await settle();
  const done = page.instance.cancelActivity(5, '重阳节敬老活动');
  await waitFor(() => sheetItems(page).length === 4);
  sheet(page).instance.onCancel();
  await expect(done).resolves.toBeUndefined();
  expect(page.data.sheet.visible).toBe(false);
  expect(cancels).toEqual([]);
});

test('an activity needing approval is marked 需审核 and 审核报名 opens its roster on 待审核', async () => {
  const wx = installWx({ storage: { auth_token: 't' } });
  const approval = Object.assign({}, ACTIVITY, { signup_mode: 'approval' });
  wx.setHandler(
    routes({
      'GET /activities': {
        statusCode: 200,
        data: { items: [approval, Object.assign({}, ACTIVITY, { id: 6 })], total: 2, page: 1, page_size: 20 },
      },
    }),
  );
  const page = mount(listId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({ communityId: '1' });
  page.instance.onShow();
  await settle();
  expect(page.dom.textContent).toContain('需审核');
  expect(page.dom.textContent.split('审核报名')).toHaveLength(2);
  page.instance.onReview({ currentTarget: { dataset: { id: 5 } } });
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/packageOrganizer/pages/roster/index?id=5&status=pending' });
});
