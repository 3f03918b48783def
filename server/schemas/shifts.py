"""Schemas for sites, shifts, bookings, hours and duty rosters.

A shift's posts (岗位) are called `roles` on the wire, and a post's id `role_id`, as released clients
know them; inside the code they are posts (`data_key` maps the names). The schema classes named
`Role...` keep those names because they name the OpenAPI components.
"""

import marshmallow as ma

from server.models import SITE_KINDS
from server.schemas.common import PageArgsSchema, PageSchema
from server.schemas.fields import LocalDateTime
from server.schemas.users import CommunitySchema

KIND_DOC = "`checkpoint` 卡口, `testing_site` 核酸采样点, `temperature_point` 测温点, `service_center`, `other`"


class SiteSchema(ma.Schema):
    """A place volunteers staff (卡口, 核酸采样点, 测温点 ...) in one community."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": KIND_DOC})
    community = ma.fields.Nested(CommunitySchema)
    address = ma.fields.String()
    grid = ma.fields.String(metadata={"description": "网格 (grid) the site belongs to"})


class SitePageSchema(PageSchema):
    """A page of sites."""

    items = ma.fields.List(ma.fields.Nested(SiteSchema))


class SiteQueryArgsSchema(PageArgsSchema):
    """Filters of the site list."""

    community_id = ma.fields.Integer()
    kind = ma.fields.String(validate=ma.validate.OneOf(SITE_KINDS))


class SiteCreateSchema(ma.Schema):
    """A new site in a community you organize."""

    community_id = ma.fields.Integer(required=True, strict=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SITE_KINDS))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    grid = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class SiteUpdateSchema(ma.Schema):
    """Changes to a site; fields left out stay as they are."""

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(validate=ma.validate.OneOf(SITE_KINDS))
    address = ma.fields.String(validate=ma.validate.Length(max=200))
    grid = ma.fields.String(validate=ma.validate.Length(max=64))


POSTS_DOC = "The shift's posts (岗位), each with its capacity; named roles in the wire format for released clients"


class RoleSchema(ma.Schema):
    """A post (岗位) of a shift and its places: named Role in the wire format for released clients."""

    id = ma.fields.Integer(metadata={"description": "The post's id: the `role_id` to book it with"})
    name = ma.fields.String(metadata={"description": "登记, 维持秩序, 测温, 卡口值守 ..."})
    capacity = ma.fields.Integer()
    booked = ma.fields.Integer(metadata={"description": "Places taken (booked and no-show volunteers)"})


class RoleBriefSchema(ma.Schema):
    """A post (岗位) of a shift, by id and name: named Role in the wire format for released clients."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class BookingSchema(ma.Schema):
    """A booking of a post (岗位, `role` in the wire format for released clients) as its volunteer sees it."""

    id = ma.fields.Integer()
    shift_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "`booked`, `cancelled` or `no_show`"})
    post = ma.fields.Nested(RoleBriefSchema, data_key="role")  # no description: it would wrap the $ref in allOf
    booked_at = LocalDateTime()
    checked_in_at = LocalDateTime(allow_none=True)
    checked_out_at = LocalDateTime(allow_none=True)
    minutes_credited = ma.fields.Integer(metadata={"description": "Minutes worked inside the shift's window"})


class ShiftSummarySchema(ma.Schema):
    """A shift at a site with its posts (岗位) and their places."""

    id = ma.fields.Integer()
    site = ma.fields.Nested(SiteSchema)
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    party_members_only = ma.fields.Boolean()
    notes = ma.fields.String()
    status = ma.fields.String(metadata={"description": "`open` or `cancelled`"})
    cancel_reason = ma.fields.String(allow_none=True)
    posts = ma.fields.List(ma.fields.Nested(RoleSchema), data_key="roles", metadata={"description": POSTS_DOC})


class ShiftSchema(ShiftSummarySchema):
    """A shift with its posts, and the caller's own booking on it."""

    my_booking = ma.fields.Nested(
        BookingSchema, allow_none=True, metadata={"description": "The caller's booking (not cancelled), or null"}
    )

    def get_attribute(self, obj, attr, default):
        # Dumps `services.bookings.ShiftForViewer`: the shift's fields from its shift, `my_booking` beside it.
        return super().get_attribute(obj if attr == "my_booking" else obj.shift, attr, default)


