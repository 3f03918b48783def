/** Volunteer hours as a record (docs/api.md "Volunteer hours as a record"): queries and the proof. */
const { request, download } = require('../api/request');

/** POST /shift-bookings/{id}/hours/query {text} → the query (申诉) about that shift's figure. */
const queryHours = (bookingId, text) =>
  request(`/shift-bookings/${bookingId}/hours/query`, { method: 'POST', data: { text } });

/** GET /me/hours/proof.pdf?from=&to= → the temp path of the downloaded 志愿服务证明 (A4 PDF). */
const downloadProof = (from, to) => download('/me/hours/proof.pdf', { query: { from, to } });

module.exports = { queryHours, downloadProof };
