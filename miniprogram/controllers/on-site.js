/**
 * The organizer on site (工作台): what is done standing at the venue, computed from two reads the API
 * already offers, so no endpoint exists for it alone:
 *
 * - today's activities of the community: GET /activities?community_id&from=<today>&to=<today> (published,
 *   ended ones included because `from` is given);
 * - the day's duty roster: GET /rosters/shifts?date=<today>&community_id (every shift of the day with
 *   its posts, their capacity and the booked and no-show volunteers; organizers of the community only).
 *
 * From these: 今日现场 (the activities and duty sites of the day, each with its check-in code and
 * roster), 空缺岗位 (posts of shifts not yet ended with fewer volunteers than places) and 未到岗 (booked
 * volunteers of a shift under way who have not checked in: whom to call). Everything here is pure
 * except the two loaders.
 */
const activityService = require('../services/activity');
const rosterService = require('../services/roster');
const { parseIso, formatTime, todayString } = require('../utils/time');

const toInt = (n) => Math.max(0, Math.floor(Number(n) || 0));

/** `08:00-12:00` of a start and an end. */
function slotText(startsAt, endsAt) {
  return `${formatTime(startsAt)}-${formatTime(endsAt)}`;
}

/** The shifts of a duty roster that still count: cancelled ones are gone for the day. */
function liveShifts(roster) {
  return ((roster && roster.shifts) || []).filter((shift) => shift.status !== 'cancelled');
}

/** Volunteers on a post who still hold their place (booked, whether checked in or not). */
function holding(post) {
  return ((post && post.volunteers) || []).filter((v) => v.status === 'booked');
}

/** Today's activities as the workbench lists them, soonest first; drafts and cancelled ones left out. */
function todayActivities(body, nowMs = Date.now()) {
  return ((body && body.items) || [])
    .filter((a) => a.status !== 'cancelled' && a.status !== 'draft')
    .map((a) => {
      const ends = parseIso(a.ends_at);
      const ended = a.status === 'finished' || nowMs >= ends;
      return {
        id: a.id,
        title: a.title || '',
        timeText: slotText(a.starts_at, a.ends_at),
        venue: a.venue || '',
        signedUpText: `已报名 ${toInt(a.confirmed_count)}/${toInt(a.capacity)} 人`,
        ended,
        // The code is offered until the activity ends; the server's own check-in window decides the rest.
        canShowCode: !ended,
        startsMs: parseIso(a.starts_at),
      };
    })
    .sort((x, y) => x.startsMs - y.startsMs);
}

/**
 * The duty sites of the day (shifts not cancelled), in the order of their first shift, those done last:
 * `{siteId, siteName, slotsText, bookedText, ended, canShowCode}`.
 */
function todaySites(roster, nowMs = Date.now()) {
  const bySite = new Map();
  liveShifts(roster).forEach((shift) => {
    const site = shift.site || {};
    if (!bySite.has(site.id)) {
      bySite.set(site.id, {
        siteId: site.id,
        siteName: site.name || '',
        slots: [],
        booked: 0,
        capacity: 0,
        ended: true,
      });
    }
    const entry = bySite.get(site.id);
    entry.slots.push(slotText(shift.starts_at, shift.ends_at));
    (shift.roles || []).forEach((post) => {
      entry.booked += holding(post).length;
      entry.capacity += toInt(post.capacity);
    });
    if (nowMs < parseIso(shift.ends_at)) entry.ended = false;
  });
  const sites = Array.from(bySite.values());
  // Sites done for the day go last (a stable sort keeps the rest in the order of their first shift).
  sites.sort((a, b) => Number(a.ended) - Number(b.ended));
  return sites.map((entry) => ({
    siteId: entry.siteId,
    siteName: entry.siteName,
    slotsText: entry.slots.join('、'),
    bookedText: `已排 ${entry.booked}/${entry.capacity} 人`,
    ended: entry.ended,
    canShowCode: !entry.ended,
  }));
}

