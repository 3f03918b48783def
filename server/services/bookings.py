"""Booking a post (岗位) on a shift, cancelling it, and the rules a booking must pass.

Rules, in the order a booking meets them:
- a full post is refused (`role_full`) before the person's own checks; `refuse_full_post` answers
  most such taps from a mark in Redis, without the database or a lock;
- one booking per person and shift: the same post again returns the booking; another post is
  `already_booked`; booking again after cancelling reuses the row;
- the shift is open, has not started, and is for party members only when it says so; a post that
  requires a qualification takes only people holding it on the shift's day (`qualification_required`,
  `services.qualifications`), and one asking for a same-day health declaration at booking takes
  only a fit one of today (`health_declaration_required`, `health_declaration_unwell`,
  `services.health_declarations`);
- a volunteer can't hold overlapping shifts, at any site (`shift_overlap`); two of their shifts are
  at least MIN_REST_MINUTES_BETWEEN_SHIFTS apart (`rest_too_short`; 0, the default, is off); and
  the minutes of their shifts inside any 24 hours (a sliding window, not a calendar day; a shift
  counts with the part of it inside the window) add up to at most MAX_SHIFT_MINUTES_PER_DAY
  (`daily_limit_exceeded`): `check_schedule`, one query for the three rules;
- a booking may be cancelled until SHIFT_CANCEL_CUTOFF_MINUTES before its shift starts; after that the
  volunteer's way out is a swap (换班, `services.swaps`), which the refusal's message points to.
  Cancelling ends the booking's live swap.

Lock order: booking locks the person's row (so their overlap and daily-limit checks cannot race
another booking of theirs), writes its row and reminders, then, last, takes a place on the post
with a conditional `UPDATE shift_roles SET booked = booked + 1 WHERE booked < capacity` (so a post
never overfills; `_take_place_last`: the post's lock is held only from that UPDATE to the commit).
Cancelling locks the booking's row, then gives the place back with the opposite UPDATE (and ends its
live swap, the swap's row after the booking's, as `services.swaps` takes them).
The unique (shift, user) constraint and the `booked <= capacity` check constraint stand behind them.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, select, update

from server.errors import AccountDeleted, DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import to_local
from server.metrics import BOOKINGS, counted
from server.models import Booking, Shift, ShiftPost, User
from server.models.base import utcnow
from server.services import cache, health_declarations, qualifications
from server.services.locking import lock_row
from server.services.paging import paginate
from server.services.reminders import void_reminders
from server.services.shift_notices import schedule_booking_reminders
from server.services.shift_planning import ShiftNotOpen, get_shift


def booking_not_found():
    return NotFound("booking_not_found", "没有找到该预约")


def post_full(name):
    return DomainError("role_full", f"“{name}”岗位已约满", 409)


# --- the full-post fast refusal ---------------------------------------------------------------------


def _booking_statement():
    """What decides a booking of a full post: the shift, the post and the caller's own booking."""
    shifts, posts, bookings = Shift.__table__, ShiftPost.__table__, Booking.__table__
    return (
        select(shifts.c.status, shifts.c.party_members_only, shifts.c.starts_at, posts.c.name,
               ShiftPost.has_free_place.label("has_free_place"), bookings.c.status.label("mine_status"))
        .select_from(
            shifts.join(posts, and_(posts.c.shift_id == shifts.c.id, posts.c.id == bindparam("post")))
            .outerjoin(bookings, and_(bookings.c.shift_id == shifts.c.id, bookings.c.user_id == bindparam("user")))
        )
        .where(shifts.c.id == bindparam("shift"))
    )


_BOOKING_READ = _booking_statement()  # built once: it runs on every tap of a recruitment burst


