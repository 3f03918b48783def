"""Schemas of requirements per post: qualifications, their grants, and health declarations."""

from server.schemas import fields
from server.schemas.common import Schema
from server.schemas.users import MemberSchema


class QualificationSchema(Schema):
    """A qualification (资格) a community's organizers grant, e.g. 核酸采样点登记培训."""

    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    note = fields.String()
    holders = fields.Integer(metadata={"description": "People holding it today (not revoked, not expired)"})


class QualificationListSchema(Schema):
    """A community's qualifications, by name."""

    items = fields.List(fields.Nested(QualificationSchema))


class QualificationCreateSchema(Schema):
    """A new qualification of a community you organize."""

    name = fields.String(required=True, validate=fields.Length(min=1, max=40))
    note = fields.String(load_default="", validate=fields.Length(max=200))


class QualificationUpdateSchema(Schema):
    """A new name or note of a qualification; fields left out stay as they are."""

    name = fields.String(validate=fields.Length(min=1, max=40))
    note = fields.String(validate=fields.Length(max=200))


class GrantSchema(Schema):
    """Grant a qualification to a member of its community (granting again renews it)."""

    user_id = fields.Id(required=True, strict=True)
    expires_on = fields.Date(
        allow_none=True, load_default=None,
        metadata={"description": "The last local date it counts (not in the past); null: no expiry"},
    )


class HeldQualificationSchema(Schema):
    """A qualification as one person has it."""

    id = fields.Integer(metadata={"description": "The qualification's id"})
    name = fields.String()
    note = fields.String()
    held = fields.Boolean(metadata={"description": "Granted, not revoked and not expired today"})
    granted_at = fields.LocalDateTime(allow_none=True)
    expires_on = fields.Date(allow_none=True, metadata={"description": "The last local date it counts; null: none"})
    expired = fields.Boolean(metadata={"description": "Granted and not revoked, but past `expires_on`"})


class MyQualificationsSchema(Schema):
    """The qualifications granted to me (not revoked), by name."""

    items = fields.List(fields.Nested(HeldQualificationSchema))


class MemberQualificationsSchema(Schema):
    """Every qualification of the community, each saying whether the member holds it."""

    member = fields.Nested(MemberSchema)
    items = fields.List(fields.Nested(HeldQualificationSchema))


class HolderSchema(HeldQualificationSchema):
    """A person holding the qualification."""

    user = fields.Nested(MemberSchema)


class HolderListSchema(Schema):
    """The people holding a qualification (expired grants flagged)."""

    qualification = fields.Nested(QualificationSchema)
    items = fields.List(fields.Nested(HolderSchema))
