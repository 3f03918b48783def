/** Status enums, categories and their Chinese labels: the one place pages and components read them from. */

const ACTIVITY_STATUS = { DRAFT: 'draft', PUBLISHED: 'published', CANCELLED: 'cancelled', FINISHED: 'finished' };
const REGISTRATION_STATUS = {
  CONFIRMED: 'confirmed',
  WAITLISTED: 'waitlisted',
  OFFERED: 'offered',
  PENDING: 'pending',
  ENTERED: 'entered',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
  REJECTED: 'rejected',
  NOT_DRAWN: 'not_drawn',
};
// How an activity gives out places (fixed once published).
const SIGNUP_MODE = { FIRST_COME: 'first_come', LOTTERY: 'lottery', APPROVAL: 'approval' };
const SIGNUP_MODES = [
  { value: 'first_come', label: '先到先得' },
  { value: 'lottery', label: '抽签' },
  { value: 'approval', label: '需审核' },
];
const SHIFT_STATUS = { OPEN: 'open', CANCELLED: 'cancelled' };
const BOOKING_STATUS = {
  BOOKED: 'booked',
  CHECKED_IN: 'checked_in',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  NO_SHOW: 'no_show',
};

const CATEGORIES = [
  { value: 'party_lesson', label: '党课' },
  { value: 'youth', label: '青年学堂' },
  { value: 'women_children', label: '妇儿活动' },
  { value: 'elderly', label: '长者服务' },
  { value: 'culture', label: '文体活动' },
  { value: 'volunteer', label: '志愿服务' },
  { value: 'other', label: '其他' },
];

const AUDIENCES = [
  { value: 'all', label: '所有居民' },
  { value: 'party_members', label: '仅限党员' },
  { value: 'community_residents', label: '仅限本社区居民' },
];

const SITE_KINDS = [
  { value: 'checkpoint', label: '卡口' },
  { value: 'testing_site', label: '核酸采样点' },
  { value: 'temperature_point', label: '测温点' },
  { value: 'service_center', label: '党群服务中心' },
  { value: 'other', label: '其他' },
];

/** `tone` drives the colour of <status-tag>: primary, success, warning, danger, default. */
const STATUS_LABELS = {
  activity: {
    draft: { label: '草稿', tone: 'default' },
    published: { label: '报名中', tone: 'primary' },
    cancelled: { label: '已取消', tone: 'danger' },
    finished: { label: '已结束', tone: 'default' },
  },
  registration: {
    confirmed: { label: '已报名', tone: 'success' },
    waitlisted: { label: '候补中', tone: 'warning' },
    offered: { label: '待确认', tone: 'warning' },
    pending: { label: '待审核', tone: 'warning' },
    entered: { label: '待开奖', tone: 'primary' },
    cancelled: { label: '已取消', tone: 'default' },
    expired: { label: '已过期', tone: 'default' },
    rejected: { label: '未通过', tone: 'danger' },
    not_drawn: { label: '未中签', tone: 'default' },
    checked_in: { label: '已签到', tone: 'primary' },
  },
  // The outcome of a lottery entry on the draw page (GET /activities/{id}/draw `results[].outcome`).
  draw: {
    confirmed: { label: '中签', tone: 'success' },
    waitlisted: { label: '候补', tone: 'warning' },
    not_drawn: { label: '未中签', tone: 'default' },
    withdrawn: { label: '已撤回', tone: 'default' },
  },
  shift: {
    open: { label: '可预约', tone: 'primary' },
    cancelled: { label: '已取消', tone: 'danger' },
  },
  booking: {
    booked: { label: '已预约', tone: 'success' },
    checked_in: { label: '值守中', tone: 'primary' },
    completed: { label: '已完成', tone: 'default' },
    checked_out: { label: '已签退', tone: 'default' },
    cancelled: { label: '已取消', tone: 'default' },
    no_show: { label: '缺勤', tone: 'danger' },
  },
  // A swap (换班) of a booking (GET /shift-swaps/{id} `status`).
  swap: {
    open: { label: '待接班', tone: 'warning' },
    pending: { label: '待组织者同意', tone: 'warning' },
    done: { label: '已换班', tone: 'success' },
    withdrawn: { label: '已撤回', tone: 'default' },
    rejected: { label: '组织者未同意', tone: 'danger' },
    ended: { label: '已结束', tone: 'default' },
    expired: { label: '已过期', tone: 'default' },
  },
};

function optionLabel(options, value) {
  const found = options.find((option) => option.value === value);
  return found ? found.label : value || '';
}

const categoryLabel = (value) => optionLabel(CATEGORIES, value);
const audienceLabel = (value) => optionLabel(AUDIENCES, value);
const signupModeLabel = (value) => optionLabel(SIGNUP_MODES, value);
const siteKindLabel = (value) => optionLabel(SITE_KINDS, value);

