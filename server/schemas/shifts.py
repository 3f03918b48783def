"""Schemas for sites, shifts, bookings, hours and duty rosters.

A shift's posts (岗位) are called `roles` on the wire, and a post's id `role_id`, as released clients
know them; inside the code they are posts (`data_key` maps the names). The schema classes named
`Role...` keep those names because they name the OpenAPI components.
"""


from server.models import HEALTH_DECLARATION_MOMENTS, SITE_KINDS
from server.schemas import fields
from server.schemas.common import PageArgsSchema, PageSchema, Schema
from server.schemas.hours import HoursRecordItemSchema
from server.schemas.users import CommunitySchema, RosterPersonSchema
from server.services.site_location import DEFAULT_RADIUS_M, RADIUS_MAX_M, RADIUS_MIN_M

KIND_DOC = "`checkpoint` 卡口, `testing_site` 核酸采样点, `temperature_point` 测温点, `service_center`, `other`"


LATITUDE_DOC = "GCJ-02 latitude in degrees (as `wx.getLocation({type: 'gcj02'})` returns), -90 to 90"
LONGITUDE_DOC = "GCJ-02 longitude in degrees, -180 to 180"
RADIUS_DOC = (
    f"How far from the site's point a self check-in is accepted, in metres ({RADIUS_MIN_M} to {RADIUS_MAX_M}, "
    f"default {DEFAULT_RADIUS_M})"
)


def _latitude(**kwargs):
    return fields.Float(strict=True, validate=fields.Range(min=-90, max=90), metadata={"description": LATITUDE_DOC},
                        **kwargs)


def _longitude(**kwargs):
    return fields.Float(strict=True, validate=fields.Range(min=-180, max=180),
                        metadata={"description": LONGITUDE_DOC}, **kwargs)


def _radius(**kwargs):
    return fields.Integer(strict=True, validate=fields.Range(min=RADIUS_MIN_M, max=RADIUS_MAX_M),
                          metadata={"description": RADIUS_DOC}, **kwargs)


class SiteSchema(Schema):
    """A place volunteers staff (卡口, 核酸采样点, 测温点 ...) in one community."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": KIND_DOC})
    community = fields.Nested(CommunitySchema)
    address = fields.String()
    grid = fields.String(metadata={"description": "网格 (grid) the site belongs to"})
    latitude = fields.Float(
        allow_none=True,
        metadata={"description": LATITUDE_DOC + "; null: no coordinates (no map, no location check). Added after v1."},
    )
    longitude = fields.Float(allow_none=True, metadata={"description": LONGITUDE_DOC + "; null with latitude"})
    checkin_radius_m = fields.Integer(metadata={"description": RADIUS_DOC + ". Added after v1."})


class SitePageSchema(PageSchema):
    """A page of sites."""

    items = fields.List(fields.Nested(SiteSchema))


class SiteQueryArgsSchema(PageArgsSchema):
    """Filters of the site list."""

    community_id = fields.Id()
    kind = fields.String(validate=fields.OneOf(SITE_KINDS))


class SiteCreateSchema(Schema):
    """A new site in a community you organize; `latitude` and `longitude` both or neither."""

    community_id = fields.Id(required=True, strict=True)
    name = fields.String(required=True, validate=fields.Length(min=1, max=100))
    kind = fields.String(required=True, validate=fields.OneOf(SITE_KINDS))
    address = fields.String(load_default="", validate=fields.Length(max=200))
    grid = fields.String(load_default="", validate=fields.Length(max=64))
    latitude = _latitude(load_default=None, allow_none=True)
    longitude = _longitude(load_default=None, allow_none=True)
    checkin_radius_m = _radius(load_default=DEFAULT_RADIUS_M)


class SiteUpdateSchema(Schema):
    """Changes to a site; fields left out stay as they are. `latitude` and `longitude` are set
    together, or both set to null to remove the site's point."""

    name = fields.String(validate=fields.Length(min=1, max=100))
    kind = fields.String(validate=fields.OneOf(SITE_KINDS))
    address = fields.String(validate=fields.Length(max=200))
    grid = fields.String(validate=fields.Length(max=64))
    latitude = _latitude(allow_none=True)
    longitude = _longitude(allow_none=True)
    checkin_radius_m = _radius()


