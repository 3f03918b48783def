/**
 * Fair places on the pages, rendered with miniprogram-simulate: the sign-up sheet's questions (client checks,
 * then the server's 422 inline), a lottery entry and its withdrawal, an offer's countdown (its timer stops
 * in onHide and onUnload) with 确认参加 opening the subscribe dialog inside the tap and 放弃 asked first,
 * the draw page's highlighted entry, and the organizer's 待审核 tab with 通过 / 不通过.
 */
const { installWx, serveLoggedIn } = require('./helpers/wx');
const { settle } = require('./helpers/wait');
const { installPageShim, loadPage, mount } = require('./helpers/project');

installPageShim();

const FUTURE = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
const QUESTIONS = [
  { id: 'q1', kind: 'number', label: '孩子年龄', required: true, options: [], min: 3, max: 12 },
  { id: 'q2', kind: 'choice', label: '是否借用绘本', required: true, options: ['需要', '不需要'] },
];

const activity = (fields) =>
  Object.assign(
    {
      id: 3,
      title: '亲子烘焙体验课',
      category: 'women_children',
      community: { id: 1, code: 'haizhu', name: '海珠社区' },
      venue: '党群服务中心',
      starts_at: `${FUTURE}T09:00:00+08:00`,
      ends_at: `${FUTURE}T11:00:00+08:00`,
      signup_opens_at: null,
      signup_closes_at: null,
      capacity: 12,
      waitlist_enabled: true,
      audience: 'all',
      cancel_cutoff_minutes: 60,
      status: 'published',
      confirmed_count: 3,
      waitlist_count: 0,
      signup_mode: 'first_come',
      claim_hours: 0,
      questions: [],
      my_registration: null,
    },
    fields,
  );

let ids;
beforeAll(() => {
  installWx();
  ids = {
    detail: loadPage('pages/activity-detail/index'),
    draw: loadPage('pages/draw/index'),
    roster: loadPage('packageOrganizer/pages/roster/index'),
  };
});

let wx;
function serve(table) {
  wx = serveLoggedIn(table);
  return wx;
}

async function openDetail() {
  const page = mount(ids.detail);
  page.instance.onLoad({ id: '3' });
  await settle();
  return page;
}

const posts = (path) => wx.requests.filter((r) => r.method === 'POST' && r.path === path);

describe('questions in the sign-up sheet', () => {
  test('a missing answer is shown under its question and nothing is sent, not even the dialog', async () => {
    serve({ 'GET /activities/3': { statusCode: 200, data: activity({ questions: QUESTIONS }) } });
    const page = await openDetail();
    expect(page.dom.innerHTML).toContain('孩子年龄');
    expect(page.dom.innerHTML).toContain('填写 3 至 12 之间的整数');
    page.instance.onSignUp();
    await settle();
    expect(page.data.answerErrors).toEqual({ q1: '请填写孩子年龄', q2: '请选择是否借用绘本' });
    expect(page.dom.innerHTML).toContain('请选择是否借用绘本');
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(posts('/activities/3/registrations')).toHaveLength(0);
  });

  test('answers typed and chosen are sent, the number as an integer', async () => {
    serve({
      'GET /activities/3': { statusCode: 200, data: activity({ questions: QUESTIONS }) },
      'POST /activities/3/registrations': { statusCode: 201, data: { id: 50, status: 'confirmed' } },
    });
    const page = await openDetail();
    page.instance.onAnswerInput({ currentTarget: { dataset: { id: 'q1' } }, detail: { value: '7' } });
    page.querySelector('.choice').dispatchEvent('tap');
    await settle();
    expect(page.data.answers.q2).toBe('需要');
    await page.instance.onSignUp();
    await settle();
    expect(posts('/activities/3/registrations')[0].data).toEqual({
      companions: 0,
      remark: '',
      answers: { q1: 7, q2: '需要' },
    });
  });

  test("the server's 422 answer errors show inline", async () => {
    serve({
      'GET /activities/3': { statusCode: 200, data: activity({ questions: QUESTIONS }) },
      'POST /activities/3/registrations': {
        statusCode: 422,
        data: { error: 'validation_failed', message: 'x', errors: { 'answers.q1': ['年龄须在 3 至 12 之间'] } },
      },
    });
    const page = await openDetail();
    page.instance.onAnswerInput({ currentTarget: { dataset: { id: 'q1' } }, detail: { value: '7' } });
    page.instance.onAnswerChoose({ currentTarget: { dataset: { id: 'q2', value: '不需要' } } });
    await page.instance.onSignUp();
    await settle();
    expect(page.data.answerErrors).toEqual({ q1: '年龄须在 3 至 12 之间' });
    expect(page.dom.innerHTML).toContain('年龄须在 3 至 12 之间');
    expect(page.data.submitting).toBe(false);
  });
});

