"""Volunteer hours as a record (志愿服务记录): the credited-hours rule, organizers' confirmation and
corrections, volunteers' queries (申诉), and the printable proof of service (志愿服务证明).

Rules:
- At check-out a booking keeps the minutes worked inside its shift's window (`minutes_worked`,
  `attendance.credited_minutes`) and becomes `pending`; nothing counts yet.
- The credited figure of worked minutes is `credit(minutes)` (the ONE place it is computed): rounded
  to a multiple of HOURS_ROUNDING_UNIT_MINUTES (down, nearest: half up, or up; HOURS_ROUNDING), then 0
  if below HOURS_MINIMUM_MINUTES, then at most HOURS_CAP_MINUTES (0: no cap). While pending, the
  volunteer sees this figure as provisional (待确认).
- An organizer of the site's community confirms a shift's hours once it has started (usually after it
  ends): every pending, checked-out booking of the shift at once gets `minutes_credited = credit(minutes_worked)`, `confirmed`. Confirming again
  confirms only what is still pending (a later check-out). Bookings checked in but not out stay
  pending; the organizer checks them out by hand first.
- An organizer corrects one booking's figure (0 to 1440 minutes) with a reason, pending or not: it
  becomes `corrected`. Each confirmation and correction adds a `hours_changes` row (before, after,
  reason, who, when) and an audit entry; no row is ever changed, so the original figure stays.
- Only confirmed figures (`confirmed`, `corrected`: `minutes_credited`) count in every total: the
  volunteer's 我的时长 and `users.volunteer_minutes`, the hours report and its export, statistics,
  the proof. `users.volunteer_minutes` moves by the confirmed figure (and a correction's difference).
- A check-out happens once (the first stands), so a confirmed figure changes only by a correction.
- The volunteer queries (申诉) one of their checked-out bookings' figure with a short text (1 to 200
  characters, WeChat content check): one open query per booking. An organizer answers it (1 to 200
  characters), optionally correcting the figure in the same step (the answer is the reason). The
  volunteer sees the answer in 我的时长 and, with a credit for the `notice` template, gets a message
  opening that page. The query's text is erased when its author deletes their account.
- Figures recorded before this feature (migration 8b4a3dae6ec4) count as confirmed.

Lock order: a shift's confirmation: the shift's row, then its pending bookings' rows in id order; a
correction, a query or an answer: the booking's row. Then each volunteer's row through `UPDATE users SET volunteer_minutes = volunteer_minutes + n` in user id order.
Content checks run before any lock.
"""

import math
from datetime import date

from flask import current_app
from sqlalchemy import select, update

from server.errors import DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import local_date_bounds, to_local
from server.models import Booking, Community, HoursChange, HoursQuery, Shift, Site, User
from server.models.base import utcnow
from server.services import cache
from server.services.bookings import booking_not_found, lock_booking
from server.services.content_safety import COMMENT, FORUM, check_texts
from server.services.locking import lock_row
from server.services.outbox import enqueue_message
from server.services.reminders import remaining_credits
from server.services.sites import require_organizer
from server.services.users import record_audit

CONFIRMED = ("confirmed", "corrected")
STATUS_ZH = {"pending": "待确认", "confirmed": "已确认", "corrected": "已更正"}
MAX_CORRECTED_MINUTES = 24 * 60
MAX_PROOF_DAYS = 3660
MAX_ITEMS = 200


class HoursNotRecorded(DomainError):
    error = "hours_not_recorded"


class ShiftNotStarted(DomainError):
    error = "shift_not_started"
    message = "班次开始后才能确认时长"


class QueryAlreadyOpen(DomainError):
    error = "hours_query_open"


class QueryAlreadyAnswered(DomainError):
    error = "hours_query_answered"


class NoConfirmedHours(DomainError):
    error = "no_confirmed_hours"


def rule():
    """The credited-hours rule in force: `{"unit", "rounding", "minimum", "cap"}` (minutes)."""
    config = current_app.config
    return {
        "unit": config.get("HOURS_ROUNDING_UNIT_MINUTES", 1),
        "rounding": config.get("HOURS_ROUNDING", "down"),
        "minimum": config.get("HOURS_MINIMUM_MINUTES", 0),
        "cap": config.get("HOURS_CAP_MINUTES", 0),
    }


def credit(minutes_worked, rule_=None):
    """The credited minutes of `minutes_worked` under the rule (`rule()` unless given)."""
    r = rule_ or rule()
    unit = max(int(r["unit"]), 1)
    worked = max(int(minutes_worked or 0), 0)
    steps = {"down": math.floor, "up": math.ceil}.get(r["rounding"], lambda x: math.floor(x + 0.5))(worked / unit)
    minutes = steps * unit
    if minutes < r["minimum"]:
        return 0
    if r["cap"]:
        minutes = min(minutes, r["cap"])
    return minutes


