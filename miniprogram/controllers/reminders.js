/**
 * Reminder subscriptions around a tap: wx.requestSubscribeMessage must be called from the tap
 * handler itself (WeChat refuses it otherwise), so the template ids are fetched ahead of time
 * (`preloadTemplates` in onLoad) and the dialog is opened before anything is awaited.
 */
const subscriptionService = require('../services/subscription');

// WeChat shows at most this many templates in one dialog.
const MAX_TEMPLATES_PER_REQUEST = 3;

let templatesByKey = null;

/** Fetch `{key: template_id}` once per app run; a failure leaves it unknown (never throws). */
async function preloadTemplates({ force = false } = {}) {
  if (templatesByKey && !force) return templatesByKey;
  try {
    const body = await subscriptionService.listTemplates();
    const map = {};
    ((body && body.items) || []).forEach((item) => {
      if (item && item.key && item.template_id) map[item.key] = item.template_id;
    });
    templatesByKey = map;
  } catch (err) {
    // Reminders are optional: the sign-up still works without them.
  }
  return templatesByKey || {};
}

function cachedTemplates() {
  return templatesByKey;
}

/** Template ids for keys, in order, without blanks or duplicates, at most what one dialog shows. */
function templateIdsFor(keys, templates) {
  const ids = [];
  keys.forEach((key) => {
    const id = templates && templates[key];
    if (id && ids.indexOf(id) < 0) ids.push(id);
  });
  return ids.slice(0, MAX_TEMPLATES_PER_REQUEST);
}

/** Open the subscribe dialog; resolves the accepted template ids. Never rejects. */
function requestSubscribe(tmplIds) {
  return new Promise((resolve) => {
    if (!tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') {
      resolve([]);
      return;
    }
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(tmplIds.filter((id) => res && (res[id] === 'accept' || res[id] === 'acceptWithAudio'))),
      fail: () => resolve([]),
    });
  });
}

/** Tell the server which templates were accepted (one send each); a failure is ignored. */
async function reportAccepted(ids) {
  if (!ids.length) return false;
  try {
    await subscriptionService.reportAccepted(ids);
    return true;
  } catch (err) {
    return false;
  }
}

/**
 * Run `action` (the sign-up or booking call) with a subscribe request before it and the report
 * after it. Call synchronously from the tap handler. The dialog's outcome never blocks the action;
 * accepted templates are reported even if the action is refused, since WeChat granted them anyway.
 * Resolves `{result, accepted}`; rejects with the action's error.
 */
async function withReminders(keys, action) {
  let subscribing;
  if (templatesByKey) {
    subscribing = requestSubscribe(templateIdsFor(keys, templatesByKey));
  } else {
    // Not preloaded: WeChat may refuse the dialog outside the tap, which only costs the reminders.
    subscribing = preloadTemplates().then((templates) => requestSubscribe(templateIdsFor(keys, templates)));
  }
  const accepted = await subscribing;
  try {
    const result = await action();
    return { result, accepted };
  } finally {
    await reportAccepted(accepted);
  }
}

function resetForTests() {
  templatesByKey = null;
}

module.exports = {
  MAX_TEMPLATES_PER_REQUEST,
  preloadTemplates,
  cachedTemplates,
  templateIdsFor,
  requestSubscribe,
  reportAccepted,
  withReminders,
  resetForTests,
};
