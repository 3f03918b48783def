/**
 * Times: the server sends ISO 8601 with an offset (`2025-03-01T09:00:00+08:00`). They are shown in
 * China time (UTC+8, no daylight saving) whatever the phone's own time zone, and formatted by hand:
 * Date parsing of ISO strings differs between the iOS and Android JS engines.
 */
const OFFSET_MS = 8 * 3600 * 1000;
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const pad = (n) => String(n).padStart(2, '0');

/** Epoch milliseconds of an ISO string; a string without offset is taken as China time. NaN if invalid. */
function parseIso(iso) {
  if (typeof iso !== 'string') return NaN;
  const m = ISO_RE.exec(iso.trim());
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  let offset = OFFSET_MS;
  if (zone && zone.toUpperCase() === 'Z') offset = 0;
  else if (zone) {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60000;
  }
  const ms = Number((frac + '000').slice(0, 3));
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms) - offset;
}

/** Calendar fields in China time of an ISO string or epoch ms; null if invalid. */
function chinaParts(value) {
  const ms = typeof value === 'number' ? value : parseIso(value);
  if (Number.isNaN(ms)) return null;
  const t = new Date(ms + OFFSET_MS);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    weekday: WEEKDAYS[t.getUTCDay()],
  };
}

/** `03月01日 09:00` */
function formatDateTime(iso) {
  const p = chinaParts(iso);
  return p ? `${pad(p.month)}月${pad(p.day)}日 ${pad(p.hour)}:${pad(p.minute)}` : '';
}

/** `03月01日` */
function formatDate(iso) {
  const p = chinaParts(iso);
  return p ? `${pad(p.month)}月${pad(p.day)}日` : '';
}

/** `09:00` */
function formatTime(iso) {
  const p = chinaParts(iso);
  return p ? `${pad(p.hour)}:${pad(p.minute)}` : '';
}

/** `03月01日 周六 09:00-11:30`, or both full date-times when the range spans days. */
function formatRange(startIso, endIso) {
  const a = chinaParts(startIso);
  const b = chinaParts(endIso);
  if (!a) return '';
  if (!b) return `${formatDateTime(startIso)} 周${a.weekday}`;
  if (a.year === b.year && a.month === b.month && a.day === b.day) {
    return `${pad(a.month)}月${pad(a.day)}日 周${a.weekday} ${formatTime(startIso)}-${formatTime(endIso)}`;
  }
  return `${formatDateTime(startIso)} 至 ${formatDateTime(endIso)}`;
}

/** `2小时30分钟`, `45分钟`, `0分钟` */
function formatMinutes(minutes) {
  const total = Math.max(0, Math.round(Number(minutes) || 0));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (!h) return `${m}分钟`;
  return m ? `${h}小时${m}分钟` : `${h}小时`;
}

/** `2025-03` → `2025年03月` */
function formatMonth(month) {
  const m = /^(\d{4})-(\d{2})/.exec(month || '');
  return m ? `${m[1]}年${m[2]}月` : month || '';
}

/** Today's date in China as `YYYY-MM-DD`. */
function todayString(nowMs = Date.now()) {
  const p = chinaParts(nowMs);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The China date `YYYY-MM-DD` of an ISO string ('' if invalid). */
function dateOf(iso) {
  const p = chinaParts(iso);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}` : '';
}

/** `YYYY-MM-DD` plus n days. */
function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** `YYYY-MM-DD` → `{date, label: '03月01日', weekday: '周六'}` for date tabs. */
function dayLabel(date) {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return { date, label: `${pad(m)}月${pad(d)}日`, weekday: `周${weekday}` };
}

/** The next `count` days from `start` as day labels, the first two named 今天 and 明天. */
function nextDays(start, count) {
  const days = [];
  for (let i = 0; i < count; i += 1) {
    const day = dayLabel(addDays(start, i));
    if (i === 0) day.weekday = '今天';
    if (i === 1) day.weekday = '明天';
    days.push(day);
  }
  return days;
}

/** `2025-03-01` + `09:00` → `2025-03-01T09:00:00+08:00` for the API. */
function toIso(date, time) {
  return `${date}T${time || '00:00'}:00+08:00`;
}

/** ISO → `{date: 'YYYY-MM-DD', time: 'HH:mm'}` in China time, for form pickers. */
function splitIso(iso) {
  const p = chinaParts(iso);
  if (!p) return { date: '', time: '' };
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

module.exports = {
  parseIso,
  chinaParts,
  formatDateTime,
  formatDate,
  formatTime,
  formatRange,
  formatMinutes,
  formatMonth,
  todayString,
  dateOf,
  addDays,
  dayLabel,
  nextDays,
  toIso,
  splitIso,
};