def figure(booking):
    """What a booking's hours show: the confirmed figure, or while pending the rule's provisional one."""
    if booking.hours_status in CONFIRMED:
        return booking.minutes_credited
    if booking.hours_status == "pending":
        return credit(booking.minutes_worked)
    return 0


def record_worked(booking, minutes_worked):
    """At check-out: keep the minutes worked; the booking's hours wait for confirmation."""
    booking.minutes_worked = minutes_worked
    booking.minutes_credited = 0
    booking.hours_status = "pending"


def _add_to_total(changes):
    """`{user_id: minutes}` added to each volunteer's `volunteer_minutes`, in user id order."""
    cache.mark_changed(db.session, "shifts")  # Core writes: the flush would not see them (statistics)
    for user_id in sorted(changes):
        if changes[user_id]:
            db.session.execute(
                update(User)
                .where(User.id == user_id)
                .values(volunteer_minutes=User.volunteer_minutes + changes[user_id])
                .execution_options(synchronize_session=False)
            )


def _settle(booking, actor, minutes, kind, reason=None):
    """Set the booking's confirmed figure, keep the step in the history; returns the difference to the
    volunteer's total."""
    before = figure(booking)
    counted = booking.minutes_credited if booking.hours_status in CONFIRMED else 0
    now = utcnow()
    booking.minutes_credited = minutes
    booking.hours_status = "confirmed" if kind == "confirm" else "corrected"
    booking.hours_confirmed_at = now
    booking.hours_confirmed_by_id = actor.id
    db.session.add(HoursChange(booking_id=booking.id, kind=kind, minutes_before=before if kind == "correct"
                               else booking.minutes_worked, minutes_after=minutes, reason=reason,
                               actor_id=actor.id, created_at=now))
    return minutes - counted


def confirm_shift(actor, shift_id):
    """Confirm the hours of every pending, checked-out booking of the shift. Returns
    `{"shift_id", "confirmed", "minutes", "not_checked_out"}` (this time's count and minutes; bookings
    still checked in but not out). Audited as `hours.confirm` when anything was confirmed.

    Raises NotFound `shift_not_found`, Forbidden, DomainError `shift_not_started`.
    """
    shift = lock_row(Shift, shift_id)  # one confirmation of a shift at a time (SQLite: the write lock)
    if shift is None:
        raise NotFound("shift_not_found")
    require_organizer(actor, shift.site.community_id, "确认志愿时长")
    if shift.starts_at > utcnow():
        raise ShiftNotStarted()
    bookings = db.session.scalars(
        select(Booking)
        .where(Booking.shift_id == shift.id, Booking.hours_status == "pending", Booking.checked_out_at.is_not(None),
               Booking.user_id != actor.id)  # an organizer's own figure is another organizer's to confirm
        .order_by(Booking.id)
        .with_for_update(of=Booking)
        .execution_options(populate_existing=True)
    ).all()
    changes, total = {}, 0
    for booking in bookings:
        minutes = credit(booking.minutes_worked)
        changes[booking.user_id] = _settle(booking, actor, minutes, "confirm")
        total += minutes
    _add_to_total(changes)
    waiting = db.session.scalar(
        select(db.func.count()).select_from(Booking).where(
            Booking.shift_id == shift.id, Booking.status == "booked", Booking.checked_in_at.is_not(None),
            Booking.checked_out_at.is_(None),
        )
    )
    if bookings:
        record_audit(actor, "hours.confirm", "shift", shift.id, bookings=len(bookings), minutes=total)
    db.session.flush()
    return {"shift_id": shift.id, "confirmed": len(bookings), "minutes": total, "not_checked_out": waiting}


def _refuse_own(actor, booking):
    """An organizer does not settle their own figure: another organizer of the community does."""
    if booking.user_id == actor.id:
        raise Forbidden("forbidden", "不能确认或更正自己的志愿时长，请由本社区其他组织者处理")


def _organized_booking(actor, booking_id, what):
    booking = lock_booking(booking_id)
    require_organizer(actor, booking.shift.site.community_id, what)
    _refuse_own(actor, booking)
    if booking.checked_out_at is None:
        raise HoursNotRecorded()
    return booking


