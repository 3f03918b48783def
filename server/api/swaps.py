"""Swaps and hand-overs (换班/转让) of shift bookings: offer, withdraw, list, claim, approve, reject."""

from flask import current_app, g, jsonify
from flask_smorest import Blueprint

from server.api.pages import page_body
from server.api.security import login_required
from server.extensions import db
from server.schemas.swaps import (
    RosterSwapArgsSchema,
    SwapClaimSchema,
    SwapListSchema,
    SwapOfferSchema,
    SwapPageSchema,
    SwapQueryArgsSchema,
    SwapRejectSchema,
    SwapSchema,
)
from server.services import swaps
from server.services.shift_rosters import _community_for_roster

blp = Blueprint("swaps", __name__, url_prefix="/api/v1", description="Swaps and hand-over of shift bookings (换班)")


def _dump(swap):
    """The swap as the caller sees it, read before the commit expires it (no reload after)."""
    return jsonify(SwapSchema().dump(swaps.view(swap, g.user)))


@blp.route("/shift-bookings/<id:booking_id>/swap", methods=["POST"])
@login_required
@blp.arguments(SwapOfferSchema())
@blp.response(201, SwapSchema)
def offer_swap(body, booking_id):
    """Offer my booking (换班): to a fellow volunteer by `phone`, or (no phone) to anyone eligible. I stay
    booked and responsible until someone takes it; the named person is told (`shift_swap`). Added with
    issue 18.

    404 `booking_not_found` (not mine), `swap_person_not_found` (no account with that number); 409
    `swap_exists` (one live offer per booking), `booking_not_active`, `already_checked_in`,
    `shift_started`, `shift_not_open`; 422 (`phone`: not a mobile number, or my own); 429 `rate_limited`
    (offers by phone beyond `RATE_LIMIT_SWAP_PHONE` per client address).
    """
    if body.get("phone"):  # it answers whether the number has an account: few per client address
        current_app.extensions["rate_limiter"].hit(current_app.config["RATE_LIMIT_SWAP_PHONE"], "swap-phone")
    swap = swaps.offer_swap(g.user, booking_id, body.get("phone"))
    response = _dump(swap)
    db.session.commit()
    return response, 201


@blp.route("/shift-bookings/<id:booking_id>/swap", methods=["DELETE"])
@login_required
@blp.response(200, SwapSchema)
def withdraw_swap(booking_id):
    """Withdraw the live offer of my booking (also one claimed and waiting for approval: its taker is
    told). 404 `booking_not_found`, `swap_not_found` (no live offer). Added with issue 18."""
    swap = swaps.withdraw_swap(g.user, booking_id)
    response = _dump(swap)
    db.session.commit()
    return response


@blp.route("/shift-swaps", methods=["GET"])
@login_required
@blp.arguments(SwapQueryArgsSchema(), location="query")
@blp.response(200, SwapPageSchema)
def list_swaps(args):
    """Offers I may take: open, the shift not started, named to me or offered to anyone (then only those
    the eligibility rule lets me hold), not on a shift I hold; soonest first. Added with issue 18."""
    items, total = swaps.list_open_swaps(g.user, args)
    return page_body([swaps.view(s, g.user) for s in items], total, args)


@blp.route("/me/swaps", methods=["GET"])
@login_required
@blp.response(200, SwapListSchema)
def my_swaps():
    """My live swaps: the offers of my bookings, and my claims waiting for approval, soonest first.
    Added with issue 18."""
    return {"items": [swaps.view(s, g.user) for s in swaps.my_live_swaps(g.user)]}


@blp.route("/shift-swaps/<id:swap_id>", methods=["GET"])
@login_required
@blp.response(200, SwapSchema)
def get_swap(swap_id):
    """One swap (the page a shared card or a `shift_swap` message opens), with `claim_problem`: why I
    can't take it now. An offer named to someone else does not exist for me: 404 `swap_not_found`.
    Added with issue 18."""
    return swaps.view(swaps.get_swap(g.user, swap_id), g.user)


@blp.route("/shift-swaps/<id:swap_id>/claim", methods=["POST"])
@login_required
@blp.arguments(SwapClaimSchema())
@blp.response(200, SwapSchema)
def claim_swap(body, swap_id):
    """Take the offered booking (接班). I must pass every booking rule. The place is mine at once
    (`done`; the giver is released in the same transaction, the post's count unchanged), or, when the
    shift starts within SWAP_APPROVAL_HOURS, the claim waits for an organizer (`pending`). Both are told
    (`shift_swap`); reminders move to me. Added with issue 18.

    A post asking for a same-day health declaration at booking asks it of the taker too: send
    `health_declaration` (or make one today first).

    403 `not_eligible`, `qualification_required`; 404 `swap_not_found`; 409 `swap_taken` (someone
    claimed it first), `swap_closed`, `swap_expired`, `swap_own`, `already_booked`, `shift_overlap`,
    `rest_too_short`, `daily_limit_exceeded`, `health_declaration_required`, `health_declaration_unwell`,
    `shift_not_open`, `account_deleted`.
    """
    swap = swaps.claim_swap(g.user, swap_id, body["health_declaration"])
    response = _dump(swap)
    db.session.commit()
    return response


@blp.route("/shift-swaps/<id:swap_id>/approve", methods=["POST"])
@login_required
@blp.response(200, SwapSchema)
def approve_swap(swap_id):
    """An organizer approves a pending claim: every booking rule is checked again (naming the taker),
    then the hand-over; audited. Added with issue 18.

    403 `forbidden`, `not_eligible`; 404 `swap_not_found`; 409 `swap_not_pending` (withdrawn, ended or
    decided), `swap_expired`, `swap_closed`, `already_booked`, `shift_overlap`, `rest_too_short`,
    `daily_limit_exceeded`, `shift_not_open`.
    """
    swap = swaps.approve_swap(g.user, swap_id)
    response = _dump(swap)
    db.session.commit()
    return response


@blp.route("/shift-swaps/<id:swap_id>/reject", methods=["POST"])
@login_required
@blp.arguments(SwapRejectSchema())
@blp.response(200, SwapSchema)
def reject_swap(body, swap_id):
    """An organizer refuses a pending claim with a reason (1 to 200 characters): the offer ends, the giver
    stays booked; both are told; audited. Added with issue 18.

    403 `forbidden`; 404 `swap_not_found`; 409 `swap_not_pending`; 422 (`reason`; `content_risky`).
    """
    swap = swaps.reject_swap(g.user, swap_id, body["reason"])
    response = _dump(swap)
    db.session.commit()
    return response


@blp.route("/rosters/swaps", methods=["GET"])
@login_required
@blp.arguments(RosterSwapArgsSchema(), location="query")
@blp.response(200, SwapListSchema)
def roster_swaps(args):
    """A community's swaps for its organizers (the duty roster's 换班): offers, claims waiting for
    approval and who took which place, on shifts starting on `date` (default: every shift not yet
    started), soonest first; `live`: only open and pending ones. Names in full. Added with issue 18.

    403 `forbidden`, 422 (no community given and you organize several).
    """
    community = _community_for_roster(g.user, args.get("community_id"))
    items = swaps.community_swaps(g.user, community.id, args.get("date"), args["live"])
    return {"items": [swaps.view(s, g.user) for s in items]}
