/**
 * Which pages are rendered in which states. Every page of app.json (subpackages included) gets the
 * common states; PAGES adds the query a page is opened with and the states that matter for it.
 * A page missing from PAGES still renders (with an empty query), so new pages are never skipped.
 *
 * A state: {name, query, storage, api (fixtures.api options), fontScale, offline (wx.getNetworkType
 * answers none)}. Names become file names:
 * `<page path with / → ->[-<state>]` ('normal' has no suffix), e.g. pages-activity-detail-full.
 */
const { readJson } = require('./harness');

const LARGEST_FONT = 2; // wx.getAppBaseInfo().fontSizeScaleFactor at WeChat's largest text setting

const ORGANIZER = { user: 'organizer' };
const EMPTY = { empty: true };

/** Per page: the query it is opened with, the API defaults, and its own states. */
const PAGES = {
  'pages/activities/index': { states: { empty: { api: EMPTY }, 'elder-mode': { storage: { elder_mode: true } } } },
  'pages/activity-detail/index': {
    query: { id: '3' },
    states: {
      full: { api: { activity: 'full' } },
      waitlisted: { api: { activity: 'waitlisted' } },
      registered: { api: { activity: 'registered' } },
      // Fair places (issue 17): lottery, approval, offers, questions.
      'lottery-open': { api: { activity: 'lottery-open' } },
      'lottery-entered': { api: { activity: 'lottery-entered' } },
      'lottery-drawn': { api: { activity: 'lottery-drawn' } },
      'lottery-won': { api: { activity: 'lottery-won' } },
      'approval-open': { api: { activity: 'approval-open' } },
      'approval-pending': { api: { activity: 'approval-pending' } },
      rejected: { api: { activity: 'rejected' } },
      offered: { api: { activity: 'offered' } },
      'offered-large-font': { api: { activity: 'offered' }, fontScale: LARGEST_FONT },
      'offer-expired': { api: { activity: 'offer-expired' } },
      questions: { api: { activity: 'questions' } },
      'questions-large-font': { api: { activity: 'questions' }, fontScale: LARGEST_FONT },
    },
  },
  'pages/draw/index': {
    query: { id: '3' },
    api: { activity: 'lottery-drawn' },
    states: {
      sealed: { api: { draw: 'sealed', activity: 'lottery-entered' } },
      open: { api: { draw: 'open', activity: 'lottery-entered' } },
    },
  },
  'pages/shifts/index': {
    states: {
      empty: { api: EMPTY },
      booked: { api: { booked: true } },
      // Requirements per post (issue 18): a post asking for today's health declaration opens the booking sheet.
      'health-sheet': { tap: { handler: 'onBook', dataset: { shift: 11, post: 32 } } },
      'health-sheet-large-font': {
        tap: { handler: 'onBook', dataset: { shift: 11, post: 32 } },
        fontScale: LARGEST_FONT,
      },
      // Opened from a vacancy alert's message card: the shift short of people is marked.
      'from-alert': { query: { shift_id: '12', site_id: '5', date: '2026-12-10' } },
    },
  },
  // A shift at a site with a point (map, 导航到这里), one booked, and one at a site without a point.
  'pages/shift-detail/index': {
    query: { id: '11' },
    states: {
      booked: { query: { id: '12' }, api: { booked: true } },
      'booked-large-font': { query: { id: '12' }, api: { booked: true }, fontScale: LARGEST_FONT },
      'no-point': { query: { id: '13' } },
      'elder-mode': { storage: { elder_mode: true } },
    },
  },
  'pages/mine/index': {
    states: { organizer: { api: ORGANIZER }, 'elder-mode': { storage: { elder_mode: true } } },
  },
  'pages/checkin/index': {
    query: { scene: encodeURIComponent('a3.2xk9.Qw3rTy') },
    states: {
      site: { query: { scene: encodeURIComponent('s4.2xk9.Qw3rTy') } },
      // A post asking for today's health declaration at check-in: the form comes first.
      'site-declaration': { query: { scene: encodeURIComponent('s4.2xk9.Qw3rTy') }, api: { declare: 'checkin' } },
      'site-declaration-large-font': {
        query: { scene: encodeURIComponent('s4.2xk9.Qw3rTy') },
        api: { declare: 'checkin' },
        fontScale: LARGEST_FONT,
      },
      idle: { query: {} },
      // Scanned in an underground car park: no network at all.
      offline: { api: { fail: 'network' }, offline: true },
      'site-offline': {
        query: { scene: encodeURIComponent('s4.2xk9.Qw3rTy') },
        api: { fail: 'network' },
        offline: true,
      },
    },
  },
  'pages/community-join/index': {
    query: { scene: encodeURIComponent('c1.2xk9.Qw3rTy') },
    states: { idle: { query: {} } },
  },
  'pages/profile/index': {},
  'pages/my-registrations/index': { states: { empty: { api: EMPTY } } },
  'pages/my-shifts/index': {
    states: {
      empty: { api: EMPTY },
      'elder-mode': { storage: { elder_mode: true } },
    },
  },
  // 换班 (issue 18): the page a shared card or a `shift_swap` message opens.
  'pages/swap/index': {
    query: { id: '51' },
    states: {
      named: { api: { swap: 'named' } },
      pending: { api: { swap: 'pending' } },
      done: { api: { swap: 'done' } },
      problem: { api: { swap: 'problem' } },
      mine: { api: { swap: 'mine' } },
      declare: { api: { swap: 'declare' } },
      'elder-mode': { storage: { elder_mode: true } },
    },
  },
  'pages/my-hours/index': { states: { empty: { api: EMPTY } } },
  'pages/my-attendance/index': { states: { empty: { api: EMPTY } } },
  'pages/subscriptions/index': { states: { empty: { api: EMPTY } } },
  'pages/vacancy-alerts/index': {
    states: { off: { api: EMPTY }, 'elder-mode': { storage: { elder_mode: true } } },
  },
  'packageOrganizer/pages/index/index': { api: ORGANIZER },
  'packageOrganizer/pages/activities/index': {
    query: { communityId: '1' },
    api: ORGANIZER,
    states: { empty: { api: EMPTY } },
  },
  'packageOrganizer/pages/activity-edit/index': {
    query: { communityId: '1' },
    api: ORGANIZER,
    states: { edit: { query: { id: '3', communityId: '1' } } },
  },
  'packageOrganizer/pages/roster/index': {
    query: { id: '3' },
    api: ORGANIZER,
    states: { empty: { api: EMPTY }, pending: { query: { id: '3', status: 'pending' } } },
  },
  'packageOrganizer/pages/checkin-code/index': {
    query: { activityId: '3', name: encodeURIComponent('党课：学习贯彻党的二十届三中全会精神') },
    api: ORGANIZER,
    states: { site: { query: { siteId: '4', name: encodeURIComponent('海珠北门卡口') } } },
  },
  'packageOrganizer/pages/duty-roster/index': {
    query: { communityId: '1' },
    api: ORGANIZER,
    states: { empty: { api: EMPTY } },
  },
  'packageOrganizer/pages/members/index': {
    query: { communityId: '1' },
    api: ORGANIZER,
    states: {
      empty: { api: EMPTY },
      // 资格 of one member: grant or revoke.
      qualifications: { tap: { handler: 'onQualifications', dataset: { id: 21, name: '陈志明' } } },
      'qualifications-large-font': {
        tap: { handler: 'onQualifications', dataset: { id: 21, name: '陈志明' } },
        fontScale: LARGEST_FONT,
      },
    },
  },
  'packageOrganizer/pages/console-login/index': { query: { scene: 'Tk3mQ9xW2pLr8vNa5cYd' }, api: ORGANIZER },
};

