"""Schemas for activities, registrations, check-in and rosters."""

import marshmallow as ma

from server.models import AUDIENCES, CATEGORIES, MAX_QUESTIONS, QUESTION_KINDS, REGISTRATION_STATUSES, SIGNUP_MODES
from server.models.base import utcnow
from server.schemas import fields
from server.schemas.common import PageArgsSchema, PageSchema, Schema
from server.schemas.users import CommunitySchema, RosterPersonSchema

CATEGORY_DOC = "`party_lesson` 党课, `youth` 青年, `women_children` 妇儿, `elderly` 长者, `culture` 文体, `volunteer` 志愿服务, `other`"
AUDIENCE_DOC = "`all`; `party_members`; `community_residents` (the activity's community only)"
SIGNUP_MODE_DOC = (
    "`first_come` 先到先得; `lottery` 抽签 (sign-ups are entries until the draw at `draw_at`); "
    "`approval` 报名审核 (a sign-up is `pending` until an organizer approves it). Fixed once published."
)
REGISTRATION_STATUS_DOC = (
    "`confirmed`; `waitlisted`; `offered` (a freed place is held for you until `offer_expires_at`: accept "
    "or decline it); `pending` (awaits the organizer's approval); `entered` (a lottery entry, until the "
    "draw); final: `cancelled`, `expired` (an offer not claimed in time), `rejected` (see "
    "`reject_reason`), `not_drawn` (the draw gave no place and the activity has no waitlist)"
)


class QuestionSchema(Schema):
    """A question an activity asks at sign-up."""

    id = fields.String(
        load_default=None, allow_none=True, validate=fields.Length(max=16),
        metadata={"description": "Stable id the answers are keyed by: given by position (`q1`..`q5`); one sent "
                  "is ignored, so questions read from the activity may be sent back as they are", "example": "q1"},
    )
    kind = fields.String(
        required=True, validate=fields.OneOf(QUESTION_KINDS),
        metadata={"description": "`text` (up to 100 characters), `choice` (one of `options`), `number` (an integer)"},
    )
    label = fields.String(required=True, validate=fields.Length(min=1, max=50), metadata={"example": "孩子的年龄"})
    required = fields.Boolean(load_default=False)
    options = fields.List(
        fields.String(validate=fields.Length(min=1, max=30)), load_default=list,
        metadata={"description": "The choices of a `choice` question (2 to 10); empty otherwise"},
    )
    min = fields.Integer(allow_none=True, load_default=None, strict=True, validate=fields.Range(min=-1000000, max=1000000),
                         metadata={"description": "Smallest answer of a `number` question"})
    max = fields.Integer(allow_none=True, load_default=None, strict=True, validate=fields.Range(min=-1000000, max=1000000),
                         metadata={"description": "Largest answer of a `number` question"})


class RegistrationSchema(Schema):
    """A registration as its owner sees it."""

    id = fields.Integer()
    activity_id = fields.Integer()
    status = fields.String(metadata={"description": REGISTRATION_STATUS_DOC})
    waitlist_position = fields.Integer(
        allow_none=True, metadata={"description": "1-based place in the waitlist; null unless waitlisted"}
    )
    offer_expires_at = fields.LocalDateTime(
        allow_none=True, metadata={"description": "`offered`: the held places wait until then. Added after v1."}
    )
    reject_reason = fields.String(allow_none=True, metadata={"description": "`rejected`: the organizer's reason"})
    draw_rank = fields.Integer(
        allow_none=True, metadata={"description": "Lottery: 1-based place in the drawn order; null before the draw"}
    )
    answers = fields.Dict(
        keys=fields.String(), values=fields.Raw(), allow_none=True,
        metadata={"description": "Answers to the activity's questions, by question id"},
    )
    companions = fields.Integer()
    remark = fields.String()
    registered_at = fields.LocalDateTime()
    checked_in_at = fields.LocalDateTime(allow_none=True)
    checked_in_uploaded_at = fields.LocalDateTime(
        allow_none=True,
        metadata={"description": "Set when the check-in was scanned offline (离线补传): when it was uploaded; "
                  "`checked_in_at` is then the time of the scan. Added after v1."},
    )


