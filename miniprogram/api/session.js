/** The login token and the cached user, kept in wx storage (no network here). */
const TOKEN_KEY = 'auth_token';
const USER_KEY = 'auth_user';

function getToken() {
  try {
    return wx.getStorageSync(TOKEN_KEY) || '';
  } catch (err) {
    return '';
  }
}

function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token || '');
}

function getUser() {
  try {
    return wx.getStorageSync(USER_KEY) || null;
  } catch (err) {
    return null;
  }
}

function setUser(user) {
  wx.setStorageSync(USER_KEY, user || null);
}

function clear() {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(USER_KEY);
}

module.exports = { TOKEN_KEY, USER_KEY, getToken, setToken, getUser, setUser, clear };