describe('lottery', () => {
  test('参与抽签 asks for the result notice, enters, and offers 撤回抽签', async () => {
    let mine = null;
    const lottery = () =>
      activity({
        signup_mode: 'lottery',
        signup_closes_at: `${FUTURE}T07:00:00+08:00`,
        draw_at: `${FUTURE}T08:00:00+08:00`,
        my_registration: mine,
      });
    serve({
      'GET /activities/3': () => ({ statusCode: 200, data: lottery() }),
      'POST /activities/3/registrations': () => {
        mine = { id: 50, status: 'entered' };
        return { statusCode: 201, data: mine };
      },
      'DELETE /activities/3/registrations/me': () => {
        mine = null;
        return { statusCode: 200, data: { status: 'cancelled' } };
      },
    });
    const page = await openDetail();
    expect(page.dom.innerHTML).toContain('参与抽签');
    expect(page.dom.innerHTML).toContain('查看抽签公示');
    page.querySelector('.footer-bar .btn-primary').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['T-RESULT', 'T-ACT', 'T-CANCEL']);
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已参与抽签' }));
    expect(page.data.state).toMatchObject({ action: 'withdraw', label: '撤回抽签' });
    expect(page.dom.innerHTML).toContain('待开奖');

    await page.instance.onWithdraw();
    await settle();
    expect(wx.requests.some((r) => r.method === 'DELETE' && r.path === '/activities/3/registrations/me')).toBe(true);
    expect(page.data.state.label).toBe('参与抽签');
  });

  test('查看抽签公示 opens the draw page', async () => {
    serve({ 'GET /activities/3': { statusCode: 200, data: activity({ signup_mode: 'lottery' }) } });
    const page = await openDetail();
    page.querySelector('.detail__draw-link').dispatchEvent('tap');
    await settle();
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/draw/index?id=3' });
  });
});

// Only the countdown's interval and the clock are faked: the wx fake answers on real timeouts.
const KEEP_REAL = [
  'nextTick',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'setTimeout',
  'clearTimeout',
  'hrtime',
  'performance',
];

