/**
 * 「添加到手机日历」: a confirmed place written into the phone's own calendar with wx.addPhoneCalendar, so the
 * phone reminds the person (an hour before) without spending a subscribe-message credit.
 *
 * WeChat allows the call only from a tap, asks the user once for scope.addPhoneCalendar (a privacy interface:
 * the app's privacy listener handles consent), and opens the system's own "add event" sheet, which the user
 * may cancel: that is no error and shows nothing.
 */
const { parseIso } = require('../utils/time');
const { showSuccess, showText } = require('../utils/ui');

/** The phone reminds this long before the start (seconds). */
const ALARM_OFFSET_SECONDS = 3600;

const MESSAGES = {
  unsupported: '当前微信版本不支持添加日历，请升级微信后重试',
  denied: '未获得添加日历的权限，请在右上角「…」→「设置」中允许后重试',
  failed: '添加到日历失败，请稍后重试',
};

/**
 * wx.addPhoneCalendar's options for an activity (as the API answers it): unix seconds, the community and
 * venue as the location. Returns null when the times cannot be read.
 */
function calendarEvent(activity) {
  const a = activity || {};
  const start = parseIso(a.starts_at);
  const end = parseIso(a.ends_at);
  if (!Number.isFinite(start)) return null;
  const communityName = (a.community && a.community.name) || '';
  const location = [communityName, a.venue || ''].filter(Boolean).join(' ');
  const event = {
    title: a.title || '党群活动',
    startTime: Math.floor(start / 1000),
    endTime: Math.floor((Number.isFinite(end) && end > start ? end : start) / 1000),
    location,
    description: `${communityName ? communityName + '的' : ''}党群活动「${a.title || ''}」，您已报名成功，请准时参加。`,
    alarm: true,
    alarmOffset: ALARM_OFFSET_SECONDS,
  };
  return event;
}

/** How a failed call ended: 'cancelled' (the user closed the sheet), 'denied' (no permission), or 'failed'. */
function failureKind(err) {
  const message = String((err && err.errMsg) || '').toLowerCase();
  if (/cancel/.test(message)) return 'cancelled';
  if (/auth|deny|denied|permission|authorize/.test(message)) return 'denied';
  return 'failed';
}

/**
 * Add the activity to the phone's calendar and tell the user how it went. Call it straight from a tap.
 * Resolves 'added' | 'cancelled' | 'denied' | 'failed' | 'unsupported'.
 */
function addActivityToCalendar(activity) {
  const event = calendarEvent(activity);
  if (typeof wx.addPhoneCalendar !== 'function' || !event) {
    showText(event ? MESSAGES.unsupported : MESSAGES.failed);
    return Promise.resolve(event ? 'unsupported' : 'failed');
  }
  return new Promise((resolve) => {
    wx.addPhoneCalendar(
      Object.assign({}, event, {
        success: () => {
          showSuccess('已添加到日历');
          resolve('added');
        },
        fail: (err) => {
          const kind = failureKind(err);
          if (kind !== 'cancelled') showText(MESSAGES[kind]);
          resolve(kind);
        },
      }),
    );
  });
}

module.exports = { addActivityToCalendar, calendarEvent, failureKind, ALARM_OFFSET_SECONDS, MESSAGES };