POSTS_DOC = "The shift's posts (岗位), each with its capacity; named roles in the wire format for released clients"


HEALTH_DECLARATION_DOC = (
    "When the post asks for a same-day health declaration (健康申报): `none`, `booking` (to book it) or "
    "`checkin` (to check in by oneself). Added after v1."
)


class QualificationBriefSchema(Schema):
    """A qualification (资格) by id and name."""

    id = fields.Integer()
    name = fields.String()


class RoleSchema(Schema):
    """A post (岗位) of a shift and its places: named Role in the wire format for released clients."""

    id = fields.Integer(metadata={"description": "The post's id: the `role_id` to book it with"})
    name = fields.String(metadata={"description": "登记, 维持秩序, 测温, 卡口值守 ..."})
    capacity = fields.Integer()
    booked = fields.Integer(metadata={"description": "Places taken (booked and no-show volunteers)"})
    required_qualification = fields.Nested(
        QualificationBriefSchema, allow_none=True,
        metadata={"description": "The qualification a volunteer must hold to book it (需资格), or null. Added after v1."},
    )
    health_declaration = fields.String(metadata={"description": HEALTH_DECLARATION_DOC})


class RoleBriefSchema(Schema):
    """A post (岗位) of a shift, by id and name: named Role in the wire format for released clients."""

    id = fields.Integer()
    name = fields.String()


class OfflineUploadSchema(Schema):
    """When a check-in or check-out scanned offline arrived (both null for a live scan)."""

    checked_in_uploaded_at = fields.LocalDateTime(
        allow_none=True,
        metadata={"description": "Set when the check-in was scanned offline (离线补传): when it was uploaded; "
                  "`checked_in_at` is then the time of the scan. Added after v1."},
    )
    checked_out_uploaded_at = fields.LocalDateTime(
        allow_none=True,
        metadata={"description": "Set when the check-out was scanned offline (离线补传): when it was uploaded. "
                  "Added after v1."},
    )


class CheckinPlaceSchema(Schema):
    """How a check-in was made and how far from the site (added after v1)."""

    checkin_method = fields.String(
        allow_none=True,
        metadata={"description": "`code` (scanned the site's code) or `manual` (an organizer, with a reason); "
                  "null before the check-in"},
    )
    checkin_distance_m = fields.Integer(
        allow_none=True,
        metadata={"description": "Self check-in at a site with coordinates: metres from the site's point; "
                  "null when not located"},
    )
    checkout_distance_m = fields.Integer(allow_none=True, metadata={"description": "The same at check-out"})


class BookingSchema(OfflineUploadSchema, CheckinPlaceSchema):
    """A booking of a post (岗位, `role` in the wire format for released clients) as its volunteer sees it."""

    id = fields.Integer()
    shift_id = fields.Integer()
    status = fields.String(metadata={"description": "`booked`, `cancelled` or `no_show`"})
    post = fields.Nested(RoleBriefSchema, data_key="role")  # no description: it would wrap the $ref in allOf
    booked_at = fields.LocalDateTime()
    checked_in_at = fields.LocalDateTime(allow_none=True)
    checked_out_at = fields.LocalDateTime(allow_none=True)
    minutes_credited = fields.Integer(
        metadata={"description": "The confirmed credited minutes (0 until an organizer confirms the hours)"}
    )
    minutes_worked = fields.Integer(metadata={"description": "Minutes worked inside the shift's window (issue 18)"})
    hours_status = fields.String(
        allow_none=True, metadata={"description": "null (not checked out), pending, confirmed, corrected (issue 18)"}
    )


