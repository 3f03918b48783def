"""Outgoing messages: rows written in the transaction that causes them, sent later by the scheduler."""

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.users import User

MESSAGE_KINDS = (
    "activity_reminder", "shift_reminder", "waitlist_promoted", "cancelled_by_organizer", "schedule_changed",
    "notice", "signup_result", "shift_swap", "shift_vacancy",
)
# Messages about an event's start: claimed after it started, they are `expired`, not sent (a vacancy
# alert for a shift that has begun is as useless as a late reminder).
REMINDER_KINDS = ("activity_reminder", "shift_reminder", "shift_vacancy")
# pending → sending (claimed by one scheduler) → sent | skipped | failed | unknown | pending again
# (retry later); pending → expired (a reminder claimed after its event started; nothing sent, no
# credit used); void: the registration or booking it was about went away before it was due.
# unknown: WeChat may or may not have delivered it (timeout, dropped connection); never retried.
MESSAGE_STATUSES = ("pending", "sending", "sent", "skipped", "failed", "unknown", "expired", "void")


class OutboxMessage(db.Model):
    """A WeChat subscribe message to send to `user` at `due_at`.

    `kind` is also the template key. `ref_type`/`ref_id` name what caused it (a registration or a
    booking), so cancelling that voids its pending messages.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_due_at", "status", "due_at"),
        Index("ix_outbox_messages_ref", "ref_type", "ref_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    due_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    msgid: Mapped[str | None] = mapped_column(String(32))
    sent_at = mapped_column(UTCDateTime)
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship()


class SubscriptionCredit(db.Model):
    """One-time subscribe-message sends a user allowed for a template (WeChat: one send per accept)."""

    __tablename__ = "subscription_credits"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_nonnegative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
