/**
 * Vacancy alerts (空岗提醒): the volunteer's opt-in as the settings page shows and sends it, and whom a
 * shift's alerts reached as the organizer's duty roster shows it. Pure functions; the pages call the
 * services.
 */
const { formatDateTime } = require('../utils/time');
const { personName } = require('../utils/present');

// The server keeps the home point to 3 decimals (about 100 m); so does the page, before sending it.
const HOME_DECIMALS = 3;
const VACANCY_TEMPLATE_KEYS = ['shift_vacancy'];

const roundPoint = (value) => Math.round(Number(value) * 10 ** HOME_DECIMALS) / 10 ** HOME_DECIMALS;

/** 提前24小时, 提前3小时, 提前90分钟. */
function leadText(minutes) {
  const m = Number(minutes) || 0;
  return m % 60 === 0 ? `提前${m / 60}小时` : `提前${m}分钟`;
}

/**
 * The page's state from GET /me/vacancy-alerts and the lists to choose from: every community and
 * site, each `{id, name, checked}` (a site also names its community), the point, the credits.
 */
function settingsState(body, communities, sites) {
  const b = body || {};
  const chosenSites = new Set((b.sites || []).map((s) => s.id));
  const chosenCommunities = new Set((b.communities || []).map((c) => c.id));
  const hasPoint = b.home_latitude !== null && b.home_latitude !== undefined;
  return {
    enabled: !!b.enabled,
    communities: (communities || []).map((c) => ({ id: c.id, name: c.name, checked: chosenCommunities.has(c.id) })),
    sites: (sites || []).map((s) => ({
      id: s.id,
      name: s.name,
      communityName: (s.community && s.community.name) || '',
      checked: chosenSites.has(s.id),
    })),
    home: hasPoint ? { latitude: b.home_latitude, longitude: b.home_longitude } : null,
    credits: Number(b.credits) || 0,
  };
}

/** The PUT body of the page's state: the checked ids, the point rounded (or none). */
function settingsBody(state) {
  const home = state.home;
  return {
    enabled: !!state.enabled,
    site_ids: state.sites.filter((s) => s.checked).map((s) => s.id),
    community_ids: state.communities.filter((c) => c.checked).map((c) => c.id),
    home_latitude: home ? roundPoint(home.latitude) : null,
    home_longitude: home ? roundPoint(home.longitude) : null,
  };
}

/** What is wrong with the state before sending it, in Chinese, or ''. */
function settingsProblem(state) {
  const any = state.sites.some((s) => s.checked) || state.communities.some((c) => c.checked);
  if (state.enabled && !any) return '请至少选择一个社区或站点';
  return '';
}

/** Toggle the row `id` of `list` ('sites' or 'communities'); returns the new list. */
function toggled(list, id) {
  return list.map((row) => (row.id === id ? Object.assign({}, row, { checked: !row.checked }) : row));
}

/**
 * GET /shifts/{id}/vacancy-alerts as the duty roster shows it: a summary line, the rounds, and each
 * person alerted (phone masked), those who then booked first.
 */
function presentShiftAlerts(body) {
  const b = body || {};
  const items = (b.items || []).map((item, index) => ({
    key: `a${index}`,
    name: personName(item.user),
    phone: (item.user && item.user.phone_masked) || '',
    postName: item.post_name || '',
    when: `${leadText(item.lead_minutes)} · ${formatDateTime(item.alerted_at)}`,
    distance:
      item.distance_m === null || item.distance_m === undefined ? '' : `${(item.distance_m / 1000).toFixed(1)}公里`,
    took: !!item.took_place,
    result: item.took_place ? '已预约' : '未预约',
  }));
  items.sort((x, y) => Number(y.took) - Number(x.took));
  const rounds = b.rounds || [];
  const summary = rounds.length
    ? `已提醒 ${Number(b.alerted) || 0} 人，${Number(b.took_place) || 0} 人随后预约`
    : '尚未发送空岗提醒';
  return {
    summary,
    rounds: rounds.map((r, i) => ({
      key: `r${i}`,
      text: `${leadText(r.lead_minutes)}：缺 ${r.missing} 人，提醒 ${r.alerted} 人`,
    })),
    items,
  };
}

/**
 * The shift list opened by a vacancy alert's message card (`pages/shifts/index?shift_id=&site_id=&date=`):
 * `{shiftId, siteId, date}` (numbers, and the day as YYYY-MM-DD), or null for an ordinary opening.
 */
function alertTarget(query) {
  const q = query || {};
  const shiftId = Number(q.shift_id);
  if (!shiftId) return null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(q.date || '') ? q.date : '';
  return { shiftId, siteId: Number(q.site_id) || null, date };
}

module.exports = {
  HOME_DECIMALS,
  VACANCY_TEMPLATE_KEYS,
  roundPoint,
  leadText,
  settingsState,
  settingsBody,
  settingsProblem,
  toggled,
  presentShiftAlerts,
  alertTarget,
};
