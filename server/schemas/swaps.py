"""Schemas for swaps and hand-overs (换班/转让) of shift bookings."""

import marshmallow as ma

from server.schemas import fields
from server.schemas.common import PageArgsSchema, PageSchema, Schema
from server.schemas.shifts import RoleBriefSchema, ShiftSummarySchema, declaration_field

STATE_DOC = (
    "`open` (offered), `pending` (claimed, waiting for an organizer's approval; the giver still holds the "
    "place), `done` (handed over), `withdrawn`, `rejected` (the organizer refused the claim), `ended` (the "
    "booking, the shift or an account went away: `end_reason`), `expired` (the shift started while it was "
    "open or pending)"
)
END_DOC = "`booking_cancelled`, `booking_moved`, `booking_released`, `shift_cancelled`, `account_deleted`"


class SwapOfferSchema(Schema):
    """Whom the booking is offered to: a fellow volunteer by phone number, or (no phone) anyone eligible."""

    phone = fields.String(
        allow_none=True, load_default=None,
        validate=ma.validate.Regexp(r"^\s*1[3-9]\d(?:[\s-]?\d){8}\s*$", error="请填写 11 位手机号"),
        metadata={"description": "The fellow volunteer's mobile number (as bound to their account); null or "
                  "left out: anyone eligible may take it", "example": "13812345678"},
    )


class SwapClaimSchema(Schema):
    """What a claim may carry: today's health declaration, for a post asking for one at booking (the
    taker books the post as much as booking it would)."""

    health_declaration = declaration_field("at booking")


class SwapRejectSchema(Schema):
    """Why an organizer refuses a claim; the giver and the taker are told."""

    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class SwapSchema(Schema):
    """A swap (换班) of a booking as the caller sees it. Names of other volunteers are masked (王*), except
    for the community's organizers."""

    id = fields.Integer()
    state = fields.String(data_key="status", metadata={"description": STATE_DOC})
    booking_id = fields.Integer(metadata={"description": "The giver's booking"})
    shift = fields.Nested(ShiftSummarySchema)
    post = fields.Nested(RoleBriefSchema, data_key="role")
    named = fields.Boolean(
        metadata={"description": "Offered to one named fellow volunteer (else to anyone eligible)"}
    )
    to_me = fields.Boolean(metadata={"description": "Offered by name to the caller"})
    mine = fields.Boolean(metadata={"description": "The caller is the giver"})
    giver_name = fields.String()
    named_name = fields.String(
        allow_none=True, metadata={"description": "Whom it is offered to: for the giver and organizers"}
    )
    taker_name = fields.String(
        allow_none=True, metadata={"description": "Who claimed or took it: for the giver, the taker and organizers"}
    )
    needs_approval = fields.Boolean(
        metadata={"description": "A claim now waits for an organizer (SWAP_APPROVAL_HOURS)"}
    )
    claim_problem = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the caller cannot take it now (the rules a claim checks), in Chinese; null: they can"
        },
    )
    reject_reason = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True, metadata={"description": END_DOC})
    created_at = fields.LocalDateTime()
    claimed_at = fields.LocalDateTime(allow_none=True)
    decided_at = fields.LocalDateTime(allow_none=True)


class SwapListSchema(Schema):
    """Swaps, soonest shift first."""

    items = fields.List(fields.Nested(SwapSchema))


class SwapPageSchema(PageSchema):
    """A page of swaps."""

    items = fields.List(fields.Nested(SwapSchema))


class SwapQueryArgsSchema(PageArgsSchema):
    """Which offers: of one shift, or of shifts starting on one local date."""

    shift_id = fields.Id()
    date = fields.Date(metadata={"description": "Local date the shift starts on"})


class RosterSwapArgsSchema(Schema):
    """Which community's swaps, on which local date (default: every shift that has not started)."""

    community_id = fields.Id(metadata={"description": "Default: the organizer's only community"})
    date = fields.Date(metadata={"description": "Local date; default: every shift that has not started"})
    live = fields.Boolean(load_default=False, metadata={"description": "Only open offers and pending claims"})
