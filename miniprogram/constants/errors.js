/**
 * Chinese messages for the contract's `error` ids (docs/api.md lists them all).
 * Pages branch on the id, never on the text; this table is the one place the text lives.
 */
const ERROR_MESSAGES = {
  // Login and session
  not_authenticated: '请先登录',
  token_invalid: '登录状态无效，请重新进入小程序',
  token_expired: '登录已过期，请重新进入小程序',
  token_revoked: '登录已失效，请重新进入小程序',
  wechat_code_invalid: '微信登录凭证无效或已使用，请重新进入小程序',
  wechat_login_blocked: '该微信账号暂时无法登录，请联系社区工作人员',
  wechat_login_failed: '微信登录失败，请稍后重试',
  wechat_unavailable: '微信服务暂时不可用，请稍后再试',
  wechat_rate_limited: '微信服务繁忙，请稍后再试',
  wechat_rejected: '微信暂时无法处理该请求，请稍后再试',
  rate_limited: '操作太频繁，请稍后再试',
  phone_code_invalid: '手机号授权已失效，请重新点击授权',

  // Generic refusals
  bad_request: '请求格式有误',
  malformed_body: '请求格式有误，请稍后重试',
  validation_failed: '填写的信息有误，请检查后重试',
  forbidden: '没有权限进行此操作',
  not_found: '内容不存在或已删除',
  user_not_found: '用户不存在',
  community_not_found: '社区不存在',
  activity_not_found: '活动不存在或已删除',
  registration_not_found: '没有找到您的报名记录',
  site_not_found: '值守点位不存在',
  shift_not_found: '值守班次不存在或已删除',
  booking_not_found: '没有找到您的值守预约',
  membership_not_found: '该居民不是本社区的成员或申请人，请刷新列表',
  method_not_allowed: '暂不支持此操作',
  conflict: '当前状态不允许此操作',
  payload_too_large: '提交的内容过大',
  unsupported_media_type: '请求格式有误',
  internal_error: '服务器开小差了，请稍后再试',
  dependency_unavailable: '服务暂时不可用，请稍后再试',
  content_risky: '内容可能含有不适宜的信息，请修改后再提交',

  // Activities and registrations
  not_eligible: '您不符合报名条件（可能仅限党员或本社区居民）',
  signup_not_open: '报名尚未开始',
  signup_closed: '报名已截止',
  capacity_full: '名额已满',
  activity_not_open: '活动未开放（未发布、已取消或已结束）',
  activity_not_draft: '只有草稿状态的活动可以发布',
  cancel_cutoff_passed: '已超过可取消的时间，无法取消',
  capacity_below_confirmed: '名额不能少于已确认报名的人数',
  checkin_token_invalid: '签到码无效或已过期，请重新扫码',
  registration_not_confirmed: '候补中的报名不能签到',
  join_code_invalid: '社区居民确认码无效或已过期，请重新扫码',

  // Lottery, offers that must be claimed, approval, questions (报名方式)
  signup_rejected: '您在本活动的报名未通过审核，不能再次报名',
  offer_expired: '名额邀请已过期，名额已让给下一位候补居民',
  no_offer: '您没有待确认的名额邀请，请刷新页面',
  not_pending: '该报名已不是待审核状态（可能已撤回或已由其他工作人员处理），请刷新名单',
  signup_mode_locked: '活动发布后不能修改报名方式和开奖时间',
  questions_locked: '已有居民报名，不能再修改报名问题',

  // Volunteer shifts
  role_full: '该岗位已约满，请选择其他岗位或班次',
  shift_overlap: '与您已预约的其他班次时间冲突',
  shift_started: '班次已开始，无法进行此操作',
  already_booked: '您已预约该班次的其他岗位',
  daily_limit_exceeded: '超过任意24小时内的值守时长上限',
  shift_not_open: '该班次已取消',
  shift_exists: '该点位在这个时段已有班次',
  shift_ended: '班次已结束，无法进行此操作',
  shift_not_started: '班次开始后才能进行此操作',
  booking_not_active: '该预约已取消或已标记缺勤',
  checkin_window_closed: '现在不在可签到或签退的时间内，请联系组织者补签',
  not_checked_in: '还没有签到，不能签退',
  already_checked_in: '已签到，不能标记缺勤',

  // Swaps and hand-over (换班)
  swap_not_found: '没有找到该换班信息，可能已撤回',
  swap_person_not_found: '没有找到使用该手机号的志愿者，请核对号码，或改为“任何符合条件的志愿者”',
  swap_exists: '该预约已发起换班，请先撤回再重新发起',
  swap_taken: '已有其他志愿者接班',
  swap_closed: '该换班已结束（已撤回、未通过或预约已取消）',
  swap_expired: '班次已开始，换班已结束',
  swap_own: '这是你自己发起的换班',
  swap_not_pending: '该换班已不在待审核状态，请刷新',

  // Check-ins scanned offline and uploaded later (离线补传)
  recorded_at_in_future: '扫码时间晚于当前时间，请检查手机时间后重新扫码',
  recorded_at_too_old: '离线签到已超过补传期限，请联系组织者补签',
  recorded_at_before_token: '扫码时间早于签到码生成的时间，请检查手机时间后重新扫码',
  checkin_token_expired: '扫码时签到码已过期，请联系组织者补签',

  // Web console (管理后台) login by scanning its code
  console_login_not_found: '二维码已过期或已使用，请在电脑上刷新二维码',
  console_login_decided: '该登录请求已处理',

  // Attendance record (参加记录) and certificates
  not_attended: '您没有在该活动签到，暂无参加证明',
  certificate_not_enabled: '该活动未开放参加证明',

  // Volunteer hours as a record (志愿服务记录)
  hours_query_not_found: '没有找到该申诉',
  hours_not_recorded: '该次值守还没有签退，没有可申诉的时长',
  hours_query_open: '这条时长已有待答复的申诉，请等待组织者答复',
  hours_query_answered: '该申诉已答复',
  no_confirmed_hours: '所选期间没有已确认的志愿时长，暂不能出具证明',

  // Client-side
  network_error: '网络连接失败，请检查网络后重试',
  network_timeout: '网络超时，请稍后重试',
};

