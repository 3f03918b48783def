/** View models: turn API objects into what the pages and components display (pure, testable). */
const {
  categoryLabel,
  audienceLabel,
  siteKindLabel,
  signupModeLabel,
  ACTIVITY_STATUS,
  REGISTRATION_STATUS,
  SIGNUP_MODE,
} = require('../constants/status');
const {
  parseIso,
  formatRange,
  formatDateTime,
  formatTime: formatTimeOnly,
  formatMinutes,
  formatMonth,
} = require('./time');
const { requirementText } = require('./health');

const toInt = (n) => Math.max(0, Math.floor(Number(n) || 0));

/** `{taken, capacity, free, percent, full}` of a capacity. */
function places(taken, capacity) {
  const cap = toInt(capacity);
  const used = toInt(taken);
  const free = Math.max(0, cap - used);
  return {
    taken: used,
    capacity: cap,
    free,
    percent: cap ? Math.min(100, Math.round((used * 100) / cap)) : 0,
    full: free === 0,
  };
}

/** Status of my registration as shown: checked-in wins over confirmed. */
function myRegistrationStatus(registration) {
  if (!registration) return '';
  if (registration.checked_in_at && registration.status === REGISTRATION_STATUS.CONFIRMED) return 'checked_in';
  return registration.status || '';
}

function presentActivity(activity) {
  const a = activity || {};
  const p = places(a.confirmed_count, a.capacity);
  return {
    id: a.id,
    title: a.title || '',
    description: a.description || '',
    category: a.category,
    categoryText: categoryLabel(a.category),
    audienceText: audienceLabel(a.audience),
    communityName: (a.community && a.community.name) || '',
    venue: a.venue || '',
    timeText: formatRange(a.starts_at, a.ends_at),
    status: a.status,
    taken: p.taken,
    capacity: p.capacity,
    free: p.free,
    waitlist: toInt(a.waitlist_count),
    waitlistEnabled: !!a.waitlist_enabled,
    myStatus: myRegistrationStatus(a.my_registration),
    // 先到先得 shows no badge; 抽签 and 需审核 do.
    mode: a.signup_mode || SIGNUP_MODE.FIRST_COME,
    modeText: a.signup_mode && a.signup_mode !== SIGNUP_MODE.FIRST_COME ? signupModeLabel(a.signup_mode) : '',
    drawAtText: a.signup_mode === SIGNUP_MODE.LOTTERY && a.draw_at ? formatDateTime(a.draw_at) : '',
    drawn: !!a.drawn_at,
    claimHours: toInt(a.claim_hours),
    signupOpensText: a.signup_opens_at ? formatDateTime(a.signup_opens_at) : '',
    signupClosesText: formatDateTime(a.signup_closes_at || a.starts_at),
  };
}

/**
 * What the detail page offers the caller, from the activity and the time:
 * `{action, label, hint, canCancel}`; action is one of
 *   signup | waitlist   the sign-up sheet and its button (立即报名 / 参与抽签 / 提交报名申请 / 加入候补);
 *   cancel              取消报名 (a place or a waitlist spot);
 *   withdraw            撤回抽签 / 撤回申请 (a lottery entry, a sign-up awaiting approval);
 *   offer               确认参加 / 放弃 (a freed place held for the caller until `offer_expires_at`);
 *   none                a disabled button with `label`.
 * The server decides for real; this only avoids offering buttons that would surely be refused.
 */