class ShiftSummarySchema(Schema):
    """A shift at a site with its posts (岗位) and their places."""

    id = fields.Integer()
    site = fields.Nested(SiteSchema)
    starts_at = fields.LocalDateTime()
    ends_at = fields.LocalDateTime()
    party_members_only = fields.Boolean()
    notes = fields.String()
    status = fields.String(metadata={"description": "`open` or `cancelled`"})
    cancel_reason = fields.String(allow_none=True)
    posts = fields.List(fields.Nested(RoleSchema), data_key="roles", metadata={"description": POSTS_DOC})
    distance_m = fields.Integer(
        allow_none=True,
        metadata={"description": "Only in `GET /shifts?near=`: metres from the given point to the site; null for a "
                  "site without coordinates (listed last). Added after v1."},
    )


class ShiftSchema(ShiftSummarySchema):
    """A shift with its posts, and the caller's own booking on it."""

    my_booking = fields.Nested(
        BookingSchema, allow_none=True, metadata={"description": "The caller's booking (not cancelled), or null"}
    )

    def get_attribute(self, obj, attr, default):
        # Dumps `services.bookings.ShiftForViewer`: the shift's fields from its shift, `my_booking` beside it.
        return super().get_attribute(obj if attr == "my_booking" else obj.shift, attr, default)


class ShiftPageSchema(PageSchema):
    """A page of shifts, each with the caller's booking on it."""

    items = fields.List(fields.Nested(ShiftSchema))


class ShiftListSchema(Schema):
    """Shifts created together."""

    items = fields.List(fields.Nested(ShiftSchema))


class ShiftQueryArgsSchema(PageArgsSchema):
    """Filters of the shift list."""

    site_id = fields.Id()
    community_id = fields.Id()
    date = fields.Date(metadata={"description": "Local date: shifts starting that day"})
    available = fields.Boolean(metadata={"description": "true: only shifts with a free place on some post"})
    near = fields.GeoPoint(
        metadata={"description": "`<latitude>,<longitude>` (GCJ-02, the caller's position): nearest site first, "
                  "each item with `distance_m`; sites without coordinates last. Added after v1."}
    )


class RoleCreateSchema(Schema):
    """A new post (岗位) of a shift: named Role in the wire format for released clients."""

    name = fields.String(required=True, validate=fields.Length(min=1, max=32))
    capacity = fields.Integer(required=True, strict=True, validate=fields.Range(min=1, max=500))
    requires_qualification_id = fields.Id(
        allow_none=True, load_default=None, strict=True,
        metadata={"description": "A qualification of the site's community the volunteer must hold. Added after v1."},
    )
    health_declaration = fields.String(
        load_default="none", validate=fields.OneOf(HEALTH_DECLARATION_MOMENTS),
        metadata={"description": HEALTH_DECLARATION_DOC},
    )


class RoleRequirementsSchema(Schema):
    """New requirements of one existing post (岗位要求). Bookings already made stay; the roster flags
    volunteers who do not meet them."""

    post_id = fields.Id(required=True, strict=True, data_key="id", metadata={"description": "The post's id"})
    requires_qualification_id = fields.Id(allow_none=True, required=True, strict=True)
    health_declaration = fields.String(required=True, validate=fields.OneOf(HEALTH_DECLARATION_MOMENTS))


def _posts_field():
    return fields.List(
        fields.Nested(RoleCreateSchema), required=True, validate=fields.Length(min=1, max=10), data_key="roles",
        metadata={"description": POSTS_DOC + " (names unique within the shift)"},
    )


class ShiftCreateSchema(Schema):
    """A new shift with its posts at a site of your community."""

    site_id = fields.Id(required=True, strict=True)
    starts_at = fields.LocalDateTime(required=True)
    ends_at = fields.LocalDateTime(required=True)
    posts = _posts_field()
    party_members_only = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", validate=fields.Length(max=1000))


