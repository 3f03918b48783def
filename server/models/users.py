"""Communities, users and their roles."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.orm.attributes import flag_modified

from server.extensions import db
from server.models.base import UTCDateTime, utcnow

ROLES = ("resident", "party_member", "organizer", "admin")
# A community membership is `claimed` (self-declared) until the community's organizer confirms it or
# the person scans the community's join code at the centre.
MEMBERSHIP_STATUSES = ("claimed", "confirmed")


class Community(db.Model):
    """A 社区 of the sub-district; organizers are scoped to communities.

    `subdistrict` is the name of the 街道 it belongs to (free text: one server usually serves one).
    An archived community (`archived_at` set) keeps its history but takes no new activities, sites or
    members (`services.communities`).
    """

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    subdistrict: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    archived_at = mapped_column(UTCDateTime)


class User(db.Model):
    """A WeChat user of the mini-program; everyone who logged in is a resident.

    `openid` is null once the account is deleted, so the same WeChat user starts afresh.
    `session_key` is WeChat's key for this user's encrypted data: it never leaves the server.
    `community_id` is the community the person says they live in; it counts (eligibility, party-member
    grants by organizers) only once confirmed (`community_confirmed_at`). Setting another community,
    or none, always makes it a fresh, unconfirmed claim (`_new_claim`).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    session_key: Mapped[str | None] = mapped_column(String(64))
    nickname: Mapped[str | None] = mapped_column(String(64))
    real_name: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    community_claimed_at = mapped_column(UTCDateTime)
    community_confirmed_at = mapped_column(UTCDateTime)
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    volunteer_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    last_login_at = mapped_column(UTCDateTime)
    deleted_at = mapped_column(UTCDateTime)
    # Issue 18: the person's 志愿者编号 in the official volunteer system (optional, typed by them).
    volunteer_number: Mapped[str | None] = mapped_column(String(32))

    # Loaded when used: authenticating a request reads the user row only.
    community: Mapped[Community | None] = relationship()
    organizer_scopes: Mapped[list["OrganizerScope"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="OrganizerScope.user_id"
    )

    @validates("community_id")
    def _new_claim(self, _key, community_id):
        """Another community (or none) is a new claim: unconfirmed, dated now. Both columns are written
        even when unchanged, so a confirmation committed meanwhile is overwritten, never inherited."""
        if community_id != self.community_id:
            self.community_claimed_at = utcnow() if community_id is not None else None
            self.community_confirmed_at = None
            flag_modified(self, "community_confirmed_at")
        return community_id

    @property
    def community_status(self):
        """`claimed`, `confirmed`, or None without a community."""
        if self.community_id is None:
            return None
        return "confirmed" if self.community_confirmed_at is not None else "claimed"

    @property
    def confirmed_community_id(self):
        """The community whose confirmed resident this user is, or None."""
        return self.community_id if self.community_confirmed_at is not None else None

    @property
    def organizer_community_ids(self):
        return {scope.community_id for scope in self.organizer_scopes}

    @property
    def roles(self):
        roles = ["resident"]
        if self.is_party_member:
            roles.append("party_member")
        if self.organizer_scopes:
            roles.append("organizer")
        if self.is_admin:
            roles.append("admin")
        return roles

    @property
    def phone_masked(self):
        return mask_phone(self.phone)

    def organizes(self, community_id):
        """True if this user may manage the given community (its organizer, or an admin)."""
        return self.is_admin or community_id in self.organizer_community_ids


class OrganizerScope(db.Model):
    """One community an organizer (社区工作者) manages."""

    __tablename__ = "organizer_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(back_populates="organizer_scopes", foreign_keys=[user_id])
    community: Mapped[Community] = relationship(lazy="joined")


def mask_phone(phone):
    """`13812345678` → `138****5678`; None stays None."""
    if not phone:
        return None
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
