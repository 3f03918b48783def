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

module.exports = { cachedUser, refreshUser, isAdmin, isOrganizer, managedCommunities };
