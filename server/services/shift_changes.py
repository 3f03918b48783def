"""Changing a planned shift: moving it or editing its notes and eligibility, and cancelling it.

Rules:
- only an open shift is changed, by an organizer of its site's community;
- a move keeps the site's one shift per start and end (`shift_exists`) and never starts in the past
  (422 on `starts_at`); the end of a running shift may still be changed;
- a move, or setting the shift party-members-only, must keep every booked volunteer within the
  booking rules (no overlap with their other shifts, the rest between shifts, the fatigue limit of any
  24 hours; party members only): otherwise nothing changes and the answer is 409
  `schedule_change_refused`, naming up to 3 of them and counting the rest;
- new requirements of its posts (a qualification, a health declaration: `qualifications`) apply to
  bookings made from then on; bookings already made stay and the roster flags who lacks them;
- an accepted move moves the volunteers' reminders and records a `schedule_changed` notice for each;
- cancelling a shift that has not started releases nothing and tells every booked volunteer
  (`cancelled_by_organizer`); their bookings stay, showing the shift cancelled;
- cancelling a shift that has started ends it early: its end becomes now; a volunteer who checked in
  and not out is checked out now, the minutes worked recorded (they count once confirmed); a booking nobody checked in to is
  cancelled (its place released) and told; a finished check-out or a no-show stays as it is;
- a shift that has ended cannot be cancelled (`shift_ended`);
- cancelling ends every live swap (换班) of the shift (`swaps.end_swaps_of_shift`, under the shift's lock).

Lock order: the shift's row, then the booked volunteers' rows in id order (a move: so none of them
books a clashing shift meanwhile; booking locks the person first and never the shift), or the
bookings' rows in id order (as check-in and check-out take them).
"""

from types import SimpleNamespace

from sqlalchemy import select

from server.errors import DomainError, ValidationFailed
from server.extensions import db
from server.models import Booking, User
from server.models.base import utcnow
from server.services.attendance import record_check_out
from server.services.bookings import lock_booking, release_place, schedule_conflict
from server.services.content_safety import FORUM, changed_texts, check_texts
from server.services.locking import lock_row
from server.services.schedule_changes import refuse_breaking, refuse_past_start
from server.services.shift_notices import notify_cancelled, notify_moved
from server.services.qualifications import set_post_requirements
from server.services.shift_planning import ShiftNotOpen, get_managed_shift, refuse_existing
from server.services.swaps import end_swaps_of_shift
from server.services.users import record_audit

# A booked volunteer's broken rule, as a refusal names it.
_REASONS = {
    "shift_overlap": "与其其他班次时间冲突",
    "rest_too_short": "班次间休息不足",
    "daily_limit_exceeded": "超过24小时值守时长上限",
}


def _booked_volunteers(shift):
    """The booked volunteers of the shift, their rows locked in id order."""
    user_ids = db.session.scalars(
        select(Booking.user_id)
        .where(Booking.shift_id == shift.id, Booking.status == "booked")
        .order_by(Booking.user_id)
    ).all()
    return [lock_row(User, user_id) for user_id in user_ids]


def _refuse_breaking_rules(shift, starts_at, ends_at, moved, members_only):
    """409 `schedule_change_refused` if the new times or eligibility break a booked volunteer's rules."""
    probe = SimpleNamespace(id=shift.id, starts_at=starts_at, ends_at=ends_at)
    broken = []
    for user in _booked_volunteers(shift):
        if members_only and not user.is_party_member:
            broken.append((user, "非党员"))
            continue
        conflict = schedule_conflict(user.id, probe) if moved else None
        if conflict is not None:
            broken.append((user, _REASONS[conflict.error]))
    refuse_breaking(broken)


def update_shift(actor, shift_id, changes):
    """Move a shift or edit its notes and eligibility, keeping every booked volunteer within the rules.

    Pending reminders move with the shift, and each booked volunteer is told of a move.
    Raises NotFound, Forbidden, ShiftNotOpen, ValidationFailed (times, a new start in the past),
    DomainError `shift_exists`, `schedule_change_refused`, `content_risky` (changed notes refused by
    WeChat's content check, asked before the row is locked).
    """
    changes = dict(changes)
    requirements = changes.pop("post_requirements", None)
    current = get_managed_shift(actor, shift_id)
    check_texts(actor, FORUM, changed_texts(current, changes, ("notes",)))
    shift = get_managed_shift(actor, shift_id, lock=True)
    if shift.status != "open":
        raise ShiftNotOpen()
    starts_at = changes.get("starts_at", shift.starts_at)
    ends_at = changes.get("ends_at", shift.ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed(errors={"ends_at": ["结束时间必须晚于开始时间"]})
    if starts_at != shift.starts_at:
        refuse_past_start(starts_at, "不能把班次改到已经过去的时间")
    moved = (starts_at, ends_at) != (shift.starts_at, shift.ends_at)
    members_only = changes.get("party_members_only", False) and not shift.party_members_only
    if moved:
        refuse_existing(shift.site, [(starts_at, ends_at)])
    if moved or members_only:
        _refuse_breaking_rules(shift, starts_at, ends_at, moved, members_only)
    for field, value in changes.items():
        setattr(shift, field, value)
    if requirements:
        set_post_requirements(shift, requirements)
    if moved:
        notify_moved(shift)
    db.session.flush()
    return shift


def _end_early(actor, shift, now):
    """The started shift ends now: credit who is checked in, release (and return) who never came."""
    shift.ends_at = now
    booking_ids = db.session.scalars(
        select(Booking.id).where(Booking.shift_id == shift.id, Booking.status == "booked").order_by(Booking.id)
    ).all()
    released = []
    for booking_id in booking_ids:
        booking = lock_booking(booking_id)
        if booking.status != "booked" or booking.checked_out_at is not None:
            continue
        if booking.checked_in_at is None:
            booking.status = "cancelled"
            booking.cancelled_at = now
            release_place(booking)
            released.append(booking)
            continue
        record_check_out(booking, max(now, booking.checked_in_at), actor)
    return released


def cancel_shift(actor, shift_id, reason):
    """Cancel a shift; a started one is ended early (see the module's rules). Booked volunteers who
    did not come are told.

    Raises NotFound, Forbidden, ShiftNotOpen (already cancelled), DomainError `shift_ended`,
    `content_risky` (the reason, sent to volunteers, refused by WeChat's content check).
    """
    get_managed_shift(actor, shift_id)
    check_texts(actor, FORUM, {"reason": reason})
    shift = get_managed_shift(actor, shift_id, lock=True)
    now = utcnow()
    if shift.status != "open":
        raise ShiftNotOpen()
    if shift.ends_at <= now:
        raise DomainError("shift_ended", "班次已结束，不能取消", 409)
    started = shift.starts_at < now
    told = _end_early(actor, shift, now) if started else None
    shift.status = "cancelled"
    shift.cancelled_at = now
    shift.cancel_reason = reason
    end_swaps_of_shift(shift)
    notify_cancelled(shift, reason, told)
    record_audit(actor, "shift.cancel", "shift", shift.id, reason=reason, ended_early=started)
    db.session.flush()
    return shift