def refuse_full_post(user_id, shift_id, post_id, mark):
    """Raise `role_full` for a post that is full, before any lock or per-person check.

    When a recruitment is posted, nearly every tap after the first few seconds is for a full post.
    `mark` is what `cache.read_post_mark` read for this tap (the view reads it in the token check's
    round trip; None: Redis down). The booking that takes a post's last place marks it full as it
    commits (`book_shift`), and a refusal that finds no mark but a full post in the database marks it
    (the first after a Redis flush), so the others are answered without the database.

    Invariant: a mark answers `role_full` only if no commit that could give the post a place back,
    or change what a booking of its shift is answered (a cancellation, a release, a move, a capacity,
    time, status or party-members-only change), came after the data it was made from: it carries
    the shift's marks version read before that data, and each such commit bumps the version after it
    commits (`cache.mark_shift_freed`). It never answers someone given a booking on the shift, nor
    after the shift starts. Whatever the full path reports first (a missing shift or post, the
    caller's own booking, a cancelled, party-members-only or started shift) is left to it.
    (`tests/test_shift_fast_paths.py`)
    """
    if mark is not None and mark.full is not None and not mark.holder:
        if utcnow().timestamp() < mark.full["starts_at"]:
            raise post_full(mark.full["name"])
    row = db.session.execute(_BOOKING_READ, {"shift": shift_id, "post": post_id, "user": user_id}).first()
    if row is None or row.mine_status not in (None, "cancelled"):
        return
    if row.status != "open" or row.party_members_only or utcnow() >= row.starts_at:
        return
    if not row.has_free_place:
        if mark is not None:
            cache.store_post_mark(cache.PostMark(shift_id, post_id, mark.version, row.name, row.starts_at.timestamp(),
                                                 _holders(shift_id)))
        raise post_full(row.name)


def _holders(shift_id):
    """Who holds a booking of the shift (not cancelled)."""
    return db.session.scalars(
        select(Booking.user_id).where(Booking.shift_id == shift_id, Booking.status != "cancelled")
    ).all()


# --- a volunteer's schedule: no overlaps, a fatigue limit, rest between shifts -------------------------

FATIGUE_WINDOW = timedelta(hours=24)


def near(starts_at, ends_at, shift, margin=timedelta(0)):
    """Whether `[starts_at, ends_at)` comes within `margin` of the shift's times: with no margin, whether
    they overlap (shifts that only touch do not).

    One expression for SQL columns and for Python datetimes (`&` is AND for both), so the query that
    finds a volunteer's other shifts and the checks that name the clash apply the same rule.
    """
    return (starts_at < shift.ends_at + margin) & (ends_at > shift.starts_at - margin)


def overlaps(starts_at, ends_at, shift):
    """Whether `[starts_at, ends_at)` overlaps the shift's times (shifts that only touch do not)."""
    return near(starts_at, ends_at, shift)


def _minutes_inside(span, window_start, window_end):
    start, end = max(span.starts_at, window_start), min(span.ends_at, window_end)
    return max((end - start).total_seconds(), 0) / 60


def busiest_window(shift, others):
    """The most shift minutes (`shift` and `others`) inside any 24-hour window that holds part of
    `shift`, and where that window starts.

    The busiest window starts at the start of a shift or ends at the end of one (the sum only stops
    growing at those points), so those windows are the only ones to try.
    """
    spans = [shift, *others]
    starts = [s.starts_at for s in spans] + [s.ends_at - FATIGUE_WINDOW for s in spans]
    best = (0, shift.starts_at)
    for window_start in starts:
        window_end = window_start + FATIGUE_WINDOW
        if not (window_start < shift.ends_at and window_end > shift.starts_at):
            continue  # a window without this shift is not this booking's business
        minutes = sum(_minutes_inside(s, window_start, window_end) for s in spans)
        best = max(best, (minutes, window_start))
    return best


def schedule_problem(shift, held):
    """Which of the three schedule rules `shift` breaks beside `held` (the person's other booked open
    shifts near it, each with `starts_at` and `ends_at`), or None: `("shift_overlap", clash)`,
    `("rest_too_short", close)` or `("daily_limit_exceeded", (minutes, window_start))`. Pure: the one
    rule for a booking (`schedule_conflict`) and for many people at once (whom a vacancy alert reaches)."""
    limit = current_app.config["MAX_SHIFT_MINUTES_PER_DAY"]
    rest = timedelta(minutes=current_app.config["MIN_REST_MINUTES_BETWEEN_SHIFTS"])
    clash = next((h for h in held if overlaps(h.starts_at, h.ends_at, shift)), None)
    if clash is not None:
        return "shift_overlap", clash
    if rest:
        close = next((h for h in held if near(h.starts_at, h.ends_at, shift, rest)), None)
        if close is not None:
            return "rest_too_short", close
    minutes, window_start = busiest_window(shift, held)
    if minutes > limit:
        return "daily_limit_exceeded", (minutes, window_start)
    return None


