/**
 * The organizer's activity form (packageOrganizer/pages/activity-edit): the four times are chosen in TDesign's
 * t-date-time-picker, rendered with miniprogram-simulate, and reach the payload in China time; after saving, the
 * publish question is a t-dialog.
 */
const { installWx, routes } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const ORGANIZER = {
  id: 9,
  nickname: '社工小李',
  roles: ['organizer'],
  organizer_communities: [{ id: 1, code: 'haizhu', name: '海珠社区' }],
};

let editId;
beforeAll(() => {
  installWx();
  editId = loadPage('packageOrganizer/pages/activity-edit/index');
});

afterEach(() => {
  delete global.getCurrentPages;
});

function open() {
  const wx = installWx({ storage: { auth_token: 't', auth_user: ORGANIZER } });
  const created = [];
  wx.setHandler(
    routes({
      'POST /activities': (req) => {
        created.push(req.data);
        return { statusCode: 201, data: Object.assign({ id: 41, status: 'draft' }, req.data) };
      },
      'POST /activities/41/publish': { statusCode: 200, data: { id: 41, status: 'published' } },
    }),
  );
  const page = mount(editId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({});
  page.instance.onShow();
  return { wx, page, created };
}

const text = (page) => page.dom.textContent;

test('shows the four times as rows; the empty signup window says what it means', async () => {
  const { page } = open();
  await settle();
  ['开始', '结束', '报名开始', '报名截止', '发布后立即', '活动开始时'].forEach((t) => expect(text(page)).toContain(t));
  expect(page.dom.innerHTML).not.toContain('mode="date"');
});

test('tapping 开始 opens the t-date-time-picker with its title; 确定 sets date and time', async () => {
  const { page } = open();
  await settle();
  page.querySelectorAll('.edit__when')[0].dispatchEvent('tap');
  await settle();
  expect(page.data.picker.visible).toBe(true);
  const picker = page.querySelector('#when-picker');
  await waitFor(() => picker.dom.textContent.includes('开始时间'));
  ['年', '月', '日', '时', '分'].forEach((unit) => expect(picker.dom.textContent).toContain(`1${unit}`.slice(-1)));
  expect(picker.dom.textContent).not.toMatch(/[A-Za-z]/);
  expect(picker.dom.textContent).toContain('确定');
  expect(picker.dom.textContent).toContain('取消');

  picker.instance.triggerEvent('change', { value: '2030-05-04 14:30' });
  await settle();
  expect(page.data.picker.visible).toBe(false);
  expect(page.data.form.startDate).toBe('2030-05-04');
  expect(page.data.form.startTime).toBe('14:30');
  expect(text(page)).toContain('2030-05-04 14:30');
});

test('the picker itself confirms the value it shows, in the format the form reads', async () => {
  const { page } = open();
  await settle();
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'closes' } } });
  await settle();
  const picker = page.querySelector('#when-picker');
  await waitFor(() => picker.dom.textContent.includes('报名截止时间'));
  picker.instance.onConfirm();
  await settle();
  expect(page.data.form.closesDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(page.data.form.closesTime).toMatch(/^\d{2}:\d{2}$/);
  expect(page.data.picker.visible).toBe(false);
});

test('取消 closes the picker and keeps the value', async () => {
  const { page } = open();
  await settle();
  const before = page.data.form.startTime;
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'start' } } });
  await settle();
  page.querySelector('#when-picker').instance.triggerEvent('cancel');
  await settle();
  expect(page.data.picker.visible).toBe(false);
  expect(page.data.form.startTime).toBe(before);
});

