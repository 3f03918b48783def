/**
 * 本月数据 on the organizer workbench: this month's figures (GET /stats) for the communities the user
 * organizes, or the whole sub-district for an admin. The month runs from its 1st to today, China time.
 * Residents are never asked: the server would refuse them, and the workbench is not theirs.
 */
const statsService = require('../services/stats');
const { isAdmin, isOrganizer } = require('../utils/user');
const { todayString, formatDate } = require('../utils/time');

/** Shown in place of a figure the server sends as null (e.g. a fill rate without any posts). */
const NO_VALUE = '—';

/** Shown on the card when the figures cannot be loaded, whatever the reason. */
const UNAVAILABLE_TEXT = '数据暂不可用';

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

/** `{from, to}`: the 1st of the current month to today, China dates `YYYY-MM-DD`. */
function monthPeriod(nowMs = Date.now()) {
  const to = todayString(nowMs);
  return { from: `${to.slice(0, 7)}-01`, to };
}

/** A count as text: `12`, or — for null. */
function formatCount(value) {
  return isNumber(value) ? String(Math.round(value)) : NO_VALUE;
}

/** Minutes as hours with one decimal: 90 → `1.5`, 0 → `0.0`, null → —. */
function formatHours(minutes) {
  return isNumber(minutes) ? (Math.round(minutes / 6) / 10).toFixed(1) : NO_VALUE;
}

/** A rate 0..1 as a percentage with at most one decimal: 0.857 → `85.7%`, 1 → `100%`, null → —. */
function formatRate(rate) {
  if (!isNumber(rate)) return NO_VALUE;
  const tenths = Math.round(rate * 1000);
  return `${tenths % 10 ? (tenths / 10).toFixed(1) : tenths / 10}%`;
}

/** Whose figures they are: 全街道 for an admin, else the organizer's community (or how many). */
function scopeText(user) {
  if (isAdmin(user)) return '全街道';
  const communities = (user && user.organizer_communities) || [];
  if (communities.length === 1) return communities[0].name || '';
  return `我负责的${communities.length}个社区`;
}

/** The card: whose figures, the period (`03月01日 至 03月15日`) and the figures in the order shown. */
function presentMonthStats(body, user, period) {
  const totals = (body && body.totals) || {};
  return {
    scope: scopeText(user),
    period: `${formatDate(period.from)} 至 ${formatDate(period.to)}`,
    figures: [
      { key: 'activities_held', label: '活动场次', value: formatCount(totals.activities_held), unit: '场' },
      { key: 'people_served', label: '服务人次', value: formatCount(totals.people_served), unit: '人次' },
      { key: 'volunteer_minutes', label: '志愿时长', value: formatHours(totals.volunteer_minutes), unit: '小时' },
      { key: 'fill_rate', label: '岗位填充率', value: formatRate(totals.fill_rate), unit: '' },
      { key: 'no_shows', label: '缺勤', value: formatCount(totals.no_shows), unit: '人次' },
    ].map((figure) => (figure.value === NO_VALUE ? Object.assign(figure, { unit: '' }) : figure)),
  };
}

/**
 * This month's figures for the card, or null for a user who is neither an organizer nor an admin (no
 * request is made). Rejects with the ApiError when the figures cannot be loaded.
 */
async function loadMonthStats(user, nowMs = Date.now()) {
  if (!isOrganizer(user)) return null;
  const period = monthPeriod(nowMs);
  const body = await statsService.getStats({ from: period.from, to: period.to });
  return presentMonthStats(body, user, period);
}

module.exports = {
  NO_VALUE,
  UNAVAILABLE_TEXT,
  monthPeriod,
  formatCount,
  formatHours,
  formatRate,
  scopeText,
  presentMonthStats,
  loadMonthStats,
};
