/** The logged-in user: cached copy, refresh from GET /me, and what the user may see. */
const session = require('../api/session');
const userService = require('../services/user');
const communityService = require('../services/community');
const { ROLES } = require('../constants/status');

function cachedUser() {
  return session.getUser();
}

async function refreshUser() {
  const user = await userService.getMe();
  session.setUser(user);
  return user;
}

function isAdmin(user) {
  return !!user && (user.roles || []).indexOf(ROLES.ADMIN) >= 0;
}

/** Organizer screens are shown to organizers of at least one community, and to admins. */
function isOrganizer(user) {
  return !!user && ((user.organizer_communities || []).length > 0 || isAdmin(user));
}

/** Communities the user manages: their organizer communities, or every community for an admin. */
async function managedCommunities(user) {
  if (isAdmin(user)) {
    const body = await communityService.listCommunities();
    return (body && body.items) || [];
  }
  return (user && user.organizer_communities) || [];
}

const ORGANIZER_COMMUNITY_KEY = 'organizer_community_id';

/** The community the organizer last worked on (remembered across launches). */
function organizerCommunityId() {
  try {
    return wx.getStorageSync(ORGANIZER_COMMUNITY_KEY) || null;
  } catch (err) {
    return null;
  }
}

function setOrganizerCommunityId(id) {
  wx.setStorageSync(ORGANIZER_COMMUNITY_KEY, id || null);
}

module.exports = {
  cachedUser,
  refreshUser,
  isAdmin,
  isOrganizer,
  managedCommunities,
  organizerCommunityId,
  setOrganizerCommunityId,
};