class ActivitySchema(Schema):
    """An activity (党群活动) as the caller sees it, with the caller's own registration."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    category = fields.String(metadata={"description": CATEGORY_DOC})
    community = fields.Nested(CommunitySchema)
    venue = fields.String()
    starts_at = fields.LocalDateTime()
    ends_at = fields.LocalDateTime()
    signup_opens_at = fields.LocalDateTime(allow_none=True, metadata={"description": "null: open once published"})
    signup_closes_at = fields.LocalDateTime(allow_none=True, metadata={"description": "null: closes at the start"})
    capacity = fields.Integer(metadata={"description": "Places (people); a registration takes 1 + companions"})
    waitlist_enabled = fields.Boolean()
    audience = fields.String(metadata={"description": AUDIENCE_DOC})
    cancel_cutoff_minutes = fields.Integer()
    certificate_enabled = fields.Boolean(metadata={"description": "Attendees may download a certificate"})
    signup_mode = fields.String(metadata={"description": SIGNUP_MODE_DOC})
    draw_at = fields.LocalDateTime(allow_none=True, metadata={"description": "Lottery: when the draw happens"})
    drawn_at = fields.LocalDateTime(allow_none=True, metadata={"description": "Lottery: when it was drawn; null before"})
    claim_hours = fields.Integer(
        metadata={"description": "Hours a waitlisted party has to claim a freed place; 0: confirmed at once"}
    )
    questions = fields.List(fields.Nested(QuestionSchema), metadata={"description": "Asked at sign-up"})
    status = fields.Method(
        "_status", metadata={"description": "`draft`, `published`, `cancelled`, `finished` (published and ended)"}
    )
    cancel_reason = fields.String(allow_none=True)
    confirmed_count = fields.Integer(
        metadata={"description": "Places taken, companions included: confirmed ones and those held for an offer"}
    )
    waitlist_count = fields.Integer(metadata={"description": "Registrations on the waitlist"})
    my_registration = fields.Nested(
        RegistrationSchema, allow_none=True, metadata={"description": "The caller's open registration (confirmed, waitlisted, offered, pending, "
                  "entered), or the last one if it ended as expired, rejected or not_drawn; null if none (or "
                  "cancelled)"}
    )

    def _status(self, activity):
        return activity.effective_status(utcnow())


class ActivitySummarySchema(ActivitySchema):
    """An activity nested in something about the caller or the roster (no `my_registration`)."""

    class Meta:
        exclude = ("my_registration",)


class ActivityPageSchema(PageSchema):
    """A page of activities, each with the caller's own registration."""

    items = fields.List(fields.Nested(ActivitySchema))


def _times(required):
    kwargs = {"required": True} if required else {}
    return {
        "starts_at": fields.LocalDateTime(**kwargs),
        "ends_at": fields.LocalDateTime(**kwargs),
        "signup_opens_at": fields.LocalDateTime(allow_none=True),
        "signup_closes_at": fields.LocalDateTime(allow_none=True),
    }


class ActivityCreateSchema(Schema.from_dict(_times(required=True))):
    """A new activity, created as a draft in a community you organize."""

    community_id = fields.Id(required=True, strict=True)
    title = fields.String(required=True, validate=fields.Length(min=1, max=100))
    description = fields.String(load_default="", validate=fields.Length(max=5000))
    category = fields.String(required=True, validate=fields.OneOf(CATEGORIES))
    venue = fields.String(load_default="", validate=fields.Length(max=200))
    capacity = fields.Integer(required=True, strict=True, validate=fields.Range(min=1, max=100000))
    waitlist_enabled = fields.Boolean(load_default=True)
    audience = fields.String(load_default="all", validate=fields.OneOf(AUDIENCES))
    cancel_cutoff_minutes = fields.Integer(load_default=0, strict=True, validate=fields.Range(min=0, max=43200))
    certificate_enabled = fields.Boolean(load_default=False)
    signup_mode = fields.String(load_default="first_come", validate=fields.OneOf(SIGNUP_MODES),
                                metadata={"description": SIGNUP_MODE_DOC})
    draw_at = fields.LocalDateTime(allow_none=True, load_default=None,
                                   metadata={"description": "Lottery only: after sign-up closes, before the start"})
    claim_hours = fields.Integer(load_default=0, strict=True, validate=fields.Range(min=0, max=168))
    questions = fields.List(fields.Nested(QuestionSchema), load_default=list,
                            validate=fields.Length(max=MAX_QUESTIONS))


class ActivityUpdateSchema(Schema.from_dict(_times(required=False))):
    """Changes to an activity: only the fields sent are changed."""

    title = fields.String(validate=fields.Length(min=1, max=100))
    description = fields.String(validate=fields.Length(max=5000))
    category = fields.String(validate=fields.OneOf(CATEGORIES))
    venue = fields.String(validate=fields.Length(max=200))
    capacity = fields.Integer(strict=True, validate=fields.Range(min=1, max=100000))
    waitlist_enabled = fields.Boolean()
    audience = fields.String(validate=fields.OneOf(AUDIENCES))
    cancel_cutoff_minutes = fields.Integer(strict=True, validate=fields.Range(min=0, max=43200))
    certificate_enabled = fields.Boolean()
    signup_mode = fields.String(validate=fields.OneOf(SIGNUP_MODES), metadata={"description": SIGNUP_MODE_DOC})
    draw_at = fields.LocalDateTime(allow_none=True)
    claim_hours = fields.Integer(strict=True, validate=fields.Range(min=0, max=168))
    questions = fields.List(fields.Nested(QuestionSchema), validate=fields.Length(max=MAX_QUESTIONS))