def schedule_reach():
    """How far from a shift another shift can matter to `schedule_problem`: max(24 hours, the rest)."""
    return max(FATIGUE_WINDOW, timedelta(minutes=current_app.config["MIN_REST_MINUTES_BETWEEN_SHIFTS"]))


def schedule_conflict(user_id, shift, excluding=None):
    """Why `shift` (a Shift, or anything with `id`, `starts_at` and `ends_at`) cannot join the person's
    other open bookings, or None: a DomainError `shift_overlap`, `rest_too_short` or
    `daily_limit_exceeded`. One query serves all three rules: it finds their booked open shifts that
    come within max(24 hours, the rest) of `shift`. `excluding`: a booking id left out (the one being
    moved to `shift`).
    """
    limit = current_app.config["MAX_SHIFT_MINUTES_PER_DAY"]
    rest = timedelta(minutes=current_app.config["MIN_REST_MINUTES_BETWEEN_SHIFTS"])
    statement = (
        select(Shift)
        .join(Booking, Booking.shift_id == Shift.id)
        .where(Booking.user_id == user_id, Booking.status == "booked", Shift.status == "open", Shift.id != shift.id)
        .where(near(Shift.starts_at, Shift.ends_at, shift, schedule_reach()))
        .order_by(Shift.starts_at)
    )
    if excluding is not None:
        statement = statement.where(Booking.id != excluding)
    held = db.session.scalars(statement).all()
    problem = schedule_problem(shift, held)
    if problem is None:
        return None
    rule, found = problem
    if rule == "shift_overlap":
        return DomainError(
            "shift_overlap", f"与你已预约的{found.site.name} {to_local(found.starts_at):%m月%d日 %H:%M} 班次时间冲突", 409
        )
    if rule == "rest_too_short":
        return DomainError(
            "rest_too_short",
            f"与你已预约的{found.site.name} {to_local(found.starts_at):%m月%d日 %H:%M} 班次之间"
            f"至少要休息 {rest.total_seconds() / 60:g} 分钟",
            409,
        )
    minutes, window_start = found
    return DomainError(
        "daily_limit_exceeded",
        f"任意 24 小时内值守时长不能超过 {limit} 分钟（{limit / 60:g} 小时）；"
        f"自 {to_local(window_start):%m月%d日 %H:%M} 起的 24 小时内将达 {minutes:g} 分钟",
        409,
    )


def check_schedule(user, shift):
    """The person's other open bookings may not overlap `shift`, nor come closer to it than
    MIN_REST_MINUTES_BETWEEN_SHIFTS, and no 24 hours holding part of it may hold more than
    MAX_SHIFT_MINUTES_PER_DAY minutes of their shifts.

    Raises DomainError `shift_overlap`, `rest_too_short`, `daily_limit_exceeded`. The caller holds
    the person's row lock.
    """
    conflict = schedule_conflict(user.id, shift)
    if conflict is not None:
        raise conflict


# --- who may hold a post -------------------------------------------------------------------------------


def eligibility_problem(user, shift, post, who=None):
    """Why `user` may not hold `post` of `shift`, or None: a DomainError (403 `not_eligible` for a shift
    for party members only, 403 `qualification_required` for a post requiring a qualification the
    person does not hold on the shift's day). Every way a booking is made or changes hands asks this
    one function: a booking, an organizer's move, a swap's taker and the choice of whom a vacancy
    alert reaches. `who`: the person's name, for a message read by someone else (an organizer); None:
    addressed to the person. (A same-day health declaration is not who may hold a post but a step of
    booking or checking in: `health_declarations.require_declaration`.)"""
    if shift.party_members_only and not user.is_party_member:
        if who is None:
            return DomainError("not_eligible", "该班次仅限党员预约", 403)
        return DomainError("not_eligible", f"该班次仅限党员，{who}不是党员", 403)
    return qualifications.qualification_problem(user, shift, post, who)