/** `{label, tone}` of a status of one kind (activity, registration, draw, shift, booking, swap); unknown values pass through. */
function statusInfo(kind, value) {
  const table = STATUS_LABELS[kind] || {};
  return table[value] || { label: value || '', tone: 'default' };
}

/** Subscribe-message template keys (GET /subscriptions/templates) and which ones each tap asks for. */
const TEMPLATE_KEYS = {
  ACTIVITY_REMINDER: 'activity_reminder',
  SHIFT_REMINDER: 'shift_reminder',
  WAITLIST_PROMOTED: 'waitlist_promoted',
  CANCELLED_BY_ORGANIZER: 'cancelled_by_organizer',
  SCHEDULE_CHANGED: 'schedule_changed',
  NOTICE: 'notice',
  SIGNUP_RESULT: 'signup_result',
  SHIFT_SWAP: 'shift_swap',
  SHIFT_VACANCY: 'shift_vacancy',
};
const TEMPLATE_LABELS = {
  activity_reminder: '活动开始提醒',
  shift_reminder: '值守开始提醒',
  waitlist_promoted: '候补转正通知',
  cancelled_by_organizer: '活动/班次取消通知',
  schedule_changed: '时间地点变更通知',
  notice: '组织者活动通知',
  signup_result: '报名结果通知',
  shift_swap: '换班通知',
  shift_vacancy: '空岗提醒',
};
// WeChat shows at most 3 templates in one dialog. A confirmed place is told of moves and venue changes
// (`schedule_changed`); a waitlist place is not (it hears the times when promoted), so joining the
// waitlist asks for the promotion notice instead.
const ACTIVITY_TEMPLATE_KEYS = ['activity_reminder', 'schedule_changed', 'cancelled_by_organizer'];
const WAITLIST_TEMPLATE_KEYS = ['waitlist_promoted', 'activity_reminder', 'cancelled_by_organizer'];
const SHIFT_TEMPLATE_KEYS = ['shift_reminder', 'schedule_changed', 'cancelled_by_organizer'];
// An organizer's notice to an activity's participants (POST /activities/{id}/notices): asked for on
// its own from the subscriptions page (the sign-up dialogs already hold WeChat's 3 templates).
const NOTICE_TEMPLATE_KEYS = ['notice'];
// A lottery entry or a sign-up awaiting approval: the result (中签 / 审核通过 / 未通过) comes as
// `signup_result`; the start reminder and a cancellation still matter once a place is won.
const RESULT_TEMPLATE_KEYS = ['signup_result', 'activity_reminder', 'cancelled_by_organizer'];
// Accepting an offered place: the start reminder and changes, as a confirmed place.
const OFFER_TEMPLATE_KEYS = ACTIVITY_TEMPLATE_KEYS;
// Joining a waitlist of an activity whose freed places must be claimed: the offer comes as `signup_result`.
const CLAIM_WAITLIST_TEMPLATE_KEYS = RESULT_TEMPLATE_KEYS;
// Offering a booking (换班): whether it is taken, waits for approval or is refused comes as `shift_swap`.
const SWAP_TEMPLATE_KEYS = ['shift_swap'];
// Taking one (接班): the result, then the shift's start reminder and changes, as for a booking.
const CLAIM_SWAP_TEMPLATE_KEYS = ['shift_swap', 'shift_reminder', 'schedule_changed'];

const ROLES = { RESIDENT: 'resident', PARTY_MEMBER: 'party_member', ORGANIZER: 'organizer', ADMIN: 'admin' };
const ROLE_LABELS = { resident: '居民', party_member: '党员', organizer: '社区工作者', admin: '街道管理员' };

module.exports = {
  ACTIVITY_STATUS,
  REGISTRATION_STATUS,
  SIGNUP_MODE,
  SIGNUP_MODES,
  signupModeLabel,
  SHIFT_STATUS,
  BOOKING_STATUS,
  CATEGORIES,
  AUDIENCES,
  SITE_KINDS,
  STATUS_LABELS,
  categoryLabel,
  audienceLabel,
  siteKindLabel,
  statusInfo,
  TEMPLATE_KEYS,
  TEMPLATE_LABELS,
  ACTIVITY_TEMPLATE_KEYS,
  WAITLIST_TEMPLATE_KEYS,
  SHIFT_TEMPLATE_KEYS,
  NOTICE_TEMPLATE_KEYS,
  RESULT_TEMPLATE_KEYS,
  OFFER_TEMPLATE_KEYS,
  CLAIM_WAITLIST_TEMPLATE_KEYS,
  SWAP_TEMPLATE_KEYS,
  CLAIM_SWAP_TEMPLATE_KEYS,
  ROLES,
  ROLE_LABELS,
};
