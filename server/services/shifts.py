"""Volunteer shifts: sites, shift planning, booking rules, check-in and check-out, hours, duty rosters.

Booking takes two locks, always in this order: the person's row (so their overlap and daily-limit
checks cannot race another booking of theirs), then the post, through a conditional
`UPDATE shift_roles SET booked = booked + 1 WHERE booked < capacity` (so a post never overfills).
The unique (shift, user) constraint and the `booked <= capacity` check constraint stand behind them.
A post already full is refused before either lock, from one read or from Redis (`_refuse_full_post`).
"""

from collections import defaultdict
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, update

from server.errors import AccountDeleted, DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models import Booking, Community, Shift, ShiftRole, Site, User
from server.models.base import utcnow
from server.localtime import app_timezone, local_date_bounds, to_local
from server.services import cache, checkin_tokens
from server.services.locking import lock_row
from server.services.outbox import enqueue_message
from server.services.reminders import remaining_credits, schedule_reminders, void_reminders
from server.services.users import account_deletion_hooks, record_audit, sees_full_phone

# Volunteers may check in this long before their shift starts, and check out this long after it ends.
CHECKIN_EARLY_MINUTES = 60
CHECKOUT_LATE_MINUTES = 120
MAX_BATCH_SHIFTS = 200


class ShiftNotOpen(DomainError):
    status, error, message = 409, "shift_not_open", "该班次已取消"


def _shift_not_found():
    return NotFound("shift_not_found", "班次不存在")


def _booking_not_found():
    return NotFound("booking_not_found", "没有找到该预约")


# --- sites -----------------------------------------------------------------------------------------


def _require_organizer(actor, community_id, what):
    if not actor.organizes(community_id):
        raise Forbidden("forbidden", f"只有该社区的组织者可以{what}")


def list_sites(args):
    """Sites, by community then name. Returns `(items, total)`."""
    statement = select(Site)
    if "community_id" in args:
        statement = statement.where(Site.community_id == args["community_id"])
    if "kind" in args:
        statement = statement.where(Site.kind == args["kind"])
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page, size = args["page"], args["page_size"]
    items = db.session.scalars(
        statement.order_by(Site.community_id, Site.name, Site.id).offset((page - 1) * size).limit(size)
    ).all()
    return items, total


def get_site(site_id):
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("site_not_found", "站点不存在")
    return site


def get_managed_site(actor, site_id):
    """Raises NotFound, Forbidden."""
    site = get_site(site_id)
    _require_organizer(actor, site.community_id, "管理此站点")
    return site


def create_site(actor, data):
    """Raises ValidationFailed (unknown community), Forbidden."""
    if db.session.get(Community, data["community_id"]) is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    _require_organizer(actor, data["community_id"], "添加站点")
    site = Site(**data)
    db.session.add(site)
    db.session.flush()
    return site


def update_site(actor, site_id, changes):
    """Raises NotFound, Forbidden."""
    site = get_managed_site(actor, site_id)
    for field, value in changes.items():
        setattr(site, field, value)
    db.session.flush()
    return site


def make_site_checkin_code(actor, site_id):
    """A rotating token that volunteers scan to check in at this site: `(site, token, expires_at_epoch)`."""
    site = get_managed_site(actor, site_id)
    token, expires_at = checkin_tokens.make_token("s", site.id)
    return site, token, expires_at


# --- planning shifts -------------------------------------------------------------------------------


def _check_roles(roles):
    names = [role["name"] for role in roles]
    if len(set(names)) != len(names):
        raise ValidationFailed(errors={"roles": ["岗位名称不能重复"]})


def _new_shift(actor, site, starts_at, ends_at, data):
    shift = Shift(
        site_id=site.id,
        starts_at=starts_at,
        ends_at=ends_at,
        party_members_only=data.get("party_members_only", False),
        notes=data.get("notes", ""),
        created_by_id=actor.id,
    )
    shift.roles = [ShiftRole(name=role["name"], capacity=role["capacity"]) for role in data["roles"]]
    return shift


def _refuse_existing(site, spans):
    """409 `shift_exists` if the site already has a shift at one of these exact times."""
    taken = db.session.execute(
        select(Shift.starts_at, Shift.ends_at).where(
            Shift.site_id == site.id, Shift.starts_at.in_([start for start, _ in spans])
        )
    ).all()
    clashes = set(taken) & set(spans)
    if clashes:
        start, _ = min(clashes)
        raise DomainError("shift_exists", f"该站点在 {to_local(start):%m月%d日 %H:%M} 已有相同时段的班次", 409)