/** Every page route of app.json, subpackages included. */
function allPages() {
  const app = readJson('app.json');
  const pages = app.pages.slice();
  (app.subPackages || app.subpackages || []).forEach((pkg) => pkg.pages.forEach((p) => pages.push(`${pkg.root}/${p}`)));
  return pages;
}

const shotName = (route, state) =>
  route.replace(/\/index$/, '').replace(/\//g, '-') + (state === 'normal' ? '' : `-${state}`);

/** [{route, name, file, state}] for every page and state. */
function allRenders() {
  const out = [];
  allPages().forEach((route) => {
    const spec = PAGES[route] || {};
    const base = { query: spec.query || {}, api: spec.api || {}, storage: spec.storage || {} };
    const merge = (name, extra = {}) => ({
      name,
      query: extra.query || base.query,
      api: Object.assign({}, base.api, extra.api || {}),
      storage: Object.assign({}, base.storage, extra.storage || {}),
      fontScale: extra.fontScale || 1,
      offline: !!extra.offline,
      tap: extra.tap || null,
    });
    const states = [
      merge('normal'),
      merge('large-font', { fontScale: LARGEST_FONT }),
      merge('loading', { api: { hold: true } }),
      merge('error', { api: { fail: 'network' } }),
    ];
    Object.keys(spec.states || {}).forEach((name) => states.push(merge(name, spec.states[name])));
    states.forEach((state) => out.push({ route, state, name: shotName(route, state.name) }));
  });
  return out;
}

module.exports = { PAGES, allPages, allRenders, shotName, LARGEST_FONT };
