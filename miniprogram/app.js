/** The app: a silent login on launch, no login page; the privacy authorization listener. */
const { login } = require('./api/request');
const session = require('./api/session');
const { preloadTemplates } = require('./controllers/reminders');
const privacy = require('./components/privacy-popup/privacy');
const offlineCheckins = require('./controllers/offline-checkins');
const { refreshBookingsCache } = require('./controllers/checkin');

App({
  globalData: {},

  onLaunch() {
    // Before any privacy interface can run: WeChat then asks through our popup (components/privacy-popup).
    privacy.install();
    // With a stored token the first call goes straight out and a 401 logs in again; without one,
    // log in now so that the first page's calls wait for the token instead of earning a 401 each.
    if (!session.getToken()) {
      login().catch(() => {
        // Shown by the page whose call fails; nothing to tell the user yet.
      });
    }
    preloadTemplates();
    // Check-ins scanned without a network are uploaded as soon as it returns.
    offlineCheckins.watchNetwork();
  },

  onShow() {
    offlineCheckins.flushAndTell();
    // Keep today's bookings on the phone, for a checkpoint without a network (pages/checkin).
    if (session.getToken()) refreshBookingsCache();
  },
});
