/**
 * Fair places (issue 17), the pure parts: answers checked as the server checks them, the 422 answer errors,
 * the offer countdown, the lottery result, the draw page's view, the detail page's state per status and
 * mode, the new status labels, the templates each tap asks for, and the organizer form's lottery rules.
 */
const fp = require('../controllers/fair-places');
const {
  signupState,
  presentActivity,
  presentRegistration,
  presentRosterRow,
  presentAnswers,
} = require('../utils/present');
const { statusInfo, TEMPLATE_LABELS } = require('../constants/status');
const { ERROR_MESSAGES } = require('../constants/errors');
const { signupTemplateKeys, signupMessage } = require('../controllers/signup');
const forms = require('../controllers/forms');

const NOW = Date.parse('2026-12-10T10:00:00+08:00');
const QUESTIONS = [
  { id: 'q1', kind: 'number', label: '孩子年龄', required: true, options: [], min: 3, max: 12 },
  { id: 'q2', kind: 'choice', label: '是否借用绘本', required: true, options: ['需要', '不需要'] },
  { id: 'q3', kind: 'text', label: '过敏情况', required: false, options: [] },
];

describe('answers', () => {
  test('valid answers become the request body: numbers as integers, blanks left out', () => {
    const { answers, errors } = fp.validateAnswers(QUESTIONS, { q1: ' 7 ', q2: '需要', q3: '  ' });
    expect(errors).toEqual({});
    expect(answers).toEqual({ q1: 7, q2: '需要' });
  });

  test('required questions left blank are named in Chinese', () => {
    const { errors } = fp.validateAnswers(QUESTIONS, {});
    expect(errors).toEqual({ q1: '请填写孩子年龄', q2: '请选择是否借用绘本' });
  });

  test.each([
    ['7.5', '请填写整数'],
    ['abc', '请填写整数'],
    ['2', '请填写 3 至 12 之间的整数'],
    ['13', '请填写 3 至 12 之间的整数'],
  ])('a number answer %s is refused: %s', (value, message) => {
    expect(fp.validateAnswers(QUESTIONS, { q1: value, q2: '需要' }).errors).toEqual({ q1: message });
  });

  test('the bounds themselves are accepted', () => {
    expect(fp.validateAnswers(QUESTIONS, { q1: '3', q2: '需要' }).errors).toEqual({});
    expect(fp.validateAnswers(QUESTIONS, { q1: '12', q2: '需要' }).errors).toEqual({});
  });

  test('a choice outside the options and a text over 100 characters are refused', () => {
    const { errors } = fp.validateAnswers(QUESTIONS, { q1: '5', q2: '也许', q3: '字'.repeat(101) });
    expect(errors).toEqual({ q2: '请从选项中选择', q3: '不能超过 100 字' });
    expect(fp.validateAnswers(QUESTIONS, { q1: '5', q2: '需要', q3: '字'.repeat(100) }).errors).toEqual({});
  });

  test('an activity without questions sends no answers', () => {
    expect(fp.validateAnswers(null, { q1: 'x' })).toEqual({ answers: {}, errors: {} });
  });

  test('the server 422 answer errors land on their questions', () => {
    // as the server sends them: each field by its dotted path
    const flat = {
      errors: { 'answers.q1': ['请填写 3 到 12 之间的整数'], 'answers.q3': ['没有这个问题'], remark: ['x'] },
    };
    expect(fp.answerErrorsFromServer(flat)).toEqual({ q1: '请填写 3 到 12 之间的整数', q3: '没有这个问题' });
    const err = { errors: { answers: { q1: ['请填写孩子年龄'], q2: '请从选项中选择' } } };
    expect(fp.answerErrorsFromServer(err)).toEqual({ q1: '请填写孩子年龄', q2: '请从选项中选择' });
    expect(fp.answerErrorsFromServer({ errors: { answers: ['问题已修改，请刷新'] } })).toEqual({
      _form: '问题已修改，请刷新',
    });
    expect(fp.answerErrorsFromServer({ errors: { companions: ['x'] } })).toEqual({});
    expect(fp.answerErrorsFromServer(null)).toEqual({});
  });

  test('a number question with a negative minimum gets the full keyboard', () => {
    const [q] = fp.presentQuestions([{ id: 'a', kind: 'number', label: '温差', min: -10, max: 10 }]);
    expect(q.numericKeyboard).toBe(false);
    expect(fp.presentQuestions(QUESTIONS)[0].numericKeyboard).toBe(true);
  });
});