def eligible_users(statement, shift, post):
    """`statement` (a select over User) narrowed to the people `eligibility_problem` lets hold `post` of
    `shift`: the same rule in SQL, for choosing among many people at once (whom a vacancy alert
    reaches). Keep the two in step (`tests/test_post_requirements.py` compares them)."""
    if shift.party_members_only:
        statement = statement.where(User.is_party_member.is_(True))
    if post.requires_qualification_id is not None:
        statement = statement.where(
            qualifications.valid_grant(User.id, post.requires_qualification_id, qualifications.shift_day(shift))
        )
    return statement


def refuse_ineligible(user, shift, post, who=None):
    """Raise `eligibility_problem`, if any."""
    problem = eligibility_problem(user, shift, post, who)
    if problem is not None:
        raise problem


# --- booking and cancelling -------------------------------------------------------------------------


@counted(BOOKINGS, lambda result: "booked" if result[1] else "repeated")
def book_shift(user_id, shift_id, post_id, health_declaration=None, mark=None):
    """Book one post of a shift. Booking the same post again returns the booking with `created` False.
    `health_declaration`: today's answers (`health_declarations.ANSWERS`), sent with the booking of a
    post that asks for them at booking (ignored by other posts). `mark`: what `cache.read_post_mark`
    read for this booking before anything else (the view reads it with the token check); None: read here.

    Returns `(booking, created)`. Raises AccountDeleted, NotFound, ShiftNotOpen, ValidationFailed (a
    post of another shift), DomainError `not_eligible` (403, party members only),
    `qualification_required` (403), `shift_started`, `already_booked` (another post of this shift),
    `role_full` (a full post is refused before the person's schedule), `shift_overlap`,
    `rest_too_short`, `daily_limit_exceeded`, `health_declaration_required`, `health_declaration_unwell`.
    """
    if mark is None:
        mark = cache.read_post_mark(shift_id, post_id, user_id)
    refuse_full_post(user_id, shift_id, post_id, mark)
    user = lock_row(User, user_id)
    if user is None or user.deleted_at is not None:
        raise AccountDeleted()
    now = utcnow()
    shift = get_shift(shift_id)
    post = next((p for p in shift.posts if p.id == post_id), None)
    if post is None:
        raise ValidationFailed(errors={"role_id": ["该班次没有这个岗位"]})  # `role_id`: the post, on the wire
    # The caller's own row on this shift, read under their lock (a double tap waited for it).
    mine = select(Booking.id, Booking.post_id, Booking.status)
    existing = db.session.execute(mine.where(Booking.shift_id == shift.id, Booking.user_id == user.id)).first()
    if existing is not None and existing.status != "cancelled":
        if existing.post_id == post_id and existing.status == "booked":
            return db.session.get(Booking, existing.id), False
        raise DomainError("already_booked", "你已预约了该班次的其他岗位", 409)
    if shift.status != "open":
        raise ShiftNotOpen()
    refuse_ineligible(user, shift, post)
    if now >= shift.starts_at:
        raise DomainError("shift_started", "班次已开始，不能预约", 409)
    check_schedule(user, shift)
    health_declarations.require_declaration(user, post, "booking", health_declaration)
    booking = renew_booking(shift, user.id, existing.id if existing else None, post, now)
    db.session.flush()
    schedule_booking_reminders(shift, booking)
    if _take_place_last(post) and mark is not None and not shift.party_members_only:
        # The last place: the post is marked full as this booking commits (`refuse_full_post`).
        holders = _holders(shift.id)
        cache.mark_post_full(db.session, cache.PostMark(shift.id, post.id, mark.version, post.name,
                                                        shift.starts_at.timestamp(), holders))
    cache.only_own_rows_changed(db.session, "shifts", user.id)  # a new booking: no one else's own row changes
    return booking, True


