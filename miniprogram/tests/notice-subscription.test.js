/**
 * The subscriptions page asks for the organizer-notice template (`notice`) on its own tap and reports
 * the accept, so POST /activities/{id}/notices can reach the resident.
 */
const { installWx, routes, TEMPLATES } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const WITH_NOTICE = {
  statusCode: 200,
  data: { items: [...TEMPLATES.data.items, { key: 'notice', template_id: 'T-NOTICE' }] },
};

let id;
beforeAll(() => {
  installWx();
  id = loadPage('pages/subscriptions/index');
});

test('the notice button asks for the notice template alone and reports the accept', async () => {
  jest.resetModules();
  const wx = installWx({ storage: { auth_token: 't' } });
  let remaining = 0;
  wx.setHandler(
    routes({
      'GET /subscriptions/templates': WITH_NOTICE,
      'GET /me/subscriptions': () => ({
        statusCode: 200,
        data: { items: [{ key: 'notice', template_id: 'T-NOTICE', remaining }] },
      }),
      'POST /me/subscriptions': () => {
        remaining += 1;
        return { statusCode: 200, data: {} };
      },
    }),
  );
  const page = mount(id);
  page.instance.onLoad({});
  page.instance.onShow();
  await settle();
  expect(page.dom.innerHTML).toContain('组织者活动通知');
  expect(page.dom.innerHTML).toContain('0 次');

  const buttons = page.querySelectorAll('.actions .btn-plain');
  const button = buttons.find((b) => b.dom.innerHTML.includes('接收组织者通知'));
  expect(button.dom.innerHTML).toContain('接收组织者通知');
  button.dispatchEvent('tap');
  await settle();
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-NOTICE']);
  expect(wx.requests.find((r) => r.path === '/me/subscriptions' && r.method === 'POST').data).toEqual({
    accepted: ['T-NOTICE'],
  });
  expect(page.dom.innerHTML).toContain('1 次');
});