test('the chosen times reach POST /activities in China time, and 发布 is asked in a t-dialog', async () => {
  const { wx, page, created } = open();
  await settle();
  page.instance.onInput({ currentTarget: { dataset: { field: 'title' } }, detail: { value: '重阳节敬老活动' } });
  page.instance.onInput({ currentTarget: { dataset: { field: 'venue' } }, detail: { value: '党群服务中心' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'start' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-11 09:00' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'end' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-11 11:30' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'closes' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-10 18:00' } });
  await settle();

  const submitted = page.instance.onSubmit();
  await waitFor(() => text(page).includes('现在发布'));
  expect(created[0]).toEqual(
    expect.objectContaining({
      starts_at: '2030-10-11T09:00:00+08:00',
      ends_at: '2030-10-11T11:30:00+08:00',
      signup_closes_at: '2030-10-10T18:00:00+08:00',
    }),
  );
  page.querySelector('#t-dialog').instance.onConfirm();
  await submitted;
  await settle();
  expect(wx.requests.map((r) => `${r.method} ${r.path}`)).toContain('POST /activities/41/publish');
  expect(wx.showModal).not.toHaveBeenCalled();
});

test('the 满员后候补 row is the switch: a tap anywhere on it flips waitlist_enabled', async () => {
  const { page } = open();
  await settle();
  const before = page.data.form.waitlistEnabled;
  page.querySelector('.edit__switch-row').dispatchEvent('tap');
  await settle();
  expect(page.data.form.waitlistEnabled).toBe(!before);
  // The switch shows the new state (its body is marked checked when on).
  const body = page.querySelector('.edit__switch-row').dom.innerHTML;
  expect(body.includes('t-switch__body--checked')).toBe(!before);
});

test('the 参加证明 row flips certificate_enabled, which the saved activity carries', async () => {
  const { page } = open();
  await settle();
  const row = page.querySelectorAll('.edit__switch-row')[1];
  expect(row.dom.textContent).toContain('参加证明');
  expect(page.data.form.certificateEnabled).toBe(false);
  row.dispatchEvent('tap');
  await settle();
  expect(page.data.form.certificateEnabled).toBe(true);
  const { payload } = require('../controllers/forms').buildActivityPayload(page.data.form);
  expect(payload.certificate_enabled).toBe(true);
});

test('报名方式 抽签 adds the 开奖时间 row; its time and claim hours reach POST /activities', async () => {
  const { page, created } = open();
  await settle();
  expect(text(page)).not.toContain('开奖时间');
  const chips = page.querySelectorAll('.edit__modes .chip');
  expect(chips.map((c) => c.dom.textContent)).toEqual(['先到先得', '抽签', '需审核']);
  chips[1].dispatchEvent('tap');
  await settle();
  expect(page.data.form.signupMode).toBe('lottery');
  expect(text(page)).toContain('开奖时间');
  page.instance.onInput({ currentTarget: { dataset: { field: 'title' } }, detail: { value: '亲子烘焙' } });
  page.instance.onInput({ currentTarget: { dataset: { field: 'claimHours' } }, detail: { value: '6' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'start' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-11 09:00' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'end' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-11 11:00' } });
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'closes' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-09 20:00' } });
  // Without a draw time the form refuses, next to the row.
  await page.instance.onSubmit();
  expect(page.data.errors.draw_at).toBe('请选择开奖时间');
  expect(created).toHaveLength(0);
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'draw' } } });
  page.instance.onPickerChange({ detail: { value: '2030-10-10 20:00' } });
  await settle();
  const submitted = page.instance.onSubmit();
  await waitFor(() => text(page).includes('现在发布'));
  page.querySelector('#t-dialog').instance.onConfirm();
  await submitted;
  await settle();
  expect(created).toHaveLength(1);
  expect(created[0]).toMatchObject({
    signup_mode: 'lottery',
    draw_at: '2030-10-10T20:00:00+08:00',
    signup_closes_at: '2030-10-09T20:00:00+08:00',
    claim_hours: 6,
  });
  expect(created[0]).not.toHaveProperty('questions');
});

test('a published activity shows its mode read-only and leaves it out of the PATCH', async () => {
  const wx = installWx({ storage: { auth_token: 't', auth_user: ORGANIZER } });
  const patched = [];
  wx.setHandler(
    routes({
      'GET /activities/5': {
        statusCode: 200,
        data: {
          id: 5,
          title: '亲子烘焙',
          category: 'women_children',
          community: { id: 1, code: 'haizhu', name: '海珠社区' },
          starts_at: '2030-10-11T09:00:00+08:00',
          ends_at: '2030-10-11T11:00:00+08:00',
          signup_closes_at: '2030-10-09T20:00:00+08:00',
          capacity: 12,
          waitlist_enabled: true,
          cancel_cutoff_minutes: 60,
          status: 'published',
          signup_mode: 'lottery',
          draw_at: '2030-10-10T20:00:00+08:00',
          claim_hours: 12,
          questions: [{ id: 'q1', kind: 'number', label: '孩子年龄', required: true }],
        },
      },
      'PATCH /activities/5': (req) => {
        patched.push(req.data);
        return { statusCode: 200, data: { id: 5 } };
      },
    }),
  );
  const page = mount(editId);
  global.getCurrentPages = () => [page.instance];
  page.instance.onLoad({ id: '5' });
  await settle();
  expect(text(page)).toContain('活动已发布，报名方式和开奖时间不能再修改');
  expect(text(page)).toContain('1 个（请在管理后台编辑）');
  page.querySelectorAll('.edit__modes .chip')[0].dispatchEvent('tap');
  await settle();
  expect(page.data.form.signupMode).toBe('lottery');
  page.instance.onOpenPicker({ currentTarget: { dataset: { key: 'draw' } } });
  expect(page.data.picker.visible).toBe(false);
  page.instance.onInput({ currentTarget: { dataset: { field: 'claimHours' } }, detail: { value: '24' } });
  await page.instance.onSubmit();
  await settle();
  expect(patched).toHaveLength(1);
  expect(patched[0].claim_hours).toBe(24);
  expect(patched[0]).not.toHaveProperty('signup_mode');
  expect(patched[0]).not.toHaveProperty('draw_at');
});
