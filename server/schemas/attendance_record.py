"""Schemas of the caller's attendance record (activities attended, by year)."""

from server.schemas import fields
from server.schemas.common import Schema
from server.schemas.users import CommunitySchema


class AttendanceArgsSchema(Schema):
    """Query arguments of the attendance record."""

    year = fields.Integer(
        validate=fields.Range(min=2000, max=2100), metadata={"description": "Calendar year; default: this year"}
    )


class AttendedActivitySchema(Schema):
    """An activity the caller attended (was checked in at)."""

    registration_id = fields.Integer(metadata={"description": "For `GET /me/attendance/{registration_id}/certificate.pdf`"})
    activity_id = fields.Integer()
    title = fields.String()
    starts_at = fields.LocalDateTime()
    ends_at = fields.LocalDateTime()
    venue = fields.String()
    community = fields.Nested(CommunitySchema)
    checked_in_at = fields.LocalDateTime()
    certificate_available = fields.Boolean(metadata={"description": "The organizer enabled certificates"})


class AttendanceRecordSchema(Schema):
    """The caller's attended activities of one year, newest first."""

    year = fields.Integer()
    years = fields.List(fields.Integer(), metadata={"description": "Years with any attendance, newest first"})
    total = fields.Integer()
    items = fields.List(fields.Nested(AttendedActivitySchema))