class ShiftUpdateSchema(Schema):
    """New times, notes or eligibility of a shift; fields left out stay as they are."""

    starts_at = fields.LocalDateTime()
    ends_at = fields.LocalDateTime()
    party_members_only = fields.Boolean()
    notes = fields.String(validate=fields.Length(max=1000))
    post_requirements = fields.List(
        fields.Nested(RoleRequirementsSchema), data_key="roles", validate=fields.Length(max=10),
        metadata={"description": "New requirements of some posts (qualification, health declaration); "
                  "bookings already made stay. Added after v1."},
    )


class SlotSchema(Schema):
    """A local time slot repeated on each date of a batch."""

    start = fields.Time(required=True, format="%H:%M", metadata={"example": "08:00"})
    end = fields.Time(
        required=True, format="%H:%M", metadata={"example": "12:00", "description": "At or before `start`: next day"}
    )


class ShiftBatchSchema(Schema):
    """One shift per date and slot at a site, all with the same posts."""

    site_id = fields.Id(required=True, strict=True)
    dates = fields.List(fields.Date(), required=True, validate=fields.Length(min=1, max=62))
    slots = fields.List(fields.Nested(SlotSchema), required=True, validate=fields.Length(min=1, max=24))
    posts = _posts_field()
    party_members_only = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", validate=fields.Length(max=1000))


class HealthDeclarationSchema(Schema):
    """A same-day health declaration (健康申报): three yes/no answers, nothing else."""

    temperature_normal = fields.Boolean(required=True, metadata={"description": "今日体温是否正常"})
    has_symptoms = fields.Boolean(required=True, metadata={"description": "是否有发热、咳嗽等症状"})
    is_risk_person = fields.Boolean(required=True, metadata={"description": "是否为风险人员"})


class HealthDeclarationBodySchema(HealthDeclarationSchema):
    """Today's declaration as saved: its local day, and whether it says fit for duty."""

    day = fields.Date(metadata={"description": "The local (China) date it is for"})
    well = fields.Boolean(metadata={"description": "Fit for duty: normal temperature, no symptoms, not a risk person"})
    declared_at = fields.LocalDateTime()


class TodaysDeclarationSchema(Schema):
    """My health declaration of today, or null."""

    declaration = fields.Nested(HealthDeclarationBodySchema, allow_none=True)


def declaration_field(when):
    return fields.Nested(
        HealthDeclarationSchema, allow_none=True, load_default=None,
        metadata={"description": f"Today's health declaration, for a post asking for one {when} (saved when fit); "
                  "not needed if one was made today. Added after v1."},
    )


class BookSchema(Schema):
    """The post to book on the shift."""

    health_declaration = declaration_field("at booking")

    post_id = fields.Id(
        required=True, strict=True, data_key="role_id",
        metadata={"description": "The id of a post (岗位) of the shift; named role_id in the wire format for "
                                 "released clients"},
    )


class MoveBookingSchema(Schema):
    """Where an organizer moves a volunteer's booking: a post of the same shift or of another shift."""

    shift_id = fields.Id(required=True, strict=True, metadata={"description": "The target shift (may be the booking's own)"})
    post_id = fields.Id(
        required=True, strict=True, data_key="role_id",
        metadata={"description": "A post (岗位) of the target shift; named role_id in the wire format"},
    )


class ReleaseBookingSchema(Schema):
    """Why an organizer releases a volunteer's booking; the volunteer is told."""

    reason = fields.String(required=True, validate=fields.Length(min=1, max=200))


class LocationSchema(Schema):
    """Where the phone is, as `wx.getLocation({type: 'gcj02', isHighAccuracy: true})` answers it."""

    latitude = _latitude(required=True)
    longitude = _longitude(required=True)
    accuracy = fields.Float(
        required=True, strict=True, validate=fields.Range(min=0, max=100_000),
        metadata={"description": "The phone's reported accuracy (radius of uncertainty) in metres"},
    )


