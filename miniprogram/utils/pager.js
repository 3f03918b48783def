/** Paginated lists (`{items, total, page, page_size}`): merge one fetched page into what is shown. */
const PAGE_SIZE = 20;

/** `{items, page, total, finished}` after page `page` arrived (page 1 replaces the list). */
function mergePage(prevItems, body, page) {
  const incoming = (body && body.items) || [];
  const items = page === 1 ? incoming : (prevItems || []).concat(incoming);
  const total = body && typeof body.total === 'number' ? body.total : items.length;
  return { items, page, total, finished: incoming.length === 0 || items.length >= total };
}

module.exports = { PAGE_SIZE, mergePage };