def correct(actor, booking_id, minutes, reason, checked=False):
    """Correct one booking's figure to `minutes` with a reason; the history keeps the figure before.
    Audited as `hours.correct`. Returns the booking.

    Raises NotFound `booking_not_found`, Forbidden, DomainError `hours_not_recorded`, `content_risky`,
    ValidationFailed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": ["请填写更正原因"]})
    if not 0 <= minutes <= MAX_CORRECTED_MINUTES:
        raise ValidationFailed(errors={"minutes": [f"时长应在 0 至 {MAX_CORRECTED_MINUTES} 分钟之间"]})
    if not checked:
        check_texts(actor, FORUM, {"reason": reason})
    booking = _organized_booking(actor, booking_id, "更正志愿时长")
    before = figure(booking)
    difference = _settle(booking, actor, minutes, "correct", reason)
    _add_to_total({booking.user_id: difference})
    record_audit(actor, "hours.correct", "user", booking.user_id, booking_id=booking.id, shift_id=booking.shift_id,
                 minutes_before=before, minutes_after=minutes)
    db.session.flush()
    return booking


def history(actor, booking_id):
    """The booking's hours history, oldest first: its owner and the community's organizers see it.
    Raises NotFound `booking_not_found` (also another person's, for a volunteer)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or (booking.user_id != actor.id and not actor.organizes(booking.shift.site.community_id)):
        raise booking_not_found()
    changes = db.session.scalars(
        select(HoursChange).where(HoursChange.booking_id == booking.id).order_by(HoursChange.id)
    ).all()
    return booking, changes


# --- queries (申诉) ------------------------------------------------------------------------------------


def ask(user, booking_id, text):
    """The volunteer queries the figure of one of their checked-out bookings. Returns the query.

    Raises NotFound `booking_not_found` (none, or another person's), DomainError `hours_not_recorded`,
    `hours_query_open`, `content_risky`, ValidationFailed.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors={"text": ["请填写申诉内容"]})
    check_texts(user, COMMENT, {"text": text})
    booking = lock_booking(booking_id)
    if booking.user_id != user.id:
        raise booking_not_found()
    if booking.checked_out_at is None:
        raise HoursNotRecorded()
    if open_query(booking.id) is not None:
        raise QueryAlreadyOpen()
    query = HoursQuery(booking_id=booking.id, user_id=user.id, text=text, status="open", created_at=utcnow())
    db.session.add(query)
    db.session.flush()
    return query


def open_query(booking_id):
    return db.session.scalar(
        select(HoursQuery).where(HoursQuery.booking_id == booking_id, HoursQuery.status == "open")
    )


def answer(actor, query_id, text, minutes=None):
    """An organizer answers a query; with `minutes`, the figure is corrected in the same step (the
    answer is the reason). The volunteer is told with the `notice` template when they have a credit
    for it. Audited as `hours.answer`. Returns the query.

    Raises NotFound `hours_query_not_found`, Forbidden, DomainError `hours_query_answered`,
    `content_risky`, ValidationFailed.
    """
    text = (text or "").strip()
    query = query_to_answer(actor, query_id)
    if not text:
        raise ValidationFailed(errors={"answer": ["请填写答复"]})
    check_texts(actor, FORUM, {"answer": text})
    booking = lock_booking(query.booking_id)
    _refuse_own(actor, booking)
    db.session.refresh(query)
    if query.status != "open":
        raise QueryAlreadyAnswered()
    if minutes is not None and minutes != figure(booking):
        correct(actor, booking.id, minutes, text, checked=True)
    query.status = "answered"
    query.answer = text
    query.answered_by_id = actor.id
    query.answered_at = utcnow()
    record_audit(actor, "hours.answer", "user", query.user_id, booking_id=booking.id, query_id=query.id,
                 corrected=minutes is not None)
    if remaining_credits({query.user_id}, "notice")[query.user_id] > 0:
        enqueue_message("notice", query.user_id, {
            "title": "志愿时长申诉已答复", "text": text[:60], "starts_at": booking.shift.starts_at.isoformat(),
            "page": "pages/my-hours/index",
        }, ref=("hours_query", query.id))
    db.session.flush()
    return query


def query_to_answer(actor, query_id):
    """The query, if `actor` organizes its community. Raises NotFound `hours_query_not_found`, Forbidden."""
    query = db.session.get(HoursQuery, query_id)
    if query is None:
        raise NotFound("hours_query_not_found")
    require_organizer(actor, query.booking.shift.site.community_id, "答复时长申诉")
    return query


def open_queries(actor, community_id=None):
    """Open queries in the communities the actor organizes (admins: all; or one), oldest first.
    Raises Forbidden (a community the actor does not organize)."""
    statement = (
        select(HoursQuery).join(HoursQuery.booking).join(Booking.shift).join(Shift.site)
        .where(HoursQuery.status == "open").order_by(HoursQuery.created_at, HoursQuery.id)
    )
    if community_id is not None:
        require_organizer(actor, community_id, "查看时长申诉")
        statement = statement.where(Site.community_id == community_id)
    elif not actor.is_admin:
        statement = statement.where(Site.community_id.in_(actor.organizer_community_ids or [-1]))
    return db.session.scalars(statement.limit(MAX_ITEMS)).all()


# --- what the volunteer sees ----------------------------------------------------------------------------


def _record_item(booking, query=None):
    shift = booking.shift
    return {
        "booking_id": booking.id,
        "shift_id": shift.id,
        "site": shift.site.name,
        "post": booking.post.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "minutes_worked": booking.minutes_worked,
        "minutes": figure(booking),
        "status": booking.hours_status,
        "confirmed_at": booking.hours_confirmed_at,
        "query": None if query is None else {
            "id": query.id, "text": query.text, "status": query.status, "answer": query.answer,
            "created_at": query.created_at, "answered_at": query.answered_at,
        },
    }


def my_records(user):
    """The caller's checked-out bookings, newest first (at most MAX_ITEMS), each with its figure, status
    and latest query: for 我的时长."""
    bookings = db.session.scalars(
        select(Booking).join(Booking.shift)
        .where(Booking.user_id == user.id, Booking.hours_status.is_not(None))
        .order_by(Shift.starts_at.desc(), Booking.id.desc()).limit(MAX_ITEMS)
    ).all()
    latest = {}
    if bookings:
        for query in db.session.scalars(
            select(HoursQuery).where(HoursQuery.booking_id.in_([b.id for b in bookings])).order_by(HoursQuery.id)
        ):
            latest[query.booking_id] = query
    return [_record_item(b, latest.get(b.id)) for b in bookings]


# --- the proof of service (志愿服务证明) -------------------------------------------------------------


def confirmed_services(user_id, date_from, date_to, community_ids=None):
    """The person's bookings with confirmed hours whose shift starts between two local dates (in the
    given communities only, when given), oldest first."""
    statement = (
        select(Booking).join(Booking.shift).join(Shift.site)
        .where(Booking.user_id == user_id, Booking.hours_status.in_(CONFIRMED), Booking.minutes_credited > 0,
               Shift.starts_at >= local_date_bounds(date_from)[0], Shift.starts_at <= local_date_bounds(date_to)[1])
        .order_by(Shift.starts_at, Booking.id)
    )
    if community_ids is not None:
        statement = statement.where(Site.community_id.in_(community_ids))
    return db.session.scalars(statement).all()


def _check_period(date_from, date_to):
    if date_to < date_from:
        raise ValidationFailed(errors={"to": ["结束日期不能早于开始日期"]})
    if (date_to - date_from).days > MAX_PROOF_DAYS:
        raise ValidationFailed(errors={"to": ["证明期间不能超过 10 年"]})


def proof_for(actor, user_id, date_from, date_to):
    """A proof of service (志愿服务证明) of the person's confirmed hours in a period: `(pdf, filename)`.
    The person gets their own; an organizer gets anyone's, listing the services in the communities they
    organize (admins: all), audited as `hours.proof`.

    Raises NotFound `user_not_found`, Forbidden, DomainError `no_confirmed_hours`, ValidationFailed.
    """
    from server.services import attendance_record

    _check_period(date_from, date_to)
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound("user_not_found")
    community_ids = None
    if actor.id != person.id:
        if not actor.is_admin and not actor.organizer_community_ids:
            raise Forbidden("forbidden", "只有组织者可以为他人出具志愿服务证明")
        community_ids = None if actor.is_admin else list(actor.organizer_community_ids)
    services = confirmed_services(person.id, date_from, date_to, community_ids)
    if not services:
        raise NoConfirmedHours()
    communities = {b.shift.site.community_id for b in services}
    community = db.session.get(Community, communities.pop() if len(communities) == 1 else
                               (person.community_id or services[0].shift.site.community_id))
    rows = [
        (f"{to_local(b.shift.starts_at):%Y-%m-%d}", b.shift.site.name, b.post.name, hours_text(b.minutes_credited))
        for b in services
    ]
    total = sum(b.minutes_credited for b in services)
    issued_on = to_local(utcnow()).date()
    pdf = attendance_record.render_service_proof(
        name=attendance_record.person_name(person), volunteer_number=person.volunteer_number,
        period=f"{_day(date_from)}至{_day(date_to)}", total_hours=hours_text(total), rows=rows,
        issuer=attendance_record.issuer_of(community), issued_on=issued_on,
        number=f"{person.id:08d}-{date_from:%Y%m%d}-{date_to:%Y%m%d}",
    )
    if actor.id != person.id:
        record_audit(actor, "hours.proof", "user", person.id, date_from=date_from.isoformat(),
                     date_to=date_to.isoformat(), services=len(services))
        db.session.flush()
    return pdf, f"志愿服务证明-{date_from:%Y%m%d}-{date_to:%Y%m%d}"


def _day(day: date):
    return f"{day.year}年{day.month}月{day.day}日"


def hours_text(minutes):
    """Hours with up to two decimals, as the exports state them ("2", "2.5", "1.33")."""
    return f"{round(minutes / 60, 2):g}"
