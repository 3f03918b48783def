/**
 * The first page of a list as last fetched, kept in wx storage per filter (`key`), so that the next
 * launch shows it at once while the network is asked (utils/paged-list.js `cacheKey`). A handful of
 * filters are kept, the most recently saved first; older or stale ones are dropped. Storage failures
 * (quota, a corrupt value) only cost the cache, never the list.
 */
const STORAGE_KEY = 'list_cache_v1';
const MAX_ENTRIES = 6;
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function readEntries() {
  try {
    const stored = wx.getStorageSync(STORAGE_KEY);
    return stored && Array.isArray(stored.entries) ? stored.entries : [];
  } catch (err) {
    return [];
  }
}

/** `{items, total, savedAt}` kept under `key`, or null (none, too old, or unreadable). */
function readCachedPage(key, nowMs = Date.now()) {
  if (!key) return null;
  const entry = readEntries().find((e) => e && e.key === key);
  if (!entry || !Array.isArray(entry.items) || !(nowMs - entry.savedAt < MAX_AGE_MS)) return null;
  return { items: entry.items, total: entry.total, savedAt: entry.savedAt };
}

/** Keep page 1 of `body` (`{items, total}`) under `key`, in front of the others. */
function saveCachedPage(key, body, nowMs = Date.now()) {
  if (!key) return;
  const items = (body && body.items) || [];
  const total = body && typeof body.total === 'number' ? body.total : items.length;
  const entries = [{ key, items, total, savedAt: nowMs }]
    .concat(readEntries().filter((e) => e && e.key !== key && nowMs - e.savedAt < MAX_AGE_MS))
    .slice(0, MAX_ENTRIES);
  try {
    wx.setStorageSync(STORAGE_KEY, { entries });
  } catch (err) {
    // Full or unavailable storage: the list works without its cache.
  }
}

module.exports = { readCachedPage, saveCachedPage, STORAGE_KEY, MAX_ENTRIES, MAX_AGE_MS };