class ActivityQueryArgsSchema(PageArgsSchema):
    """Filters of the activity list."""

    community_id = fields.Id()
    category = fields.String(validate=fields.OneOf(CATEGORIES))
    date_from = fields.DateOrDateTime(
        data_key="from",
        metadata={
            "description": "Activities starting at or after: a local date `YYYY-MM-DD` (from the start of that "
            "day in APP_TIMEZONE) or an ISO 8601 date-time (from that instant; without an offset, APP_TIMEZONE)",
            "example": "2026-12-01",
        },
    )
    date_to = fields.DateOrDateTime(
        data_key="to",
        metadata={
            "description": "Activities starting at or before: a local date (to the end of that whole day in "
            "APP_TIMEZONE) or an ISO 8601 date-time (up to and including that instant)",
            "example": "2026-12-31T18:00:00+08:00",
        },
    )
    q = fields.String(validate=fields.Length(max=50), metadata={"description": "Words in the title or venue"})
    status = fields.String(
        validate=fields.OneOf(("published", "draft", "cancelled", "finished")),
        metadata={"description": "Default `published`; `draft` and `cancelled` need `community_id` you organize"},
    )


class CancelSchema(Schema):
    """Why it is cancelled; everyone signed up is told."""

    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class RegisterSchema(Schema):
    """A sign-up: the people coming along and a remark for the organizer."""

    companions = fields.Integer(
        load_default=0, strict=True, validate=fields.Range(min=0, max=10),
        metadata={"description": "People coming along (children, family); each takes a place"},
    )
    remark = fields.String(load_default="", validate=fields.Length(max=200))
    answers = fields.Dict(
        keys=fields.String(validate=fields.Length(max=16)), values=fields.Raw(allow_none=True), load_default=dict,
        metadata={"description": "Answers to the activity's questions by question id: a string (`text`, "
                  "`choice`) or an integer (`number`; a string of digits is read as one); null or an empty "
                  "string is no answer. See Questions in docs/api.md", "example": {"q1": 7}},
    )


PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


class WalkInSchema(Schema):
    """A walk-in (代报名) an organizer registers: someone without an account, by name and phone."""

    name = fields.String(required=True, validate=fields.Length(min=1, max=50), metadata={"example": "王阿姨"})
    phone = fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Regexp(PHONE_PATTERN, error="请填写 11 位手机号或带区号的固定电话"),
        metadata={"description": "Optional: a mobile or a landline with its area code", "example": "13812345678"},
    )
    companions = fields.Integer(
        load_default=0, strict=True, validate=fields.Range(min=0, max=10),
        metadata={"description": "People coming along; each takes a place"},
    )
    remark = fields.String(load_default="", validate=fields.Length(max=200))
    answers = fields.Dict(
        keys=fields.String(validate=fields.Length(max=16)), values=fields.Raw(allow_none=True), load_default=dict,
        metadata={"description": "Answers to the activity's questions, checked as a sign-up's except that "
                  "required ones may be left out. Added after v1."},
    )


class RosterCancelSchema(Schema):
    """Why an organizer cancels someone's registration; a person with an account is told."""

    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class CancelledSchema(Schema):
    """The registration or booking is cancelled."""

    status = fields.String(metadata={"example": "cancelled"})


class MyRegistrationSchema(RegistrationSchema):
    """One of my registrations, with its activity."""

    activity = fields.Nested(ActivitySummarySchema)


class MyRegistrationPageSchema(PageSchema):
    """A page of my registrations."""

    items = fields.List(fields.Nested(MyRegistrationSchema))


class MyRegistrationArgsSchema(PageArgsSchema):
    """Which of my registrations to list."""

    when = fields.String(load_default="upcoming", validate=fields.OneOf(("upcoming", "past")))
    include_cancelled = fields.Boolean(load_default=False)


class CheckinCodeSchema(Schema):
    """A rotating check-in token for organizers to show, and its mini-program code image."""

    token = fields.String(metadata={"description": "Rotates every 5 minutes; valid for 5 to 10 minutes"})
    expires_at = fields.LocalDateTime()
    qrcode_url = fields.String(metadata={"description": "Mini-program code image (JPEG) opening the check-in page"})


