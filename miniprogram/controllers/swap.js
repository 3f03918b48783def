/**
 * 换班 (swap and hand-over) of a shift booking: how a swap reads on the volunteer's and the organizer's
 * pages, the share card that carries an offer into a chat, and the taps (offer, claim) with the
 * subscriptions that come with them. The server applies every rule; these only present its answers.
 */
const swapService = require('../services/swap');
const { formatRange } = require('../utils/time');
const { siteKindLabel, statusInfo, SWAP_TEMPLATE_KEYS, CLAIM_SWAP_TEMPLATE_KEYS } = require('../constants/status');
const { withReminders } = require('./reminders');
const { requirementText } = require('../utils/health');

// The two ways to offer a booking (the action sheet's items, in order).
const OFFER_CHOICES = ['指定队友（手机号）', '任何符合条件的志愿者'];

const PHONE = /^1[3-9]\d{9}$/;

/** The digits of a typed mobile number, or null when it is not one (11 digits starting 13-19). */
function normalizePhone(text) {
  const digits = String(text || '').replace(/[\s-]/g, '');
  return PHONE.test(digits) ? digits : null;
}

/** A swap (as the API answers it) as the pages show it. */
function presentSwap(swap) {
  const s = swap || {};
  const shift = s.shift || {};
  const site = shift.site || {};
  const state = statusInfo('swap', s.status);
  const post = (shift.roles || []).find((r) => s.role && r.id === s.role.id) || {};
  let whom = '任何符合条件的志愿者';
  if (s.taker_name) whom = s.taker_name;
  else if (s.named) whom = s.to_me ? '你' : s.named_name || '指定队友';
  return {
    id: s.id,
    bookingId: s.booking_id,
    status: s.status,
    statusText: state.label,
    tone: state.tone,
    siteName: site.name || '',
    siteKindText: siteKindLabel(site.kind),
    address: site.address || '',
    postName: (s.role && s.role.name) || '',
    timeText: formatRange(shift.starts_at, shift.ends_at),
    giverName: s.giver_name || '',
    whom,
    named: Boolean(s.named),
    toMe: Boolean(s.to_me),
    mine: Boolean(s.mine),
    live: s.status === 'open' || s.status === 'pending',
    pending: s.status === 'pending',
    canClaim: s.status === 'open' && !s.mine && !s.claim_problem,
    claimProblem: s.claim_problem || '',
    needsApproval: Boolean(s.needs_approval),
    rejectReason: s.reject_reason || '',
    // The post asks for today's health declaration at booking: the taker answers it with the claim.
    declareAtClaim: post.health_declaration === 'booking',
    requirementText: requirementText(post),
  };
}

/** `{bookingId: presented swap}` of my live swaps (GET /me/swaps), for the rows of 我的值守. */
function swapsByBooking(body) {
  const map = {};
  ((body && body.items) || []).forEach((swap) => {
    if (swap.mine) map[swap.booking_id] = presentSwap(swap);
  });
  return map;
}

/** The card a chat shows for an offer (onShareAppMessage): where, when, which post; opens the claim page. */
function shareMessage(swap) {
  const s = presentSwap(swap);
  return {
    title: `换班求助：${s.siteName} ${s.timeText} ${s.postName}，谁能接班？`,
    path: `/pages/swap/index?id=${s.id}`,
  };
}

/** The toast after a claim, by the state it got. */
function claimMessage(swap) {
  return swap && swap.status === 'pending' ? '已申请接班，待组织者同意' : '接班成功，请按时到岗';
}

/**
 * Offer a booking: subscribe dialog (what becomes of the offer comes as `shift_swap`) → POST.
 * `phone`: a fellow volunteer's number, or null for anyone eligible. Resolves the swap.
 */
async function offerBooking(bookingId, phone) {
  const { result } = await withReminders(SWAP_TEMPLATE_KEYS, () => swapService.offerSwap(bookingId, phone));
  return result;
}

/** 接班: subscribe dialog (the result and then the shift's reminders) → POST claim. Resolves `{swap, message}`. */
async function claimOffer(swapId, declaration) {
  const { result } = await withReminders(CLAIM_SWAP_TEMPLATE_KEYS, () => swapService.claimSwap(swapId, declaration));
  return { swap: result, message: claimMessage(result) };
}

module.exports = {
  OFFER_CHOICES,
  normalizePhone,
  presentSwap,
  swapsByBooking,
  shareMessage,
  claimMessage,
  offerBooking,
  claimOffer,
};
