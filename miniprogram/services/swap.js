/** Swaps and hand-over of shift bookings (换班; docs/api.md "Swaps and hand-over"). */
const { request } = require('../api/request');

/** POST /shift-bookings/{id}/swap {phone?} → 201 swap: offer my booking to a fellow (by phone) or to anyone. */
const offerSwap = (bookingId, phone) =>
  request(`/shift-bookings/${bookingId}/swap`, { method: 'POST', data: phone ? { phone } : {} });

/** DELETE /shift-bookings/{id}/swap → the withdrawn swap. */
const withdrawSwap = (bookingId) => request(`/shift-bookings/${bookingId}/swap`, { method: 'DELETE' });

/** GET /shift-swaps ?date&shift_id&page&page_size → page of offers I may take. */
const listSwaps = (filters = {}) => request('/shift-swaps', { query: filters });

/** GET /me/swaps → {items}: the live offers of my bookings and my claims waiting for approval. */
const listMySwaps = () => request('/me/swaps');

/** GET /shift-swaps/{id} → one swap, with `claim_problem` (why I can't take it now, or null). */
const getSwap = (id) => request(`/shift-swaps/${id}`);

/**
 * POST /shift-swaps/{id}/claim {health_declaration?} → the swap: `done` (the place is mine) or
 * `pending` (waits for approval). `declaration`: today's answers, for a post asking for them at booking.
 */
const claimSwap = (id, declaration) =>
  request(`/shift-swaps/${id}/claim`, {
    method: 'POST',
    data: declaration ? { health_declaration: declaration } : {},
  });

/** POST /shift-swaps/{id}/approve (organizer) → the swap, `done`. */
const approveSwap = (id) => request(`/shift-swaps/${id}/approve`, { method: 'POST' });

/** POST /shift-swaps/{id}/reject {reason} (organizer) → the swap, `rejected`. */
const rejectSwap = (id, reason) => request(`/shift-swaps/${id}/reject`, { method: 'POST', data: { reason } });

/** GET /rosters/swaps ?community_id&date&live (organizer) → {items}: the community's swaps of a day. */
const listRosterSwaps = ({ communityId, date, live = true } = {}) =>
  request('/rosters/swaps', {
    query: { community_id: communityId || undefined, date, live: live ? 'true' : undefined },
  });

module.exports = {
  offerSwap,
  withdrawSwap,
  listSwaps,
  listMySwaps,
  getSwap,
  claimSwap,
  approveSwap,
  rejectSwap,
  listRosterSwaps,
};