class CheckSchema(Schema):
    """A check-in or check-out: the volunteer's scanned token (and location), or an organizer's time and reason."""

    location = fields.Nested(
        LocationSchema,
        metadata={"description": "Volunteers at a site with coordinates: the phone's position (GCJ-02) and accuracy; "
                  "for an offline scan, the one recorded at the scan (omit if the phone had no fix). Only the "
                  "distance to the site is stored. Added after v1."},
    )
    reason = fields.String(
        validate=fields.Length(min=1, max=200),
        metadata={"description": "Organizers checking someone in by hand: why (required then; shown on rosters, "
                  "audited). Added after v1."},
    )

    health_declaration = declaration_field("at check-in (check-in only)")
    token = fields.String(
        validate=fields.Length(max=64), metadata={"description": "The site's scanned token (volunteers)"}
    )
    at = fields.LocalDateTime(metadata={"description": "Organizers only: the actual time, when recording afterwards"})
    recorded_at = fields.LocalDateTime(
        metadata={"description": "A scan made offline: the phone's time of the scan (ISO 8601 with offset). "
                  "Accepted if the token was valid then, it is not in the future (2 minutes of clock error "
                  "allowed) and not older than `OFFLINE_CHECKIN_MAX_HOURS`; stored as the time of the "
                  "check-in (check-out) and marked as uploaded late. Added after v1."}
    )


class MyBookingSchema(BookingSchema):
    """One of my bookings with its shift."""

    shift = fields.Nested(ShiftSummarySchema)


class MyBookingPageSchema(PageSchema):
    """A page of my bookings."""

    items = fields.List(fields.Nested(MyBookingSchema))


class MyShiftArgsSchema(PageArgsSchema):
    """Which of my bookings: upcoming or past."""

    when = fields.String(load_default="upcoming", validate=fields.OneOf(("upcoming", "past")))


class MonthMinutesSchema(Schema):
    """Credited minutes in one local month."""

    month = fields.String(metadata={"example": "2026-11"})
    minutes = fields.Integer()


class HoursSchema(Schema):
    """My confirmed volunteer minutes, in total and by month (newest first), the minutes waiting for
    confirmation, and each checked-out shift with its figure (newest first, at most 200)."""

    total_minutes = fields.Integer(metadata={"description": "Confirmed minutes: equals `volunteer_minutes`"})
    pending_minutes = fields.Integer(metadata={"description": "Provisional minutes waiting for confirmation"})
    by_month = fields.List(fields.Nested(MonthMinutesSchema))
    items = fields.List(fields.Nested(HoursRecordItemSchema))


class PersonSchema(RosterPersonSchema):
    """A volunteer as a roster shows them."""

    phone = fields.String(
        allow_none=True,
        metadata={
            "description": "Always null in JSON (kept for released clients): the community's organizers reveal one "
            "number with `POST /shift-bookings/{id}/phone`"
        },
    )


class RosterVolunteerSchema(OfflineUploadSchema, CheckinPlaceSchema):
    """A volunteer booked on a post, with their attendance."""

    checkin_reason = fields.String(
        allow_none=True, metadata={"description": "A manual check-in: the organizer's reason. Added after v1."}
    )

    booking_id = fields.Integer()
    user = fields.Nested(PersonSchema)
    status = fields.String()
    checked_in_at = fields.LocalDateTime(allow_none=True)
    checked_out_at = fields.LocalDateTime(allow_none=True)
    minutes_credited = fields.Integer(metadata={"description": "The confirmed figure (0 until confirmed)"})
    minutes_worked = fields.Integer()
    hours_status = fields.String(allow_none=True)
    reminder_credits = fields.Integer(
        allow_none=True, metadata={"description": "Shift reminders that may still be sent; 0: phone them"}
    )
    health_declared = fields.Boolean(
        allow_none=True,
        metadata={"description": "Null where the post asks no health declaration; else whether a fit one exists "
                  "for the shift's day (or, asked at booking, the day they booked). Added after v1."},
    )
    qualification_missing = fields.Boolean(
        metadata={"description": "The volunteer lacks the post's required qualification on the shift's day "
                  "(revoked, expired, or required after they booked: the booking stays). Added after v1."},
    )


