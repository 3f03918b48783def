"""Attendance at shifts: check-in and check-out, no-shows, and the volunteer minutes they credit.

Rules: a volunteer checks in and out of their own active booking by scanning the site's current
check-in code, at the time of the scan; an organizer of the community needs no code and may record
the actual time afterwards (never a future one). Check-in opens CHECKIN_EARLY_MINUTES before the
start and closes at the end; a volunteer may check out until CHECKOUT_LATE_MINUTES after the end.
Only the minutes inside the shift's window are worked, recorded once, at check-out (the first check-in
and check-out stand); they count, under the credited-hours rule, once an organizer confirms them
(`hours_record`). An organizer marks a no-show once the shift has started, if nobody checked in.

On site (docs/api.md, "On-site check-in"): at a site with coordinates, a volunteer's own check-in and
check-out also send the phone's location, accepted within the site's radius (`site_location`: the
accuracy rule, and how an offline scan's recorded location applies); the distance in metres is kept
on the booking (`checkin_distance_m`, `checkout_distance_m`), never the position. A check-in is
marked `code` (scanned) or `manual`: an organizer checking someone else in by hand gives a reason
(1 to 200 characters), kept on the booking (`checkin_reason`), shown on rosters and audited
(`booking.check_in_manual`). An organizer scanning the code for their own booking checks in as a
volunteer.

Offline: a volunteer who scanned without a network uploads the scan later with its device time
`recorded_at`. It is accepted if the token was valid at that time and the time is plausible
(`checkin_tokens.check_offline_scan`: not in the future, not older than OFFLINE_CHECKIN_MAX_HOURS);
the rules above then apply at `recorded_at`, which is the time stored (and credited), and the row is
marked delayed (`checked_in_uploaded_at` / `checked_out_uploaded_at`: when it arrived). Uploading the
same scan again answers the booking as it stands; a booking marked no-show meanwhile stays so.

Cancelling a started shift ends it early and checks out whoever is checked in (`shift_changes`); a
later check-out answers that booking as it stands.

Lock order: the booking's row (`lock_booking`). (Totals move when hours are confirmed: `hours_record`.)
"""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from server.errors import DomainError, Forbidden, ValidationFailed
from server.extensions import db
from server.localtime import to_local
from server.models import Booking, Shift
from server.models.base import utcnow
from server.services import checkin_tokens, health_declarations, hours_record, site_location
from server.services.bookings import lock_booking
from server.services.shift_planning import ShiftNotOpen
from server.services.sites import require_organizer
from server.services.users import record_audit

# Volunteers may check in this long before their shift starts, and check out this long after it ends.
CHECKIN_EARLY_MINUTES = 60
CHECKOUT_LATE_MINUTES = 120


def _booking_for(actor, booking_id):
    """The locked booking, and whether `actor` acts as its community's organizer.

    Raises NotFound, Forbidden (neither the booker nor an organizer of the site's community).
    """
    booking = lock_booking(booking_id)
    as_organizer = actor.organizes(booking.shift.site.community_id)
    if not as_organizer and booking.user_id != actor.id:
        raise Forbidden("forbidden", "只能操作自己的预约")
    return booking, as_organizer


def _booking_to_record(actor, booking_id, token, at, recorded_at=None):
    """`(booking, at, as_organizer, uploaded_at)`: the locked, active booking a check-in or check-out is
    for, the time to record (None: now), whether the actor acts as the community's organizer, and for
    an offline scan the upload time (else None).

    A volunteer (also an organizer scanning for their own booking) must send the site's valid token
    and cannot choose the time; an organizer acting for someone else needs no token. An offline scan (`recorded_at`) needs the token, valid at `recorded_at`, whoever sends it.
    Raises NotFound, Forbidden, `booking_not_active`, `shift_not_open`, `checkin_token_invalid`, and
    for an offline scan the errors of `checkin_tokens.check_offline_scan`; ValidationFailed (`at` and
    `recorded_at` both given).
    """
    booking, as_organizer = _booking_for(actor, booking_id)
    _check_active(booking)
    if recorded_at is not None:
        if at is not None:
            raise ValidationFailed(errors={"recorded_at": ["不能与 at 同时提供"]})
        now = utcnow()
        moment = checkin_tokens.check_offline_scan("s", booking.shift.site_id, token, recorded_at, now)
        return booking, moment, False, now
    if as_organizer and booking.user_id != actor.id:
        return booking, at, True, None  # by hand, for someone else; never one's own booking
    if not checkin_tokens.token_is_valid("s", booking.shift.site_id, token):
        raise DomainError("checkin_token_invalid", "签到码无效或已过期，请扫描站点的签到码", 409)
    return booking, None, False, None


