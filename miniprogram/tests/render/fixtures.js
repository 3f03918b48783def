/**
 * The API fake the render harness answers the mini-program with: a route for every endpoint the
 * services call (docs/api.md, shapes from docs/openapi.json), with realistic Chinese data around a
 * fixed "now" (NOW, Thursday 2026-12-10 10:00 China time) so that the screenshots do not change from day
 * to day.
 *
 * `api(options)` returns a request handler for helpers/wx.js (`(req) => {statusCode, data}`). The
 * options are what a state changes, never per page:
 *   user: 'resident' | 'organizer'  who is logged in (GET /me);
 *   empty: true                     every list answers no items;
 *   activity: 'open' | 'full' | 'waitlisted' | 'registered'   the activity of GET /activities/3, or one of
 *     the fair-places situations (issue 17): 'lottery-open', 'lottery-entered', 'lottery-drawn' (drawn, the
 *     caller waitlisted by the draw), 'lottery-won', 'approval-open', 'approval-pending', 'rejected',
 *     'offered', 'offer-expired', 'questions' (a sign-up sheet with the activity's questions);
 *   draw: 'drawn' | 'sealed' | 'open'   the state of GET /activities/3/draw (default drawn);
 *   booked: true                    the caller holds a post on the first shifts;
 *   swap: 'open' | 'named' | 'pending' | 'done' | 'problem' | 'mine'   the swap of GET /shift-swaps/51
 *     (换班, issue 18): offered to anyone, offered by name to the caller, claimed and waiting for
 *     approval, taken, one the caller can't take (its `claim_problem`), the caller's own offer;
 *   fail: 'network' | 'server'      every call fails (no connection / 500);
 *   hold: true                      no call is ever answered (loading).
 */
const NOW = Date.parse('2026-12-10T10:00:00+08:00');
const DAY = 86400000;

/** 'YYYY-MM-DD' in China time, `days` after NOW. */
function day(days = 0) {
  return new Date(NOW + days * DAY + 8 * 3600000).toISOString().slice(0, 10);
}
const at = (days, hhmm) => `${day(days)}T${hhmm}:00+08:00`;

const COMMUNITIES = [
  { id: 1, code: 'haizhu', name: '海珠社区', subdistrict: '南园街道', archived_at: null },
  { id: 2, code: 'xinhe', name: '新河社区', subdistrict: '南园街道', archived_at: null },
  { id: 3, code: 'nanyuan', name: '南园社区', subdistrict: '南园街道', archived_at: null },
];
const community = (id = 1) => {
  const c = COMMUNITIES.find((x) => x.id === id);
  return { id: c.id, code: c.code, name: c.name };
};

function activity(id, fields = {}) {
  return Object.assign(
    {
      id,
      title: '党课：学习贯彻党的二十届三中全会精神',
      description: '由街道党工委书记主讲，请党员同志携带党员证准时参加。活动结束后集体合影。',
      category: 'party_lesson',
      community: community(1),
      venue: '海珠社区党群服务中心三楼会议室',
      starts_at: at(2, '09:00'),
      ends_at: at(2, '11:00'),
      signup_opens_at: null,
      signup_closes_at: null,
      capacity: 40,
      confirmed_count: 26,
      waitlist_count: 0,
      waitlist_enabled: true,
      audience: 'all',
      cancel_cutoff_minutes: 120,
      cancel_reason: null,
      certificate_enabled: false,
      signup_mode: 'first_come',
      draw_at: null,
      drawn_at: null,
      claim_hours: 0,
      questions: [],
      status: 'published',
      my_registration: null,
    },
    fields,
  );
}

const ACTIVITIES = [
  activity(3),
  activity(4, {
    title: '青年学堂：短视频剪辑入门',
    description: '自带手机即可，现场有老师一对一指导。',
    category: 'youth',
    community: community(2),
    venue: '新河社区青年之家',
    starts_at: at(3, '19:00'),
    ends_at: at(3, '21:00'),
    capacity: 30,
    confirmed_count: 30,
    waitlist_count: 4,
  }),
  activity(5, {
    title: '长者智能手机课堂：学会视频通话',
    description: '志愿者手把手教长者使用微信视频通话和健康码。',
    category: 'elderly',
    venue: '海珠社区长者饭堂',
    starts_at: at(4, '14:30'),
    ends_at: at(4, '16:00'),
    capacity: 20,
    confirmed_count: 7,
    audience: 'community_residents',
    signup_mode: 'approval',
  }),
  activity(6, {
    title: '亲子绘本共读会',
    description: '适合 3 至 8 岁儿童及家长。',
    category: 'women_children',
    community: community(3),
    venue: '南园社区妇儿之家',
    starts_at: at(5, '10:00'),
    ends_at: at(5, '11:30'),
    capacity: 15,
    confirmed_count: 15,
    waitlist_enabled: false,
  }),
];

const SITES = [
  {
    id: 4,
    name: '海珠北门卡口',
    kind: 'checkpoint',
    address: '海珠路 18 号北门',
    grid: '第一网格',
    community: community(1),
    latitude: 22.54368,
    longitude: 114.05792,
    checkin_radius_m: 200,
  },
  {
    id: 5,
    name: '文化广场核酸采样点',
    kind: 'testing_site',
    address: '海珠社区文化广场',
    grid: '第二网格',
    community: community(1),
    latitude: 22.53951,
    longitude: 114.06231,
    checkin_radius_m: 150,
  },
  {
    id: 6,
    name: '新河地下停车场测温点',
    kind: 'temperature_point',
    address: '新河花园 B1 停车场入口',
    grid: '第三网格',
    community: community(2),
    // Underground: no point set, so no map and no location check.
    latitude: null,
    longitude: null,
    checkin_radius_m: 200,
  },
];

