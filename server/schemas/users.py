"""Schemas for login, the caller's profile, communities and role grants."""

import marshmallow as ma

from server.models import MEMBERSHIP_STATUSES, ROLES
from server.schemas import fields
from server.schemas.common import PageArgsSchema, PageSchema, Schema


class CommunitySchema(Schema):
    """A community (社区) of the sub-district."""

    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True, metadata={"description": "Stable short code, e.g. `haizhu`"})
    name = fields.String(dump_only=True)


class CommunityDetailSchema(CommunitySchema):
    """A community with the 街道 it belongs to and whether it is archived (added after v1)."""

    subdistrict = fields.String(dump_only=True, allow_none=True, metadata={"description": "The 街道 it belongs to"})
    archived_at = fields.LocalDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Set once archived: it keeps its history but takes no new activities, sites or members"},
    )


class CommunityListSchema(Schema):
    """Communities, in a stable order."""

    items = fields.List(fields.Nested(CommunityDetailSchema))


class CommunityListArgsSchema(Schema):
    """Query arguments of the community list."""

    include_archived = fields.Boolean(
        load_default=False, metadata={"description": "Also list archived communities (default: active ones only)"}
    )


class CommunityCreateSchema(Schema):
    """A new community (admins only)."""

    code = fields.String(
        required=True,
        validate=fields.Length(min=1, max=32),
        metadata={"description": "Stable short code: letters, digits, `-` or `_`; never changes"},
    )
    name = fields.String(required=True, validate=fields.Length(min=1, max=64))
    subdistrict = fields.String(allow_none=True, validate=fields.Length(max=64), metadata={"description": "The 街道"})


class CommunityUpdateSchema(Schema):
    """A new name or sub-district; fields left out stay as they are (the code never changes)."""

    name = fields.String(validate=fields.Length(min=1, max=64))
    subdistrict = fields.String(allow_none=True, validate=fields.Length(max=64))


class CommunityImportSchema(Schema):
    """A CSV list of communities (header `code,name,subdistrict`), as text or as the file's bytes."""

    csv = fields.String(
        validate=fields.Length(min=1, max=80_000),  # within the 256 KiB body, at 3 bytes a Chinese character
        metadata={"description": "The CSV as text"},
    )
    csv_base64 = fields.Base64Bytes(
        validate=fields.Length(min=1, max=250_000),  # within the 256 KiB body
        metadata={
            "description": "The file's bytes in base64: UTF-8 (with or without BOM) or GBK as Excel saves it, detected"
        },
    )

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if ("csv" in data) == ("csv_base64" in data):
            raise ma.ValidationError("须提供 csv 或 csv_base64 其中之一", "csv")


class MyCommunitySchema(CommunitySchema):
    """The community a user says they live in, and whether that is confirmed."""

    status = fields.String(
        dump_only=True,
        validate=fields.OneOf(MEMBERSHIP_STATUSES),
        metadata={
            "description": "`claimed` until the community's organizer confirms it or the user scans the "
            "community's join code (`POST /me/community/join`); only `confirmed` counts for "
            "`community_residents` activities and party-member grants. Added after v1."
        },
    )


class RosterPersonSchema(Schema):
    """What every roster shows of a person: names and the masked phone (each roster documents `phone`)."""

    id = fields.Integer()
    real_name = fields.String(allow_none=True)
    nickname = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)


class UserSchema(Schema):
    """A user as the user (or an admin) sees it. The phone is always masked; `session_key` is never here."""

    id = fields.Integer()
    nickname = fields.String(allow_none=True)
    real_name = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True, metadata={"example": "138****5678"})
    community = fields.Nested(MyCommunitySchema, allow_none=True)
    roles = fields.List(
        fields.String(validate=fields.OneOf(ROLES)),
        metadata={"description": "`resident` always; `party_member`, `organizer`, `admin` when granted"},
    )
    is_party_member = fields.Boolean()
    volunteer_minutes = fields.Integer(metadata={"description": "Confirmed volunteer minutes (志愿时长)"})
    volunteer_number = fields.String(
        allow_none=True, metadata={"description": "志愿者编号 in the official volunteer system (optional); added with issue 18"}
    )
    organizer_communities = fields.Method(
        "_organizer_communities",
        metadata={"description": "Communities this user organizes (empty unless `organizer`); added after v1"},
    )

    def _organizer_communities(self, user):
        scopes = sorted(user.organizer_scopes, key=lambda s: s.community_id)
        return CommunitySchema(many=True).dump([s.community for s in scopes])

    @ma.post_dump(pass_original=True)
    def _community_status(self, data, user, **kwargs):
        if data.get("community") is not None:
            data["community"]["status"] = user.community_status
        return data


