/**
 * Community membership (docs/api.md "Community membership"): a chosen community is `claimed` until the
 * community's organizer confirms it or the resident scans the community's join code at the centre;
 * only a confirmed one counts for residents-only activities.
 *
 * A join code's `scene` is `c<community id>.<window>.<mac>`.
 */
const userService = require('../services/user');
const communityService = require('../services/community');
const session = require('../api/session');
const { formatDateTime } = require('../utils/time');

const JOIN_RE = /^c(\d+)\.([0-9a-z]+)\.([A-Za-z0-9_-]+)$/;

/** `{communityId, token}` of a join code's token, or null when it is not one. */
function parseJoinToken(token) {
  const m = JOIN_RE.exec(String(token || '').trim());
  return m ? { communityId: Number(m[1]), token: m[0] } : null;
}

/** POST /me/community/join; the returned user replaces the cached one. Resolves the user. */
async function joinWithToken(parsed) {
  const user = await userService.joinCommunity(parsed.token);
  session.setUser(user);
  return user;
}

const STATUS_TEXT = { claimed: '待确认', confirmed: '已确认' };

/** What the profile shows about the user's community: `{statusText, confirmed, hint}` ('' without one). */
function membershipView(user) {
  const community = user && user.community;
  if (!community) return { statusText: '', confirmed: false, hint: '' };
  const confirmed = community.status === 'confirmed';
  return {
    statusText: STATUS_TEXT[community.status] || '',
    confirmed,
    hint: confirmed
      ? ''
      : '社区身份待确认：请到社区党群服务中心扫描“居民确认码”，或等待社区工作者确认。确认后才能报名仅限本社区居民的活动。',
  };
}

/** A member as the organizer's list shows them. */
function presentMember(member) {
  const name = member.real_name || member.nickname || `用户${member.id}`;
  return {
    id: member.id,
    name,
    nickname: member.real_name && member.nickname ? member.nickname : '',
    phone: member.phone_masked || '',
    status: member.status,
    statusText: STATUS_TEXT[member.status] || '',
    claimedText: member.claimed_at ? formatDateTime(member.claimed_at) : '',
  };
}

/** Confirm or reject (`action`) a member of the community; resolves the member as answered. */
function decide(communityId, userId, action) {
  return action === 'confirm'
    ? communityService.confirmMember(communityId, userId)
    : communityService.rejectMember(communityId, userId);
}

module.exports = { parseJoinToken, joinWithToken, membershipView, presentMember, decide, STATUS_TEXT };