const person = (id, nickname, realName, phone) => ({
  id,
  nickname,
  real_name: realName,
  phone: null,
  phone_masked: phone,
});
const PEOPLE = [
  person(21, '阿明', '陈志明', '138****2046'),
  person(22, '小芳', '李芳', '139****7713'),
  person(23, '老黄', '黄国强', '136****0958'),
  person(24, '王姨', '王秀英', '137****3321'),
  person(25, '志愿者小刘', '刘洋', '135****8890'),
];

function shift(id, site, days, from, to, roles, fields = {}) {
  return Object.assign(
    {
      id,
      site,
      starts_at: at(days, from),
      ends_at: at(days, to),
      status: 'open',
      notes: '请提前 10 分钟到岗，穿红马甲。',
      party_members_only: false,
      cancel_reason: null,
      roles,
      my_booking: null,
    },
    fields,
  );
}
const role = (id, name, booked, capacity, fields = {}) =>
  Object.assign({ id, name, booked, capacity, required_qualification: null, health_declaration: 'none' }, fields);
const TRAINING = { id: 7, name: '核酸采样点登记培训' };

function shifts(options) {
  const list = [
    shift(11, SITES[0], 0, '08:00', '12:00', [
      role(31, '登记', 2, 2, { required_qualification: TRAINING }),
      role(32, '维持秩序', 1, 3, { health_declaration: 'booking' }),
    ]),
    shift(12, SITES[1], 0, '14:00', '18:00', [role(33, '扫码登记', 1, 2), role(34, '引导', 0, 2)], {
      party_members_only: true,
      notes: '党员先锋岗。',
    }),
    shift(13, SITES[2], 1, '07:00', '11:00', [
      role(35, '测温', 2, 2, { health_declaration: 'checkin' }),
      role(36, '登记', 2, 2),
    ]),
  ];
  if (options.declare === 'checkin') {
    list[0].roles[0].health_declaration = 'checkin';
  }
  if (options.booked) {
    list[1].my_booking = booking(91, list[1], list[1].roles[0], {});
  }
  return list;
}

function booking(id, s, r, fields) {
  return Object.assign(
    {
      id,
      shift_id: s.id,
      role: { id: r.id, name: r.name },
      status: 'booked',
      booked_at: at(-3, '20:15'),
      checked_in_at: null,
      checked_out_at: null,
      minutes_credited: 0,
      checkin_method: null,
      checkin_distance_m: null,
      checkout_distance_m: null,
    },
    fields,
  );
}

/** A swap (换班) of booking `bookingId` on shift `s`, post `r`, as GET /shift-swaps/{id} answers it. */
function swap(id, s, r, bookingId, fields) {
  return Object.assign(
    {
      id,
      status: 'open',
      booking_id: bookingId,
      shift: Object.assign({}, s, { my_booking: undefined }),
      role: { id: r.id, name: r.name },
      named: false,
      to_me: false,
      mine: false,
      giver_name: '王**',
      named_name: null,
      taker_name: null,
      needs_approval: false,
      claim_problem: null,
      reject_reason: null,
      end_reason: null,
      created_at: at(-1, '21:40'),
      claimed_at: null,
      decided_at: null,
    },
    fields,
  );
}

/** GET /shift-swaps/51 in the state `options.swap` asks for. */
function swapOf(options) {
  const s = shifts({})[2];
  const r = s.roles[0];
  switch (options.swap) {
    case 'named':
      return swap(51, s, r, 77, { named: true, to_me: true });
    case 'pending':
      return swap(51, s, r, 77, {
        status: 'pending',
        taker_name: '陈**',
        needs_approval: true,
        claim_problem: '已有志愿者申请接班',
      });
    case 'done':
      return swap(51, s, r, 77, { status: 'done', taker_name: '陈**', claim_problem: '已有志愿者接班' });
    case 'problem':
      return swap(51, s, r, 77, { claim_problem: '与你已预约的南园社区测温点 12月11日 08:00 班次时间冲突' });
    case 'mine':
      return swap(51, s, r, 91, { mine: true, giver_name: '陈**', claim_problem: '这是你发起的换班' });
    case 'declare': {
      // A post asking for today's health declaration at booking: the taker answers it with the claim.
      const asking = shifts({}).find((x) => x.roles.some((p) => p.health_declaration === 'booking'));
      return swap(
        51,
        asking,
        asking.roles.find((p) => p.health_declaration === 'booking'),
        77,
        {},
      );
    }
    default:
      return swap(51, s, r, 77, { needs_approval: true });
  }
}

/** The community's swaps of a day for its organizers (GET /rosters/swaps): one claim to decide, one offer. */
function rosterSwaps(options) {
  if (options.empty) return { items: [] };
  const list = shifts({});
  return {
    items: [
      swap(52, list[0], list[0].roles[0], 80, {
        status: 'pending',
        giver_name: '王建国',
        taker_name: '李秀英',
        needs_approval: true,
        claimed_at: at(0, '06:10'),
      }),
      swap(53, list[1], list[1].roles[0], 81, { giver_name: '张伟', needs_approval: true }),
    ],
  };
}

// Distances of `GET /shifts?near=` from the fake phone's position (near 海珠北门卡口), per site id.
const SITE_DISTANCES = { 4: 180, 5: 920, 6: null };

