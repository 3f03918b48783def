"""Volunteer hours as a record (志愿服务记录): the history of each booking's credited figure and the
volunteers' queries (申诉) about one (services/hours_record.py)."""

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.shifts import Booking
from server.models.users import User

HOURS_STATUSES = ("pending", "confirmed", "corrected")
HOURS_CHANGE_KINDS = ("confirm", "correct")
HOURS_QUERY_STATUSES = ("open", "answered")


class HoursChange(db.Model):
    """One step in a booking's credited figure: its confirmation (`confirm`: from the rule's figure)
    or an organizer's correction (`correct`, with a reason). Rows are never changed: the first row
    keeps the original figure, the last the current one."""

    __tablename__ = "hours_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    minutes_before: Mapped[int] = mapped_column(Integer)
    minutes_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class HoursQuery(db.Model):
    """A volunteer's query (申诉) about the figure of one of their bookings, and the organizer's answer.
    At most one open query per booking (checked under the booking's lock)."""

    __tablename__ = "hours_queries"
    __table_args__ = (Index("ix_hours_queries_status_booking", "status", "booking_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    answer: Mapped[str | None] = mapped_column(String(200))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    booking: Mapped[Booking] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
