"""Notices to an activity's participants (services/notices.py)."""

from server.schemas import fields
from server.schemas.activities import RosterUserSchema
from server.schemas.common import Schema


class NoticeCreateSchema(Schema):
    """A notice to send: its text (1 to 60 characters after trimming), and whether the waitlist hears it."""

    text = fields.String(required=True, metadata={"example": "明早因雨改在二楼活动室，请带好雨具"})
    include_waitlist = fields.Boolean(load_default=False)
    key = fields.String(
        load_default=None,
        allow_none=True,
        validate=fields.Length(max=64),
        metadata={"description": "The client's idempotency key: a repeated request with it returns the first "
                  "notice and sends nothing more"},
    )


class UnreachableSchema(Schema):
    """Someone the notice could not reach: no `notice` credit, or a walk-in without an account. Phone them
    (reveal the number with `POST /activities/{id}/roster/{registration_id}/phone`, audited)."""

    registration_id = fields.Integer()
    user = fields.Nested(RosterUserSchema)
    status = fields.String(
        metadata={"description": "`confirmed`, `offered` or `waitlisted` (when the notice was sent)"}
    )
    walk_in = fields.Boolean()


class NoticeSummarySchema(Schema):
    """A sent notice and its counts."""

    id = fields.Integer()
    text = fields.String()
    include_waitlist = fields.Boolean()
    queued = fields.Integer(metadata={"description": "Messages queued: people with a `notice` credit"})
    unreachable_count = fields.Method("_unreachable_count", metadata={"description": "People it could not reach"})
    created_at = fields.LocalDateTime()

    def _unreachable_count(self, notice):
        return len(notice.unreachable or [])


class NoticeSchema(NoticeSummarySchema):
    """A notice just sent: its counts and whom to phone."""

    unreachable = fields.List(fields.Nested(UnreachableSchema))


class NoticeListSchema(Schema):
    """An activity's notices, newest first."""

    items = fields.List(fields.Nested(NoticeSummarySchema))
