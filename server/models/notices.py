"""Notices: short messages an organizer sends to an activity's participants (services/notices.py)."""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class ActivityNotice(db.Model):
    """One notice sent to an activity's confirmed (and, with `include_waitlist`, waitlisted) people.

    Each reachable person gets one `notice` outbox row (`ref` = `("notice", id)`); `unreachable` holds
    the registration ids of those who had no credit for the template (or no account), to be phoned.
    `client_key`, when the organizer's client sends one, makes a repeated request return this notice
    instead of sending a second one.
    """

    __tablename__ = "activity_notices"
    __table_args__ = (UniqueConstraint("activity_id", "client_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(200))
    include_waitlist: Mapped[bool] = mapped_column(Boolean, default=False)
    client_key: Mapped[str | None] = mapped_column(String(64))
    queued: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[list] = mapped_column(JSON, default=list)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
