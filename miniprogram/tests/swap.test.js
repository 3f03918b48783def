/**
 * 换班 (swap and hand-over) in the mini-program: how a swap reads (controllers/swap), the claim page (接班
 * opens the subscribe dialog inside the tap; a refusal is explained and the page reloads), 我的值守 (换班
 * through the action sheet, to anyone or to a fellow's phone number, a refused number shown in the
 * dialog, a cancellation after the cutoff leading to 换班, the share card of a row) and the organizer's
 * duty roster (通过, 不通过 with a reason).
 */
const { installWx, serveLoggedIn } = require('./helpers/wx');
const { settle, waitFor } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');
const { normalizePhone, presentSwap, shareMessage, swapsByBooking, claimMessage } = require('../controllers/swap');

installPageShim();

const FUTURE = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
const SHIFT = {
  id: 13,
  site: { id: 4, name: '南园社区测温点', kind: 'temperature_point', address: '南园路 8 号' },
  starts_at: `${FUTURE}T07:00:00+08:00`,
  ends_at: `${FUTURE}T11:00:00+08:00`,
  roles: [{ id: 35, name: '测温', capacity: 2, booked: 2 }],
};
const swap = (fields) =>
  Object.assign(
    {
      id: 51,
      status: 'open',
      booking_id: 77,
      shift: SHIFT,
      role: { id: 35, name: '测温' },
      named: false,
      to_me: false,
      mine: false,
      giver_name: '王**',
      named_name: null,
      taker_name: null,
      needs_approval: false,
      claim_problem: null,
      reject_reason: null,
    },
    fields,
  );
const booking = (id, fields) =>
  Object.assign(
    {
      id,
      shift_id: SHIFT.id,
      shift: SHIFT,
      role: { id: 35, name: '测温' },
      status: 'booked',
      checked_in_at: null,
      checked_out_at: null,
      minutes_credited: 0,
    },
    fields,
  );

describe('how a swap reads', () => {
  test('a phone number is 11 digits from 13 to 19, spaces and dashes allowed', () => {
    expect(normalizePhone(' 138-0000 1111 ')).toBe('13800001111');
    expect(normalizePhone('12345')).toBeNull();
    expect(normalizePhone('23800001111')).toBeNull();
  });

  test('the states, whom it is offered to, and whether I can take it', () => {
    expect(presentSwap(swap()).canClaim).toBe(true);
    expect(presentSwap(swap()).whom).toBe('任何符合条件的志愿者');
    expect(presentSwap(swap({ named: true, to_me: true })).whom).toBe('你');
    const pending = presentSwap(swap({ status: 'pending', taker_name: '陈**', claim_problem: '已有志愿者申请接班' }));
    expect([pending.statusText, pending.whom, pending.canClaim, pending.live]).toEqual([
      '待组织者同意',
      '陈**',
      false,
      true,
    ]);
    expect(presentSwap(swap({ claim_problem: '与你已预约的班次时间冲突' })).canClaim).toBe(false);
    expect(presentSwap(swap({ status: 'expired' })).statusText).toBe('已过期');
  });

  test('the share card opens the claim page; my rows know their live swap', () => {
    expect(shareMessage(swap())).toEqual({
      title: expect.stringContaining('换班求助：南园社区测温点'),
      path: '/pages/swap/index?id=51',
    });
    expect(Object.keys(swapsByBooking({ items: [swap({ mine: true, booking_id: 91 }), swap()] }))).toEqual(['91']);
    expect(claimMessage({ status: 'pending' })).toBe('已申请接班，待组织者同意');
    expect(claimMessage({ status: 'done' })).toBe('接班成功，请按时到岗');
  });
});

let ids;
beforeAll(() => {
  installWx();
  ids = {
    swap: loadPage('pages/swap/index'),
    myShifts: loadPage('pages/my-shifts/index'),
    duty: loadPage('packageOrganizer/pages/duty-roster/index'),
  };
});

