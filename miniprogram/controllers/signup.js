/** The two taps that earn reminders: signing up for an activity and booking a shift post. */
const activityService = require('../services/activity');
const shiftService = require('../services/shift');
const {
  ACTIVITY_TEMPLATE_KEYS,
  WAITLIST_TEMPLATE_KEYS,
  SHIFT_TEMPLATE_KEYS,
  RESULT_TEMPLATE_KEYS,
  OFFER_TEMPLATE_KEYS,
  CLAIM_WAITLIST_TEMPLATE_KEYS,
  REGISTRATION_STATUS,
  SIGNUP_MODE,
} = require('../constants/status');
const { withReminders } = require('./reminders');

/**
 * The templates a sign-up tap asks for. A lottery entry or a sign-up awaiting approval hears its result
 * (`signup_result`); joining a waitlist hears of its promotion, or of an offer to claim when the activity
 * has `claim_hours` (an offer comes as `signup_result`); a place hears the start and changes.
 */
function signupTemplateKeys({ mode = SIGNUP_MODE.FIRST_COME, waitlist = false, claimHours = 0 } = {}) {
  if (mode === SIGNUP_MODE.LOTTERY || mode === SIGNUP_MODE.APPROVAL) return RESULT_TEMPLATE_KEYS;
  if (waitlist) return claimHours > 0 ? CLAIM_WAITLIST_TEMPLATE_KEYS : WAITLIST_TEMPLATE_KEYS;
  return ACTIVITY_TEMPLATE_KEYS;
}

/** The toast after a sign-up, by the status it got. */
function signupMessage(registration) {
  const r = registration || {};
  switch (r.status) {
    case REGISTRATION_STATUS.WAITLISTED:
      return `已加入候补，第 ${r.waitlist_position || '-'} 位`;
    case REGISTRATION_STATUS.ENTERED:
      return '已参与抽签';
    case REGISTRATION_STATUS.PENDING:
      return '已提交，等待审核';
    default:
      return '报名成功';
  }
}

/**
 * Sign up (or join the waitlist, enter a lottery, ask for approval): subscribe dialog → POST registrations
 * → report accepted templates. `waitlist`: the activity is full, so the tap joins the waitlist.
 * `answers`: the questions' answers, already checked (controllers/fair-places.validateAnswers).
 * Resolves `{registration, accepted, message}`; rejects with the ApiError of the sign-up.
 */
async function signUpForActivity(
  activityId,
  { companions = 0, remark = '', waitlist = false, mode, claimHours = 0, answers } = {},
) {
  const keys = signupTemplateKeys({ mode, waitlist, claimHours });
  const { result, accepted } = await withReminders(keys, () =>
    activityService.register(activityId, { companions, remark, answers }),
  );
  return { registration: result, accepted, message: signupMessage(result) };
}

/**
 * 确认参加 on an offered place: subscribe dialog (the start reminder and changes, as for any place) →
 * POST accept → report. Resolves `{registration, accepted, message}`; rejects with the ApiError
 * (409 offer_expired, no_offer).
 */
async function acceptOffer(activityId) {
  const { result, accepted } = await withReminders(OFFER_TEMPLATE_KEYS, () => activityService.acceptOffer(activityId));
  return { registration: result, accepted, message: '已确认参加' };
}

/**
 * Book a post on a shift: subscribe dialog → POST bookings → report accepted templates.
 * `declaration`: today's health answers, for a post asking for them at booking.
 * Resolves `{booking, accepted, message}`; rejects with the ApiError of the booking.
 */
async function bookShiftPost(shiftId, postId, declaration) {
  const { result, accepted } = await withReminders(SHIFT_TEMPLATE_KEYS, () =>
    shiftService.bookShift(shiftId, postId, declaration),
  );
  return { booking: result, accepted, message: '预约成功' };
}

module.exports = { signupTemplateKeys, signupMessage, signUpForActivity, acceptOffer, bookShiftPost };