describe('offer countdown', () => {
  const deadline = '2026-12-10T20:00:00+08:00';

  test('counts hours, minutes and seconds to the deadline', () => {
    expect(fp.offerCountdown(deadline, NOW)).toEqual({ expired: false, seconds: 36000, text: '10小时00分00秒' });
    expect(fp.offerCountdown(deadline, NOW + 36000000 - 65000).text).toBe('01分05秒');
    expect(fp.offerCountdown(deadline, NOW - 2 * 86400000).text).toBe('2天10小时00分');
  });

  test('is expired at and after the deadline, and without one', () => {
    expect(fp.offerCountdown(deadline, Date.parse(deadline)).expired).toBe(true);
    expect(fp.offerCountdown(deadline, Date.parse(deadline) + 1).expired).toBe(true);
    expect(fp.offerCountdown(null, NOW).expired).toBe(true);
  });
});

const base = (fields) =>
  Object.assign(
    {
      id: 3,
      status: 'published',
      starts_at: '2026-12-12T09:00:00+08:00',
      ends_at: '2026-12-12T11:00:00+08:00',
      signup_closes_at: '2026-12-11T20:00:00+08:00',
      capacity: 12,
      confirmed_count: 0,
      waitlist_count: 0,
      waitlist_enabled: true,
      cancel_cutoff_minutes: 60,
      signup_mode: 'first_come',
      claim_hours: 0,
      my_registration: null,
    },
    fields,
  );

describe('detail page state', () => {
  test('a lottery offers 参与抽签 whatever the places, with the draw time', () => {
    const a = base({ signup_mode: 'lottery', draw_at: '2026-12-11T21:00:00+08:00', confirmed_count: 12 });
    expect(signupState(a, NOW)).toMatchObject({ action: 'signup', label: '参与抽签' });
    expect(signupState(a, NOW).hint).toContain('12月11日 21:00 开奖');
  });

  test('an entry can be withdrawn until the draw', () => {
    const a = base({
      signup_mode: 'lottery',
      draw_at: '2026-12-11T21:00:00+08:00',
      my_registration: { status: 'entered' },
    });
    expect(signupState(a, NOW)).toMatchObject({ action: 'withdraw', label: '撤回抽签' });
    expect(signupState(a, NOW).hint).toBe('已参与抽签，12月11日 21:00 开奖');
  });

  test('approval: 提交报名申请, then 待审核 with 撤回申请; a full one still applies onto the waitlist', () => {
    expect(signupState(base({ signup_mode: 'approval' }), NOW)).toMatchObject({
      action: 'signup',
      label: '提交报名申请',
    });
    expect(signupState(base({ signup_mode: 'approval', confirmed_count: 12 }), NOW)).toMatchObject({
      action: 'waitlist',
      label: '提交报名申请',
    });
    expect(
      signupState(base({ signup_mode: 'approval', confirmed_count: 12, waitlist_enabled: false }), NOW),
    ).toMatchObject({ action: 'none', label: '名额已满' });
    expect(signupState(base({ signup_mode: 'approval', my_registration: { status: 'pending' } }), NOW)).toMatchObject({
      action: 'withdraw',
      label: '撤回申请',
    });
  });

  test('a rejected sign-up cannot be made again', () => {
    const a = base({ signup_mode: 'approval', my_registration: { status: 'rejected', reject_reason: '不符合' } });
    expect(signupState(a, NOW)).toMatchObject({ action: 'none', label: '报名未通过' });
  });

  test('an offer is answered until its deadline, then shows expired', () => {
    const a = base({
      confirmed_count: 12,
      my_registration: { status: 'offered', offer_expires_at: '2026-12-10T20:00:00+08:00' },
    });
    expect(signupState(a, NOW)).toMatchObject({ action: 'offer', hint: '有名额空出，为你保留到 12月10日 20:00' });
    expect(signupState(a, Date.parse('2026-12-10T20:00:00+08:00'))).toMatchObject({
      action: 'none',
      label: '名额邀请已过期',
    });
  });

  test('an expired offer or a cancelled entry may sign up again (the server reuses the row)', () => {
    expect(signupState(base({ confirmed_count: 12, my_registration: { status: 'expired' } }), NOW)).toMatchObject({
      action: 'waitlist',
    });
  });

  test('a full first-come activity with claim hours says the place must be confirmed in time', () => {
    expect(signupState(base({ confirmed_count: 12, claim_hours: 12 }), NOW).hint).toContain('请在 12 小时内确认');
  });

  test('the mode badge: none for first come', () => {
    expect(presentActivity(base({})).modeText).toBe('');
    expect(presentActivity(base({ signup_mode: 'lottery' })).modeText).toBe('抽签');
    expect(presentActivity(base({ signup_mode: 'approval' })).modeText).toBe('需审核');
  });
});

