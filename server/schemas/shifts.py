"""Schemas for sites, shifts, bookings, hours and duty rosters."""

import marshmallow as ma

from server.models import SITE_KINDS
from server.schemas.common import PageArgsSchema, PageSchema
from server.schemas.fields import LocalDateTime
from server.schemas.users import CommunitySchema

KIND_DOC = "`checkpoint` 卡口, `testing_site` 核酸采样点, `temperature_point` 测温点, `service_center`, `other`"


class SiteSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": KIND_DOC})
    community = ma.fields.Nested(CommunitySchema)
    address = ma.fields.String()
    grid = ma.fields.String(metadata={"description": "网格 (grid) the site belongs to"})


class SitePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(SiteSchema))


class SiteQueryArgsSchema(PageArgsSchema):
    community_id = ma.fields.Integer()
    kind = ma.fields.String(validate=ma.validate.OneOf(SITE_KINDS))


class SiteCreateSchema(ma.Schema):
    community_id = ma.fields.Integer(required=True, strict=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SITE_KINDS))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    grid = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class SiteUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(validate=ma.validate.OneOf(SITE_KINDS))
    address = ma.fields.String(validate=ma.validate.Length(max=200))
    grid = ma.fields.String(validate=ma.validate.Length(max=64))


class RoleSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    capacity = ma.fields.Integer()
    booked = ma.fields.Integer()


class RoleBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class BookingSchema(ma.Schema):
    """A booking as its volunteer (or an organizer) sees it."""

    id = ma.fields.Integer()
    shift_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "`booked`, `cancelled` or `no_show`"})
    role = ma.fields.Nested(RoleBriefSchema)
    booked_at = LocalDateTime()
    checked_in_at = LocalDateTime(allow_none=True)
    checked_out_at = LocalDateTime(allow_none=True)
    minutes_credited = ma.fields.Integer(metadata={"description": "Minutes worked inside the shift's window"})


class ShiftSchema(ma.Schema):
    id = ma.fields.Integer()
    site = ma.fields.Nested(SiteSchema)
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    party_members_only = ma.fields.Boolean()
    notes = ma.fields.String()
    status = ma.fields.String(metadata={"description": "`open` or `cancelled`"})
    cancel_reason = ma.fields.String(allow_none=True)
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))
    my_booking = ma.fields.Nested(BookingSchema, allow_none=True, metadata={"description": "The caller's booking"})


class ShiftSummarySchema(ShiftSchema):
    class Meta:
        exclude = ("my_booking",)


class ShiftPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ShiftSchema))


class ShiftListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ShiftSchema))


class ShiftQueryArgsSchema(PageArgsSchema):
    site_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    date = ma.fields.Date(metadata={"description": "Local date: shifts starting that day"})
    available = ma.fields.Boolean(metadata={"description": "true: only shifts with a free place on some post"})


class RoleCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    capacity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=500))


def _roles_field():
    return ma.fields.List(
        ma.fields.Nested(RoleCreateSchema), required=True, validate=ma.validate.Length(min=1, max=10),
        metadata={"description": "Posts (登记, 维持秩序, 测温, 卡口值守 ...), each with its capacity"},
    )


class ShiftCreateSchema(ma.Schema):
    site_id = ma.fields.Integer(required=True, strict=True)
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    roles = _roles_field()
    party_members_only = ma.fields.Boolean(load_default=False)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class ShiftUpdateSchema(ma.Schema):
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    party_members_only = ma.fields.Boolean()
    notes = ma.fields.String(validate=ma.validate.Length(max=1000))


class SlotSchema(ma.Schema):
    start = ma.fields.Time(required=True, format="%H:%M", metadata={"example": "08:00"})
    end = ma.fields.Time(
        required=True, format="%H:%M", metadata={"example": "12:00", "description": "At or before `start`: next day"}
    )


class ShiftBatchSchema(ma.Schema):
    site_id = ma.fields.Integer(required=True, strict=True)
    dates = ma.fields.List(ma.fields.Date(), required=True, validate=ma.validate.Length(min=1, max=62))
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True, validate=ma.validate.Length(min=1, max=24))
    roles = _roles_field()
    party_members_only = ma.fields.Boolean(load_default=False)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class BookSchema(ma.Schema):
    role_id = ma.fields.Integer(required=True, strict=True)


class CheckSchema(ma.Schema):
    token = ma.fields.String(
        validate=ma.validate.Length(max=64), metadata={"description": "The site's scanned token (volunteers)"}
    )
    at = LocalDateTime(metadata={"description": "Organizers only: the actual time, when recording afterwards"})


class MyBookingSchema(BookingSchema):
    shift = ma.fields.Nested(ShiftSummarySchema)


class MyBookingPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(MyBookingSchema))


class MyShiftArgsSchema(PageArgsSchema):
    when = ma.fields.String(load_default="upcoming", validate=ma.validate.OneOf(("upcoming", "past")))


class MonthMinutesSchema(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-11"})
    minutes = ma.fields.Integer()


class HoursSchema(ma.Schema):
    total_minutes = ma.fields.Integer()
    by_month = ma.fields.List(ma.fields.Nested(MonthMinutesSchema))


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    real_name = ma.fields.String(allow_none=True)
    nickname = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "Only for the community's own organizers"})


class RosterVolunteerSchema(ma.Schema):
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
    volunteers = ma.fields.List(ma.fields.Nested(RosterVolunteerSchema))


class ShiftRosterSchema(ma.Schema):
    shift = ma.fields.Nested(ShiftSummarySchema)
    roles = ma.fields.List(ma.fields.Nested(RosterRoleSchema))


class DutyRosterArgsSchema(ma.Schema):
    date = ma.fields.Date(metadata={"description": "Local date; default today"})
    community_id = ma.fields.Integer(metadata={"description": "Default: the organizer's only community"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


class DutyShiftSchema(ShiftSummarySchema):
    roles = ma.fields.List(ma.fields.Nested(RosterRoleSchema), attribute="roster_roles")


class DutyRosterSchema(ma.Schema):
    date = ma.fields.Date()
    community = ma.fields.Nested(CommunitySchema)
    shifts = ma.fields.List(ma.fields.Nested(DutyShiftSchema))


class HoursReportArgsSchema(ma.Schema):
    date_from = ma.fields.Date(required=True, data_key="from")
    date_to = ma.fields.Date(required=True, data_key="to")
    community_id = ma.fields.Integer(metadata={"description": "Default: the organizer's only community"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


class HoursRowSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    phone_masked = ma.fields.String(allow_none=True)
    date = ma.fields.Date()
    site = ma.fields.String()
    post = ma.fields.String()
    start = LocalDateTime()
    end = LocalDateTime()
    minutes = ma.fields.Integer()
    hours = ma.fields.Float()


class HoursReportSchema(ma.Schema):
    community = ma.fields.Nested(CommunitySchema)
    items = ma.fields.List(ma.fields.Nested(HoursRowSchema))