def create_shift(actor, data):
    """One shift with its posts. Raises NotFound (site), Forbidden, ValidationFailed, DomainError `shift_exists`."""
    site = get_managed_site(actor, data["site_id"])
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationFailed(errors={"ends_at": ["结束时间必须晚于开始时间"]})
    _check_roles(data["roles"])
    _refuse_existing(site, [(data["starts_at"], data["ends_at"])])
    shift = _new_shift(actor, site, data["starts_at"], data["ends_at"], data)
    db.session.add(shift)
    db.session.flush()
    return shift


def slot_times(day, slot, zone):
    """The UTC start and end of a `{start: "HH:MM", end: "HH:MM"}` slot on a local day; an end at
    or before the start is on the next day (night shifts, 22:00-06:00)."""
    starts_at = datetime.combine(day, slot["start"], zone)
    ends_at = datetime.combine(day, slot["end"], zone)
    if ends_at <= starts_at:
        ends_at += timedelta(days=1)
    return starts_at.astimezone(timezone.utc), ends_at.astimezone(timezone.utc)


def create_shift_batch(actor, data):
    """One shift per date and slot, all or none: any refusal leaves nothing behind.

    Raises NotFound (site), Forbidden, ValidationFailed (too many shifts, overlapping slots),
    DomainError `shift_exists`.
    """
    site = get_managed_site(actor, data["site_id"])
    _check_roles(data["roles"])
    zone = app_timezone()
    spans = sorted({slot_times(day, slot, zone) for day in data["dates"] for slot in data["slots"]})
    if len(spans) > MAX_BATCH_SHIFTS:
        raise ValidationFailed(errors={"dates": [f"一次最多创建 {MAX_BATCH_SHIFTS} 个班次"]})
    for (_, previous_end), (next_start, _) in zip(spans, spans[1:]):
        if next_start < previous_end:
            raise ValidationFailed(errors={"slots": ["时段之间不能重叠"]})
    _refuse_existing(site, spans)
    shifts = [_new_shift(actor, site, start, end, data) for start, end in spans]
    db.session.add_all(shifts)
    db.session.flush()
    return shifts


def get_shift(shift_id):
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise _shift_not_found()
    return shift


def get_managed_shift(actor, shift_id, lock=False):
    """Raises NotFound, Forbidden."""
    shift = lock_row(Shift, shift_id) if lock else db.session.get(Shift, shift_id)
    if shift is None:
        raise _shift_not_found()
    _require_organizer(actor, shift.site.community_id, "管理此班次")
    return shift


