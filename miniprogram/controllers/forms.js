/** Form state → API payloads, with the checks worth doing before the server's (Chinese messages per field). */
const { toIso, parseIso, splitIso } = require('../utils/time');

const isInt = (value, min) => /^\d+$/.test(String(value).trim()) && Number(value) >= min;

/** PATCH /me changes from the profile form: a blank nickname is left out, a blank real name cleared. */
function profileChanges(form) {
  const changes = { community_id: form.communityId || null };
  const nickname = (form.nickname || '').trim();
  if (nickname) changes.nickname = nickname;
  changes.real_name = (form.realName || '').trim() || null;
  // 志愿者编号: sent when the form has the field; empty clears it.
  if (form.volunteerNumber !== undefined) changes.volunteer_number = (form.volunteerNumber || '').trim() || null;
  return changes;
}

/** An empty activity form with sensible defaults. */
function emptyActivityForm(communityId) {
  return {
    title: '',
    category: 'party_lesson',
    communityId: communityId || null,
    venue: '',
    description: '',
    startDate: '',
    startTime: '09:00',
    endDate: '',
    endTime: '11:00',
    opensDate: '',
    opensTime: '',
    closesDate: '',
    closesTime: '',
    capacity: '30',
    waitlistEnabled: true,
    certificateEnabled: false,
    audience: 'all',
    cancelCutoffMinutes: '60',
    signupMode: 'first_come',
    drawDate: '',
    drawTime: '',
    claimHours: '0',
  };
}

/** The form of an existing activity, for editing. */
function activityToForm(activity) {
  const a = activity || {};
  const start = splitIso(a.starts_at);
  const end = splitIso(a.ends_at);
  const opens = splitIso(a.signup_opens_at);
  const closes = splitIso(a.signup_closes_at);
  const draw = splitIso(a.draw_at);
  return {
    title: a.title || '',
    category: a.category || 'other',
    communityId: (a.community && a.community.id) || null,
    venue: a.venue || '',
    description: a.description || '',
    startDate: start.date,
    startTime: start.time,
    endDate: end.date,
    endTime: end.time,
    opensDate: opens.date,
    opensTime: opens.time,
    closesDate: closes.date,
    closesTime: closes.time,
    capacity: String(a.capacity || ''),
    waitlistEnabled: !!a.waitlist_enabled,
    certificateEnabled: !!a.certificate_enabled,
    audience: a.audience || 'all',
    cancelCutoffMinutes: String(a.cancel_cutoff_minutes || 0),
    signupMode: a.signup_mode || 'first_come',
    drawDate: draw.date,
    drawTime: draw.time,
    claimHours: String(a.claim_hours || 0),
  };
}

/**
 * Why the sign-up mode and draw time of an activity cannot change, or '' when they can: both are fixed once
 * the activity is published (the server answers 409 signup_mode_locked).
 */
function signupModeLock(activity) {
  const status = activity && activity.status;
  return status && status !== 'draft' ? '活动已发布，报名方式和开奖时间不能再修改' : '';
}

function optionalIso(date, time) {
  return date ? toIso(date, time || '00:00') : null;
}

/**
 * POST /activities (or PATCH, `forUpdate`) body from the form. Resolves `{payload, errors}`;
 * `errors` maps field names to a Chinese message and is empty when the form is fine.
 * `modeLocked` (a published activity): the sign-up mode and draw time are left out of the body.
 * A lottery needs 报名截止 and 开奖时间 with 报名截止 <= 开奖 < 开始; only a lottery has a draw time.
 * The questions are edited in the web console and never sent from here (a PATCH without them keeps them).
 */
function buildActivityPayload(form, { forUpdate = false, modeLocked = false } = {}) {
  const errors = {};
  const title = (form.title || '').trim();
  if (!title) errors.title = '请填写活动名称';
  else if (title.length > 100) errors.title = '活动名称不能超过 100 字';
  if (!form.category) errors.category = '请选择活动类别';
  if (!forUpdate && !form.communityId) errors.community_id = '请选择社区';
  if (!form.startDate || !form.startTime) errors.starts_at = '请选择开始时间';
  const endDate = form.endDate || form.startDate;
  if (!endDate || !form.endTime) errors.ends_at = '请选择结束时间';
  const startsAt = form.startDate && form.startTime ? toIso(form.startDate, form.startTime) : null;
  const endsAt = endDate && form.endTime ? toIso(endDate, form.endTime) : null;
  if (startsAt && endsAt && parseIso(endsAt) <= parseIso(startsAt)) errors.ends_at = '结束时间须晚于开始时间';
  if (!isInt(form.capacity, 1)) errors.capacity = '名额须为正整数';
  if (!isInt(form.cancelCutoffMinutes, 0)) errors.cancel_cutoff_minutes = '请填写不小于 0 的整数';
  const opensAt = optionalIso(form.opensDate, form.opensTime);
  const closesAt = optionalIso(form.closesDate, form.closesTime);
  if (opensAt && closesAt && parseIso(closesAt) <= parseIso(opensAt)) {
    errors.signup_closes_at = '报名截止须晚于报名开始';
  }
  if (closesAt && startsAt && parseIso(closesAt) > parseIso(startsAt)) {
    errors.signup_closes_at = '报名截止不能晚于活动开始';
  }
  const mode = form.signupMode || 'first_come';
  const lottery = mode === 'lottery';
  const drawAt = lottery ? optionalIso(form.drawDate, form.drawTime) : null;
  if (lottery && !modeLocked) {
    if (!closesAt) errors.signup_closes_at = '抽签活动须设置报名截止时间';
    if (!drawAt) errors.draw_at = '请选择开奖时间';
    else if (closesAt && parseIso(drawAt) < parseIso(closesAt)) errors.draw_at = '开奖时间不能早于报名截止';
    else if (startsAt && parseIso(drawAt) >= parseIso(startsAt)) errors.draw_at = '开奖时间须早于活动开始';
  }
  if (
    !/^\d+$/.test(String(form.claimHours === undefined ? '0' : form.claimHours).trim()) ||
    Number(form.claimHours) > 168
  ) {
    errors.claim_hours = '请填写 0 至 168 的整数';
  }
  const payload = {
    title,
    description: (form.description || '').trim(),
    category: form.category,
    venue: (form.venue || '').trim(),
    starts_at: startsAt,
    ends_at: endsAt,
    signup_opens_at: opensAt,
    signup_closes_at: closesAt,
    capacity: Number(form.capacity),
    waitlist_enabled: !!form.waitlistEnabled,
    certificate_enabled: !!form.certificateEnabled,
    audience: form.audience || 'all',
    cancel_cutoff_minutes: Number(form.cancelCutoffMinutes),
    claim_hours: Number(form.claimHours || 0),
  };
  if (!modeLocked) {
    payload.signup_mode = mode;
    payload.draw_at = drawAt;
  }
  if (!forUpdate) payload.community_id = form.communityId;
  return { payload, errors };
}

module.exports = {
  profileChanges,
  emptyActivityForm,
  activityToForm,
  signupModeLock,
  buildActivityPayload,
};