def _take_place_last(post):
    """Take a place on `post` with the conditional `UPDATE ... WHERE booked < capacity`, as the
    booking's last write: raises `role_full` when no place is left; returns True when it took the last.

    Invariant: the post's row lock, which every booking of the post queues on, is held only from
    this UPDATE to the caller's commit. Everything else the booking writes (its row, its reminders)
    is flushed before it, so no other write runs inside the lock (the booking that took the last
    place reads who holds the shift, for its full mark: whoever waits for the lock is refused anyway);
    a booking refused here leaves nothing behind (the caller's transaction is rolled back: the
    booking's row and its reminders go with it). PostgreSQL decides every booking: this UPDATE never
    lets a post overfill, and the `booked <= capacity` check constraint stands behind it.
    (`tests/test_shift_fast_paths.py`: the UPDATE is the last statement before the commit; a
    refused racer leaves no booking and no reminder.)
    """
    db.session.flush()  # anything still pending goes out before the lock, not after it
    cache.mark_changed(db.session, "shifts")  # a Core write: the flush would not see it
    taken = db.session.execute(
        update(ShiftPost)
        .where(ShiftPost.id == post.id, ShiftPost.has_free_place)
        .values(booked=ShiftPost.booked + 1)
        .returning(ShiftPost.booked, ShiftPost.capacity)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        raise post_full(post.name)
    db.session.expire(post, ["booked"])
    return taken.booked >= taken.capacity


def renew_booking(shift, user_id, existing_id, post, now):
    """The person's booking of `post` on the shift, booked `now`: a new row, or their cancelled row on the
    shift (`existing_id`) reused (one per shift and person). The caller holds the locks and took the
    place (or, handing a booking over, keeps the post's count)."""
    if existing_id is None:
        booking = Booking(shift_id=shift.id, user_id=user_id)
    else:
        booking = db.session.get(Booking, existing_id)
    booking.post = post  # the relationship, not only the id: the reminder and the response name the post
    booking.status = "booked"
    booking.booked_at = now
    booking.cancelled_at = booking.checked_in_at = booking.checked_out_at = booking.no_show_at = None
    booking.checked_in_uploaded_at = booking.checked_out_uploaded_at = None
    booking.checkin_method = booking.checkin_reason = booking.checkin_distance_m = booking.checkout_distance_m = None
    booking.minutes_credited = 0
    db.session.add(booking)
    return booking


def release_place(booking):
    """Give the booking's place on its post back (the booking is locked by the caller)."""
    cache.mark_changed(db.session, "shifts")  # a Core write: the flush would not see it
    cache.mark_shift_freed(db.session, booking.shift_id)
    db.session.execute(
        update(ShiftPost)
        .where(ShiftPost.id == booking.post_id)
        .values(booked=ShiftPost.booked - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking.post, ["booked"])


def lock_booking(booking_id):
    """The booking, locked for the rest of the transaction. Raises NotFound `booking_not_found`."""
    booking = lock_row(Booking, booking_id)
    if booking is None:
        raise booking_not_found()
    return booking


def cancel_booking(user, shift_id):
    """Cancel my booking of a shift, up to SHIFT_CANCEL_CUTOFF_MINUTES before it starts.

    Raises NotFound (`booking_not_found`), DomainError `cancel_cutoff_passed`.
    """
    booking_id = db.session.scalar(
        select(Booking.id).where(Booking.shift_id == shift_id, Booking.user_id == user.id, Booking.status == "booked")
    )
    if booking_id is None:
        raise booking_not_found()
    booking = lock_booking(booking_id)
    if booking.status != "booked":  # a double tap cancelled it while we waited for the lock
        raise booking_not_found()
    now = utcnow()
    cutoff = booking.shift.starts_at - timedelta(minutes=current_app.config["SHIFT_CANCEL_CUTOFF_MINUTES"])
    if booking.shift.status == "open" and now > cutoff:
        raise DomainError("cancel_cutoff_passed", "已过取消预约的截止时间，不能前来请发起换班，由其他志愿者接班", 409)
    booking.status = "cancelled"
    booking.cancelled_at = now
    release_place(booking)
    void_reminders("booking", [booking.id])
    _end_swaps([booking.id], "booking_cancelled")
    db.session.flush()
    return booking


def _end_swaps(booking_ids, reason):
    """The bookings' live swaps (换班) end with them (`services.swaps`, which imports this module)."""
    from server.services.swaps import end_swaps

    end_swaps(booking_ids, reason)


def cancel_future_bookings(user):
    """Account deletion: give up every booking of a shift that has not started (no cutoff applies)."""
    now = utcnow()
    booking_ids = db.session.scalars(
        select(Booking.id)
        .join(Booking.shift)
        .where(Booking.user_id == user.id, Booking.status == "booked", Shift.starts_at > now)
        .order_by(Booking.id)
    ).all()
    for booking_id in booking_ids:
        booking = lock_booking(booking_id)
        booking.status = "cancelled"
        booking.cancelled_at = now
        release_place(booking)
        void_reminders("booking", [booking.id])
        _end_swaps([booking.id], "account_deleted")


# --- my bookings --------------------------------------------------------------------------------------


def _my_bookings_statement():
    bookings, posts = Booking.__table__, ShiftPost.__table__
    columns = ("id", "shift_id", "status", "booked_at", "checked_in_at", "checked_out_at", "minutes_credited",
               "checked_in_uploaded_at", "checked_out_uploaded_at", "minutes_worked", "hours_status",
               "checkin_method", "checkin_distance_m", "checkout_distance_m")
    return (
        select(*(bookings.c[name] for name in columns), posts.c.id.label("post_id"), posts.c.name.label("post_name"))
        .join_from(bookings, posts, posts.c.id == bookings.c.role_id)  # `role_id`: the column of Booking.post_id
        .where(
            bookings.c.user_id == bindparam("user"),
            bookings.c.shift_id.in_(bindparam("shifts", expanding=True)),
            bookings.c.status != "cancelled",
        )
    )


_MY_BOOKINGS = _my_bookings_statement()  # built once: list pages ask it on every read by a logged-in user


def my_bookings_for(viewer_id, shift_ids):
    """`{shift_id: booking}` of the viewer's bookings (not cancelled) among these shifts, as
    `BookingSchema` reads them: one query, no ORM objects (list pages ask this on every read).
    `viewer_id` None: anonymous, none."""
    if viewer_id is None or not shift_ids:
        return {}
    mine = {}
    for row in db.session.execute(_MY_BOOKINGS, {"user": viewer_id, "shifts": list(shift_ids)}):
        booking = row._asdict()
        booking["post"] = {"id": booking.pop("post_id"), "name": booking.pop("post_name")}
        mine[row.shift_id] = booking
    return mine


@dataclass(frozen=True)
class ShiftForViewer:
    """A shift as one caller sees it (what `ShiftSchema` dumps): the shift, and the caller's booking on
    it that is not cancelled (as `my_bookings_for` gives it), or None."""

    shift: Shift
    my_booking: dict | None


def shifts_for_viewer(viewer, shifts):
    """Each shift with `viewer`'s booking on it (`viewer` None: anonymous, no bookings)."""
    mine = my_bookings_for(viewer.id if viewer else None, [s.id for s in shifts])
    return [ShiftForViewer(shift, mine.get(shift.id)) for shift in shifts]


def shift_for_viewer(viewer, shift):
    return shifts_for_viewer(viewer, [shift])[0]


def list_my_shifts(user, args):
    """My bookings (not cancelled): `upcoming` (not ended, soonest first) or `past` (latest first).

    Returns `(items, total)`.
    """
    now = utcnow()
    statement = select(Booking).join(Booking.shift).where(Booking.user_id == user.id, Booking.status != "cancelled")
    if args.get("when", "upcoming") == "upcoming":
        statement = statement.where(Shift.ends_at > now).order_by(Shift.starts_at, Booking.id)
    else:
        statement = statement.where(Shift.ends_at <= now).order_by(Shift.starts_at.desc(), Booking.id)
    return paginate(statement, args)
