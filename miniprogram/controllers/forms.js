/** Form state → API payloads, with the checks worth doing before the server's (Chinese messages per field). */
const { toIso, parseIso, splitIso } = require('../utils/time');

const isInt = (value, min) => /^\d+$/.test(String(value).trim()) && Number(value) >= min;

/** PATCH /me changes from the profile form: a blank nickname is left out, a blank real name cleared. */
function profileChanges(form) {
  const changes = { community_id: form.communityId || null };
  const nickname = (form.nickname || '').trim();
  if (nickname) changes.nickname = nickname;
  changes.real_name = (form.realName || '').trim() || null;
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
    audience: 'all',
    cancelCutoffMinutes: '60',
  };
}

/** The form of an existing activity, for editing. */
function activityToForm(activity) {
  const a = activity || {};
  const start = splitIso(a.starts_at);
  const end = splitIso(a.ends_at);
  const opens = splitIso(a.signup_opens_at);
  const closes = splitIso(a.signup_closes_at);
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
    audience: a.audience || 'all',
    cancelCutoffMinutes: String(a.cancel_cutoff_minutes || 0),
  };
}

function optionalIso(date, time) {
  return date ? toIso(date, time || '00:00') : null;
}

/**
 * POST /activities (or PATCH, `forUpdate`) body from the form. Resolves `{payload, errors}`;
 * `errors` maps field names to a Chinese message and is empty when the form is fine.
 */
function buildActivityPayload(form, { forUpdate = false } = {}) {
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
    audience: form.audience || 'all',
    cancel_cutoff_minutes: Number(form.cancelCutoffMinutes),
  };
  if (!forUpdate) payload.community_id = form.communityId;
  return { payload, errors };
}

let rowKey = 0;
/** A unique `key` for a slot or post row (wx:key needs one; the API never sees it). */
function nextRowKey() {
  rowKey += 1;
  return `row${rowKey}`;
}

function slotRow(start, end) {
  return { key: nextRowKey(), start, end };
}

function postRow(name, capacity) {
  return { key: nextRowKey(), name, capacity };
}

/** An empty batch-shift form: one morning slot and two posts. */
function emptyBatchForm() {
  return {
    siteId: null,
    dates: [],
    slots: [slotRow('08:00', '12:00')],
    posts: [postRow('登记', '2'), postRow('维持秩序', '2')],
    partyMembersOnly: false,
  };
}

/**
 * POST /shifts/batch body from the form; `{payload, errors}` as for activities.
 * The body has `posts`; services/shift.js translates them to the API's name on the way out.
 */
function buildBatchPayload(form) {
  const errors = {};
  if (!form.siteId) errors.site_id = '请选择值守点位';
  const dates = (form.dates || []).slice().sort();
  if (!dates.length) errors.dates = '请至少选择一天';
  const slots = (form.slots || []).map((slot) => ({ start: slot.start, end: slot.end }));
  if (!slots.length) errors.slots = '请至少添加一个时段';
  else if (slots.some((slot) => !slot.start || !slot.end || slot.end <= slot.start)) {
    errors.slots = '每个时段的结束时间须晚于开始时间';
  }
  const posts = (form.posts || []).map((post) => ({ name: (post.name || '').trim(), capacity: post.capacity }));
  const names = posts.map((post) => post.name);
  if (!posts.length) errors.posts = '请至少添加一个岗位';
  else if (names.some((name) => !name)) errors.posts = '请填写岗位名称';
  else if (names.some((name, i) => names.indexOf(name) !== i)) errors.posts = '岗位名称不能重复';
  else if (posts.some((post) => !isInt(post.capacity, 1))) errors.posts = '每个岗位的人数须为正整数';
  const payload = {
    site_id: form.siteId,
    dates,
    slots,
    posts: posts.map((post) => ({ name: post.name, capacity: Number(post.capacity) })),
    party_members_only: !!form.partyMembersOnly,
  };
  return { payload, errors };
}

module.exports = {
  profileChanges,
  emptyActivityForm,
  activityToForm,
  buildActivityPayload,
  emptyBatchForm,
  slotRow,
  postRow,
  buildBatchPayload,
};
