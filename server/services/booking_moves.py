"""An organizer's changes to one volunteer's booking: moving it to another post or shift, and
releasing it (even after the volunteers' cancel cutoff) with a reason.

Rules:
- only an organizer of the booking's community (or an admin) acts, and a move's target shift must be
  one they manage too (`forbidden`); volunteers never move or release a booking this way (they cancel
  their own, up to SHIFT_CANCEL_CUTOFF_MINUTES before the start: `bookings.cancel_booking`);
- only an active booking (`booked`, not checked in) is moved or released (`booking_not_active`,
  `already_checked_in`); its shift is open (`shift_not_open`);
- a move's target shift is open and has not started (`shift_started`); the target post belongs to it
  (422 on `role_id`) and has a free place (`role_full`, exact: the same conditional UPDATE as a
  booking); a shift for party members only takes party members (`not_eligible`); the volunteer may
  hold no other booking on the target shift (`already_booked`);
- to another shift, the volunteer's schedule rules (overlap, rest, the 24-hour limit) are checked
  against the target shift leaving out the booking being moved (`shift_overlap`, `rest_too_short`,
  `daily_limit_exceeded`, the message naming the volunteer); another post of the same shift changes
  no times, so no rule but the post's room applies; moving to the post already held changes nothing;
- a move to another post of the same shift changes the booking's post; a move to another shift
  cancels the booking and books the target (reusing the volunteer's cancelled row there, as booking
  does), so each shift's roster keeps its history;
- a moved volunteer's pending reminders are voided and scheduled again for the new shift and post, and
  a `schedule_changed` notice is recorded (as when a shift moves: `shift_notices`);
- a release needs a reason (1 to 200 characters; it is sent to the volunteer, so WeChat's content
  check reads it first), is allowed until the shift ends (`shift_ended`), frees the place, voids the
  reminders, records a `cancelled_by_organizer` notice with the reason, and is audited
  (`booking.release`, saying whether the cutoff had passed); a move is audited as `booking.move`;
- a move or a release ends the booking's live swap (换班: `services.swaps.end_swaps`, the swap's row
  locked after the booking's).

Lock order: the shifts' rows (the booking's shift and the target shift, in id order; as moving or
cancelling a shift does), then the booking's row (as check-in, check-out and cancelling take it), then
the volunteer's row (so their own bookings cannot race the schedule check), then the posts through
conditional UPDATEs in post id order (the place given back and the place taken), so two moves in opposite directions cannot deadlock. The unique (shift, user)
and `booked <= capacity` constraints stand behind the checks.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from server.errors import DomainError, ValidationFailed
from server.extensions import db
from server.models import Booking, Shift, ShiftPost, Site, User
from server.models.base import utcnow
from server.services import cache
from server.services.bookings import (
    booking_not_found, lock_booking, post_full, refuse_ineligible, release_place, schedule_conflict,
)
from server.services.content_safety import FORUM, check_texts
from server.services.locking import lock_row
from server.services.reminders import void_reminders
from server.services.schedule_changes import person_name
from server.services.shift_notices import tell_cancelled, tell_schedule_changed
from server.services.shift_planning import ShiftNotOpen, get_managed_shift
from server.services.swaps import end_swaps
from server.services.sites import require_organizer
from server.services.users import record_audit


def booking_for_organizer(actor, booking_id, what):
    """The booking (unlocked) after checking that `actor` organizes its community. Raises NotFound, Forbidden."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise booking_not_found()
    require_organizer(actor, booking.shift.site.community_id, what)
    return booking


def _lock_shifts(actor, shift_ids):
    """Lock the shifts' rows in id order (each checked as managed by `actor`); `{id: shift}`."""
    return {shift_id: get_managed_shift(actor, shift_id, lock=True) for shift_id in sorted(set(shift_ids))}


def _check_active(booking):
    if booking.status != "booked":
        raise DomainError("booking_not_active", "该预约已取消或已标记缺勤", 409)
    if booking.checked_in_at is not None:
        raise DomainError("already_checked_in", "该志愿者已签到，不能调岗或释放", 409)
    if booking.shift.status != "open":
        raise ShiftNotOpen()


