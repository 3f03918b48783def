"""Schemas for activities, registrations, check-in and rosters."""

import marshmallow as ma

from server.models import AUDIENCES, CATEGORIES
from server.models.base import utcnow
from server.schemas.common import PageArgsSchema, PageSchema
from server.schemas.fields import LocalDateTime
from server.schemas.users import CommunitySchema

CATEGORY_DOC = "`party_lesson` 党课, `youth` 青年, `women_children` 妇儿, `elderly` 长者, `culture` 文体, `volunteer` 志愿服务, `other`"
AUDIENCE_DOC = "`all`; `party_members`; `community_residents` (the activity's community only)"


class RegistrationSchema(ma.Schema):
    """A registration as its owner sees it."""

    id = ma.fields.Integer()
    activity_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "`confirmed`, `waitlisted` or `cancelled`"})
    waitlist_position = ma.fields.Integer(
        allow_none=True, metadata={"description": "1-based place in the waitlist; null unless waitlisted"}
    )
    companions = ma.fields.Integer()
    remark = ma.fields.String()
    registered_at = LocalDateTime()
    checked_in_at = LocalDateTime(allow_none=True)


class ActivitySchema(ma.Schema):
    """An activity (党群活动) as the caller sees it, with the caller's own registration."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    category = ma.fields.String(metadata={"description": CATEGORY_DOC})
    community = ma.fields.Nested(CommunitySchema)
    venue = ma.fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    signup_opens_at = LocalDateTime(allow_none=True, metadata={"description": "null: open once published"})
    signup_closes_at = LocalDateTime(allow_none=True, metadata={"description": "null: closes at the start"})
    capacity = ma.fields.Integer(metadata={"description": "Places (people); a registration takes 1 + companions"})
    waitlist_enabled = ma.fields.Boolean()
    audience = ma.fields.String(metadata={"description": AUDIENCE_DOC})
    cancel_cutoff_minutes = ma.fields.Integer()
    status = ma.fields.Method(
        "_status", metadata={"description": "`draft`, `published`, `cancelled`, `finished` (published and ended)"}
    )
    cancel_reason = ma.fields.String(allow_none=True)
    confirmed_count = ma.fields.Integer(metadata={"description": "Places taken, companions included"})
    waitlist_count = ma.fields.Integer(metadata={"description": "Registrations on the waitlist"})
    my_registration = ma.fields.Nested(
        RegistrationSchema, allow_none=True, metadata={"description": "The caller's active registration, or null"}
    )

    def _status(self, activity):
        return activity.effective_status(utcnow())


class ActivitySummarySchema(ActivitySchema):
    """An activity nested in something about the caller or the roster (no `my_registration`)."""

    class Meta:
        exclude = ("my_registration",)


class ActivityPageSchema(PageSchema):
    """A page of activities, each with the caller's own registration."""

    items = ma.fields.List(ma.fields.Nested(ActivitySchema))


def _times(required):
    kwargs = {"required": True} if required else {}
    return {
        "starts_at": LocalDateTime(**kwargs),
        "ends_at": LocalDateTime(**kwargs),
        "signup_opens_at": LocalDateTime(allow_none=True),
        "signup_closes_at": LocalDateTime(allow_none=True),
    }


class ActivityCreateSchema(ma.Schema.from_dict(_times(required=True))):
    """A new activity, created as a draft in a community you organize."""

    community_id = ma.fields.Integer(required=True, strict=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    venue = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=100000))
    waitlist_enabled = ma.fields.Boolean(load_default=True)
    audience = ma.fields.String(load_default="all", validate=ma.validate.OneOf(AUDIENCES))
    cancel_cutoff_minutes = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=43200))


class ActivityUpdateSchema(ma.Schema.from_dict(_times(required=False))):
    """Changes to an activity: only the fields sent are changed."""

    title = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))
    venue = ma.fields.String(validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100000))
    waitlist_enabled = ma.fields.Boolean()
    audience = ma.fields.String(validate=ma.validate.OneOf(AUDIENCES))
    cancel_cutoff_minutes = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=43200))