class ShiftPageSchema(PageSchema):
    """A page of shifts, each with the caller's booking on it."""

    items = ma.fields.List(ma.fields.Nested(ShiftSchema))


class ShiftListSchema(ma.Schema):
    """Shifts created together."""

    items = ma.fields.List(ma.fields.Nested(ShiftSchema))


class ShiftQueryArgsSchema(PageArgsSchema):
    """Filters of the shift list."""

    site_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    date = ma.fields.Date(metadata={"description": "Local date: shifts starting that day"})
    available = ma.fields.Boolean(metadata={"description": "true: only shifts with a free place on some post"})


class RoleCreateSchema(ma.Schema):
    """A new post (岗位) of a shift: named Role in the wire format for released clients."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    capacity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=500))


def _posts_field():
    return ma.fields.List(
        ma.fields.Nested(RoleCreateSchema), required=True, validate=ma.validate.Length(min=1, max=10), data_key="roles",
        metadata={"description": POSTS_DOC + " (names unique within the shift)"},
    )


class ShiftCreateSchema(ma.Schema):
    """A new shift with its posts at a site of your community."""

    site_id = ma.fields.Integer(required=True, strict=True)
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    posts = _posts_field()
    party_members_only = ma.fields.Boolean(load_default=False)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class ShiftUpdateSchema(ma.Schema):
    """New times, notes or eligibility of a shift; fields left out stay as they are."""

    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    party_members_only = ma.fields.Boolean()
    notes = ma.fields.String(validate=ma.validate.Length(max=1000))


class SlotSchema(ma.Schema):
    """A local time slot repeated on each date of a batch."""

    start = ma.fields.Time(required=True, format="%H:%M", metadata={"example": "08:00"})
    end = ma.fields.Time(
        required=True, format="%H:%M", metadata={"example": "12:00", "description": "At or before `start`: next day"}
    )


class ShiftBatchSchema(ma.Schema):
    """One shift per date and slot at a site, all with the same posts."""

    site_id = ma.fields.Integer(required=True, strict=True)
    dates = ma.fields.List(ma.fields.Date(), required=True, validate=ma.validate.Length(min=1, max=62))
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True, validate=ma.validate.Length(min=1, max=24))
    posts = _posts_field()
    party_members_only = ma.fields.Boolean(load_default=False)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class BookSchema(ma.Schema):
    """The post to book on the shift."""

    post_id = ma.fields.Integer(
        required=True, strict=True, data_key="role_id",
        metadata={"description": "The id of a post (岗位) of the shift; named role_id in the wire format for "
                                 "released clients"},
    )


class CheckSchema(ma.Schema):
    """A check-in or check-out: the volunteer's scanned token, or an organizer's time."""

    token = ma.fields.String(
        validate=ma.validate.Length(max=64), metadata={"description": "The site's scanned token (volunteers)"}
    )
    at = LocalDateTime(metadata={"description": "Organizers only: the actual time, when recording afterwards"})


class MyBookingSchema(BookingSchema):
    """One of my bookings with its shift."""

    shift = ma.fields.Nested(ShiftSummarySchema)


class MyBookingPageSchema(PageSchema):
    """A page of my bookings."""

    items = ma.fields.List(ma.fields.Nested(MyBookingSchema))


class MyShiftArgsSchema(PageArgsSchema):
    """Which of my bookings: upcoming or past."""

    when = ma.fields.String(load_default="upcoming", validate=ma.validate.OneOf(("upcoming", "past")))


class MonthMinutesSchema(ma.Schema):
    """Credited minutes in one local month."""

    month = ma.fields.String(metadata={"example": "2026-11"})
    minutes = ma.fields.Integer()


class HoursSchema(ma.Schema):
    """My credited volunteer minutes, in total and by month (newest first)."""

    total_minutes = ma.fields.Integer()
    by_month = ma.fields.List(ma.fields.Nested(MonthMinutesSchema))


class PersonSchema(ma.Schema):
    """A volunteer as a roster shows them."""

    id = ma.fields.Integer()
    real_name = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.String(allow_none=True)
    phone = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Always null in JSON (kept for released clients): the community's organizers reveal one "
            "number with `POST /shift-bookings/{id}/phone`"
        },
    )


class RosterVolunteerSchema(ma.Schema):
    """A volunteer booked on a post, with their attendance."""

    booking_id = ma.fields.Integer()
    user = ma.fields.Nested(PersonSchema)
    status = ma.fields.String()
    checked_in_at = LocalDateTime(allow_none=True)
    checked_out_at = LocalDateTime(allow_none=True)
    minutes_credited = ma.fields.Integer()
    reminder_credits = ma.fields.Integer(
        allow_none=True, metadata={"description": "Shift reminders that may still be sent; 0: phone them"}
    )


class RosterRoleSchema(RoleSchema):
    """A post (岗位) of a shift with its volunteers: named Role in the wire format for released clients."""

    volunteers = ma.fields.List(ma.fields.Nested(RosterVolunteerSchema))


ROSTER_POSTS_DOC = "The shift's posts (岗位) with their volunteers; named roles in the wire format for released clients"


class ShiftRosterSchema(ma.Schema):
    """A shift's volunteers per post (dumps `services.shift_rosters.ShiftRoster`)."""

    shift = ma.fields.Nested(ShiftSummarySchema)
    posts = ma.fields.List(
        ma.fields.Nested(RosterRoleSchema), data_key="roles", metadata={"description": ROSTER_POSTS_DOC}
    )


