"""What the volunteers of a shift are told: reminders before it, a notice when it moves, and one when
it is cancelled.

Rules: every booking has reminders due at REMINDER_LEADS_MINUTES before its shift starts
(`reminders.schedule_reminders`); moving the shift moves them and records a `schedule_changed` notice
for each booked volunteer; cancelling a booking or the shift voids them, and cancelling the shift
records a `cancelled_by_organizer` notice for each booked volunteer (of a shift ended early: each one
who never checked in).
All are outbox rows written in the caller's transaction (sent after the commit, by the dispatcher).
No locks of their own: callers hold the shift's or the booking's row lock.

The payloads name a booking's post (岗位) under the key `post`.
"""

from sqlalchemy import select

from server.extensions import db
from server.models import Booking
from server.services.outbox import enqueue_message
from server.services.reminders import schedule_reminders, void_reminders


def message_payload(shift):
    """What every message about a shift shows: where and when."""
    return {
        "shift_id": shift.id,
        "site": shift.site.name,
        "address": shift.site.address,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }


def schedule_booking_reminders(shift, booking):
    """Record the reminders of a new (or renewed) booking."""
    schedule_reminders(
        "shift_reminder", ("booking", booking.id), booking.user_id, shift.starts_at,
        {**message_payload(shift), "post": booking.post.name},
    )


def _booked(shift):
    return db.session.scalars(select(Booking).where(Booking.shift_id == shift.id, Booking.status == "booked")).all()


def tell_schedule_changed(shift, booking):
    """Schedule the booking's reminders again (for its shift's times and place) and record a
    `schedule_changed` notice; the caller voids the old reminders."""
    schedule_booking_reminders(shift, booking)
    enqueue_message(
        "schedule_changed",
        booking.user_id,
        {**message_payload(shift), "post": booking.post.name, "venue": shift.site.address or shift.site.name},
        ref=("booking", booking.id),
    )


def tell_cancelled(shift, booking, reason):
    """Record a `cancelled_by_organizer` notice, with the reason, for one booking of the shift."""
    enqueue_message(
        "cancelled_by_organizer",
        booking.user_id,
        {**message_payload(shift), "post": booking.post.name, "reason": reason},
        ref=("booking", booking.id),
    )


def notify_moved(shift):
    """The shift has new times, or its site a new name or address: each booked volunteer's pending
    reminders are voided and scheduled again (they carry the time and place), and a `schedule_changed`
    notice is recorded for each."""
    booked = _booked(shift)
    void_reminders("booking", [b.id for b in booked])
    for booking in booked:
        tell_schedule_changed(shift, booking)


def notify_cancelled(shift, reason, told=None):
    """The shift is cancelled: void its bookings' pending reminders and record a notice for each booked
    volunteer (`told`: only these bookings)."""
    booked = _booked(shift)
    void_reminders("booking", [b.id for b in booked + list(told or [])])
    for booking in booked if told is None else told:
        tell_cancelled(shift, booking, reason)