/**
 * 空缺岗位: the posts of shifts that have not ended with fewer volunteers holding a place than its
 * capacity (a no-show has given the place up). Those under way come first (short right now), then by
 * start. `{key, shiftId, siteId, siteName, postName, timeText, missing, current}`.
 */
function vacantPosts(roster, nowMs = Date.now()) {
  const rows = [];
  liveShifts(roster).forEach((shift) => {
    const starts = parseIso(shift.starts_at);
    const ends = parseIso(shift.ends_at);
    if (!(nowMs < ends)) return;
    const site = shift.site || {};
    (shift.roles || []).forEach((post) => {
      const missing = toInt(post.capacity) - holding(post).length;
      if (missing <= 0) return;
      rows.push({
        key: `v${shift.id}-${post.id}`,
        shiftId: shift.id,
        siteId: site.id,
        siteName: site.name || '',
        postName: post.name || '',
        timeText: slotText(shift.starts_at, shift.ends_at),
        missing,
        current: nowMs >= starts,
        startsMs: starts,
      });
    });
  });
  return rows.sort((a, b) => Number(b.current) - Number(a.current) || a.startsMs - b.startsMs);
}

/**
 * 未到岗: volunteers booked on a shift under way (started, not ended) who have not checked in, the
 * longest late first: whom to call. `{bookingId, name, phone (masked), canCall, siteName, postName,
 * timeText, lateText}`.
 */
function absentVolunteers(roster, nowMs = Date.now()) {
  const rows = [];
  liveShifts(roster).forEach((shift) => {
    const starts = parseIso(shift.starts_at);
    const ends = parseIso(shift.ends_at);
    if (!(nowMs >= starts && nowMs < ends)) return;
    const site = shift.site || {};
    (shift.roles || []).forEach((post) => {
      holding(post)
        .filter((v) => !v.checked_in_at)
        .forEach((v) => {
          const user = v.user || {};
          const late = Math.floor((nowMs - starts) / 60000);
          rows.push({
            bookingId: v.booking_id,
            name: user.real_name || user.nickname || '未填写姓名',
            // Masked only: 拨打电话 reveals the number (audited) and never shows it.
            phone: user.phone_masked || '',
            canCall: !!user.phone_masked,
            siteName: site.name || '',
            postName: post.name || '',
            timeText: slotText(shift.starts_at, shift.ends_at),
            lateText: late < 1 ? '刚开始' : `已开始 ${late} 分钟`,
            startsMs: starts,
          });
        });
    });
  });
  return rows.sort((a, b) => a.startsMs - b.startsMs);
}

/** Today's activities of the community (one page is the day: a community holds few a day). */
async function loadTodayActivities(communityId, nowMs = Date.now()) {
  const today = todayString(nowMs);
  const body = await activityService.listActivities({
    community_id: communityId,
    from: today,
    to: today,
    page_size: 50,
  });
  return todayActivities(body, nowMs);
}

/** How many shifts of the day are under way or still to come (not cancelled, not ended). */
function remainingShifts(roster, nowMs = Date.now()) {
  return liveShifts(roster).filter((shift) => nowMs < parseIso(shift.ends_at)).length;
}

/** Today's duty roster of the community → `{sites, vacancies, absent, remainingShifts}`. */
async function loadTodayDuty(communityId, nowMs = Date.now()) {
  const roster = await rosterService.getDutyRoster({ date: todayString(nowMs), communityId });
  return {
    sites: todaySites(roster, nowMs),
    vacancies: vacantPosts(roster, nowMs),
    absent: absentVolunteers(roster, nowMs),
    remainingShifts: remainingShifts(roster, nowMs),
  };
}

module.exports = {
  todayActivities,
  todaySites,
  vacantPosts,
  absentVolunteers,
  remainingShifts,
  loadTodayActivities,
  loadTodayDuty,
};
