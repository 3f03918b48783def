/**
 * Feedback through TDesign on a page that mounts <t-toast id="t-toast"> and <t-dialog id="t-dialog">
 * (utils/ui.js), rendered with miniprogram-simulate: the Chinese text shows in the page, and the answer
 * reaches the flow. Without those components (or without a page) WeChat's own toast and modal are used.
 */
const { installWx, routes, TEMPLATES } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const FUTURE = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
const activity = (mine) => ({
  id: 3,
  title: '党课：新时代党员学习',
  description: '请带党员证',
  category: 'party_lesson',
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
  my_registration: mine,
});

let detailId;
beforeAll(() => {
  installWx();
  detailId = loadPage('pages/activity-detail/index');
});

afterEach(() => {
  delete global.getCurrentPages;
});

function openDetail(wx) {
  let cancelled = false;
  wx.setHandler(
    routes({
      'GET /subscriptions/templates': TEMPLATES,
      'GET /activities/3': () => ({
        statusCode: 200,
        data: activity(cancelled ? null : { id: 50, status: 'confirmed', companions: 0, waitlist_position: null }),
      }),
      'DELETE /activities/3/registrations/me': () => {
        cancelled = true;
        return { statusCode: 204, data: '' };
      },
    }),
  );
  const page = mount(detailId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({ id: '3' });
  return page;
}

const text = (page) => page.dom.textContent;

describe('t-dialog for confirmations', () => {
  test('cancelling a registration asks in a TDesign dialog; 确定 cancels it and a t-toast says so', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = openDetail(wx);
    await settle();
    expect(page.data.state.action).toBe('cancel');

    const done = page.instance.onCancel();
    await waitFor(() => text(page).includes('确定取消报名吗？'));
    expect(text(page)).toContain('请确认');
    expect(wx.showModal).not.toHaveBeenCalled();

    page.querySelector('#t-dialog').instance.onConfirm();
    await done;
    await settle();
    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toContain('DELETE /activities/3/registrations/me');
    await waitFor(() => text(page).includes('已取消报名'));
    expect(wx.showToast).not.toHaveBeenCalled();
  });

  test('取消 in the dialog leaves the registration alone', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = openDetail(wx);
    await settle();
    const done = page.instance.onCancel();
    await waitFor(() => text(page).includes('确定取消报名吗？'));
    page.querySelector('#t-dialog').instance.onCancel();
    await done;
    await settle();
    expect(wx.requests.map((r) => `${r.method} ${r.path}`)).not.toContain('DELETE /activities/3/registrations/me');
  });

  test('an error shows in a t-toast, in Chinese', async () => {
    const wx = installWx({ storage: { auth_token: 't' } });
    const page = openDetail(wx);
    await settle();
    wx.setHandler(
      routes({
        'DELETE /activities/3/registrations/me': {
          statusCode: 409,
          data: { error: 'cancel_cutoff_passed', message: 'too late' },
        },
      }),
    );
    const done = page.instance.onCancel();
    await waitFor(() => text(page).includes('确定取消报名吗？'));
    page.querySelector('#t-dialog').instance.onConfirm();
    await done;
    await settle();
    await settle();
    await waitFor(() => page.querySelector('#t-toast').dom.textContent.includes('已超过可取消的时间，无法取消'));
    expect(page.querySelector('#t-toast').dom.innerHTML).toContain('t-icon-close-circle');
    expect(wx.showToast).not.toHaveBeenCalled();
  });
});

describe('without the TDesign components', () => {
  test('no current page (e.g. a controller in a test): WeChat toast and modal', async () => {
    const wx = installWx();
    const ui = require('../utils/ui');
    const answer = ui.confirm('确定吗？', { confirmText: '好' });
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ content: '确定吗？', confirmText: '好' }));
    await expect(answer).resolves.toBe(true);
    ui.showSuccess('已保存');
    expect(wx.showToast).toHaveBeenCalledWith({ title: '已保存', icon: 'success' });
    ui.showText('请填写取消原因');
    expect(wx.showToast).toHaveBeenCalledWith({ title: '请填写取消原因', icon: 'none' });
  });

  test('a page without <t-dialog>: WeChat modal', async () => {
    const wx = installWx();
    global.getCurrentPages = () => [{ selectComponent: () => null }];
    const ui = require('../utils/ui');
    wx.showModal = jest.fn((options) => options.success({ confirm: false, cancel: true }));
    await expect(ui.confirm('确定吗？')).resolves.toBe(false);
    expect(wx.showModal).toHaveBeenCalled();
  });
});
