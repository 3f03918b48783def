/**
 * Waiting on a condition instead of a fixed delay: on a busy machine the scripted wx's answers (each
 * a timer) and the page's work after them can take far longer than a few milliseconds.
 */
const TIMEOUT = 2000;

/** One turn of the event loop: queued promise callbacks run, then the timers already due. */
function tick() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Poll (every `interval` ms) until `predicate()` is truthy; fails the test after `timeout` ms.
 * Resolves with the predicate's value.
 */
async function waitFor(predicate, { timeout = TIMEOUT, interval = 2, message } = {}) {
  const start = Date.now();
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() - start > timeout) {
      throw new Error(`waitFor: ${message || predicate.toString()} did not hold within ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Wait until the scripted wx (helpers/wx.js) has no answer left in flight and the code under test
 * has run on from the last one: two turns of the event loop in a row with nothing pending. Requests
 * a test holds back on purpose (never handed to the scripted wx) are not waited for.
 */
async function settle({ wx = global.wx, timeout = TIMEOUT } = {}) {
  const start = Date.now();
  let quiet = 0;
  while (quiet < 2) {
    await tick();
    quiet = wx && wx.inFlight() > 0 ? 0 : quiet + 1;
    if (quiet === 0 && Date.now() - start > timeout) {
      throw new Error(`settle: the scripted wx still had ${wx.inFlight()} answer(s) in flight after ${timeout} ms`);
    }
  }
}

module.exports = { tick, waitFor, settle };