class CheckinSchema(Schema):
    """The check-in token scanned from the organizer's code."""

    token = fields.String(required=True, validate=fields.Length(min=1, max=64))
    recorded_at = fields.LocalDateTime(
        metadata={"description": "A scan made offline: the phone's time of the scan (ISO 8601 with offset). "
                  "Accepted if the token was valid then, it is not in the future (2 minutes of clock error "
                  "allowed) and not older than `OFFLINE_CHECKIN_MAX_HOURS`; stored as the time of the "
                  "check-in and marked as uploaded late. Added after v1."}
    )


class RosterFormatArgsSchema(Schema):
    """How to return a roster: JSON, or a CSV or XLSX file."""

    format = fields.String(load_default="json", validate=fields.OneOf(("json", "csv", "xlsx")))
    unreminded = fields.Boolean(
        load_default=False,
        metadata={"description": "JSON only: just the confirmed people no reminder can reach (no credits left)"},
    )
    status = fields.String(
        load_default=None, validate=fields.OneOf(REGISTRATION_STATUSES),
        metadata={"description": "JSON only: just the registrations of this status, e.g. `pending` (待审核) or "
                  "`offered` (待确认). Default: every registration. Added after v1."},
    )


class RosterUserSchema(RosterPersonSchema):
    """A person on a roster."""

    phone = fields.String(
        allow_none=True,
        metadata={
            "description": "Always null in JSON (kept for released clients): the community's organizers reveal one "
            "number with `POST /activities/{id}/roster/{registration_id}/phone`"
        },
    )


class RosterItemSchema(Schema):
    """One registration on an activity's roster."""

    registration_id = fields.Integer()
    user = fields.Nested(RosterUserSchema)
    status = fields.String()
    waitlist_position = fields.Integer(allow_none=True)
    companions = fields.Integer()
    remark = fields.String()
    registered_at = fields.LocalDateTime()
    checked_in_at = fields.LocalDateTime(allow_none=True)
    checked_in_uploaded_at = fields.LocalDateTime(
        allow_none=True,
        metadata={"description": "Set when the check-in was scanned offline (离线补传): when it was uploaded; "
                  "`checked_in_at` is then the time of the scan. Added after v1."},
    )
    reminder_credits = fields.Integer(
        metadata={"description": "Activity reminders that may still be sent; 0: will not be reminded, phone them"}
    )
    walk_in = fields.Boolean(
        metadata={"description": "A walk-in (代报名) an organizer registered: `user.id` is null, the name and "
                  "phone are what the organizer typed, and nothing reminds them. Added after v1."}
    )
    registered_by = fields.String(
        allow_none=True, metadata={"description": "The organizer who registered a walk-in; null otherwise"}
    )
    offer_expires_at = fields.LocalDateTime(
        allow_none=True, metadata={"description": "`offered`: the held places wait until then. Added after v1."}
    )
    reject_reason = fields.String(
        allow_none=True, metadata={"description": "`rejected`: the organizer's reason. Added after v1."}
    )
    answers = fields.Dict(
        keys=fields.String(), values=fields.Raw(), allow_none=True,
        metadata={"description": "Answers to the activity's questions by question id (`activity.questions`); "
                  "null: none. Added after v1."},
    )


class RosterCountsSchema(Schema):
    """How many registrations of each status an activity has, and the places taken."""

    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    cancelled = fields.Integer()
    offered = fields.Integer(metadata={"description": "Places held for an offer (待确认). Added after v1."})
    pending = fields.Integer(metadata={"description": "Sign-ups awaiting approval (待审核). Added after v1."})
    entered = fields.Integer(metadata={"description": "Lottery entries before the draw. Added after v1."})
    expired = fields.Integer(metadata={"description": "Offers not claimed in time. Added after v1."})
    rejected = fields.Integer(metadata={"description": "Sign-ups rejected by an organizer. Added after v1."})
    not_drawn = fields.Integer(metadata={"description": "Lottery entries that drew no place. Added after v1."})
    checked_in = fields.Integer()
    places = fields.Integer(
        metadata={"description": "Places taken by confirmed registrations and held for offers, companions included"}
    )


class RosterRejectSchema(Schema):
    """Why an organizer rejects a pending sign-up (报名审核); the person is told."""

    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class PhoneSchema(Schema):
    """One person's full phone number, revealed to an organizer of their community (the reveal is audited)."""

    phone = fields.String(
        allow_none=True, metadata={"description": "Null when the person has bound no number", "example": "13812345678"}
    )


class RosterSchema(Schema):
    """An activity's roster for its organizers: counts and every registration."""

    activity = fields.Nested(ActivitySummarySchema)
    counts = fields.Nested(RosterCountsSchema)
    items = fields.List(fields.Nested(RosterItemSchema))