function signupState(activity, nowMs = Date.now()) {
  const a = activity || {};
  const mine = a.my_registration;
  const starts = parseIso(a.starts_at);
  const status = mine && mine.status;
  if (status === REGISTRATION_STATUS.CONFIRMED || status === REGISTRATION_STATUS.WAITLISTED) {
    const cutoff = starts - toInt(a.cancel_cutoff_minutes) * 60000;
    const canCancel = !(nowMs >= cutoff);
    let hint =
      status === REGISTRATION_STATUS.WAITLISTED
        ? `候补第 ${mine.waitlist_position || '-'} 位，有人取消后将按顺序递补`
        : '您已报名成功';
    if (mine.checked_in_at) hint = '您已签到';
    if (canCancel) return { action: 'cancel', label: '取消报名', hint, canCancel };
    const label = status === REGISTRATION_STATUS.WAITLISTED ? '候补中' : '已报名';
    return { action: 'none', label, hint: `${hint}（已过可取消时间）`, canCancel };
  }
  if (status === REGISTRATION_STATUS.OFFERED) {
    const deadline = parseIso(mine.offer_expires_at);
    if (!(nowMs < deadline)) {
      return { action: 'none', label: '名额邀请已过期', hint: '未在期限内确认，名额已让给下一位', canCancel: false };
    }
    return {
      action: 'offer',
      label: '确认参加',
      hint: `有名额空出，为你保留到 ${formatDateTime(mine.offer_expires_at)}`,
      canCancel: true,
    };
  }
  if (status === REGISTRATION_STATUS.ENTERED) {
    const when = a.draw_at ? `，${formatDateTime(a.draw_at)} 开奖` : '';
    return { action: 'withdraw', label: '撤回抽签', hint: `已参与抽签${when}`, canCancel: true };
  }
  if (status === REGISTRATION_STATUS.PENDING) {
    return { action: 'withdraw', label: '撤回申请', hint: '报名申请已提交，等待组织者审核', canCancel: true };
  }
  if (status === REGISTRATION_STATUS.REJECTED) {
    return { action: 'none', label: '报名未通过', hint: '', canCancel: false };
  }
  // No live sign-up (none, or cancelled / expired / not_drawn): what a new sign-up would do.
  if (a.status === ACTIVITY_STATUS.CANCELLED)
    return { action: 'none', label: '活动已取消', hint: '', canCancel: false };
  if (a.status === ACTIVITY_STATUS.FINISHED || nowMs >= parseIso(a.ends_at)) {
    return { action: 'none', label: '活动已结束', hint: '', canCancel: false };
  }
  if (a.status !== ACTIVITY_STATUS.PUBLISHED)
    return { action: 'none', label: '活动未发布', hint: '', canCancel: false };
  const opens = parseIso(a.signup_opens_at);
  if (nowMs < opens) {
    return {
      action: 'none',
      label: '报名未开始',
      hint: `报名将于 ${formatDateTime(a.signup_opens_at)} 开始`,
      canCancel: false,
    };
  }
  const closes = parseIso(a.signup_closes_at || a.starts_at);
  if (nowMs >= closes) {
    const hint =
      a.signup_mode === SIGNUP_MODE.LOTTERY && !a.drawn_at && a.draw_at ? `${formatDateTime(a.draw_at)} 开奖` : '';
    return { action: 'none', label: '报名已截止', hint, canCancel: false };
  }
  if (a.signup_mode === SIGNUP_MODE.LOTTERY) {
    // Entries take no place: everyone may enter until the window closes, however many have.
    const when = a.draw_at ? `${formatDateTime(a.draw_at)} 开奖，` : '';
    return { action: 'signup', label: '参与抽签', hint: `${when}共 ${toInt(a.capacity)} 个名额`, canCancel: false };
  }
  const p = places(a.confirmed_count, a.capacity);
  const claim = toInt(a.claim_hours);
  if (p.full && !a.waitlist_enabled) return { action: 'none', label: '名额已满', hint: '', canCancel: false };
  if (a.signup_mode === SIGNUP_MODE.APPROVAL) {
    const hint = p.full ? '名额已满，审核通过后将进入候补' : '提交后需组织者审核，通过后为您保留名额';
    return { action: p.full ? 'waitlist' : 'signup', label: '提交报名申请', hint, canCancel: false };
  }
  if (p.full) {
    const claimHint = claim ? `；有名额空出时，请在 ${claim} 小时内确认` : '';
    return {
      action: 'waitlist',
      label: '加入候补',
      hint: `名额已满，当前 ${toInt(a.waitlist_count)} 人候补${claimHint}`,
      canCancel: false,
    };
  }
  return { action: 'signup', label: '立即报名', hint: `剩余 ${p.free} 个名额`, canCancel: false };
}

function presentRegistration(registration) {
  const r = registration || {};
  return {
    id: r.id,
    status: myRegistrationStatus(r),
    companions: toInt(r.companions),
    waitlistPosition: r.waitlist_position || null,
    offerDeadlineText: r.status === REGISTRATION_STATUS.OFFERED ? formatDateTime(r.offer_expires_at) : '',
    rejectReason: r.status === REGISTRATION_STATUS.REJECTED ? r.reject_reason || '' : '',
    drawAtText:
      r.status === REGISTRATION_STATUS.ENTERED && r.activity && r.activity.draw_at
        ? formatDateTime(r.activity.draw_at)
        : '',
    activity: presentActivity(r.activity),
  };
}

const { hasPoint, distanceText } = require('../controllers/location');

function siteOf(shift) {
  return (shift && shift.site) || {};
}