class LoginSchema(Schema):
    """A `wx.login` code to exchange for a token."""

    code = fields.String(
        required=True,
        validate=fields.Length(min=1, max=128),
        metadata={"description": "The `code` from `wx.login()` (single use, valid 5 minutes)"},
    )


class LoginResultSchema(Schema):
    """A bearer token, its lifetime and the logged-in user."""

    token = fields.String(metadata={"description": "Send as `Authorization: Bearer <token>`"})
    expires_in = fields.Integer(metadata={"description": "Seconds until the token expires"})
    user = fields.Nested(UserSchema)


class PhoneBindSchema(Schema):
    """The code of the getPhoneNumber button, for WeChat to verify the number."""

    code = fields.String(
        required=True,
        validate=fields.Length(min=1, max=128),
        metadata={"description": "`e.detail.code` from the getPhoneNumber button (not the wx.login code)"},
    )


class MeUpdateSchema(Schema):
    """Profile changes; fields left out stay as they are."""

    nickname = fields.String(validate=fields.Length(min=1, max=32))
    real_name = fields.String(allow_none=True, validate=fields.Length(min=1, max=32))
    volunteer_number = fields.String(
        allow_none=True,
        validate=ma.validate.Regexp(r"^[A-Za-z0-9]{1,32}$", error="志愿者编号应为 1 至 32 位字母或数字"),
        metadata={"description": "志愿者编号 (1 to 32 letters or digits); null clears it"},
    )
    community_id = fields.Id(
        allow_none=True,
        strict=True,
        metadata={
            "description": "null leaves any community; another community is a new claim (`community.status` "
            "`claimed`) until confirmed"
        },
    )


class RoleGrantSchema(Schema):
    """A role to grant (a user role: resident, party member, organizer, admin; not a shift post)."""

    role = fields.String(required=True, validate=fields.OneOf(["party_member", "organizer", "admin"]))
    community_id = fields.Id(
        strict=True, metadata={"description": "Required for `organizer`: the community they will manage"}
    )


class RoleRevokeArgsSchema(Schema):
    """Query arguments of revoking a role."""

    community_id = fields.Id(
        metadata={"description": "For `organizer`: revoke only this community (default: every community)"}
    )


class MemberArgsSchema(PageArgsSchema):
    """Query arguments of a community's member list."""

    status = fields.String(
        validate=fields.OneOf(MEMBERSHIP_STATUSES),
        metadata={"description": "`claimed` (the pending list) or `confirmed`; default both"},
    )


class MemberSchema(Schema):
    """A person who claims (or holds) membership of a community, as its organizers see them."""

    id = fields.Integer(metadata={"description": "The user's id"})
    nickname = fields.String(allow_none=True)
    real_name = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True, metadata={"example": "138****5678"})
    status = fields.String(
        attribute="community_status",
        allow_none=True,
        validate=fields.OneOf(MEMBERSHIP_STATUSES),
        metadata={"description": "`claimed` or `confirmed`; null in the answer to a rejection (no community left)"},
    )
    claimed_at = fields.LocalDateTime(
        attribute="community_claimed_at", allow_none=True, metadata={"description": "When this community was chosen"}
    )
    confirmed_at = fields.LocalDateTime(attribute="community_confirmed_at", allow_none=True)


class MemberPageSchema(PageSchema):
    """A page of a community's members, oldest claim first."""

    items = fields.List(fields.Nested(MemberSchema))


class JoinSchema(Schema):
    """The token of a community's join code, scanned at the centre."""

    token = fields.String(
        required=True,
        validate=fields.Length(min=1, max=64),
        metadata={"description": "The `scene` of the join code's mini-program code (or the scanned token)"},
    )


class JoinCodeSchema(Schema):
    """A community's rotating join code, for its organizers to show at the centre."""

    token = fields.String(metadata={"description": "Rotates every 5 minutes; valid for 5 to 10 minutes"})
    expires_at = fields.LocalDateTime()
    qrcode_url = fields.String(
        metadata={"description": "Mini-program code image (JPEG) opening the join page with the token as its `scene`"}
    )