/** The shifts of GET /shifts: with `near`, nearest site first (no point last), each with `distance_m`. */
function shiftList(options, req) {
  const list = shifts(options);
  if (!req.query.near) return list;
  const key = (s) => (SITE_DISTANCES[s.site.id] === null ? Infinity : SITE_DISTANCES[s.site.id]);
  return list
    .map((s) => Object.assign({}, s, { distance_m: SITE_DISTANCES[s.site.id] }))
    .sort((a, b) => key(a) - key(b));
}

function me(options) {
  const organizer = options.user === 'organizer';
  return {
    id: organizer ? 2 : 7,
    nickname: organizer ? '海珠社区小陈' : '阿明',
    real_name: organizer ? '陈晓' : '陈志明',
    phone_masked: '138****2046',
    is_party_member: true,
    roles: organizer ? ['resident', 'party_member', 'organizer'] : ['resident', 'party_member'],
    organizer_communities: organizer ? [community(1)] : [],
    community: { id: 1, code: 'haizhu', name: '海珠社区', status: 'confirmed' },
    volunteer_minutes: 1530,
    volunteer_number: '44030520260017',
  };
}

function myRegistration(status, position, fields = {}) {
  return Object.assign(
    {
      id: 50,
      activity_id: 3,
      status,
      companions: 1,
      remark: '',
      waitlist_position: position || null,
      offer_expires_at: null,
      reject_reason: null,
      draw_rank: null,
      answers: null,
      registered_at: at(-1, '20:31'),
      checked_in_at: null,
    },
    fields,
  );
}

/** The questions of a 亲子 activity: a number, a single choice and a text. */
const QUESTIONS = [
  { id: 'q1', kind: 'number', label: '孩子年龄（周岁）', required: true, options: [], min: 3, max: 12 },
  {
    id: 'q2',
    kind: 'choice',
    label: '是否需要借用绘本',
    required: true,
    options: ['需要', '不需要'],
    min: null,
    max: null,
  },
  { id: 'q3', kind: 'text', label: '过敏或特殊情况', required: false, options: [], min: null, max: null },
];

/** A 亲子 lottery: sign-up closes tomorrow 20:00, drawn at 21:00 (or, `drawn`, both a day ago). */
function lottery(fields = {}, drawn = false) {
  return activity(
    3,
    Object.assign(
      {
        title: '亲子烘焙体验课（抽签）',
        description: '名额有限，报名截止后统一抽签，中签家庭将收到通知。每个家庭限报 1 名儿童和 1 名家长。',
        category: 'women_children',
        venue: '海珠社区党群服务中心一楼烘焙室',
        capacity: 12,
        confirmed_count: drawn ? 12 : 0,
        waitlist_count: drawn ? 5 : 0,
        signup_mode: 'lottery',
        signup_closes_at: drawn ? at(-1, '20:00') : at(1, '20:00'),
        draw_at: drawn ? at(-1, '21:00') : at(1, '21:00'),
        drawn_at: drawn ? at(-1, '21:00') : null,
        claim_hours: 12,
        questions: QUESTIONS.slice(0, 2),
      },
      fields,
    ),
  );
}

/** An activity whose sign-ups an organizer approves one by one. */
function approval(fields = {}) {
  return activity(
    3,
    Object.assign(
      {
        title: '长者书法兴趣班（需审核）',
        description: '面向本社区 60 岁以上长者，报名后由社区工作人员电话核实。',
        category: 'elderly',
        capacity: 20,
        confirmed_count: 14,
        signup_mode: 'approval',
        audience: 'community_residents',
      },
      fields,
    ),
  );
}

/** GET /activities/3 in each of the detail page's situations. */
function detailActivity(kind) {
  switch (kind) {
    case 'lottery-open':
      return lottery();
    case 'lottery-entered':
      return lottery({ my_registration: myRegistration('entered', null, { answers: { q1: 7, q2: '需要' } }) });
    case 'lottery-drawn':
      return lottery({ my_registration: myRegistration('waitlisted', 5, { draw_rank: 14 }) }, true);
    case 'lottery-won':
      return lottery({ my_registration: myRegistration('confirmed', null, { draw_rank: 4 }) }, true);
    case 'approval-open':
      return approval();
    case 'approval-pending':
      return approval({ my_registration: myRegistration('pending') });
    case 'rejected':
      return approval({
        my_registration: myRegistration('rejected', null, { reject_reason: '本班仅限本社区 60 岁以上长者报名' }),
      });
    case 'offered':
      return activity(3, {
        confirmed_count: 40,
        waitlist_count: 5,
        claim_hours: 12,
        my_registration: myRegistration('offered', null, { offer_expires_at: at(0, '20:00') }),
      });
    case 'offer-expired':
      return activity(3, {
        confirmed_count: 40,
        waitlist_count: 5,
        claim_hours: 12,
        my_registration: myRegistration('expired', null, { offer_expires_at: at(0, '08:00') }),
      });
    case 'questions':
      return activity(3, {
        title: '亲子绘本共读会',
        description: '适合 3 至 12 岁儿童及家长。',
        category: 'women_children',
        confirmed_count: 8,
        capacity: 15,
        questions: QUESTIONS,
      });
    case 'full':
      return activity(3, { confirmed_count: 40, waitlist_count: 6 });
    case 'waitlisted':
      return activity(3, { confirmed_count: 40, waitlist_count: 6, my_registration: myRegistration('waitlisted', 3) });
    case 'registered':
      return activity(3, { confirmed_count: 27, my_registration: myRegistration('confirmed') });
    default:
      return activity(3);
  }
}