describe('an offered place', () => {
  const inMs = (ms) => new Date(Date.now() + ms).toISOString();

  test('counts down each second while shown and stops in onHide and onUnload', async () => {
    jest.useFakeTimers({ doNotFake: KEEP_REAL });
    try {
      serve({
        'GET /activities/3': {
          statusCode: 200,
          data: activity({ my_registration: { id: 50, status: 'offered', offer_expires_at: inMs(3 * 3600000) } }),
        },
      });
      const page = await openDetail();
      expect(page.dom.innerHTML).toContain('有名额空出，为你保留到');
      const first = page.data.offer.seconds;
      jest.advanceTimersByTime(2000);
      expect(page.data.offer.seconds).toBeLessThanOrEqual(first - 2);
      expect(jest.getTimerCount()).toBe(1);
      page.instance.onHide();
      expect(jest.getTimerCount()).toBe(0);
      const hidden = page.data.offer.seconds;
      jest.advanceTimersByTime(5000);
      expect(page.data.offer.seconds).toBe(hidden);
      page.instance.onShow();
      expect(jest.getTimerCount()).toBe(1);
      page.instance.onUnload();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('at the deadline the card turns into 名额邀请已过期 and the timer stops', async () => {
    jest.useFakeTimers({ doNotFake: KEEP_REAL });
    try {
      serve({
        'GET /activities/3': {
          statusCode: 200,
          data: activity({ my_registration: { id: 50, status: 'offered', offer_expires_at: inMs(3000) } }),
        },
      });
      const page = await openDetail();
      jest.advanceTimersByTime(4000);
      expect(page.data.offer.expired).toBe(true);
      expect(page.data.state.label).toBe('名额邀请已过期');
      expect(jest.getTimerCount()).toBe(0);
      expect(page.dom.innerHTML).toContain('名额邀请已过期');
    } finally {
      jest.useRealTimers();
    }
  });

  test('确认参加 opens the subscribe dialog inside the tap, then accepts', async () => {
    let status = 'offered';
    serve({
      'GET /activities/3': () => ({
        statusCode: 200,
        data: activity({ my_registration: { id: 50, status, offer_expires_at: inMs(3600000) } }),
      }),
      'POST /activities/3/registrations/me/accept': () => {
        status = 'confirmed';
        return { statusCode: 200, data: { id: 50, status } };
      },
    });
    const page = await openDetail();
    const before = wx.requests.length;
    page.querySelector('.offer .btn-primary').dispatchEvent('tap');
    await Promise.resolve();
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1);
    expect(wx.requests.length).toBe(before);
    await settle();
    expect(posts('/activities/3/registrations/me/accept')).toHaveLength(1);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已确认参加' }));
    expect(page.data.offer).toBeNull();
    expect(page.data.state.action).toBe('cancel');
  });

  test('an offer that ran out meanwhile says so and reloads', async () => {
    let status = 'offered';
    serve({
      'GET /activities/3': () => ({
        statusCode: 200,
        data: activity({ my_registration: { id: 50, status, offer_expires_at: inMs(60000) } }),
      }),
      'POST /activities/3/registrations/me/accept': () => {
        status = 'expired';
        return { statusCode: 409, data: { error: 'offer_expired', message: 'x' } };
      },
    });
    const page = await openDetail();
    await page.instance.onAcceptOffer();
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(
      expect.objectContaining({ title: '名额邀请已过期，名额已让给下一位候补居民' }),
    );
    expect(page.data.view.myStatus).toBe('expired');
    expect(page.dom.innerHTML).toContain('名额邀请已过期');
  });

  test('放弃 asks first; declining sends decline', async () => {
    serve({
      'GET /activities/3': {
        statusCode: 200,
        data: activity({ my_registration: { id: 50, status: 'offered', offer_expires_at: inMs(3600000) } }),
      },
      'POST /activities/3/registrations/me/decline': { statusCode: 200, data: { status: 'cancelled' } },
    });
    const page = await openDetail();
    wx.showModal.mockImplementationOnce((options) => options.success({ confirm: false, cancel: true }));
    await page.instance.onDeclineOffer();
    expect(posts('/activities/3/registrations/me/decline')).toHaveLength(0);
    await page.instance.onDeclineOffer();
    await settle();
    expect(wx.showModal).toHaveBeenCalledTimes(2);
    expect(posts('/activities/3/registrations/me/decline')).toHaveLength(1);
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已放弃名额' }));
  });
});

describe('approval states on the detail page', () => {
  test('a rejected sign-up shows the reason and no sign-up button', async () => {
    serve({
      'GET /activities/3': {
        statusCode: 200,
        data: activity({
          signup_mode: 'approval',
          my_registration: { id: 50, status: 'rejected', reject_reason: '仅限本社区长者' },
        }),
      },
    });
    const page = await openDetail();
    expect(page.dom.innerHTML).toContain('仅限本社区长者');
    expect(page.dom.innerHTML).toContain('未通过');
    expect(page.querySelector('.footer-bar .btn-primary')).toBeFalsy();
  });
});

describe('draw page', () => {
  test("highlights the caller's entry and explains the outcome", async () => {
    serve({
      'GET /activities/3': { statusCode: 200, data: activity({ signup_mode: 'lottery' }) },
      'GET /activities/3/draw': {
        statusCode: 200,
        data: {
          state: 'drawn',
          draw_at: `${FUTURE}T08:00:00+08:00`,
          commitment: 'ab'.repeat(32),
          salt: 'cd'.repeat(32),
          seed: 'ef'.repeat(32),
          sealed_at: `${FUTURE}T07:00:00+08:00`,
          drawn_at: `${FUTURE}T08:00:00+08:00`,
          method: 'sha256 ranks.\n按种子排序。',
          entries: [
            { entry: 11, places: 2 },
            { entry: 12, places: 1 },
          ],
          results: [
            { rank: 1, entry: 12, places: 1, outcome: 'confirmed' },
            { rank: 2, entry: 11, places: 2, outcome: 'waitlisted' },
          ],
          my_entry: 11,
        },
      },
    });
    const page = mount(ids.draw);
    page.instance.onLoad({ id: '3' });
    await settle();
    const mine = page.querySelectorAll('.draw__row--mine');
    expect(mine).toHaveLength(1);
    expect(mine[0].dom.textContent).toContain('11（我）');
    expect(page.dom.innerHTML).toContain('第 2 位');
    expect(page.dom.innerHTML).toContain('ef'.repeat(32));
    expect(page.dom.innerHTML).toContain('按种子排序。');
    expect(page.dom.textContent).not.toContain('sha256 ranks');
  });
});

describe('organizer roster: 待审核', () => {
  const pendingRow = (id, name) => ({
    registration_id: id,
    user: { id, real_name: name, phone_masked: '138****0000', phone: null },
    status: 'pending',
    companions: 0,
    remark: '',
    answers: { q1: 7, q2: '需要' },
    registered_at: '2026-12-01T08:00:00+08:00',
    checked_in_at: null,
  });

  function serveRoster({ approve, reject }) {
    let pending = [pendingRow(70, '张三'), pendingRow(71, '李四')];
    const table = {
      'GET /activities/3/roster': (req) => ({
        statusCode: 200,
        data: {
          activity: { id: 3, title: '长者书法班', signup_mode: 'approval', questions: QUESTIONS },
          counts: { confirmed: 0, waitlisted: 0, cancelled: 0, checked_in: 0, places: 0 },
          items: pending, // every status without a filter, as the server: here only pending sign-ups
        },
      }),
      'POST /activities/3/roster/70/approve': (req) => {
        const out = approve(req);
        if (out.statusCode === 200) pending = pending.filter((r) => r.registration_id !== 70);
        return out;
      },
      'POST /activities/3/roster/71/reject': (req) => {
        const out = reject(req);
        if (out.statusCode === 200) pending = pending.filter((r) => r.registration_id !== 71);
        return out;
      },
    };
    serve(table);
  }

  async function openRoster() {
    const page = mount(ids.roster);
    page.instance.onLoad({ id: '3', status: 'pending' });
    await settle();
    return page;
  }

  test('opens on 待审核 with answers under each person; 通过 and 不通过 with a reason', async () => {
    serveRoster({
      approve: () => ({ statusCode: 200, data: { registration_id: 70, status: 'confirmed' } }),
      reject: () => ({ statusCode: 200, data: { registration_id: 71, status: 'rejected' } }),
    });
    const page = await openRoster();
    expect(page.data.filter).toBe('pending_approval');
    expect(page.data.items.map((r) => r.name)).toEqual(['张三', '李四']);
    // one read of the roster serves every tab, 待审核 included
    expect(wx.requests.filter((r) => r.method === 'GET' && r.path === '/activities/3/roster')).toHaveLength(1);
    expect(page.dom.innerHTML).toContain('孩子年龄：7');
    expect(page.dom.innerHTML).toContain('待审核(2)');

    await page.instance.onApprove({ currentTarget: { dataset: { id: 70, name: '张三' } } });
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已通过' }));
    expect(page.data.items.map((r) => r.name)).toEqual(['李四']);

    page.instance.onOpenReject({ currentTarget: { dataset: { id: 71, name: '李四' } } });
    await page.instance.onRejectConfirm();
    expect(page.data.rejectError).toBe('请填写不通过的原因，居民会看到它');
    expect(posts('/activities/3/roster/71/reject')).toHaveLength(0);
    page.instance.onRejectInput({ detail: { value: ' 名额已满 ' } });
    await page.instance.onRejectConfirm();
    await settle();
    expect(posts('/activities/3/roster/71/reject')[0].data).toEqual({ reason: '名额已满' });
    expect(page.data.rejectOpen).toBe(false);
    expect(page.data.items).toEqual([]);
    expect(page.dom.innerHTML).toContain('没有待审核的报名');
  });

  test('a sign-up decided or withdrawn meanwhile (409 not_pending) is explained and the list reloads', async () => {
    serveRoster({
      approve: () => ({ statusCode: 409, data: { error: 'not_pending', message: 'x' } }),
      reject: () => ({ statusCode: 200, data: {} }),
    });
    const page = await openRoster();
    const loads = () => wx.requests.filter((r) => r.path === '/activities/3/roster').length;
    const before = loads();
    await page.instance.onApprove({ currentTarget: { dataset: { id: 70, name: '张三' } } });
    await settle();
    expect(wx.showToast).toHaveBeenCalledWith(
      expect.objectContaining({ title: expect.stringContaining('已不是待审核状态') }),
    );
    expect(loads()).toBeGreaterThan(before);
    expect(page.data.busy).toBe(false);
  });
});