# An offline scan may come without a usable fix (underground, no signal): it cannot be repeated, so it is
# accepted unlocated (位置未核验). One uploaded within this long of its scan was made with the network
# at hand, so it is judged as a live scan: otherwise any live scan could skip the location check by
# calling itself offline.
OFFLINE_UNLOCATED_MIN_DELAY = timedelta(minutes=2)


def _unlocated_allowed(moment, uploaded_at):
    """An offline scan (uploaded at `uploaded_at`, made at `moment`) that reached us late enough to
    have really waited for the network may come without a usable location."""
    return uploaded_at is not None and uploaded_at - moment >= OFFLINE_UNLOCATED_MIN_DELAY


def _recorded_time(at):
    """The organizer's `at`, or now; a time in the future is refused (ValidationFailed)."""
    now = utcnow()
    if at is not None and at > now + timedelta(minutes=1):
        raise ValidationFailed(errors={"at": ["不能记录未来的时间"]})
    return at or now


def _check_active(booking):
    if booking.status != "booked":
        raise DomainError("booking_not_active", "该预约已取消或已标记缺勤", 409)
    if booking.shift.status != "open":
        raise ShiftNotOpen()


def _manual_reason(reason):
    """An organizer's reason for checking someone in by hand: 1 to 200 characters once trimmed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": ["组织者代为签到须填写原因"]})
    if len(reason) > 200:
        raise ValidationFailed(errors={"reason": ["长度不能超过 200"]})
    return reason


def check_in(actor, booking_id, token=None, at=None, recorded_at=None, location=None, reason=None,
             health_declaration=None):
    """Check in: the volunteer with the site's scanned token (and, at a site with coordinates, their
    `location`), or an organizer by hand (no token; a `reason`; may give the actual time `at`); a
    scan made offline with its device time `recorded_at` (and the location recorded then, if any).
    Checking in twice keeps the first time (and answers the booking as it stands).
    A post asking for a same-day health declaration at check-in needs, for a volunteer's own check-in,
    a fit one of the day (`health_declaration`: the answers sent with it, or one made earlier that
    day; `health_declarations`); an organizer's check-in needs none.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `shift_not_open`,
    `checkin_token_invalid`, `checkin_window_closed` (at `recorded_at` for an offline scan), the
    errors of `checkin_tokens.check_offline_scan` and `site_location.located_distance`,
    `health_declaration_required`, `health_declaration_unwell`, ValidationFailed (`reason` missing for
    a manual check-in).
    """
    booking, _ = _booking_for(actor, booking_id)
    if booking.checked_in_at is not None:
        return booking  # a retried upload, or a second scan
    booking, at, manual, uploaded_at = _booking_to_record(actor, booking_id, token, at, recorded_at)
    shift = booking.shift
    reason = _manual_reason(reason) if manual else None
    moment = _recorded_time(at)
    if not shift.starts_at - timedelta(minutes=CHECKIN_EARLY_MINUTES) <= moment <= shift.ends_at:
        raise DomainError("checkin_window_closed", f"只能在班次开始前 {CHECKIN_EARLY_MINUTES} 分钟至结束前签到", 409)
    if not manual:
        booking.checkin_distance_m = site_location.located_distance(
            shift.site, location, offline=_unlocated_allowed(moment, uploaded_at)
        )
        health_declarations.require_declaration(booking.user, booking.post, "checkin", health_declaration, moment)
    booking.checked_in_at = moment
    booking.checked_in_uploaded_at = uploaded_at
    booking.checkin_method = "manual" if manual else "code"
    booking.checkin_reason = reason
    booking.updated_by_id = actor.id
    if manual:
        record_audit(
            actor, "booking.check_in_manual", "booking", booking.id, user_id=booking.user_id, shift_id=shift.id,
            reason=reason, at=moment.isoformat(),
        )
    db.session.flush()
    return booking


def credited_minutes(shift, checked_in_at, checked_out_at):
    """Whole minutes worked inside the shift's window."""
    start = max(checked_in_at, shift.starts_at)
    end = min(checked_out_at, shift.ends_at)
    return max(int((end - start).total_seconds() // 60), 0)


def record_check_out(booking, moment, actor):
    """Check the booking out at `moment` and keep the minutes worked inside its shift's window; they
    count once an organizer confirms them (`hours_record`). The caller holds the booking's lock and
    has checked the rules."""
    booking.checked_out_at = moment
    hours_record.record_worked(booking, credited_minutes(booking.shift, booking.checked_in_at, moment))
    booking.updated_by_id = actor.id


def check_out(actor, booking_id, token=None, at=None, recorded_at=None, location=None):
    """Check out and record the minutes worked inside the shift's window (they count once an
    organizer confirms them: `hours_record`); a scan made offline is checked out at its device time
    `recorded_at`, and recorded up to it. A
    volunteer's own check-out at a site with coordinates sends `location`, as a check-in does.
    Checking out twice keeps the first check-out.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `shift_not_open`, `not_checked_in`,
    `checkin_token_invalid`, `checkin_window_closed`, the errors of `checkin_tokens.check_offline_scan`
    and `site_location.located_distance`, ValidationFailed (`at` or `recorded_at` before the check-in).
    """
    booking, _ = _booking_for(actor, booking_id)
    if booking.checked_out_at is not None:
        return booking  # also of a shift ended early by its cancellation, which checked everyone out
    booking, at, as_organizer, uploaded_at = _booking_to_record(actor, booking_id, token, at, recorded_at)
    shift = booking.shift
    if booking.checked_in_at is None:
        raise DomainError("not_checked_in", "还没有签到，不能签退", 409)
    moment = _recorded_time(at)
    if moment < booking.checked_in_at:
        field = "at" if uploaded_at is None else "recorded_at"
        raise ValidationFailed(errors={field: ["签退时间不能早于签到时间"]})
    if not as_organizer and moment > shift.ends_at + timedelta(minutes=CHECKOUT_LATE_MINUTES):
        raise DomainError("checkin_window_closed", "已超过签退时间，请联系组织者补签", 409)
    if not as_organizer:
        booking.checkout_distance_m = site_location.located_distance(
            shift.site, location, offline=_unlocated_allowed(moment, uploaded_at)
        )
    record_check_out(booking, moment, actor)
    booking.checked_out_uploaded_at = uploaded_at
    db.session.flush()
    return booking


def mark_no_show(actor, booking_id):
    """An organizer marks a booked volunteer who did not come. Marking twice changes nothing.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `already_checked_in`, `shift_not_started`.
    """
    booking = lock_booking(booking_id)
    require_organizer(actor, booking.shift.site.community_id, "标记缺勤")
    if booking.status == "no_show":
        return booking
    if booking.status != "booked":
        raise DomainError("booking_not_active", "该预约已取消", 409)
    if booking.checked_in_at is not None:
        raise DomainError("already_checked_in", "已签到，不能标记缺勤", 409)
    if utcnow() < booking.shift.starts_at:
        raise DomainError("shift_not_started", "班次开始后才能标记缺勤", 409)
    booking.status = "no_show"
    booking.no_show_at = utcnow()
    booking.updated_by_id = actor.id
    db.session.flush()
    return booking


def my_hours(user):
    """Confirmed minutes in total and by local month of the shift, newest month first; the minutes still
    waiting for confirmation (provisional, under the rule); and the per-shift records (`hours_record`)."""
    rows = db.session.execute(
        select(Shift.starts_at, Booking.minutes_credited)
        .join(Booking.shift)
        .where(Booking.user_id == user.id, Booking.hours_status.in_(hours_record.CONFIRMED),
               Booking.minutes_credited > 0)
    ).all()
    by_month = defaultdict(int)
    for starts_at, minutes in rows:
        by_month[to_local(starts_at).strftime("%Y-%m")] += minutes
    items = hours_record.my_records(user)
    return {
        "total_minutes": sum(by_month.values()),
        "pending_minutes": sum(item["minutes"] for item in items if item["status"] == "pending"),
        "by_month": [{"month": month, "minutes": by_month[month]} for month in sorted(by_month, reverse=True)],
        "items": items,
    }