class RosterRoleSchema(RoleSchema):
    """A post (岗位) of a shift with its volunteers: named Role in the wire format for released clients."""

    volunteers = fields.List(fields.Nested(RosterVolunteerSchema))


ROSTER_POSTS_DOC = "The shift's posts (岗位) with their volunteers; named roles in the wire format for released clients"


class ShiftRosterSchema(Schema):
    """A shift's volunteers per post (dumps `services.shift_rosters.ShiftRoster`)."""

    shift = fields.Nested(ShiftSummarySchema)
    posts = fields.List(
        fields.Nested(RosterRoleSchema), data_key="roles", metadata={"description": ROSTER_POSTS_DOC}
    )


class DutyRosterArgsSchema(Schema):
    """Which duty roster, and as JSON or a file."""

    date = fields.Date(metadata={"description": "Local date; default today"})
    community_id = fields.Id(metadata={"description": "Default: the organizer's only community"})
    format = fields.String(load_default="json", validate=fields.OneOf(("json", "csv", "xlsx")))


class DutyShiftSchema(ShiftSummarySchema):
    """A shift of the duty roster with its volunteers per post."""

    posts = fields.List(
        fields.Nested(RosterRoleSchema), data_key="roles", metadata={"description": ROSTER_POSTS_DOC}
    )

    def get_attribute(self, obj, attr, default):
        # Dumps `services.shift_rosters.ShiftRoster`: the shift's fields from its shift, `posts` beside it.
        return super().get_attribute(obj if attr == "posts" else obj.shift, attr, default)


class DutyRosterSchema(Schema):
    """The day's duty roster (排班表) of a community (dumps `services.shift_rosters.DutyRoster`)."""

    date = fields.Date()
    community = fields.Nested(CommunitySchema)
    shifts = fields.List(fields.Nested(DutyShiftSchema))


class HoursReportArgsSchema(Schema):
    """Which hours report: a community and local dates, as JSON or a file."""

    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    community_id = fields.Id(metadata={"description": "Default: the organizer's only community"})
    format = fields.String(load_default="json", validate=fields.OneOf(("json", "csv", "xlsx")))


class HoursRowSchema(Schema):
    """Credited service of one person on one shift, in the columns of the official volunteer system."""

    name = fields.String(allow_none=True)
    phone = fields.String(
        allow_none=True,
        metadata={"description": "Always null in JSON; in full in the files for the community's own organizers"},
    )
    phone_masked = fields.String(allow_none=True)
    date = fields.Date()
    site = fields.String()
    post = fields.String(metadata={"description": "The post (岗位) served"})
    start = fields.LocalDateTime()
    end = fields.LocalDateTime()
    minutes = fields.Integer(metadata={"description": "The confirmed figure"})
    hours = fields.Float()
    user_id = fields.Integer(metadata={"description": "For a proof of service (`GET /users/{id}/hours/proof.pdf`)"})
    volunteer_number = fields.String(allow_none=True, metadata={"description": "志愿者编号 where known"})
    status = fields.String(metadata={"description": "confirmed or corrected (only confirmed figures are listed)"})
    confirmed_by = fields.String(metadata={"description": "Who confirmed (or last corrected) the figure"})
    confirmed_at = fields.LocalDateTime(allow_none=True)


class HoursReportSchema(Schema):
    """Volunteer hours per person and shift (dumps `services.shift_rosters.HoursReport`)."""

    community = fields.Nested(CommunitySchema)
    items = fields.List(fields.Nested(HoursRowSchema))
