"""Schemas of volunteer hours as a record (志愿服务记录): per-shift figures, confirmation, corrections
and their history, queries (申诉) and the proof of service."""

from server.models import HOURS_CHANGE_KINDS, HOURS_QUERY_STATUSES, HOURS_STATUSES
from server.schemas import fields
from server.schemas.common import Schema
from server.schemas.users import RosterPersonSchema
from server.services.hours_record import MAX_CORRECTED_MINUTES


class MyHoursQuerySchema(Schema):
    """The latest query (申诉) about a figure, and its answer."""

    id = fields.Integer()
    text = fields.String()
    status = fields.String(validate=fields.OneOf(HOURS_QUERY_STATUSES))
    answer = fields.String(allow_none=True)
    created_at = fields.LocalDateTime()
    answered_at = fields.LocalDateTime(allow_none=True)


class HoursRecordItemSchema(Schema):
    """One checked-out shift of mine and its figure."""

    booking_id = fields.Integer()
    shift_id = fields.Integer()
    site = fields.String()
    post = fields.String()
    starts_at = fields.LocalDateTime()
    ends_at = fields.LocalDateTime()
    minutes_worked = fields.Integer(metadata={"description": "Minutes worked inside the shift's window"})
    minutes = fields.Integer(
        metadata={"description": "The confirmed figure; while `pending`, the rule's provisional figure (not counted)"}
    )
    status = fields.String(validate=fields.OneOf(HOURS_STATUSES), metadata={
        "description": "pending (待确认), confirmed (已确认), corrected (已更正)"})
    confirmed_at = fields.LocalDateTime(allow_none=True)
    query = fields.Nested(MyHoursQuerySchema, allow_none=True)


class HoursRuleSchema(Schema):
    """The credited-hours rule in force (minutes)."""

    unit = fields.Integer()
    rounding = fields.String(validate=fields.OneOf(("down", "nearest", "up")))
    minimum = fields.Integer()
    cap = fields.Integer(metadata={"description": "0: no cap"})


class ConfirmResultSchema(Schema):
    """What confirming a shift's hours did."""

    shift_id = fields.Integer()
    confirmed = fields.Integer(metadata={"description": "Bookings confirmed now"})
    minutes = fields.Integer(metadata={"description": "Their credited minutes"})
    not_checked_out = fields.Integer(metadata={"description": "Checked in but not out: still to confirm"})


class CorrectSchema(Schema):
    """A corrected figure and why."""

    minutes = fields.Integer(required=True, validate=fields.Range(min=0, max=MAX_CORRECTED_MINUTES))
    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class HoursChangeSchema(Schema):
    """One step of a figure: confirmation or correction."""

    kind = fields.String(validate=fields.OneOf(HOURS_CHANGE_KINDS))
    minutes_before = fields.Integer(metadata={"description": "confirm: the minutes worked; correct: the figure before"})
    minutes_after = fields.Integer()
    reason = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)
    created_at = fields.LocalDateTime()


class HoursHistorySchema(Schema):
    """A booking's figure and its history, oldest first."""

    booking_id = fields.Integer()
    minutes_worked = fields.Integer()
    minutes = fields.Integer()
    status = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(HoursChangeSchema))


class HoursBookingSchema(Schema):
    """A booking's figure after a correction."""

    booking_id = fields.Integer()
    minutes_worked = fields.Integer()
    minutes = fields.Integer()
    status = fields.String(allow_none=True)


class QueryCreateSchema(Schema):
    """A query (申诉) about one figure."""

    text = fields.String(required=True, validate=fields.Length(min=1, max=200))


class QueryAnswerSchema(Schema):
    """The organizer's answer; with `minutes`, the figure is corrected (the answer is the reason)."""

    answer = fields.String(required=True, validate=fields.Length(min=1, max=200))
    minutes = fields.Integer(validate=fields.Range(min=0, max=MAX_CORRECTED_MINUTES))


class QueryArgsSchema(Schema):
    community_id = fields.Id(metadata={"description": "Default: every community the caller organizes"})


class OpenQuerySchema(Schema):
    """An open query as organizers see it."""

    id = fields.Integer()
    booking_id = fields.Integer()
    shift_id = fields.Integer()
    person = fields.Nested(RosterPersonSchema)
    site = fields.String()
    post = fields.String()
    starts_at = fields.LocalDateTime()
    minutes_worked = fields.Integer()
    minutes = fields.Integer()
    status = fields.String(allow_none=True, metadata={"description": "The figure's status"})
    text = fields.String()
    created_at = fields.LocalDateTime()


class OpenQueryListSchema(Schema):
    items = fields.List(fields.Nested(OpenQuerySchema))


class ProofArgsSchema(Schema):
    """The period of a proof of service: local dates."""

    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