def update_shift(actor, shift_id, changes):
    """Move a shift or edit its notes and eligibility; pending reminders of its bookings move with it.

    Volunteers already booked keep their places (their overlaps and daily limits are not re-checked).
    Raises NotFound, Forbidden, ShiftNotOpen, ValidationFailed, DomainError `shift_exists`.
    """
    shift = get_managed_shift(actor, shift_id, lock=True)
    if shift.status != "open":
        raise ShiftNotOpen()
    starts_at = changes.get("starts_at", shift.starts_at)
    ends_at = changes.get("ends_at", shift.ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed(errors={"ends_at": ["结束时间必须晚于开始时间"]})
    moved = (starts_at, ends_at) != (shift.starts_at, shift.ends_at)
    if moved:
        _refuse_existing(shift.site, [(starts_at, ends_at)])
    for field, value in changes.items():
        setattr(shift, field, value)
    if moved:
        booked = db.session.scalars(
            select(Booking).where(Booking.shift_id == shift.id, Booking.status == "booked")
        ).all()
        void_reminders("booking", [b.id for b in booked])
        for booking in booked:
            _schedule_reminders(shift, booking)
    db.session.flush()
    return shift


def cancel_shift(actor, shift_id, reason):
    """Cancel a shift and record a notice for every booked volunteer.

    Raises NotFound, Forbidden, ShiftNotOpen (already cancelled), DomainError `shift_ended`.
    """
    shift = get_managed_shift(actor, shift_id, lock=True)
    now = utcnow()
    if shift.status != "open":
        raise ShiftNotOpen()
    if shift.ends_at <= now:
        raise DomainError("shift_ended", "班次已结束，不能取消", 409)
    shift.status = "cancelled"
    shift.cancelled_at = now
    shift.cancel_reason = reason
    booked = db.session.scalars(select(Booking).where(Booking.shift_id == shift.id, Booking.status == "booked")).all()
    void_reminders("booking", [b.id for b in booked])
    for booking in booked:
        enqueue_message(
            "cancelled_by_organizer",
            booking.user_id,
            {**message_payload(shift), "role": booking.role.name, "reason": reason},
            ref=("booking", booking.id),
        )
    record_audit(actor, "shift.cancel", "shift", shift.id, reason=reason)
    db.session.flush()
    return shift


def message_payload(shift):
    return {
        "shift_id": shift.id,
        "site": shift.site.name,
        "address": shift.site.address,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }


def list_shifts(args):
    """Open shifts that have not ended, soonest first; `available` keeps those with a free place.

    Returns `(items, total)`.
    """
    statement = select(Shift).join(Shift.site).where(Shift.status == "open", Shift.ends_at > utcnow())
    if "site_id" in args:
        statement = statement.where(Shift.site_id == args["site_id"])
    if "community_id" in args:
        statement = statement.where(Site.community_id == args["community_id"])
    if "date" in args:
        start, end = local_date_bounds(args["date"])
        statement = statement.where(Shift.starts_at >= start, Shift.starts_at <= end)
    if args.get("available"):
        free = select(ShiftRole.id).where(ShiftRole.shift_id == Shift.id, ShiftRole.booked < ShiftRole.capacity)
        statement = statement.where(free.exists())
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page, size = args["page"], args["page_size"]
    items = db.session.scalars(
        statement.order_by(Shift.starts_at, Shift.id).offset((page - 1) * size).limit(size)
    ).all()
    return items, total


def _my_bookings_statement():
    bookings, roles = Booking.__table__, ShiftRole.__table__
    columns = ("id", "shift_id", "status", "booked_at", "checked_in_at", "checked_out_at", "minutes_credited")
    return (
        select(*(bookings.c[name] for name in columns), roles.c.id.label("role_id"), roles.c.name.label("role_name"))
        .join_from(bookings, roles, roles.c.id == bookings.c.role_id)
        .where(
            bookings.c.user_id == bindparam("user"),
            bookings.c.shift_id.in_(bindparam("shifts", expanding=True)),
            bookings.c.status != "cancelled",
        )
    )


_MY_BOOKINGS = _my_bookings_statement()


def my_bookings_for(viewer_id, shift_ids):
    """`{shift_id: booking}` of the viewer's bookings (not cancelled) among these shifts, as
    `BookingSchema` reads them: one query, no ORM objects (list pages ask this on every read).
    `viewer_id` None: anonymous, none."""
    if viewer_id is None or not shift_ids:
        return {}
    mine = {}
    for row in db.session.execute(_MY_BOOKINGS, {"user": viewer_id, "shifts": list(shift_ids)}):
        booking = row._asdict()
        booking["role"] = {"id": booking.pop("role_id"), "name": booking.pop("role_name")}
        mine[row.shift_id] = booking
    return mine


def attach_my_bookings(viewer, shifts):
    """Set `my_booking` (the viewer's booking that is not cancelled, or None) on each shift."""
    mine = my_bookings_for(viewer.id if viewer else None, [s.id for s in shifts])
    for shift in shifts:
        shift.my_booking = mine.get(shift.id)
    return shifts


# --- booking ----------------------------------------------------------------------------------------


def _local_day_bounds(moment):
    return local_date_bounds(to_local(moment).date())


def _booking_statement():
    """What decides a booking of a full post: the shift, the post and the caller's own booking."""
    shifts, roles, bookings = Shift.__table__, ShiftRole.__table__, Booking.__table__
    return (
        select(shifts.c.status, shifts.c.party_members_only, shifts.c.starts_at, roles.c.name, roles.c.booked,
               roles.c.capacity, bookings.c.status.label("mine_status"))
        .select_from(
            shifts.join(roles, and_(roles.c.shift_id == shifts.c.id, roles.c.id == bindparam("role")))
            .outerjoin(bookings, and_(bookings.c.shift_id == shifts.c.id, bookings.c.user_id == bindparam("user")))
        )
        .where(shifts.c.id == bindparam("shift"))
    )


_BOOKING_READ = _booking_statement()


def _refuse_full_post(user_id, shift_id, role_id):
    """Raise `role_full` for a post that is full, before any lock or per-person check.

    When a recruitment is posted, nearly every tap after the first few seconds is for a full post.
    The first such tap reads the database; it remembers in Redis that the post is full and who holds
    a booking on the shift, under the version of the shifts cache (`cache.remembered`), so the next
    ones are answered without the database until any booking, post or shift changes. This is exact:
    the post was full when it was read, and no change has been committed since.
    Only a booking that would otherwise go on to the person's checks is refused here; whatever the
    full path reports first (a missing shift or post, the caller's own booking, a cancelled,
    party-members-only or started shift) is left to it.
    """
    version, full = cache.remembered("shifts", f"full-post:{role_id}")
    if full is not None and full["shift_id"] == shift_id and user_id not in full["holders"]:
        if utcnow().timestamp() < full["starts_at"]:
            raise _role_full(full["name"])
    row = db.session.execute(_BOOKING_READ, {"shift": shift_id, "role": role_id, "user": user_id}).first()
    if row is None or row.mine_status not in (None, "cancelled"):
        return
    if row.status != "open" or row.party_members_only or utcnow() >= row.starts_at:
        return
    if row.booked >= row.capacity:
        holders = db.session.scalars(
            select(Booking.user_id).where(Booking.shift_id == shift_id, Booking.status != "cancelled")
        ).all()
        memo = {"shift_id": shift_id, "name": row.name, "starts_at": row.starts_at.timestamp(), "holders": holders}
        cache.remember("shifts", f"full-post:{role_id}", version, memo)
        raise _role_full(row.name)


def _role_full(name):
    return DomainError("role_full", f"“{name}”岗位已约满", 409)


def book_shift(user_id, shift_id, role_id):
    """Book one post of a shift. Booking the same post again returns the booking with `created` False.

    Returns `(booking, created)`. Raises NotFound, ShiftNotOpen, ValidationFailed (role of another
    shift), DomainError `not_eligible` (403, party members only), `shift_started`, `already_booked`
    (another post of this shift), `role_full` (a full post is refused before the next two),
    `shift_overlap`, `daily_limit_exceeded`.
    """
    _refuse_full_post(user_id, shift_id, role_id)
    user = lock_row(User, user_id)
    if user is None or user.deleted_at is not None:
        raise AccountDeleted()
    now = utcnow()
    shift = get_shift(shift_id)
    role = next((r for r in shift.roles if r.id == role_id), None)
    if role is None:
        raise ValidationFailed(errors={"role_id": ["该班次没有这个岗位"]})
    # The caller's own row on this shift, read under their lock (a double tap waited for it).
    mine = select(Booking.id, Booking.role_id, Booking.status)
    existing = db.session.execute(mine.where(Booking.shift_id == shift.id, Booking.user_id == user.id)).first()
    if existing is not None and existing.status != "cancelled":
        if existing.role_id == role_id and existing.status == "booked":
            return db.session.get(Booking, existing.id), False
        raise DomainError("already_booked", "你已预约了该班次的其他岗位", 409)
    if shift.status != "open":
        raise ShiftNotOpen()
    if shift.party_members_only and not user.is_party_member:
        raise DomainError("not_eligible", "该班次仅限党员预约", 403)
    if now >= shift.starts_at:
        raise DomainError("shift_started", "班次已开始，不能预约", 409)
    _check_schedule(user, shift)
    taken = db.session.execute(
        update(ShiftRole)
        .where(ShiftRole.id == role.id, ShiftRole.booked < ShiftRole.capacity)
        .values(booked=ShiftRole.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise _role_full(role.name)
    db.session.expire(role, ["booked"])
    # Booking again after cancelling reuses the row (one per shift and person).
    booking = Booking(shift_id=shift.id, user_id=user.id) if existing is None else db.session.get(Booking, existing.id)
    booking.role = role  # the relationship, not only the id: the reminder and the response name the post
    booking.status = "booked"
    booking.booked_at = now
    booking.cancelled_at = booking.checked_in_at = booking.checked_out_at = booking.no_show_at = None
    booking.minutes_credited = 0
    db.session.add(booking)
    db.session.flush()
    _schedule_reminders(shift, booking)
    return booking, True


def _schedule_reminders(shift, booking):
    schedule_reminders(
        "shift_reminder", ("booking", booking.id), booking.user_id, shift.starts_at,
        {**message_payload(shift), "role": booking.role.name},
    )


def _check_schedule(user, shift):
    """The person's other open bookings may not overlap `shift`, and the shifts they hold on its local
    day (by start) may add up to MAX_SHIFT_MINUTES_PER_DAY with it. One query serves both rules."""
    limit = current_app.config["MAX_SHIFT_MINUTES_PER_DAY"]
    day_start, day_end = _local_day_bounds(shift.starts_at)
    overlaps = and_(Shift.starts_at < shift.ends_at, Shift.ends_at > shift.starts_at)
    same_day = and_(Shift.starts_at >= day_start, Shift.starts_at <= day_end)
    held = db.session.scalars(
        select(Shift)
        .join(Booking, Booking.shift_id == Shift.id)
        .where(Booking.user_id == user.id, Booking.status == "booked", Shift.status == "open", Shift.id != shift.id)
        .where(or_(overlaps, same_day))
        .order_by(Shift.starts_at)
    ).all()
    clash = next((h for h in held if h.starts_at < shift.ends_at and h.ends_at > shift.starts_at), None)
    if clash is not None:
        raise DomainError(
            "shift_overlap", f"与你已预约的{clash.site.name} {to_local(clash.starts_at):%m月%d日 %H:%M} 班次时间冲突", 409
        )
    minutes = sum(h.minutes for h in held if day_start <= h.starts_at <= day_end) + shift.minutes
    if minutes > limit:
        raise DomainError("daily_limit_exceeded", f"每天值守时长不能超过 {limit} 分钟（{limit / 60:g} 小时）", 409)


def _release_place(booking):
    """Give the booking's place on its post back (the booking is locked by the caller)."""
    cache.mark_changed(db.session, "shifts")  # a Core write: the flush would not see it
    db.session.execute(
        update(ShiftRole)
        .where(ShiftRole.id == booking.role_id)
        .values(booked=ShiftRole.booked - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking.role, ["booked"])


def _lock_booking(booking_id):
    booking = lock_row(Booking, booking_id)
    if booking is None:
        raise _booking_not_found()
    return booking


def cancel_booking(user, shift_id):
    """Cancel my booking of a shift, up to SHIFT_CANCEL_CUTOFF_MINUTES before it starts.

    Raises NotFound (`booking_not_found`), DomainError `cancel_cutoff_passed`.
    """
    booking_id = db.session.scalar(
        select(Booking.id).where(Booking.shift_id == shift_id, Booking.user_id == user.id, Booking.status == "booked")
    )
    if booking_id is None:
        raise _booking_not_found()
    booking = _lock_booking(booking_id)
    if booking.status != "booked":  # a double tap cancelled it while we waited for the lock
        raise _booking_not_found()
    now = utcnow()
    cutoff = booking.shift.starts_at - timedelta(minutes=current_app.config["SHIFT_CANCEL_CUTOFF_MINUTES"])
    if booking.shift.status == "open" and now > cutoff:
        raise DomainError("cancel_cutoff_passed", "已过取消预约的截止时间，请联系组织者", 409)
    booking.status = "cancelled"
    booking.cancelled_at = now
    _release_place(booking)
    void_reminders("booking", [booking.id])
    db.session.flush()
    return booking


def _booking_for(actor, booking_id):
    """The locked booking, and whether `actor` acts as its community's organizer.

    Raises NotFound, Forbidden (neither the booker nor an organizer of the site's community).
    """
    booking = _lock_booking(booking_id)
    as_organizer = actor.organizes(booking.shift.site.community_id)
    if not as_organizer and booking.user_id != actor.id:
        raise Forbidden("forbidden", "只能操作自己的预约")
    return booking, as_organizer


def _booking_to_record(actor, booking_id, token, at):
    """`(booking, at, as_organizer)`: the locked, active booking a check-in or check-out is for, the
    time to record (None: now), and whether the actor acts as the community's organizer.

    A volunteer must send the site's valid token and cannot choose the time; an organizer needs no
    token. Raises NotFound, Forbidden, `booking_not_active`, `shift_not_open`, `checkin_token_invalid`.
    """
    booking, as_organizer = _booking_for(actor, booking_id)
    _check_active(booking)
    if as_organizer:
        return booking, at, True
    if not checkin_tokens.token_is_valid("s", booking.shift.site_id, token):
        raise DomainError("checkin_token_invalid", "签到码无效或已过期，请扫描站点的签到码", 409)
    return booking, None, False


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


def check_in(actor, booking_id, token=None, at=None):
    """Check in: the volunteer with the site's scanned token, or an organizer (token not needed;
    may give the actual time `at`). Checking in twice keeps the first time.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `shift_not_open`,
    `checkin_token_invalid`, `checkin_window_closed`.
    """
    booking, at, _ = _booking_to_record(actor, booking_id, token, at)
    shift = booking.shift
    if booking.checked_in_at is not None:
        return booking
    moment = _recorded_time(at)
    if not shift.starts_at - timedelta(minutes=CHECKIN_EARLY_MINUTES) <= moment <= shift.ends_at:
        raise DomainError("checkin_window_closed", f"只能在班次开始前 {CHECKIN_EARLY_MINUTES} 分钟至结束前签到", 409)
    booking.checked_in_at = moment
    booking.updated_by_id = actor.id
    db.session.flush()
    return booking


def credited_minutes(shift, checked_in_at, checked_out_at):
    """Whole minutes worked inside the shift's window."""
    start = max(checked_in_at, shift.starts_at)
    end = min(checked_out_at, shift.ends_at)
    return max(int((end - start).total_seconds() // 60), 0)


def check_out(actor, booking_id, token=None, at=None):
    """Check out and credit the minutes worked inside the shift's window to the volunteer.
    Checking out twice keeps the first check-out.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `shift_not_open`, `not_checked_in`,
    `checkin_token_invalid`, `checkin_window_closed`, ValidationFailed (`at` before the check-in).
    """
    booking, at, as_organizer = _booking_to_record(actor, booking_id, token, at)
    shift = booking.shift
    if booking.checked_out_at is not None:
        return booking
    if booking.checked_in_at is None:
        raise DomainError("not_checked_in", "还没有签到，不能签退", 409)
    moment = _recorded_time(at)
    if moment < booking.checked_in_at:
        raise ValidationFailed(errors={"at": ["签退时间不能早于签到时间"]})
    if not as_organizer and moment > shift.ends_at + timedelta(minutes=CHECKOUT_LATE_MINUTES):
        raise DomainError("checkin_window_closed", "已超过签退时间，请联系组织者补签", 409)
    booking.checked_out_at = moment
    booking.minutes_credited = credited_minutes(shift, booking.checked_in_at, moment)
    booking.updated_by_id = actor.id
    db.session.execute(
        update(User)
        .where(User.id == booking.user_id)
        .values(volunteer_minutes=User.volunteer_minutes + booking.minutes_credited)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return booking


def mark_no_show(actor, booking_id):
    """An organizer marks a booked volunteer who did not come. Marking twice changes nothing.

    Raises NotFound, Forbidden, DomainError `booking_not_active`, `already_checked_in`, `shift_not_started`.
    """
    booking = _lock_booking(booking_id)
    _require_organizer(actor, booking.shift.site.community_id, "标记缺勤")
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


def list_my_shifts(user, args):
    """My bookings (not cancelled): `upcoming` (not ended, soonest first) or `past` (latest first)."""
    now = utcnow()
    statement = select(Booking).join(Booking.shift).where(Booking.user_id == user.id, Booking.status != "cancelled")
    if args.get("when", "upcoming") == "upcoming":
        statement = statement.where(Shift.ends_at > now).order_by(Shift.starts_at, Booking.id)
    else:
        statement = statement.where(Shift.ends_at <= now).order_by(Shift.starts_at.desc(), Booking.id)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page, size = args["page"], args["page_size"]
    return db.session.scalars(statement.offset((page - 1) * size).limit(size)).all(), total


def my_hours(user):
    """Credited minutes in total and by local month of the shift, newest month first."""
    rows = db.session.execute(
        select(Shift.starts_at, Booking.minutes_credited)
        .join(Booking.shift)
        .where(Booking.user_id == user.id, Booking.minutes_credited > 0)
    ).all()
    by_month = defaultdict(int)
    for starts_at, minutes in rows:
        by_month[to_local(starts_at).strftime("%Y-%m")] += minutes
    return {
        "total_minutes": sum(by_month.values()),
        "by_month": [{"month": month, "minutes": by_month[month]} for month in sorted(by_month, reverse=True)],
    }


# --- rosters -----------------------------------------------------------------------------------------


def shift_roster(actor, shift_id):
    """`(shift, [(role, [booking...])], full_phone)` for an organizer: booked and no-show volunteers per
    post, each with `reminder_credits` (shift reminders that can still be sent to them)."""
    shift = get_managed_shift(actor, shift_id)
    bookings = db.session.scalars(
        select(Booking)
        .where(Booking.shift_id == shift.id, Booking.status != "cancelled")
        .order_by(Booking.booked_at, Booking.id)
    ).all()
    by_role = defaultdict(list)
    credits = remaining_credits({b.user_id for b in bookings}, "shift_reminder")
    for booking in bookings:
        booking.reminder_credits = credits[booking.user_id]
        by_role[booking.role_id].append(booking)
    return shift, [(role, by_role[role.id]) for role in shift.roles], sees_full_phone(actor, shift.site.community_id)


def _community_for_roster(actor, community_id):
    """The community a roster is asked for; defaults to the organizer's only one. Raises Forbidden, ValidationFailed."""
    if community_id is None:
        scopes = sorted(actor.organizer_community_ids)
        if len(scopes) != 1:
            raise ValidationFailed(errors={"community_id": ["请指定社区"]})
        community_id = scopes[0]
    community = db.session.get(Community, community_id)
    if community is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    _require_organizer(actor, community_id, "查看排班表")
    return community


def duty_roster(actor, community_id, day):
    """The day's duty roster (排班表) across the community's sites: `(community, day, shifts, bookings
    by shift, full_phone)`, shifts by time then site."""
    community = _community_for_roster(actor, community_id)
    start, end = local_date_bounds(day)
    shifts = db.session.scalars(
        select(Shift)
        .join(Shift.site)
        .where(Site.community_id == community.id, Shift.starts_at >= start, Shift.starts_at <= end)
        .order_by(Shift.starts_at, Site.name, Shift.id)
    ).all()
    bookings = defaultdict(list)
    if shifts:
        rows = db.session.scalars(
            select(Booking)
            .where(Booking.shift_id.in_([s.id for s in shifts]), Booking.status != "cancelled")
            .order_by(Booking.booked_at, Booking.id)
        )
        for booking in rows:
            bookings[booking.shift_id].append(booking)
    return community, day, shifts, bookings, sees_full_phone(actor, community.id)


def hours_report(actor, community_id, date_from, date_to):
    """Credited service per person and shift in the community's sites between two local dates, in the
    columns of the official volunteer system: `(community, rows)`. Start and end are the credited
    interval (the check-in and check-out clamped to the shift); phones in full only for the
    community's own organizers."""
    community = _community_for_roster(actor, community_id)
    full_phone = sees_full_phone(actor, community.id)
    start = local_date_bounds(date_from)[0]
    end = local_date_bounds(date_to)[1]
    bookings = db.session.scalars(
        select(Booking)
        .join(Booking.shift)
        .join(Shift.site)
        .join(Booking.user)
        .where(
            Site.community_id == community.id,
            Shift.starts_at >= start,
            Shift.starts_at <= end,
            Booking.minutes_credited > 0,
        )
        .order_by(User.real_name, User.id, Shift.starts_at)
    ).all()
    rows = [
        {
            "name": booking.user.real_name or booking.user.nickname,
            "phone": booking.user.phone if full_phone else None,
            "phone_masked": booking.user.phone_masked,
            "date": to_local(booking.shift.starts_at).date(),
            "site": booking.shift.site.name,
            "post": booking.role.name,
            "start": max(booking.checked_in_at, booking.shift.starts_at),
            "end": min(booking.checked_out_at, booking.shift.ends_at),
            "minutes": booking.minutes_credited,
            "hours": round(booking.minutes_credited / 60, 2),
        }
        for booking in bookings
    ]
    return community, rows


def cancel_future_bookings(user):
    """Account deletion: give up every booking of a shift that has not started."""
    now = utcnow()
    booking_ids = db.session.scalars(
        select(Booking.id)
        .join(Booking.shift)
        .where(Booking.user_id == user.id, Booking.status == "booked", Shift.starts_at > now)
        .order_by(Booking.id)
    ).all()
    for booking_id in booking_ids:
        booking = _lock_booking(booking_id)
        booking.status = "cancelled"
        booking.cancelled_at = now
        _release_place(booking)
        void_reminders("booking", [booking.id])


account_deletion_hooks.append(cancel_future_bookings)


def default_day():
    return datetime.now(app_timezone()).date()

