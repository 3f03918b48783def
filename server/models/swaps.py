"""Swaps and hand-overs (换班/转让) of shift bookings: a booked volunteer offers their place, a fellow
volunteer takes it (`services.swaps`)."""

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import UTCDateTime, utcnow
from server.models.shifts import Booking, Shift
from server.models.users import User

# open: offered, nobody has claimed it; pending: claimed, waiting for an organizer's approval (the
# giver still holds the place); done: handed over to `taker`; withdrawn: by the giver; rejected: the
# organizer refused the claim (`reject_reason`); ended: the booking, the shift or an account went
# away (`end_reason`). An open or pending swap whose shift has started has expired (read as such, see
# `services.swaps.state_of`): nothing can be done with it any more.
SWAP_STATUSES = ("open", "pending", "done", "withdrawn", "rejected", "ended")
LIVE_SWAP_STATUSES = ("open", "pending")
SWAP_END_REASONS = (
    "booking_cancelled", "booking_moved", "booking_released", "shift_cancelled", "account_deleted",
)


class ShiftSwap(db.Model):
    """One offer of a booking (the giver's) to a named fellow volunteer or to anyone eligible, and what
    became of it. At most one live (open or pending) offer per booking (the partial unique index);
    the rows stay as the history of who handed over to whom."""

    __tablename__ = "shift_swaps"
    __table_args__ = (
        Index(
            "uq_shift_swaps_live_booking", "booking_id", unique=True,
            postgresql_where=text("status IN ('open', 'pending')"),
            sqlite_where=text("status IN ('open', 'pending')"),
        ),
        Index("ix_shift_swaps_shift_status", "shift_id", "status"),
        Index("ix_shift_swaps_named_user", "named_user_id"),
        Index("ix_shift_swaps_taker", "taker_id"),
        Index("ix_shift_swaps_giver", "giver_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The giver's booking (its post is the one handed over) and, denormalised, its shift.
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    giver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The fellow volunteer it is offered to; None: anyone eligible may take it.
    named_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Who claimed it (pending) or took it (done), and the booking they got.
    taker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taker_booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    claimed_at = mapped_column(UTCDateTime)
    # The organizer who approved or rejected a pending claim, and why a rejection.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ended_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    booking: Mapped[Booking] = relationship(foreign_keys=[booking_id], lazy="joined", innerjoin=True)
    shift: Mapped[Shift] = relationship(lazy="joined", innerjoin=True)
    giver: Mapped[User] = relationship(foreign_keys=[giver_id])
    named_user: Mapped[User | None] = relationship(foreign_keys=[named_user_id])
    taker: Mapped[User | None] = relationship(foreign_keys=[taker_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