// The text GET /activities/{id}/draw sends (server/services/lottery.py METHOD): English, then Chinese.
const DRAW_METHOD =
  'seed = sha256(salt + "|" + sha256(entries_text)), entries_text = concatenation of "<entry>:<places>\\n" ' +
  'over the sealed entries in id order; entries are ordered by sha256(seed + ":" + <entry>) ascending (hex ' +
  'digests, UTF-8); walking that order, a withdrawn entry is skipped, a party that fits in the places left is ' +
  'confirmed (first fit, never split), the rest are waitlisted in that order (not_drawn without a waitlist); ' +
  'sha256(salt) equals the commitment published with the activity.\n' +
  '抽签方法：报名截止时封存参与名单（按编号排列的“编号:人数”），种子 = SHA-256(盐值|名单摘要)；' +
  '各参与者按 SHA-256(种子:编号) 从小到大排序，依次分配名额（同行人一起中签，不拆分；放不下的跳过），' +
  '其余按此顺序候补；盐值的 SHA-256 即发布时公示的承诺值，任何人可据此复算。';

/** GET /activities/3/draw: 20 entries for 12 places; the caller's entry (50) drawn 14th, waitlisted. */
function draw(state = 'drawn') {
  const entries = [];
  for (let i = 0; i < 20; i += 1) entries.push({ entry: 31 + i, places: i % 3 === 0 ? 2 : 1 });
  const order = [44, 33, 47, 38, 31, 42, 36, 49, 34, 40, 45, 32, 37, 50, 39, 43, 35, 46, 41, 48];
  const places = {};
  entries.forEach((e) => {
    places[e.entry] = e.places;
  });
  places[50] = 2;
  let left = 12;
  const results = order.map((entry, i) => {
    let outcome;
    if (entry === 41) outcome = 'withdrawn';
    else if (places[entry] <= left) {
      outcome = 'confirmed';
      left -= places[entry];
    } else outcome = 'waitlisted';
    return { rank: i + 1, entry, places: places[entry], outcome };
  });
  const sealed = state !== 'open';
  return {
    state,
    draw_at: at(-1, '21:00'),
    commitment: '9f2b6c1e0d4a8b7c3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5',
    salt: sealed ? '5c0e7d2a9b14f3e86a7d0c5b2e9f1a48d3c6b7e0f2a5d8c1b4e7f0a3d6c9b2e5' : null,
    seed: sealed ? 'e4d909c290d0fb1ca068ffaddf22cbd0a7f1c4e3b2d5a6f708192a3b4c5d6e7f' : null,
    sealed_at: sealed ? at(-1, '20:00') : null,
    drawn_at: state === 'drawn' ? at(-1, '21:00') : null,
    method: DRAW_METHOD,
    entries: sealed ? entries.map((e) => ({ entry: e.entry, places: places[e.entry] })) : null,
    results: state === 'drawn' ? results : null,
    my_entry: 50,
  };
}

const page = (items, req) => ({
  items,
  page: Number(req.query.page) || 1,
  page_size: Number(req.query.page_size) || 20,
  total: items.length,
});

/** The pending sign-ups of an approval activity, with their answers. */
function pendingItems() {
  return PEOPLE.slice(0, 3).map((p, i) => ({
    registration_id: 70 + i,
    user: p,
    status: 'pending',
    waitlist_position: null,
    offer_expires_at: null,
    companions: i === 0 ? 1 : 0,
    remark: i === 1 ? '腿脚不便，需坐前排' : '',
    answers: { q1: 6 + i, q2: i === 1 ? '不需要' : '需要', q3: i === 2 ? '对坚果过敏' : '' },
    registered_at: at(-1, `1${i + 4}:20`),
    registered_by: null,
    walk_in: false,
    checked_in_at: null,
    reminder_credits: 1,
  }));
}

function rosterItems() {
  return PEOPLE.map((p, i) => ({
    registration_id: 60 + i,
    user: p,
    // The fourth holds an offered place (claim_hours) until tonight.
    status: i === 4 ? 'waitlisted' : i === 3 ? 'offered' : 'confirmed',
    waitlist_position: i === 4 ? 1 : null,
    offer_expires_at: i === 3 ? at(0, '20:00') : null,
    answers: i === 0 ? { q1: 7, q2: '需要' } : null,
    companions: i === 1 ? 1 : 0,
    remark: i === 2 ? '需要轮椅通道' : '',
    registered_at: at(-2, `1${i}:05`),
    registered_by: null,
    walk_in: false,
    checked_in_at: i < 2 ? at(0, '09:52') : null,
    reminder_credits: i === 3 ? 0 : 1,
  }));
}