/** On the console login page, ids whose general text above says too little there. */
const CONSOLE_LOGIN_MESSAGES = {
  forbidden: '只有社区工作者或管理员可以登录管理后台',
};

/** Fallback text by HTTP status when an id is unknown and the server sent no message. */
const STATUS_MESSAGES = {
  400: '请求有误，请稍后重试',
  401: '请先登录',
  403: '没有权限进行此操作',
  404: '内容不存在或已删除',
  405: '暂不支持此操作',
  409: '当前状态不允许此操作',
  413: '提交的内容过大',
  422: '填写的信息有误，请检查后重试',
  429: '操作太频繁，请稍后再试',
};
const SERVER_ERROR_MESSAGE = '服务暂时不可用，请稍后再试';
const GENERIC_MESSAGE = '操作失败，请稍后重试';

/** The ids of a 401 that mean "log in again" (the request wrapper re-logs in silently once). */
const SESSION_ERROR_IDS = ['not_authenticated', 'token_invalid', 'token_expired', 'token_revoked'];

/** Chinese text for an error: the id's text, else the server's message, else a text by status. */
function messageFor(errorId, statusCode, serverMessage) {
  if (errorId && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, errorId)) return ERROR_MESSAGES[errorId];
  if (typeof serverMessage === 'string' && serverMessage.trim()) return serverMessage.trim();
  if (STATUS_MESSAGES[statusCode]) return STATUS_MESSAGES[statusCode];
  if (statusCode >= 500) return SERVER_ERROR_MESSAGE;
  return GENERIC_MESSAGE;
}

module.exports = {
  ERROR_MESSAGES,
  CONSOLE_LOGIN_MESSAGES,
  STATUS_MESSAGES,
  SERVER_ERROR_MESSAGE,
  GENERIC_MESSAGE,
  SESSION_ERROR_IDS,
  messageFor,
};