let wx;
function serve(table) {
  wx = serveLoggedIn(table);
  return wx;
}
const posts = (path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

describe('the claim page', () => {
  async function open() {
    const page = mount(ids.swap);
    page.instance.onLoad({ id: '51' });
    await settle();
    return page;
  }

  test('接班 opens the subscribe dialog inside the tap, then claims; the place is mine', async () => {
    serve({
      'GET /shift-swaps/51': { statusCode: 200, data: swap() },
      'POST /shift-swaps/51/claim': {
        statusCode: 200,
        data: swap({ status: 'done', claim_problem: '已有志愿者接班' }),
      },
    });
    const page = await open();
    expect(page.dom.textContent).toContain('南园社区测温点');
    expect(page.dom.textContent).toContain('王**');
    page.querySelector('.swap__actions .btn-primary').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-SWAP', 'T-SHIFT', 'T-CHANGE']);
    await settle();
    expect(posts('/shift-swaps/51/claim')).toHaveLength(1);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '接班成功，请按时到岗' }));
    expect(page.data.swap.status).toBe('done');
  });

  test('someone else was quicker (409 swap_taken): told, and the page reloads', async () => {
    let reads = 0;
    serve({
      'GET /shift-swaps/51': () => {
        reads += 1;
        return {
          statusCode: 200,
          data: reads === 1 ? swap() : swap({ status: 'done', claim_problem: '已有志愿者接班' }),
        };
      },
      'POST /shift-swaps/51/claim': { statusCode: 409, data: { error: 'swap_taken', message: '已有其他志愿者接班' } },
    });
    const page = await open();
    await page.instance.onClaim();
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已有其他志愿者接班' }));
    expect(page.dom.textContent).toContain('已有志愿者接班');
    expect(page.querySelector('.swap__actions .btn-primary')).toBeFalsy();
  });

  test("a post asking for today's health declaration: answered on the page, sent with the claim", async () => {
    const asking = Object.assign({}, SHIFT, {
      roles: [{ id: 35, name: '测温', capacity: 2, booked: 2, health_declaration: 'booking' }],
    });
    serve({
      'GET /shift-swaps/51': { statusCode: 200, data: swap({ shift: asking }) },
      'POST /shift-swaps/51/claim': { statusCode: 200, data: swap({ shift: asking, status: 'done' }) },
    });
    const page = await open();
    expect(page.dom.textContent).toContain('需当日健康申报（预约时）');
    await page.instance.onClaim(); // nothing answered yet: told, nothing sent
    expect(posts('/shift-swaps/51/claim')).toHaveLength(0);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '请先回答全部健康申报问题' }));
    const well = { temperature_normal: true, has_symptoms: false, is_risk_person: false };
    page.instance.onHealthChange({ detail: { answers: well, complete: true, well: true } });
    await page.instance.onClaim();
    await settle();
    expect(posts('/shift-swaps/51/claim').map((r) => r.data)).toEqual([{ health_declaration: well }]);
  });

  test('a claim near the start says it waits for the organizer', async () => {
    serve({ 'GET /shift-swaps/51': { statusCode: 200, data: swap({ needs_approval: true }) } });
    const page = await open();
    expect(page.dom.textContent).toContain('需组织者同意');
    expect(page.querySelector('.swap__actions .btn-primary').dom.textContent).toContain('申请接班');
  });
});