/** The volunteers on a post; the first one has checked in if the shift has started. */
function rosterVolunteers(roleIndex, s) {
  const started = Date.parse(s.starts_at) <= NOW;
  const base = roleIndex === 0 ? [PEOPLE[0], PEOPLE[1]] : [PEOPLE[2]];
  const post = s.roles[roleIndex] || {};
  const asked = post.health_declaration && post.health_declaration !== 'none';
  return base.map((p, i) => ({
    // As the server flags them: a missing qualification (revoked after booking), a declaration made or not.
    health_declared: asked ? i === 0 : null,
    qualification_missing: !!post.required_qualification && i === 1,
    booking_id: 80 + roleIndex * 10 + i,
    user: p,
    status: 'booked',
    checked_in_at: started && i === 0 ? new Date(Date.parse(s.starts_at) - 4 * 60000).toISOString() : null,
    checked_out_at: null,
    minutes_credited: 0,
    reminder_credits: i === 1 ? 0 : 1,
    checked_in_uploaded_at: null,
    checked_out_uploaded_at: null,
    // The first on 登记 scanned 35 m from the site; the first on the second post was checked in by hand.
    checkin_method: started && i === 0 ? (roleIndex === 0 ? 'code' : 'manual') : null,
    checkin_reason: started && i === 0 && roleIndex !== 0 ? '手机没电，现场核实身份' : null,
    checkin_distance_m: started && i === 0 && roleIndex === 0 ? 35 : null,
    checkout_distance_m: null,
  }));
}

function dutyRoster(options, req) {
  const list = options.empty ? [] : shifts(options).filter((s) => s.starts_at.startsWith(req.query.date || day(0)));
  return {
    date: req.query.date || day(0),
    community: community(Number(req.query.community_id) || 1),
    shifts: list.map((s) =>
      Object.assign({}, s, {
        my_booking: undefined,
        roles: s.roles.map((r, i) => Object.assign({}, r, { volunteers: options.empty ? [] : rosterVolunteers(i, s) })),
      }),
    ),
  };
}

/** GET /me/vacancy-alerts: on for 海珠社区 and one site of 新河, a rounded home point, 2 alerts left. */
function vacancySettings(options) {
  if (options.empty) {
    return { enabled: false, sites: [], communities: [], home_latitude: null, home_longitude: null, credits: 0 };
  }
  return {
    enabled: true,
    sites: [{ id: 6, name: SITES[2].name, community_id: 2 }],
    communities: [{ id: 1, name: '海珠社区' }],
    home_latitude: 22.543,
    home_longitude: 114.058,
    credits: 2,
  };
}

/** GET /shifts/{id}/vacancy-alerts: two rounds, four people alerted, one of whom booked. */
function shiftVacancyAlerts(shiftId, options) {
  if (options.empty) return { shift_id: shiftId, alerted: 0, took_place: 0, rounds: [], items: [] };
  const alerted = (id, name, phone, lead, when, distance, booked) => ({
    user: { id, real_name: name, nickname: null, phone_masked: phone },
    post_name: '引导',
    lead_minutes: lead,
    alerted_at: when,
    distance_m: distance,
    took_place: !!booked,
    booked_at: booked || null,
  });
  return {
    shift_id: shiftId,
    alerted: 4,
    took_place: 1,
    rounds: [
      { lead_minutes: 1440, ran_at: at(-1, '14:00'), missing: 3, alerted: 3 },
      { lead_minutes: 180, ran_at: at(0, '11:00'), missing: 2, alerted: 1 },
    ],
    items: [
      alerted(21, '林秀珍', '139****3021', 1440, at(-1, '14:00'), 420, at(-1, '14:12')),
      alerted(22, '黄伟', '137****8810', 1440, at(-1, '14:00'), 1350, null),
      alerted(23, '周丽', '136****5532', 1440, at(-1, '14:00'), null, null),
      alerted(24, '吴强', '135****0417', 180, at(0, '11:00'), 2100, null),
    ],
  };
}

function stats() {
  const totals = {
    activities_held: 18,
    signups: 412,
    confirmed_places: 388,
    people_served: 356,
    residents_reached: 241,
    waitlist_unserved: 12,
    shifts_run: 64,
    posts_capacity: 210,
    posts_filled: 187,
    fill_rate: 0.89,
    vacancies: 23,
    volunteer_minutes: 30240,
    no_shows: 5,
    no_show_rate: 0.027,
    new_volunteers: 9,
  };
  return {
    from: day(0).slice(0, 8) + '01',
    to: day(0),
    community_id: 1,
    group_by: null,
    groups: [],
    totals,
    top_volunteers: [],
  };
}

const CODE_IMAGE = 'http://127.0.0.1:5000/api/v1/checkin-codes/render-fixture.jpg';