class ActivityQueryArgsSchema(PageArgsSchema):
    """Filters of the activity list."""

    community_id = ma.fields.Integer()
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))
    date_from = ma.fields.Date(data_key="from", metadata={"description": "Local date: activities starting that day or later"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "Local date: activities starting that day or earlier"})
    q = ma.fields.String(validate=ma.validate.Length(max=50), metadata={"description": "Words in the title or venue"})
    status = ma.fields.String(
        validate=ma.validate.OneOf(("published", "draft", "cancelled", "finished")),
        metadata={"description": "Default `published`; `draft` and `cancelled` need `community_id` you organize"},
    )


class CancelSchema(ma.Schema):
    """Why it is cancelled; everyone signed up is told."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class RegisterSchema(ma.Schema):
    """A sign-up: the people coming along and a remark for the organizer."""

    companions = ma.fields.Integer(
        load_default=0, strict=True, validate=ma.validate.Range(min=0, max=10),
        metadata={"description": "People coming along (children, family); each takes a place"},
    )
    remark = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class CancelledSchema(ma.Schema):
    """The registration or booking is cancelled."""

    status = ma.fields.String(metadata={"example": "cancelled"})


class MyRegistrationSchema(RegistrationSchema):
    """One of my registrations, with its activity."""

    activity = ma.fields.Nested(ActivitySummarySchema)


class MyRegistrationPageSchema(PageSchema):
    """A page of my registrations."""

    items = ma.fields.List(ma.fields.Nested(MyRegistrationSchema))


class MyRegistrationArgsSchema(PageArgsSchema):
    """Which of my registrations to list."""

    when = ma.fields.String(load_default="upcoming", validate=ma.validate.OneOf(("upcoming", "past")))
    include_cancelled = ma.fields.Boolean(load_default=False)


class CheckinCodeSchema(ma.Schema):
    """A rotating check-in token for organizers to show, and its mini-program code image."""

    token = ma.fields.String(metadata={"description": "Rotates every 5 minutes; valid for 5 to 10 minutes"})
    expires_at = LocalDateTime()
    qrcode_url = ma.fields.String(metadata={"description": "Mini-program code image (JPEG) opening the check-in page"})


class CheckinSchema(ma.Schema):
    """The check-in token scanned from the organizer's code."""

    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class RosterFormatArgsSchema(ma.Schema):
    """How to return a roster: JSON, or a CSV or XLSX file."""

    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))
    unreminded = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "JSON only: just the confirmed people no reminder can reach (no credits left)"},
    )


class RosterUserSchema(ma.Schema):
    """A person on a roster."""

    id = ma.fields.Integer()
    real_name = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.String(allow_none=True)
    phone = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Always null in JSON (kept for released clients): the community's organizers reveal one "
            "number with `POST /activities/{id}/roster/{registration_id}/phone`"
        },
    )


class RosterItemSchema(ma.Schema):
    """One registration on an activity's roster."""

    registration_id = ma.fields.Integer()
    user = ma.fields.Nested(RosterUserSchema)
    status = ma.fields.String()
    waitlist_position = ma.fields.Integer(allow_none=True)
    companions = ma.fields.Integer()
    remark = ma.fields.String()
    registered_at = LocalDateTime()
    checked_in_at = LocalDateTime(allow_none=True)
    reminder_credits = ma.fields.Integer(
        metadata={"description": "Activity reminders that may still be sent; 0: will not be reminded, phone them"}
    )


class RosterCountsSchema(ma.Schema):
    """How many registrations of each status an activity has, and the places taken."""

    confirmed = ma.fields.Integer()
    waitlisted = ma.fields.Integer()
    cancelled = ma.fields.Integer()
    checked_in = ma.fields.Integer()
    places = ma.fields.Integer(metadata={"description": "Places taken by confirmed registrations, companions included"})


class PhoneSchema(ma.Schema):
    """One person's full phone number, revealed to an organizer of their community (the reveal is audited)."""

    phone = ma.fields.String(
        allow_none=True, metadata={"description": "Null when the person has bound no number", "example": "13812345678"}
    )


class RosterSchema(ma.Schema):
    """An activity's roster for its organizers: counts and every registration."""

    activity = ma.fields.Nested(ActivitySummarySchema)
    counts = ma.fields.Nested(RosterCountsSchema)
    items = ma.fields.List(ma.fields.Nested(RosterItemSchema))