describe('lottery result', () => {
  const drawn = (mine) =>
    base({ signup_mode: 'lottery', drawn_at: '2026-12-11T21:00:00+08:00', my_registration: mine });

  test.each([
    [{ status: 'confirmed', draw_rank: 4 }, '中签'],
    [{ status: 'waitlisted', draw_rank: 14, waitlist_position: 5 }, '未中签·候补第5位'],
    [{ status: 'not_drawn', draw_rank: 20 }, '未中签'],
  ])('%o reads %s', (mine, text) => {
    expect(fp.lotteryResultText(drawn(mine))).toBe(text);
  });

  test('nothing before the draw or on a first-come activity', () => {
    expect(fp.lotteryResultText(base({ signup_mode: 'lottery', my_registration: { status: 'entered' } }))).toBe('');
    expect(fp.lotteryResultText(base({ my_registration: { status: 'confirmed', draw_rank: null } }))).toBe('');
  });
});

describe('draw page', () => {
  const results = Array.from({ length: 130 }, (_, i) => ({
    rank: i + 1,
    entry: 1000 + i,
    places: 1,
    outcome: i < 10 ? 'confirmed' : 'waitlisted',
  }));
  const draw = {
    state: 'drawn',
    draw_at: '2026-12-11T21:00:00+08:00',
    commitment: 'c'.repeat(64),
    salt: 's',
    seed: 'e'.repeat(64),
    method: 'SHA-256 ordering of the entries.\n按种子排序。',
    entries: results.map((r) => ({ entry: r.entry, places: r.places })),
    results,
    my_entry: 1120,
  };

  test('highlights the caller and summarises their entry even beyond the first page', () => {
    const view = fp.presentDraw(draw);
    expect(view.rows).toHaveLength(fp.DRAW_PAGE);
    expect(view.more).toBe(true);
    expect(view.rows.filter((r) => r.mine)).toEqual([]);
    expect(view.mine).toMatchObject({ rank: 121, entry: 1120, outcomeText: '候补', mine: true });
    const all = fp.presentDraw(draw, { limit: 200 });
    expect(all.rows.filter((r) => r.mine).map((r) => r.entry)).toEqual([1120]);
    expect(all.more).toBe(false);
  });

  test('shows the Chinese lines of the method, and the counts of the sealed entries', () => {
    const view = fp.presentDraw(draw);
    expect(view.methodText).toBe('按种子排序。');
    expect(view.method).toContain('SHA-256 ordering');
    expect(view.entryCount).toBe(130);
    expect(view.placesEntered).toBe(130);
    expect(view.stateText).toBe('已开奖');
  });

  test('before sealing: no entries, no results, no caller row', () => {
    const view = fp.presentDraw({ state: 'open', commitment: 'c', entries: null, results: null, my_entry: null });
    expect(view).toMatchObject({ entryCount: null, total: 0, rows: [], mine: null, myEntry: null, salt: '' });
  });

  test('a method without Chinese is shown whole', () => {
    expect(fp.methodText('sha256 order')).toBe('sha256 order');
  });
});