describe('我的值守', () => {
  function serveMine(extra = {}) {
    const offers = [];
    serve(
      Object.assign(
        {
          'GET /me/shifts': { statusCode: 200, data: { items: [booking(91)], page: 1, page_size: 20, total: 1 } },
          'GET /me/swaps': { statusCode: 200, data: { items: [] } },
          'POST /shift-bookings/91/swap': (req) => {
            offers.push(req.data);
            return { statusCode: 201, data: swap({ id: 54, booking_id: 91, mine: true }) };
          },
        },
        extra,
      ),
    );
    return offers;
  }

  async function open() {
    const page = mount(ids.myShifts);
    global.getCurrentPages = () => [page.instance];
    page.instance.onLoad();
    page.instance.onShow();
    await settle();
    return page;
  }

  const sheetItems = (page) => page.querySelector('#t-action-sheet').querySelectorAll('.t-action-sheet__list-item');

  test('扫码签到 from a row opens the check-in page with the token (location, declaration, offline there)', async () => {
    serveMine();
    const page = await open();
    wx.scanCode.mockImplementation(({ success }) => success({ result: 's4.2xk9.Qw3rTy' }));
    await page.instance.onScan({ currentTarget: { dataset: { id: 91 } } });
    expect(wx.navigateTo).toHaveBeenCalledWith({
      url: `/pages/checkin/index?token=${encodeURIComponent('s4.2xk9.Qw3rTy')}`,
    });
    expect(wx.requests.filter((r) => r.method === 'POST')).toHaveLength(0); // the check-in page sends it
  });

  test('换班 → 任何符合条件的志愿者 offers it to anyone', async () => {
    const offers = serveMine();
    const page = await open();
    expect(page.data.items[0].canSwap).toBe(true);
    page.instance.onSwap({ currentTarget: { dataset: { id: 91 } } });
    await waitFor(() => sheetItems(page).length === 2);
    sheetItems(page)[1].dispatchEvent('tap');
    await waitFor(() => offers.length === 1);
    expect(offers[0]).toEqual({});
    await waitFor(() => page.dom.textContent.includes('已发起换班'));
  });

  test('换班 → 指定队友: a bad number is caught here, an unknown one in the dialog', async () => {
    const offers = serveMine({
      'POST /shift-bookings/91/swap': (req) => {
        offers.push(req.data);
        return { statusCode: 404, data: { error: 'swap_person_not_found', message: '没有找到使用该手机号的志愿者' } };
      },
    });
    const page = await open();
    page.instance.onSwap({ currentTarget: { dataset: { id: 91 } } });
    await waitFor(() => sheetItems(page).length === 2);
    sheetItems(page)[0].dispatchEvent('tap');
    await waitFor(() => page.data.phoneOpen);
    page.instance.onPhoneInput({ detail: { value: '1380000' } });
    await page.instance.onPhoneConfirm();
    expect(page.data.phoneError).toBe('请填写队友的 11 位手机号');
    expect(offers).toEqual([]);
    page.instance.onPhoneInput({ detail: { value: '138 0000 1111' } });
    await page.instance.onPhoneConfirm();
    expect(offers).toEqual([{ phone: '13800001111' }]);
    expect(page.data.phoneOpen).toBe(true);
    expect(page.data.phoneError).toContain('没有找到使用该手机号的志愿者');
  });

  test('a cancellation after the cutoff leads to 换班', async () => {
    serveMine({
      'DELETE /shifts/13/bookings/me': {
        statusCode: 409,
        data: { error: 'cancel_cutoff_passed', message: '已过取消预约的截止时间' },
      },
    });
    const page = await open();
    const started = jest.spyOn(page.instance, 'startSwap').mockResolvedValue(undefined);
    const dialog = () => page.querySelector('#t-dialog');
    const done = page.instance.onCancel({ currentTarget: { dataset: { shift: 13, id: 91 } } });
    await waitFor(() => dialog().dom.textContent.includes('确定取消这个班次的预约吗'));
    dialog().instance.onConfirm();
    await waitFor(() => dialog().dom.textContent.includes('可以发起换班'));
    dialog().instance.onConfirm();
    await done;
    expect(started).toHaveBeenCalledWith(91);
  });

  test('an offered booking shows 换班中 with 分享给队友, whose card opens the claim page', async () => {
    serveMine({
      'GET /me/swaps': { statusCode: 200, data: { items: [swap({ id: 54, booking_id: 91, mine: true })] } },
    });
    const page = await open();
    expect(page.data.items[0].swap.statusText).toBe('待接班');
    expect(page.data.items[0].canSwap).toBe(false);
    expect(page.dom.textContent).toContain('换班中');
    expect(page.instance.onShareAppMessage({ from: 'button', target: { dataset: { swap: 54 } } }).path).toBe(
      '/pages/swap/index?id=54',
    );
  });
});

describe('the organizer duty roster', () => {
  test('a claim waiting for approval: 通过, and 不通过 needs a reason', async () => {
    const pending = swap({
      id: 52,
      status: 'pending',
      giver_name: '王建国',
      taker_name: '李秀英',
      needs_approval: true,
    });
    serve({
      'GET /rosters/shifts': {
        statusCode: 200,
        data: { date: FUTURE, community: { id: 1, name: '海珠社区' }, shifts: [] },
      },
      'GET /rosters/swaps': { statusCode: 200, data: { items: [pending] } },
      'POST /shift-swaps/52/approve': { statusCode: 200, data: Object.assign({}, pending, { status: 'done' }) },
      'POST /shift-swaps/52/reject': { statusCode: 200, data: Object.assign({}, pending, { status: 'rejected' }) },
    });
    const page = mount(ids.duty);
    global.getCurrentPages = () => [page.instance];
    page.instance.onLoad({ communityId: '1', date: FUTURE });
    await settle();
    expect(page.dom.textContent).toContain('王建国 → 李秀英');
    expect(wx.requests.find((r) => r.path === '/rosters/swaps').query).toMatchObject({ live: 'true', date: FUTURE });
    const approve = page.instance.onApproveSwap({
      currentTarget: { dataset: { id: 52, giver: '王建国', taker: '李秀英' } },
    });
    await waitFor(() => page.querySelector('#t-dialog') && page.data.busy === false);
    page.querySelector('#t-dialog').instance.onConfirm && page.querySelector('#t-dialog').instance.onConfirm();
    await approve;
    await settle();
    expect(posts('/shift-swaps/52/approve')).toHaveLength(1);

    page.instance.onOpenRejectSwap({ currentTarget: { dataset: { id: 52, giver: '王建国', taker: '李秀英' } } });
    await page.instance.onRejectConfirm();
    expect(page.data.rejectError).toBe('请填写不通过的原因，志愿者会看到它');
    page.instance.onRejectInput({ detail: { value: ' 接班人未培训 ' } });
    await page.instance.onRejectConfirm();
    await settle();
    expect(posts('/shift-swaps/52/reject')[0].data).toEqual({ reason: '接班人未培训' });
    expect(page.data.rejectOpen).toBe(false);
  });
});
