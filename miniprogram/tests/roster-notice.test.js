/**
 * 发送通知 on the organizer's activity roster: the dialog posts the notice once (one key per opening),
 * then the 需电话联系 tab lists whom it could not reach, each with 拨打电话.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const person = (id, name, phone) => ({
  registration_id: id,
  user: { id, real_name: name, phone_masked: phone, phone: null },
  status: 'confirmed',
  companions: 0,
  remark: '',
  registered_at: '2025-03-01T08:00:00+08:00',
  checked_in_at: null,
});
const ROSTER = {
  activity: { id: 3, title: '周末党课' },
  counts: { confirmed: 2, waitlisted: 0, cancelled: 0, checked_in: 0, places: 2 },
  items: [person(12, '张三', '138****5678'), person(13, '李四', '139****0000')],
};

let id;
beforeAll(() => {
  installWx();
  id = loadPage('packageOrganizer/pages/roster/index');
});

let wx;
let posted;
beforeEach(() => {
  jest.resetModules();
  posted = [];
  wx = installWx({ storage: { auth_token: 't' } });
  wx.setHandler(
    routes({
      'GET /activities/3/roster': { statusCode: 200, data: ROSTER },
      'POST /activities/3/notices': (req) => {
        posted.push(req.data);
        if (req.data.text.length > 60) {
          return {
            statusCode: 422,
            data: { error: 'validation_failed', message: '输入有误', errors: { text: ['通知内容不能超过 60 个字'] } },
          };
        }
        return {
          statusCode: 201,
          data: {
            id: 1,
            text: req.data.text,
            queued: 1,
            unreachable_count: 1,
            unreachable: [person(13, '李四', '139****0000')],
          },
        };
      },
    }),
  );
});

test('sends the notice with one key and shows whom to phone', async () => {
  const page = mount(id);
  page.instance.onLoad({ id: '3' });
  await settle();
  expect(page.dom.innerHTML).toContain('发送通知');
  expect(page.dom.innerHTML).not.toContain('需电话联系');

  page.instance.onOpenNotice();
  page.instance.onNoticeConfirm(); // empty: refused on the page, nothing posted
  await settle();
  expect(page.data.noticeError).toBe('请填写通知内容');
  expect(posted).toHaveLength(0);

  page.instance.onNoticeInput({ detail: { value: ' 明早改在二楼 ' } });
  page.instance.onNoticeWaitlist({ detail: { value: true } });
  await page.instance.onNoticeConfirm();
  await settle();
  expect(posted).toHaveLength(1);
  expect(posted[0]).toEqual({ text: '明早改在二楼', include_waitlist: true, key: expect.stringMatching(/^n-/) });
  expect(page.data.noticeOpen).toBe(false);
  expect(page.data.filter).toBe('unreachable');
  expect(page.data.items.map((r) => r.registrationId)).toEqual([13]);
  const html = page.dom.innerHTML;
  expect(html).toContain('需电话联系');
  expect(html).toContain('李四');
  expect(html).not.toContain('张三');
  expect(html.match(/拨打电话/g)).toHaveLength(1);
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: expect.stringContaining('1 人未订阅') }));
});

test('a refused text is shown under the textarea and the dialog stays open', async () => {
  const page = mount(id);
  page.instance.onLoad({ id: '3' });
  await settle();
  page.instance.onOpenNotice();
  page.instance.onNoticeInput({ detail: { value: '长'.repeat(61) } });
  await page.instance.onNoticeConfirm();
  await settle();
  expect(page.data.noticeOpen).toBe(true);
  expect(page.data.noticeError).toBe('通知内容不能超过 60 个字');
});