def _take_and_give_back(taken_post, given_post):
    """Take a place on `taken_post` and give one back on `given_post`, in post id order. Raises `role_full`."""
    cache.mark_changed(db.session, "shifts")  # Core writes: the flush would not see them
    cache.mark_shift_freed(db.session, given_post.shift_id)
    steps = sorted([(taken_post.id, "take"), (given_post.id, "give")])
    for post_id, step in steps:
        if step == "take":
            taken = db.session.execute(
                update(ShiftPost)
                .where(ShiftPost.id == post_id, ShiftPost.has_free_place)
                .values(booked=ShiftPost.booked + 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                raise post_full(taken_post.name)
        else:
            db.session.execute(
                update(ShiftPost)
                .where(ShiftPost.id == post_id)
                .values(booked=ShiftPost.booked - 1)
                .execution_options(synchronize_session=False)
            )
    db.session.expire(taken_post, ["booked"])
    db.session.expire(given_post, ["booked"])


def _tell_moved(shift, booking, old_booking_id):
    """Reminders follow the booking to its new shift and post; the volunteer gets `schedule_changed`."""
    void_reminders("booking", sorted({old_booking_id, booking.id}))
    tell_schedule_changed(shift, booking)


def _refuse_schedule(user, shift, booking):
    conflict = schedule_conflict(user.id, shift, excluding=booking.id)
    if conflict is not None:
        conflict.message = person_name(user) + conflict.message.replace("你", "其")  # the organizer reads it
        raise conflict


def move_booking(actor, booking_id, shift_id, post_id):
    """Move a volunteer's booking to another post of its shift or to a post of another shift (see the
    module's rules). Returns the booking now held: the same row for another post of the same shift,
    else the booking on the target shift. Moving to the post already held returns it unchanged.

    Raises NotFound (`booking_not_found`, `shift_not_found`), Forbidden, ShiftNotOpen, ValidationFailed
    (a post of another shift: on `role_id`), DomainError `booking_not_active`, `already_checked_in`,
    `shift_started`, `not_eligible`, `already_booked`, `role_full`, `shift_overlap`, `rest_too_short`,
    `daily_limit_exceeded`.
    """
    current = booking_for_organizer(actor, booking_id, "为志愿者调岗")
    shifts = _lock_shifts(actor, [current.shift_id, shift_id])
    target = shifts[shift_id]
    booking = lock_booking(booking_id)
    user = lock_row(User, booking.user_id)
    _check_active(booking)
    post = next((p for p in target.posts if p.id == post_id), None)
    if post is None:
        raise ValidationFailed(errors={"role_id": ["该班次没有这个岗位"]})  # `role_id`: the post, on the wire
    if booking.shift_id == target.id and booking.post_id == post.id:
        return booking
    if target.status != "open":
        raise ShiftNotOpen()
    now = utcnow()
    if now >= target.starts_at:
        raise DomainError("shift_started", "目标班次已开始，不能调入", 409)
    refuse_ineligible(user, target, post, person_name(user))
    old_post = booking.post
    old_shift_id, old_booking_id = booking.shift_id, booking.id
    end_swaps([booking.id], "booking_moved")  # an offer of the old place ends (the swap's row after the booking's)
    if booking.shift_id == target.id:
        _take_and_give_back(post, old_post)
        booking.post = post
        booking.updated_by_id = actor.id
    else:
        held = db.session.execute(
            select(Booking.id, Booking.status).where(Booking.shift_id == target.id, Booking.user_id == user.id)
        ).first()
        if held is not None and held.status != "cancelled":
            raise DomainError("already_booked", f"{person_name(user)}已预约了该班次的岗位", 409)
        _refuse_schedule(user, target, booking)
        _take_and_give_back(post, old_post)
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.updated_by_id = actor.id
        moved = Booking(shift_id=target.id, user_id=user.id) if held is None else db.session.get(Booking, held.id)
        moved.post = post
        moved.status = "booked"
        moved.booked_at = now
        moved.cancelled_at = moved.checked_in_at = moved.checked_out_at = moved.no_show_at = None
        moved.checked_in_uploaded_at = moved.checked_out_uploaded_at = None
        moved.checkin_method = moved.checkin_reason = moved.checkin_distance_m = moved.checkout_distance_m = None
        moved.minutes_credited = 0
        moved.updated_by_id = actor.id
        db.session.add(moved)
        booking = moved
    db.session.flush()
    _tell_moved(target, booking, old_booking_id)
    record_audit(
        actor, "booking.move", "booking", booking.id, user_id=user.id, from_booking_id=old_booking_id,
        from_shift_id=old_shift_id, from_post=old_post.name, to_shift_id=target.id, to_post=post.name,
    )
    db.session.flush()
    return booking


def release_booking(actor, booking_id, reason):
    """An organizer releases a volunteer's booking, also after SHIFT_CANCEL_CUTOFF_MINUTES (see the
    module's rules): the place is freed and the volunteer told why. Returns the cancelled booking.

    Raises NotFound, Forbidden, ShiftNotOpen, ValidationFailed (no reason: on `reason`), DomainError
    `booking_not_active`, `already_checked_in`, `shift_ended`, `content_risky` (the reason, refused by
    WeChat's content check, asked before any lock).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": ["请填写释放原因"]})
    if len(reason) > 200:
        raise ValidationFailed(errors={"reason": ["长度不能超过 200"]})
    current = booking_for_organizer(actor, booking_id, "释放志愿者的预约")
    check_texts(actor, FORUM, {"reason": reason})
    shift = _lock_shifts(actor, [current.shift_id])[current.shift_id]
    booking = lock_booking(booking_id)
    _check_active(booking)
    now = utcnow()
    if shift.ends_at <= now:
        raise DomainError("shift_ended", "班次已结束，不能释放预约", 409)
    cutoff = shift.starts_at - timedelta(minutes=current_app.config["SHIFT_CANCEL_CUTOFF_MINUTES"])
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.updated_by_id = actor.id
    release_place(booking)
    void_reminders("booking", [booking.id])
    end_swaps([booking.id], "booking_released")
    tell_cancelled(shift, booking, reason)
    record_audit(
        actor, "booking.release", "booking", booking.id, user_id=booking.user_id, shift_id=shift.id,
        post=booking.post.name, reason=reason, after_cutoff=now > cutoff,
    )
    db.session.flush()
    return booking


def move_targets(actor, booking, days=7):
    """Where an organizer may move `booking`: the open, not yet started shifts of its site's community
    from now to `days` after its shift, by time, each with its posts (the caller shows which are full).
    The booking's own shift comes first when it has not started."""
    community_id = booking.shift.site.community_id
    require_organizer(actor, community_id, "为志愿者调岗")
    now = utcnow()
    until = max(booking.shift.starts_at, now) + timedelta(days=days)
    shifts = db.session.scalars(
        select(Shift)
        .join(Shift.site)
        .where(Site.community_id == community_id, Shift.status == "open", Shift.starts_at > now,
               Shift.starts_at <= until)
        .order_by(Shift.starts_at, Site.name, Shift.id)
        .limit(200)
    ).all()
    shifts.sort(key=lambda s: s.id != booking.shift_id)
    return shifts