/** The routes: `METHOD /path` (with :params) → (req, params, options) => data (200) or {statusCode, data}. */
const ROUTES = {
  'POST /auth/login': () => ({ token: 'render-token', expires_in: 604800, user: me({}) }),
  'POST /auth/logout': () => ({}),
  'POST /auth/phone': (req, p, o) => me(o),
  'GET /me': (req, p, o) => me(o),
  'PATCH /me': (req, p, o) => me(o),
  'POST /me/community/join': (req, p, o) => me(o),
  'GET /communities': () => ({ items: COMMUNITIES }),
  'GET /communities/:id/members': (req, p, o) => {
    const status = req.query.status || 'claimed';
    const items = o.empty
      ? []
      : PEOPLE.slice(0, status === 'claimed' ? 2 : 5).map((x, i) => ({
          id: x.id,
          nickname: x.nickname,
          real_name: x.real_name,
          phone_masked: x.phone_masked,
          status,
          claimed_at: at(-i - 1, '19:20'),
          confirmed_at: status === 'confirmed' ? at(-i, '10:02') : null,
        }));
    return page(items, req);
  },
  'GET /communities/:id/join-code': () => ({
    token: 'c1.2xk9.Qw3rTy',
    qrcode_url: CODE_IMAGE,
    expires_at: at(0, '10:08'),
  }),
  'GET /checkin-codes/:name': () => 'JPEG',
  'GET /activities': (req, p, o) => page(o.empty ? [] : ACTIVITIES, req),
  'GET /activities/:id': (req, p, o) =>
    Number(p.id) === 3
      ? detailActivity(o.activity)
      : ACTIVITIES.find((a) => a.id === Number(p.id)) || activity(Number(p.id)),
  'POST /activities': () => ({ statusCode: 201, data: activity(9, { status: 'draft' }) }),
  'PATCH /activities/:id': (req, p) => activity(Number(p.id)),
  'POST /activities/:id/publish': (req, p) => activity(Number(p.id)),
  'POST /activities/:id/cancel': (req, p) => activity(Number(p.id), { status: 'cancelled' }),
  'POST /activities/:id/registrations': () => ({ statusCode: 201, data: myRegistration('confirmed') }),
  'DELETE /activities/:id/registrations/me': () => ({ statusCode: 204, data: '' }),
  'POST /activities/:id/registrations/me/accept': () => myRegistration('confirmed'),
  'POST /activities/:id/registrations/me/decline': () => ({ status: 'cancelled' }),
  'GET /activities/:id/draw': (req, p, o) => draw(o.draw || 'drawn'),
  'GET /activities/:id/checkin-code': () => ({
    token: 'a3.2xk9.Qw3rTy',
    qrcode_url: CODE_IMAGE,
    expires_at: at(0, '10:08'),
  }),
  'POST /activities/:id/check-in': () => Object.assign(myRegistration('confirmed'), { checked_in_at: at(0, '10:00') }),
  'GET /activities/:id/roster': (req, p, o) => {
    // As the server: every status without a filter (pending sign-ups too), one status with `status`.
    let items = [];
    if (!o.empty) {
      if (req.query.status === 'pending') items = pendingItems();
      else items = rosterItems().concat(pendingItems());
    }
    const a = Object.assign({}, activity(Number(p.id)), {
      signup_mode: 'approval',
      claim_hours: 12,
      questions: QUESTIONS,
    });
    delete a.my_registration;
    return {
      activity: a,
      counts: {
        confirmed: o.empty ? 0 : 3,
        waitlisted: o.empty ? 0 : 1,
        offered: o.empty ? 0 : 1,
        pending: o.empty ? 0 : 3,
        cancelled: 0,
        checked_in: o.empty ? 0 : 2,
        places: 26,
      },
      items,
    };
  },
  'POST /activities/:id/roster/:rid/approve': (req, p) =>
    Object.assign(pendingItems()[0], { registration_id: Number(p.rid), status: 'confirmed' }),
  'POST /activities/:id/roster/:rid/reject': (req, p) =>
    Object.assign(pendingItems()[0], { registration_id: Number(p.rid), status: 'rejected', reject_reason: '名额已满' }),
  'POST /activities/:id/roster/:rid/check-in': () => ({}),
  'POST /activities/:id/roster/:rid/phone': () => ({ phone: '13800002046' }),
  'GET /me/registrations': (req, p, o) =>
    page(
      o.empty
        ? []
        : [
            Object.assign(myRegistration('offered', null, { offer_expires_at: at(0, '20:00') }), {
              id: 55,
              activity: ACTIVITIES[1],
            }),
            Object.assign(myRegistration('confirmed'), { activity: ACTIVITIES[0] }),
            Object.assign(myRegistration('waitlisted', 2), { id: 51, activity_id: 4, activity: ACTIVITIES[1] }),
            Object.assign(myRegistration('entered'), { id: 52, activity: lottery() }),
            Object.assign(myRegistration('pending'), { id: 53, activity: approval() }),
            Object.assign(myRegistration('rejected', null, { reject_reason: '本班仅限本社区 60 岁以上长者报名' }), {
              id: 54,
              activity: approval({ id: 7, title: '长者书法兴趣班（第二期）' }),
            }),
          ],
      req,
    ),
  'GET /sites': (req, p, o) => page(o.empty ? [] : SITES, req),
  'POST /sites': () => ({ statusCode: 201, data: SITES[0] }),
  'PATCH /sites/:id': () => SITES[0],
  'GET /sites/:id/checkin-code': () => ({
    token: 's4.2xk9.Qw3rTy',
    qrcode_url: CODE_IMAGE,
    expires_at: at(0, '10:08'),
  }),
  'GET /shifts': (req, p, o) => page(o.empty ? [] : shiftList(o, req), req),
  'GET /shifts/:id': (req, p, o) => {
    const found = shifts(o).find((s) => s.id === Number(p.id));
    return found || { statusCode: 404, data: { error: 'shift_not_found', message: '班次不存在' } };
  },
  'POST /shifts': () => ({ statusCode: 201, data: shifts({})[0] }),
  'POST /shifts/batch': () => ({ statusCode: 201, data: { items: shifts({}) } }),
  'POST /shifts/:id/cancel': () => shifts({})[0],
  'POST /shifts/:id/bookings': () => ({
    statusCode: 201,
    data: booking(91, shifts({})[1], shifts({})[1].roles[0], {}),
  }),
  'DELETE /shifts/:id/bookings/me': () => ({ statusCode: 204, data: '' }),
  'GET /shifts/:id/roster': (req, p, o) => {
    const s = shifts(o)[0];
    return {
      shift: s,
      roles: s.roles.map((r, i) => Object.assign({}, r, { volunteers: o.empty ? [] : rosterVolunteers(i, s) })),
    };
  },
  'GET /rosters/shifts': (req, p, o) => dutyRoster(o, req),
  'POST /shift-bookings/:id/check-in': () => ({}),
  'POST /shift-bookings/:id/check-out': () => ({}),
  'POST /shift-bookings/:id/no-show': () => ({}),
  'POST /shift-bookings/:id/phone': () => ({ phone: '13800002046' }),
  'GET /me/shifts': (req, p, o) => {
    if (o.empty) return page([], req);
    const list = shifts(o);
    return page(
      [
        Object.assign(
          booking(90, list[0], list[0].roles[0], { checked_in_at: o.declare === 'checkin' ? null : at(0, '07:56') }),
          { shift: list[0] },
        ),
        Object.assign(booking(91, list[1], list[1].roles[0], {}), { shift: list[1] }),
        Object.assign(
          booking(89, list[2], list[2].roles[1], {
            checked_in_at: at(-6, '06:58'),
            checked_out_at: at(-6, '11:02'),
            minutes_credited: 240,
          }),
          { shift: Object.assign({}, list[2], { starts_at: at(-6, '07:00'), ends_at: at(-6, '11:00') }) },
        ),
      ],
      req,
    );
  },
  'POST /shift-bookings/:id/swap': (req, p) => ({
    statusCode: 201,
    data: swap(54, shifts({})[1], shifts({})[1].roles[0], Number(p.id), {
      mine: true,
      named: Boolean(req.data && req.data.phone),
    }),
  }),
  'DELETE /shift-bookings/:id/swap': (req, p) =>
    swap(54, shifts({})[1], shifts({})[1].roles[0], Number(p.id), { mine: true, status: 'withdrawn' }),
  'GET /shift-swaps': (req, p, o) => {
    const list = shifts({});
    return page(o.empty ? [] : [swap(51, list[2], list[2].roles[0], 77, {})], req);
  },
  'GET /me/swaps': (req, p, o) => {
    const list = shifts({});
    return { items: o.empty ? [] : [swap(54, list[1], list[1].roles[0], 91, { mine: true, giver_name: '陈**' })] };
  },
  'GET /shift-swaps/:id': (req, p, o) => swapOf(o),
  'POST /shift-swaps/:id/claim': (req, p, o) =>
    Object.assign(swapOf(o), { status: 'done', claim_problem: '已有志愿者接班' }),
  'POST /shift-swaps/:id/approve': (req, p, o) => Object.assign(rosterSwaps(o).items[0], { status: 'done' }),
  'POST /shift-swaps/:id/reject': (req, p, o) => Object.assign(rosterSwaps(o).items[0], { status: 'rejected' }),
  'GET /rosters/swaps': (req, p, o) => rosterSwaps(o),
  'GET /me/qualifications': (req, p, o) => ({
    items: o.empty
      ? []
      : [
          Object.assign({}, TRAINING, {
            note: '完成街道组织的登记培训',
            held: true,
            granted_at: at(-30, '10:00'),
            expires_on: day(180),
            expired: false,
          }),
        ],
  }),
  'GET /me/health-declaration': () => ({ declaration: null }),
  'POST /me/health-declaration': (req) =>
    Object.assign({ day: day(0), well: true, declared_at: at(0, '07:50') }, req.data || {}),
  'GET /communities/:id/members/:user/qualifications': (req, p, o) => ({
    member: PEOPLE.map((x) => Object.assign({ status: 'confirmed' }, x)).find((x) => x.id === Number(p.user)),
    items: o.empty
      ? []
      : [
          Object.assign({}, TRAINING, {
            note: '完成街道组织的登记培训',
            held: true,
            granted_at: at(-30, '10:00'),
            expires_on: null,
            expired: false,
          }),
          { id: 8, name: '测温点操作培训', note: '', held: false, granted_at: null, expires_on: null, expired: false },
        ],
  }),
  'POST /qualifications/:id/grants': (req, p) =>
    Object.assign({}, TRAINING, { id: Number(p.id), note: '', held: true, expires_on: null, expired: false }),
  'DELETE /qualifications/:id/grants/:user': (req, p) =>
    Object.assign({}, TRAINING, { id: Number(p.id), note: '', held: false, expires_on: null, expired: false }),
  'GET /me/hours': (req, p, o) =>
    o.empty
      ? { total_minutes: 0, pending_minutes: 0, by_month: [], items: [] }
      : {
          total_minutes: 1530,
          pending_minutes: 235,
          by_month: [
            { month: '2026-12', minutes: 240 },
            { month: '2026-11', minutes: 690 },
            { month: '2026-10', minutes: 600 },
          ],
          items: [
            {
              booking_id: 93,
              shift_id: 12,
              site: '北门卡口',
              post: '测温登记',
              starts_at: at(-1, '07:00'),
              ends_at: at(-1, '11:00'),
              minutes_worked: 235,
              minutes: 235,
              status: 'pending',
              confirmed_at: null,
              query: null,
            },
            {
              booking_id: 89,
              shift_id: 9,
              site: '北门卡口',
              post: '扫码查验',
              starts_at: at(-6, '07:00'),
              ends_at: at(-6, '11:00'),
              minutes_worked: 210,
              minutes: 240,
              status: 'corrected',
              confirmed_at: at(-5, '09:30'),
              query: {
                id: 4,
                text: '我 7 点前就到岗了，签到晚扫了',
                status: 'answered',
                answer: '已核实现场登记，更正为4小时',
                created_at: at(-5, '20:10'),
                answered_at: at(-4, '09:00'),
              },
            },
            {
              booking_id: 80,
              shift_id: 7,
              site: '海珠社区核酸采样点',
              post: '信息登记',
              starts_at: at(-20, '14:00'),
              ends_at: at(-20, '18:00'),
              minutes_worked: 240,
              minutes: 240,
              status: 'confirmed',
              confirmed_at: at(-19, '10:00'),
              query: null,
            },
          ],
        },
  'POST /shift-bookings/:id/hours/query': () => ({
    id: 5,
    text: '签退漏扫',
    status: 'open',
    answer: null,
    created_at: at(0, '09:00'),
    answered_at: null,
  }),
  'GET /me/attendance': (req, p, o) => {
    const year = Number(req.query.year) || 2026;
    const items =
      o.empty || year !== 2026
        ? []
        : [
            {
              registration_id: 61,
              activity_id: 8,
              title: '重阳节敬老茶话会',
              starts_at: at(-60, '14:30'),
              ends_at: at(-60, '16:30'),
              venue: '海珠社区党群服务中心一楼活动室',
              community: community(1),
              checked_in_at: at(-60, '14:21'),
              certificate_available: true,
            },
            {
              registration_id: 52,
              activity_id: 6,
              title: '党课：学习贯彻党的二十届三中全会精神',
              starts_at: at(-120, '09:00'),
              ends_at: at(-120, '11:00'),
              venue: '海珠社区党群服务中心三楼会议室',
              community: community(1),
              checked_in_at: at(-120, '08:52'),
              certificate_available: false,
            },
          ];
    return { year, years: o.empty ? [] : [2026, 2025], total: items.length, items };
  },
  'GET /stats': () => stats(),
  'GET /subscriptions/templates': () => ({
    items: [
      { key: 'activity_reminder', template_id: 'T-ACT' },
      { key: 'shift_reminder', template_id: 'T-SHIFT' },
      { key: 'waitlist_promoted', template_id: 'T-WAIT' },
      { key: 'cancelled_by_organizer', template_id: 'T-CANCEL' },
      { key: 'schedule_changed', template_id: 'T-CHANGE' },
      { key: 'notice', template_id: 'T-NOTICE' },
      { key: 'signup_result', template_id: 'T-RESULT' },
      { key: 'shift_swap', template_id: 'T-SWAP' },
      { key: 'shift_vacancy', template_id: 'T-VACANCY' },
    ],
  }),
  'GET /me/subscriptions': (req, p, o) => ({
    items: o.empty
      ? []
      : [
          { key: 'activity_reminder', template_id: 'T-ACT', remaining: 2 },
          { key: 'shift_reminder', template_id: 'T-SHIFT', remaining: 0 },
          { key: 'waitlist_promoted', template_id: 'T-WAIT', remaining: 1 },
          { key: 'signup_result', template_id: 'T-RESULT', remaining: 1 },
          { key: 'shift_swap', template_id: 'T-SWAP', remaining: 1 },
          { key: 'shift_vacancy', template_id: 'T-VACANCY', remaining: 2 },
        ],
  }),
  'POST /me/subscriptions': () => ({}),
  'GET /me/vacancy-alerts': (req, p, o) => vacancySettings(o),
  'PUT /me/vacancy-alerts': (req, p, o) => vacancySettings(o),
  'GET /shifts/:id/vacancy-alerts': (req, p, o) => shiftVacancyAlerts(Number(p.id), o),
  'GET /console-logins/:ticket': (req, p) => ({
    ticket: p.ticket,
    status: 'pending',
    browser: 'Chrome 131 · Windows',
    ip: '10.12.3.45',
    user_agent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    requested_at: at(0, '09:59'),
    expires_at: at(0, '10:01'),
  }),
  'POST /console-logins/:ticket/confirm': () => ({}),
  'POST /console-logins/:ticket/reject': () => ({}),
  'GET /me/console-sessions': (req, p, o) => ({
    items:
      o.user === 'organizer' && !o.empty
        ? [
            {
              id: 1,
              browser: 'Chrome 131 · Windows',
              ip: '10.12.3.45',
              created_at: at(0, '08:30'),
              last_seen_at: at(0, '09:40'),
            },
          ]
        : [],
  }),
};