function presentShift(shift, nowMs = Date.now()) {
  const s = shift || {};
  const site = siteOf(s);
  const mine = s.my_booking && s.my_booking.status !== 'cancelled' ? s.my_booking : null;
  // The API calls a shift's posts `roles`, and a booking's post `role` / `role_id`.
  const myPostId = mine ? (mine.role && mine.role.id) || mine.role_id : null;
  const started = nowMs >= parseIso(s.starts_at);
  return {
    id: s.id,
    siteName: site.name || '',
    siteKindText: siteKindLabel(site.kind),
    address: site.address || '',
    communityName: (site.community && site.community.name) || '',
    timeText: formatRange(s.starts_at, s.ends_at),
    partyOnly: !!s.party_members_only,
    notes: s.notes || '',
    status: s.status,
    started,
    myBookingId: mine ? mine.id : null,
    myPostName: mine ? (mine.role && mine.role.name) || '' : '',
    // On-site check-in: the site's point (GCJ-02) for the map, and the distance of `GET /shifts?near=`.
    hasPoint: hasPoint(site),
    latitude: hasPoint(site) ? site.latitude : null,
    longitude: hasPoint(site) ? site.longitude : null,
    radius: site.checkin_radius_m || 0,
    distanceText: distanceText(s.distance_m),
    posts: (s.roles || []).map((post) => {
      const p = places(post.booked, post.capacity);
      return Object.assign(
        {
          id: post.id,
          name: post.name,
          mine: post.id === myPostId,
          requirementText: requirementText(post),
          declareAtBooking: post.health_declaration === 'booking',
        },
        p,
      );
    }),
  };
}

/** What the volunteer can do with a booking now: check_in, check_out, done or none. */
function bookingAction(booking) {
  const b = booking || {};
  if (b.status === 'cancelled' || b.status === 'no_show') return 'none';
  if (b.checked_out_at) return 'done';
  if (b.checked_in_at) return 'check_out';
  return 'check_in';
}

function bookingDisplayStatus(booking) {
  const b = booking || {};
  if (b.status === 'cancelled' || b.status === 'no_show') return b.status;
  if (b.checked_out_at) return 'checked_out';
  if (b.checked_in_at) return 'checked_in';
  return b.status || 'booked';
}

function presentBooking(booking, nowMs = Date.now()) {
  const b = booking || {};
  const shift = b.shift || {};
  const site = siteOf(shift);
  const starts = parseIso(shift.starts_at);
  return {
    id: b.id,
    shiftId: shift.id,
    siteId: site.id,
    siteName: site.name || '',
    siteKindText: siteKindLabel(site.kind),
    address: site.address || '',
    // The API calls a booking's post `role`.
    postName: (b.role && b.role.name) || '',
    // The booked post as the shift lists it: whether it asks for today's health declaration at check-in.
    declareAtCheckin: !!(shift.roles || []).find(
      (post) => b.role && post.id === b.role.id && post.health_declaration === 'checkin',
    ),
    timeText: formatRange(shift.starts_at, shift.ends_at),
    status: bookingDisplayStatus(b),
    action: bookingAction(b),
    canCancel: b.status === 'booked' && !b.checked_in_at && nowMs < starts,
    // Confirmed minutes; after check-out, until an organizer confirms them, the minutes worked (待确认).
    minutesText:
      b.hours_status === 'pending' && b.minutes_worked
        ? `${formatMinutes(b.minutes_worked)}（待确认）`
        : b.minutes_credited
          ? formatMinutes(b.minutes_credited)
          : '',
  };
}

/** `{totalText, months: [{month, label, minutes, text, percent}]}` from GET /me/hours. */
function presentHours(hours) {
  const h = hours || {};
  const months = (h.by_month || []).map((m) => ({ month: m.month, minutes: toInt(m.minutes) }));
  const max = months.reduce((acc, m) => Math.max(acc, m.minutes), 0);
  return {
    totalText: formatMinutes(h.total_minutes),
    totalHours: (toInt(h.total_minutes) / 60).toFixed(1),
    months: months.map((m) => ({
      month: m.month,
      label: formatMonth(m.month),
      minutes: m.minutes,
      text: formatMinutes(m.minutes),
      percent: max ? Math.round((m.minutes * 100) / max) : 0,
    })),
  };
}

/** A person's display name on a roster: real name, else nickname. */
function personName(user) {
  const u = user || {};
  return u.real_name || u.nickname || u.name || '未填写姓名';
}

/**
 * The answers of a registration as `[{id, label, value}]`, in the order of the activity's questions
 * (`answers` keyed by question id; a question without an answer is left out, an answer to a question
 * since removed is shown under its id).
 */
function presentAnswers(answers, questions) {
  const given = answers || {};
  const out = [];
  const seen = {};
  (questions || []).forEach((q) => {
    if (!q || !q.id) return;
    seen[q.id] = true;
    const value = given[q.id];
    if (value === undefined || value === null || value === '') return;
    out.push({ id: q.id, label: q.label || q.id, value: String(value) });
  });
  Object.keys(given).forEach((id) => {
    const value = given[id];
    if (seen[id] || value === undefined || value === null || value === '') return;
    out.push({ id, label: id, value: String(value) });
  });
  return out;
}

