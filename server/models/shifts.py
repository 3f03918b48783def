"""Volunteer shifts (志愿值守) at sites: checkpoints, testing sites, temperature points."""

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.users import Community, User

SITE_KINDS = ("checkpoint", "testing_site", "temperature_point", "service_center", "other")
# What users read for each kind of site (the console, the statistics, the report).
SITE_KIND_LABELS = {
    "checkpoint": "卡口",
    "testing_site": "核酸采样点",
    "temperature_point": "测温点",
    "service_center": "党群服务中心",
    "other": "其他",
}
SHIFT_STATUSES = ("open", "cancelled")
BOOKING_STATUSES = ("booked", "cancelled", "no_show")


class Site(db.Model):
    """A place volunteers staff: 卡口, 核酸采样点, 测温点 ..., in one community (and a 网格); archived
    (`archived_at`) when no longer used."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200), default="")
    grid: Mapped[str] = mapped_column(String(64), default="")
    # Where it is, in GCJ-02 (what `wx.getLocation({type: 'gcj02'})` returns and `wx.openLocation`
    # takes), and how far from that point a self check-in is accepted (`services.geo`). No
    # coordinates: no location check, no map, not sorted by distance.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    checkin_radius_m: Mapped[int] = mapped_column(Integer, default=200, server_default="200")
    # Archived: keeps its shifts and their history, takes no new shifts, leaves the site lists.
    archived_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)


class Shift(db.Model):
    """A time slot at a site with several posts (岗位), each with its own capacity."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("site_id", "starts_at", "ends_at"),
        Index("ix_shifts_starts_at_status", "starts_at", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    party_members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    cancelled_at = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(lazy="joined", innerjoin=True)
    posts: Mapped[list["ShiftPost"]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftPost.id", lazy="selectin"
    )

    @property
    def minutes(self):
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ShiftPost(db.Model):
    """A post (岗位) on a shift (登记, 维持秩序, 测温, 卡口值守 ...). `booked` changes only under its row lock;
    the check constraint backs the capacity rule.

    The table keeps its first name, `shift_roles` (and bookings their `role_id` column), so no migration
    was needed when the code stopped calling posts roles; the wire format says `roles` and `role_id` too.
    """

    __tablename__ = "shift_roles"
    __table_args__ = (
        UniqueConstraint("shift_id", "name"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    # Requirements per post (part of issue 18, `services.qualifications`): a qualification the holder
    # must have been granted, and when a same-day health declaration is asked (`none`, `booking`,
    # `checkin`: `models.qualifications.HEALTH_DECLARATION_MOMENTS`).
    requires_qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id", ondelete="RESTRICT"), index=True
    )
    health_declaration: Mapped[str] = mapped_column(String(16), default="none", server_default="none")

    shift: Mapped[Shift] = relationship(back_populates="posts")
    required_qualification: Mapped["Qualification | None"] = relationship(lazy="joined")  # noqa: F821

    @hybrid_property
    def has_free_place(self):
        """A place is left. The same expression filters in SQL (the shift list's `available`, the
        conditional UPDATE that takes a place, the full-post read) and tests a loaded post."""
        return self.booked < self.capacity


class Booking(db.Model):
    """A volunteer's place on one post of a shift. One row per person and shift (one post per shift):
    cancelling sets the status, booking again reuses the row. `post_id` is stored in column `role_id`."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("shift_id", "user_id"),
        CheckConstraint("minutes_credited >= 0", name="minutes_nonnegative"),
        Index("ix_bookings_user_status", "user_id", "status"),
        Index("ix_bookings_role_status", "role_id", "status"),  # database names: the post and the status
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column("role_id", ForeignKey("shift_roles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    booked_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at = mapped_column(UTCDateTime)
    checked_in_at = mapped_column(UTCDateTime)
    checked_out_at = mapped_column(UTCDateTime)
    # Set when the check-in (check-out) was scanned offline and uploaded later: the time the server
    # received it. `checked_in_at` (`checked_out_at`) is then the scan's device time (`attendance`).
    checked_in_uploaded_at = mapped_column(UTCDateTime)
    checked_out_uploaded_at = mapped_column(UTCDateTime)
    minutes_credited: Mapped[int] = mapped_column(Integer, default=0)
    no_show_at = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Volunteer hours as a record (issue 18, services/hours_record.py): the minutes worked inside the
    # shift's window, kept as checked out; `minutes_credited` is the CONFIRMED figure (0 until an
    # organizer confirms). `hours_status`: None (nothing to confirm), pending, confirmed, corrected.
    minutes_worked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hours_status: Mapped[str | None] = mapped_column(String(16))
    hours_confirmed_at = mapped_column(UTCDateTime)
    hours_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    shift: Mapped[Shift] = relationship(lazy="joined", innerjoin=True)
    post: Mapped[ShiftPost] = relationship(lazy="joined", innerjoin=True)
    # On-site check-in (migration 7a3f2c9e5db3): `code` (the volunteer scanned the site's code) or
    # `manual` (an organizer, with `checkin_reason`); NULL for check-ins made before it was recorded.
    # For a self check-in (check-out) at a site with coordinates, the distance in whole metres from
    # the site's point; never the raw position. NULL: not located (no coordinates, or an offline
    # scan without a fix).
    checkin_method: Mapped[str | None] = mapped_column(String(8))
    checkin_reason: Mapped[str | None] = mapped_column(String(200))
    checkin_distance_m: Mapped[int | None] = mapped_column(Integer)
    checkout_distance_m: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