const COMPILED = Object.keys(ROUTES).map((key) => {
  const [method, pattern] = key.split(' ');
  const names = [];
  const re = new RegExp(
    '^' +
      pattern.replace(/:([a-z]+)/g, (m, name) => {
        names.push(name);
        return '([^/]+)';
      }) +
      '$',
  );
  return { method, re, names, answer: ROUTES[key] };
});

/** Marker a handler returns for a call that is never answered (helpers in harness.js hold it). */
const HOLD = { hold: true };

/** A request handler for the scripted wx (helpers/wx.js): see the options at the top of this file. */
function api(options = {}) {
  return (req) => {
    if (options.hold) return HOLD;
    if (options.fail === 'network') return { fail: { errMsg: 'request:fail timeout' } };
    if (options.fail === 'server') {
      return { statusCode: 500, data: { error: 'internal_error', message: '服务器开小差了，请稍后再试' } };
    }
    for (const route of COMPILED) {
      if (route.method !== req.method && !(req.method === 'DOWNLOAD' && route.method === 'GET')) continue;
      const m = route.re.exec(req.path);
      if (!m) continue;
      const params = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      const out = route.answer(req, params, options);
      if (out && typeof out.statusCode === 'number') return out;
      return { statusCode: 200, data: out };
    }
    return { statusCode: 404, data: { error: 'not_found', message: `渲染数据缺少接口 ${req.method} ${req.path}` } };
  };
}

module.exports = { NOW, day, at, api, HOLD, ROUTES };