/** One row of GET /activities/{id}/roster; `questions`: the activity's, to label the answers. */
function presentRosterRow(row, questions) {
  const r = row || {};
  const pending = r.status === REGISTRATION_STATUS.PENDING;
  return {
    registrationId: r.registration_id,
    name: personName(r.user),
    // Masked numbers only on screen, whatever the server sends; "拨打电话" reveals one (controllers/phone-call).
    phone: (r.user && r.user.phone_masked) || '',
    canCall: !!(r.user && r.user.phone_masked),
    status: r.checked_in_at && r.status === REGISTRATION_STATUS.CONFIRMED ? 'checked_in' : r.status,
    companions: toInt(r.companions),
    remark: r.remark || '',
    registeredText: formatDateTime(r.registered_at),
    checkedInText: r.checked_in_at ? formatDateTime(r.checked_in_at) : '',
    canCheckIn: r.status === REGISTRATION_STATUS.CONFIRMED && !r.checked_in_at,
    canDecide: pending,
    offerDeadlineText:
      r.status === REGISTRATION_STATUS.OFFERED && r.offer_expires_at ? formatDateTime(r.offer_expires_at) : '',
    answers: presentAnswers(r.answers, questions),
  };
}

/**
 * Rows of the day's duty roster (GET /rosters/shifts → `{date, community, shifts: [{site, starts_at,
 * ends_at, status, roles: [{name, capacity, volunteers: [...]}]}]}`): one per volunteer, and one per
 * post with places still open.
 */
/**
 * How a roster volunteer's check-in was made, as the console says it: 组织者代签 with the reason,
 * 扫码 with the distance from the site (or 位置未核验 at a site with a point, for an offline scan
 * without a fix); '' before the check-in.
 */
function checkinMethodText(volunteer, site) {
  const v = volunteer || {};
  if (!v.checked_in_at || !v.checkin_method) return '';
  if (v.checkin_method === 'manual') return `组织者代签：${v.checkin_reason || ''}`;
  if (typeof v.checkin_distance_m === 'number') return `扫码签到 · 距值守点 ${v.checkin_distance_m} 米`;
  return hasPoint(site) ? '扫码签到 · 位置未核验' : '扫码签到';
}

function dutyRosterRows(body, nowMs = Date.now()) {
  const rows = [];
  ((body && body.shifts) || []).forEach((shift) => {
    const site = shift.site || {};
    const timeText = `${formatTimeOnly(shift.starts_at)}-${formatTimeOnly(shift.ends_at)}`;
    const cancelled = shift.status === 'cancelled';
    // The server takes no-shows only once the shift has started.
    const started = nowMs >= parseIso(shift.starts_at);
    // The API calls a shift's posts `roles`.
    (shift.roles || []).forEach((post) => {
      const volunteers = post.volunteers || [];
      volunteers.forEach((v) => {
        const action = cancelled ? 'none' : bookingAction(v);
        rows.push({
          key: `b${v.booking_id}`,
          bookingId: v.booking_id,
          siteId: site.id,
          siteName: site.name || '',
          timeText,
          postName: post.name || '',
          name: personName(v.user),
          phone: (v.user && v.user.phone_masked) || '', // masked only, as on the activity roster
          canCall: !!(v.user && v.user.phone_masked),
          status: cancelled ? 'cancelled' : bookingDisplayStatus(v),
          canCheckIn: action === 'check_in',
          canCheckOut: action === 'check_out',
          canMarkNoShow: action === 'check_in' && started,
          methodText: checkinMethodText(v, site),
          vacancy: 0,
          // Requirements per post: flags for the organizer (the booking stays either way).
          flagText: [
            v.qualification_missing ? '缺少资格' : '',
            v.health_declared === false ? '未健康申报' : '',
            v.health_declared === true ? '已健康申报' : '',
          ]
            .filter(Boolean)
            .join(' · '),
        });
      });
      const open = toInt(post.capacity) - volunteers.length;
      if (open > 0 && !cancelled) {
        rows.push({
          key: `r${shift.id}-${post.id}`,
          shiftId: shift.id, // for its vacancy alerts (空岗提醒)
          bookingId: null,
          siteId: site.id,
          siteName: site.name || '',
          timeText,
          postName: post.name || '',
          name: '',
          phone: '',
          status: '',
          vacancy: open,
        });
      }
    });
  });
  return rows;
}

module.exports = {
  checkinMethodText,
  places,
  myRegistrationStatus,
  presentActivity,
  signupState,
  presentRegistration,
  presentShift,
  bookingAction,
  bookingDisplayStatus,
  presentBooking,
  presentHours,
  personName,
  presentAnswers,
  presentRosterRow,
  dutyRosterRows,
};
