/** The `loading` / `error` data a page shows while it loads something. */
const { errorText } = require('../api/api-error');

/**
 * Run `task` with the page's `loading` true and `error` cleared; what it throws lands in `error` as
 * Chinese text, and `loading` goes back to false. When `isCurrent()` has turned false by then (a newer
 * load took over), neither is touched. Resolves when done, never rejects.
 */
async function withLoadState(page, task, isCurrent = () => true) {
  page.setData({ loading: true, error: '' });
  try {
    await task();
  } catch (err) {
    if (isCurrent()) page.setData({ error: errorText(err) });
  } finally {
    if (isCurrent()) page.setData({ loading: false });
  }
}

module.exports = { withLoadState };
