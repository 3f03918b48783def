/** The app: a silent login on launch, no login page. */
const { login } = require('./api/request');
const session = require('./api/session');
const { preloadTemplates } = require('./controllers/reminders');

App({
  globalData: {},

  onLaunch() {
    // With a stored token the first call goes straight out and a 401 logs in again; without one,
    // log in now so that the first page's calls wait for the token instead of earning a 401 each.
    if (!session.getToken()) {
      login().catch(() => {
        // Shown by the page whose call fails; nothing to tell the user yet.
      });
    }
    preloadTemplates();
  },
});