describe('labels and templates', () => {
  test.each([
    ['entered', '待开奖'],
    ['pending', '待审核'],
    ['offered', '待确认'],
    ['expired', '已过期'],
    ['rejected', '未通过'],
    ['not_drawn', '未中签'],
  ])('registration status %s reads %s', (status, label) => {
    expect(statusInfo('registration', status).label).toBe(label);
  });

  test('the draw outcomes have labels', () => {
    expect(['confirmed', 'waitlisted', 'not_drawn', 'withdrawn'].map((o) => statusInfo('draw', o).label)).toEqual([
      '中签',
      '候补',
      '未中签',
      '已撤回',
    ]);
  });

  test('signup_result is 报名结果通知, and the new error ids have Chinese text', () => {
    expect(TEMPLATE_LABELS.signup_result).toBe('报名结果通知');
    ['offer_expired', 'no_offer', 'not_pending', 'signup_rejected', 'signup_mode_locked', 'questions_locked'].forEach(
      (id) => expect(ERROR_MESSAGES[id]).toMatch(/[\u4e00-\u9fff]/),
    );
  });

  test('a lottery or approval sign-up asks for signup_result; a claimable waitlist too', () => {
    expect(signupTemplateKeys({ mode: 'lottery' })[0]).toBe('signup_result');
    expect(signupTemplateKeys({ mode: 'approval', waitlist: true })[0]).toBe('signup_result');
    expect(signupTemplateKeys({ mode: 'first_come', waitlist: true, claimHours: 12 })[0]).toBe('signup_result');
    expect(signupTemplateKeys({ mode: 'first_come', waitlist: true })[0]).toBe('waitlist_promoted');
    expect(signupTemplateKeys({})[0]).toBe('activity_reminder');
    [signupTemplateKeys({ mode: 'lottery' }), signupTemplateKeys({ waitlist: true, claimHours: 1 })].forEach((keys) =>
      expect(keys.length).toBeLessThanOrEqual(3),
    );
  });

  test('the toast after signing up follows the status', () => {
    expect(signupMessage({ status: 'entered' })).toBe('已参与抽签');
    expect(signupMessage({ status: 'pending' })).toBe('已提交，等待审核');
    expect(signupMessage({ status: 'waitlisted', waitlist_position: 2 })).toBe('已加入候补，第 2 位');
    expect(signupMessage({ status: 'confirmed' })).toBe('报名成功');
  });
});

describe('registrations and roster rows', () => {
  test('my registrations carry the offer deadline, the reject reason and the draw time', () => {
    const offered = presentRegistration({ status: 'offered', offer_expires_at: '2026-12-10T20:00:00+08:00' });
    expect(offered.offerDeadlineText).toBe('12月10日 20:00');
    expect(presentRegistration({ status: 'rejected', reject_reason: '名额已满' }).rejectReason).toBe('名额已满');
    expect(
      presentRegistration({ status: 'entered', activity: { draw_at: '2026-12-11T21:00:00+08:00' } }).drawAtText,
    ).toBe('12月11日 21:00');
  });

  test('answers are labelled by the questions, in their order; unknown ids keep their id', () => {
    expect(presentAnswers({ q2: '需要', q1: 7, zz: 'x', q3: '' }, QUESTIONS)).toEqual([
      { id: 'q1', label: '孩子年龄', value: '7' },
      { id: 'q2', label: '是否借用绘本', value: '需要' },
      { id: 'zz', label: 'zz', value: 'x' },
    ]);
    expect(presentAnswers(null, QUESTIONS)).toEqual([]);
  });

  test('a pending row can be decided; an offered row shows its deadline and cannot be checked in', () => {
    expect(presentRosterRow({ status: 'pending', user: {} }).canDecide).toBe(true);
    const offered = presentRosterRow({ status: 'offered', offer_expires_at: '2026-12-10T20:00:00+08:00', user: {} });
    expect(offered).toMatchObject({ canDecide: false, canCheckIn: false, offerDeadlineText: '12月10日 20:00' });
  });
});