class DutyRosterArgsSchema(ma.Schema):
    """Which duty roster, and as JSON or a file."""

    date = ma.fields.Date(metadata={"description": "Local date; default today"})
    community_id = ma.fields.Integer(metadata={"description": "Default: the organizer's only community"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


class DutyShiftSchema(ShiftSummarySchema):
    """A shift of the duty roster with its volunteers per post."""

    posts = ma.fields.List(
        ma.fields.Nested(RosterRoleSchema), data_key="roles", metadata={"description": ROSTER_POSTS_DOC}
    )

    def get_attribute(self, obj, attr, default):
        # Dumps `services.shift_rosters.ShiftRoster`: the shift's fields from its shift, `posts` beside it.
        return super().get_attribute(obj if attr == "posts" else obj.shift, attr, default)


class DutyRosterSchema(ma.Schema):
    """The day's duty roster (排班表) of a community (dumps `services.shift_rosters.DutyRoster`)."""

    date = ma.fields.Date()
    community = ma.fields.Nested(CommunitySchema)
    shifts = ma.fields.List(ma.fields.Nested(DutyShiftSchema))


class HoursReportArgsSchema(ma.Schema):
    """Which hours report: a community and local dates, as JSON or a file."""

    date_from = ma.fields.Date(required=True, data_key="from")
    date_to = ma.fields.Date(required=True, data_key="to")
    community_id = ma.fields.Integer(metadata={"description": "Default: the organizer's only community"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


class HoursRowSchema(ma.Schema):
    """Credited service of one person on one shift, in the columns of the official volunteer system."""

    name = ma.fields.String(allow_none=True)
    phone = ma.fields.String(
        allow_none=True,
        metadata={"description": "Always null in JSON; in full in the files for the community's own organizers"},
    )
    phone_masked = ma.fields.String(allow_none=True)
    date = ma.fields.Date()
    site = ma.fields.String()
    post = ma.fields.String(metadata={"description": "The post (岗位) served"})
    start = LocalDateTime()
    end = LocalDateTime()
    minutes = ma.fields.Integer()
    hours = ma.fields.Float()


class HoursReportSchema(ma.Schema):
    """Volunteer hours per person and shift (dumps `services.shift_rosters.HoursReport`)."""

    community = ma.fields.Nested(CommunitySchema)
    items = ma.fields.List(ma.fields.Nested(HoursRowSchema))
