/** The two taps that earn reminders: signing up for an activity and booking a shift post. */
const activityService = require('../services/activity');
const shiftService = require('../services/shift');
const {
  ACTIVITY_TEMPLATE_KEYS,
  WAITLIST_TEMPLATE_KEYS,
  SHIFT_TEMPLATE_KEYS,
  REGISTRATION_STATUS,
} = require('../constants/status');
const { withReminders } = require('./reminders');

/**
 * Sign up (or join the waitlist): subscribe dialog → POST registrations → report accepted templates.
 * `waitlist`: the activity is full, so the tap joins the waitlist and asks for the promotion notice.
 * Resolves `{registration, accepted, message}`; rejects with the ApiError of the sign-up.
 */
async function signUpForActivity(activityId, { companions = 0, remark = '', waitlist = false } = {}) {
  const keys = waitlist ? WAITLIST_TEMPLATE_KEYS : ACTIVITY_TEMPLATE_KEYS;
  const { result, accepted } = await withReminders(keys, () =>
    activityService.register(activityId, { companions, remark }),
  );
  const message =
    result && result.status === REGISTRATION_STATUS.WAITLISTED
      ? `已加入候补，第 ${result.waitlist_position || '-'} 位`
      : '报名成功';
  return { registration: result, accepted, message };
}

/**
 * Book a post on a shift: subscribe dialog → POST bookings → report accepted templates.
 * Resolves `{booking, accepted, message}`; rejects with the ApiError of the booking.
 */
async function bookShiftPost(shiftId, postId) {
  const { result, accepted } = await withReminders(SHIFT_TEMPLATE_KEYS, () => shiftService.bookShift(shiftId, postId));
  return { booking: result, accepted, message: '预约成功' };
}

module.exports = { signUpForActivity, bookShiftPost };