describe('organizer form', () => {
  const lottery = (fields) =>
    Object.assign(
      forms.emptyActivityForm(1),
      {
        title: '亲子烘焙',
        startDate: '2026-12-12',
        startTime: '09:00',
        endDate: '2026-12-12',
        endTime: '11:00',
        closesDate: '2026-12-11',
        closesTime: '20:00',
        signupMode: 'lottery',
        drawDate: '2026-12-11',
        drawTime: '21:00',
        claimHours: '12',
      },
      fields,
    );

  test('a lottery sends its mode, draw time and claim hours', () => {
    const { payload, errors } = forms.buildActivityPayload(lottery());
    expect(errors).toEqual({});
    expect(payload).toMatchObject({
      signup_mode: 'lottery',
      draw_at: '2026-12-11T21:00:00+08:00',
      claim_hours: 12,
    });
  });

  test('a lottery needs a sign-up close and a draw between it and the start', () => {
    expect(forms.buildActivityPayload(lottery({ closesDate: '', closesTime: '' })).errors.signup_closes_at).toBe(
      '抽签活动须设置报名截止时间',
    );
    expect(forms.buildActivityPayload(lottery({ drawDate: '' })).errors.draw_at).toBe('请选择开奖时间');
    expect(forms.buildActivityPayload(lottery({ drawTime: '19:00' })).errors.draw_at).toBe('开奖时间不能早于报名截止');
    expect(forms.buildActivityPayload(lottery({ drawDate: '2026-12-12', drawTime: '09:00' })).errors.draw_at).toBe(
      '开奖时间须早于活动开始',
    );
    expect(forms.buildActivityPayload(lottery({ drawTime: '20:00' })).errors).toEqual({});
  });

  test('only a lottery sends a draw time; claim hours are 0 to 168', () => {
    expect(forms.buildActivityPayload(lottery({ signupMode: 'approval' })).payload.draw_at).toBeNull();
    expect(forms.buildActivityPayload(lottery({ claimHours: '169' })).errors.claim_hours).toBe(
      '请填写 0 至 168 的整数',
    );
    expect(forms.buildActivityPayload(lottery({ claimHours: '-1' })).errors.claim_hours).toBe('请填写 0 至 168 的整数');
  });

  test('a published activity keeps its mode and draw time out of the edit', () => {
    const { payload, errors } = forms.buildActivityPayload(lottery({ drawDate: '' }), {
      forUpdate: true,
      modeLocked: true,
    });
    expect(errors).toEqual({});
    expect(payload).not.toHaveProperty('signup_mode');
    expect(payload).not.toHaveProperty('draw_at');
    expect(forms.signupModeLock({ status: 'published' })).toMatch(/不能再修改/);
    expect(forms.signupModeLock({ status: 'draft' })).toBe('');
  });

  test('an activity round-trips its mode, draw time and claim hours through the form', () => {
    const form = forms.activityToForm({
      signup_mode: 'lottery',
      draw_at: '2026-12-11T21:00:00+08:00',
      claim_hours: 6,
    });
    expect(form).toMatchObject({ signupMode: 'lottery', drawDate: '2026-12-11', drawTime: '21:00', claimHours: '6' });
  });
});
