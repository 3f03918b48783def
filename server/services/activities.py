"""Activities: publish, sign up with exact capacity and waitlists, cancel, check in, rosters.

Capacity is scarce: every change of an activity's places takes the activity's row lock first, then
checks the rules, then writes, in the caller's one transaction. Sign-ups, the hot path of a flash
crowd, take the lock with the conditional UPDATE that counts the place and re-checks the rules in
its WHERE (`register_for_activity`); everything else locks with `lock_activity`. The unique
(activity, user) constraint and the `confirmed <= capacity` check constraint stand behind both.
Waitlist promotions and organizer cancellations are recorded as outbox rows in that same
transaction; nothing is sent before the commit.
"""

from datetime import timedelta

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from server.errors import AccountDeleted, DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models import ACTIVE_REGISTRATION, Activity, Community, Registration, User
from server.models.activities import effective_status, signup_deadline
from server.models.base import utcnow
from server.localtime import local_date_bounds
from server.services import cache, checkin_tokens
from server.services.locking import lock_row
from server.services.outbox import enqueue_message
from server.services.reminders import remaining_credits, schedule_reminders, void_reminders
from server.services.users import account_deletion_hooks, contact, record_audit, sees_full_phone

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "venue",
    "starts_at",
    "ends_at",
    "signup_opens_at",
    "signup_closes_at",
    "capacity",
    "waitlist_enabled",
    "audience",
    "cancel_cutoff_minutes",
)


# A sign-up whose place was freed and retaken between its two UPDATEs tries again this often.
_SIGNUP_ATTEMPTS = 5

# Reminders carry these, so changing one reschedules them.
REMINDER_FIELDS = ("starts_at", "title", "venue")


class ActivityNotOpen(DomainError):
    status, error, message = 409, "activity_not_open", "活动未发布、已取消或已结束"


def _activity_not_found():
    return NotFound("activity_not_found", "活动不存在")


def lock_activity(activity_id):
    """Lock the activity's row for the rest of the transaction (see `lock_row`)."""
    return lock_row(Activity, activity_id)


def _can_see(viewer, activity):
    return activity.status != "draft" or (viewer is not None and viewer.organizes(activity.community_id))


def get_visible_activity(viewer, activity_id):
    """The activity if `viewer` (None: anonymous) may see it; drafts only for their organizers. Raises NotFound."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not _can_see(viewer, activity):
        raise _activity_not_found()
    return activity


def get_managed_activity(actor, activity_id, lock=False):
    """The activity if `actor` organizes its community (or is an admin).

    Raises NotFound (missing, or a draft the actor may not see), Forbidden.
    """
    activity = lock_activity(activity_id) if lock else db.session.get(Activity, activity_id)
    if activity is None or not _can_see(actor, activity):
        raise _activity_not_found()
    if not actor.organizes(activity.community_id):
        raise Forbidden("forbidden", "只有该活动所在社区的组织者可以管理此活动")
    return activity


def _check_times(values):
    """Field errors for inconsistent times; `values` has every time field of the activity."""
    errors = {}
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = ["结束时间必须晚于开始时间"]
    opens, closes = values.get("signup_opens_at"), values.get("signup_closes_at")
    if closes is not None and closes > values["starts_at"]:
        errors["signup_closes_at"] = ["报名截止时间不能晚于活动开始时间"]
    if opens is not None and opens >= (closes or values["starts_at"]):
        errors["signup_opens_at"] = ["报名开始时间必须早于报名截止时间"]
    if errors:
        raise ValidationFailed(errors=errors)


def create_activity(actor, data):
    """Create a draft in a community the actor organizes.

    Raises Forbidden, ValidationFailed (unknown community, inconsistent times).
    """
    if db.session.get(Community, data["community_id"]) is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    if not actor.organizes(data["community_id"]):
        raise Forbidden("forbidden", "只有该社区的组织者可以发布活动")
    _check_times(data)
    activity = Activity(**data, status="draft", created_by_id=actor.id)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(actor, activity_id, changes):
    """Edit a draft or published activity. Raising `capacity` promotes the waitlist.

    Raises NotFound, Forbidden, ActivityNotOpen (cancelled or finished), ValidationFailed,
    DomainError `capacity_below_confirmed` (capacity under the places already confirmed).
    """
    activity = get_managed_activity(actor, activity_id, lock=True)
    now = utcnow()
    if activity.effective_status(now) in ("cancelled", "finished"):
        raise ActivityNotOpen()
    merged = {field: changes.get(field, getattr(activity, field)) for field in EDITABLE_FIELDS}
    _check_times(merged)
    if merged["capacity"] < activity.confirmed_count:
        raise DomainError(
            "capacity_below_confirmed", f"已有 {activity.confirmed_count} 个名额被确认，容量不能低于此数", 409
        )
    moved = any(field in changes and changes[field] != getattr(activity, field) for field in REMINDER_FIELDS)
    for field, value in changes.items():
        setattr(activity, field, value)
    if moved:
        _reschedule_reminders(activity)
    promote_waitlist(activity, now)
    db.session.flush()
    return activity


def _reschedule_reminders(activity):
    """The activity moved (or its title or venue changed): pending reminders follow it."""
    confirmed = db.session.scalars(
        select(Registration).where(Registration.activity_id == activity.id, Registration.status == "confirmed")
    ).all()
    void_reminders("registration", [r.id for r in confirmed])
    for registration in confirmed:
        _schedule_reminders(activity, registration)


def publish_activity(actor, activity_id):
    """Publish a draft. Raises NotFound, Forbidden, DomainError `activity_not_draft`."""
    activity = get_managed_activity(actor, activity_id, lock=True)
    if activity.status != "draft":
        raise DomainError("activity_not_draft", "只有草稿可以发布", 409)
    activity.status = "published"
    activity.published_at = utcnow()
    db.session.flush()
    return activity


def cancel_activity(actor, activity_id, reason):
    """Cancel the activity and record a notice for everyone registered or waitlisted.

    Raises NotFound, Forbidden, ActivityNotOpen (already cancelled or finished).
    """
    activity = get_managed_activity(actor, activity_id, lock=True)
    now = utcnow()
    if activity.effective_status(now) in ("cancelled", "finished"):
        raise ActivityNotOpen()
    activity.status = "cancelled"
    activity.cancelled_at = now
    activity.cancel_reason = reason
    registrations = db.session.scalars(
        select(Registration).where(Registration.activity_id == activity.id, Registration.status.in_(ACTIVE_REGISTRATION))
    )
    registrations = registrations.all()
    void_reminders("registration", [r.id for r in registrations])
    for registration in registrations:
        enqueue_message(
            "cancelled_by_organizer",
            registration.user_id,
            {**message_payload(activity), "reason": reason},
            ref=("registration", registration.id),
        )
    record_audit(actor, "activity.cancel", "activity", activity.id, reason=reason)
    db.session.flush()
    return activity


def message_payload(activity):
    """What a subscribe message about this activity needs (the template mapping picks fields)."""
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "starts_at": activity.starts_at.isoformat(),
        "venue": activity.venue,
    }


def _check_eligible(user, activity):
    if activity.audience == "party_members" and not user.is_party_member:
        raise DomainError("not_eligible", "该活动仅限党员报名", 403)
    if activity.audience == "community_residents" and user.community_id != activity.community_id:
        raise DomainError("not_eligible", f"该活动仅限{activity.community.name}居民报名", 403)


def _active_registration(activity_id, user_id, lock=False):
    statement = select(Registration).where(
        Registration.activity_id == activity_id,
        Registration.user_id == user_id,
        Registration.status.in_(ACTIVE_REGISTRATION),
    )
    return db.session.scalar(statement.with_for_update() if lock else statement)


def _signup_statement():
    """The read a sign-up starts with: the activity's sign-up columns, the caller's own row for it, and
    whether the caller's account is live (tokens of deleted accounts are refused in Redis already)."""
    table, mine, users = Activity.__table__, Registration.__table__, User.__table__
    columns = ("id", "status", "audience", "community_id", "starts_at", "ends_at", "signup_opens_at",
               "signup_closes_at", "capacity", "waitlist_enabled", "confirmed_count")
    caller_active = select(users.c.id).where(users.c.id == bindparam("user"), users.c.deleted_at.is_(None)).exists()
    return (
        select(*(table.c[name] for name in columns), mine.c.id.label("mine_id"), mine.c.status.label("mine_status"),
               caller_active.label("caller_active"))
        .select_from(table.outerjoin(mine, and_(mine.c.activity_id == table.c.id, mine.c.user_id == bindparam("user"))))
        .where(table.c.id == bindparam("activity"))
    )


_SIGNUP_READ = _signup_statement()


def _check_signup(user_id, activity, places, now):
    """Raise the error of a sign-up that may not be made now; the capacity is left to `_take_places`.

    `activity` is a row of `_SIGNUP_READ` (or None). Raises NotFound (missing, or a draft the user
    may not see), ActivityNotOpen, DomainError `not_eligible` (403), `signup_not_open`,
    `signup_closed`, ValidationFailed (too many companions). The user's row is read only when the
    activity is not open to all.
    """
    if activity is None:
        raise _activity_not_found()
    if activity.status == "draft" or activity.audience != "all":
        user = db.session.get(User, user_id)
        if not _can_see(user, activity):
            raise _activity_not_found()
        if activity.status == "published":
            _check_eligible(user, db.session.get(Activity, activity.id, populate_existing=True))
    if effective_status(activity, now) != "published":
        raise ActivityNotOpen()
    if activity.signup_opens_at is not None and now < activity.signup_opens_at:
        raise DomainError("signup_not_open", "报名尚未开始", 409)
    if now >= signup_deadline(activity):
        raise DomainError("signup_closed", "报名已截止", 409)
    if places > activity.capacity:
        raise ValidationFailed(errors={"companions": [f"本活动最多 {activity.capacity} 人，同行人数过多"]})


def _place_statements():
    """The two conditional UPDATEs of `_take_places`, built once (a sign-up only binds values)."""
    table = Activity.__table__
    # (bound names differ from the columns': update() reserves those for SET)
    now, places = bindparam("b_now"), bindparam("b_places")
    still_open = and_(
        table.c.id == bindparam("b_id"),
        table.c.status == "published",
        table.c.ends_at > now,
        or_(table.c.signup_opens_at.is_(None), table.c.signup_opens_at <= now),
        func.coalesce(table.c.signup_closes_at, table.c.starts_at) > now,
        table.c.audience == bindparam("b_audience"),
        table.c.capacity >= places,
    )
    fits = table.c.confirmed_count + places <= table.c.capacity
    fresh = (table.c.waitlist_count, table.c.id, table.c.starts_at, table.c.title, table.c.venue)
    confirm = update(table).where(still_open, fits).values(confirmed_count=table.c.confirmed_count + places)
    queue = update(table).where(still_open, ~fits, table.c.waitlist_enabled).values(
        waitlist_count=table.c.waitlist_count + 1
    )
    return confirm.returning(*fresh), queue.returning(*fresh)


_CONFIRM, _QUEUE = _place_statements()
_INSERT_REGISTRATION = insert(Registration.__table__).returning(Registration.__table__.c.id)
_REUSE_REGISTRATION = (
    update(Registration.__table__)
    .where(Registration.__table__.c.id == bindparam("b_id"), Registration.__table__.c.status == "cancelled")
    .returning(Registration.__table__.c.id)
)


def _take_places(activity, places, now):
    """Take `places` confirmed places, or else one waitlist spot, in one conditional UPDATE each.

    The UPDATE that matches takes the activity's row lock and re-checks, under it, everything the
    sign-up depends on that an organizer or another sign-up may have changed since `activity` was
    read: still open at `now`, the same audience, and the places free (or full, for the waitlist).
    The one the read makes likely goes first: in a flash crowd, most sign-ups find it full.
    Returns `(status, row)`: `confirmed` or `waitlisted` with the activity's fresh `(waitlist_count,
    id, starts_at, title, venue)`, or `(None, None)` when neither UPDATE matched.
    """
    params = {"b_id": activity.id, "b_now": now, "b_places": places, "b_audience": activity.audience}
    attempts = [("confirmed", _CONFIRM)]
    if activity.waitlist_enabled:
        queue_first = activity.confirmed_count + places > activity.capacity
        attempts.insert(0 if queue_first else 1, ("waitlisted", _QUEUE))
    for status, statement in attempts:
        row = db.session.execute(statement, params).first()
        if row is not None:
            return status, row
    return None, None


def register_for_activity(user_id, activity_id, companions=0, remark=""):
    """Sign the user up: confirmed while `1 + companions` places are free, else waitlisted.

    Idempotent: an active registration of the same user is returned as it is, with `created` False.
    Returns `(registration, created)`. Raises what `_check_signup` raises, and DomainError
    `capacity_full` (no waitlist).

    The hot path of a flash crowd, so it is lean: one read gives the activity and the caller's own
    row, the rules are checked on it, then one conditional UPDATE takes the row lock, re-checks
    what may have changed and counts the place, and one INSERT records it; the lock is held from
    that UPDATE to the commit, no longer. Should the UPDATE match nothing, the activity is read and
    checked again: a change since is reported, a full activity without a waitlist is
    `capacity_full`, and a place freed meanwhile is tried again.
    """
    params = {"user": user_id, "activity": activity_id}
    activity = db.session.execute(_SIGNUP_READ, params).first()
    if activity is not None and not activity.caller_active:
        raise AccountDeleted()
    # A repeated tap is answered without queueing for the lock.
    if activity is not None and activity.mine_status in ACTIVE_REGISTRATION:
        return with_waitlist_position(db.session.get(Registration, activity.mine_id)), False
    places = 1 + companions
    _check_signup(user_id, activity, places, utcnow())
    for _ in range(_SIGNUP_ATTEMPTS):
        now = utcnow()
        status, taken = _take_places(activity, places, now)
        if status is not None:
            break
        activity = db.session.execute(_SIGNUP_READ, params).first()
        _check_signup(user_id, activity, places, now)
        if not activity.waitlist_enabled and activity.confirmed_count + places > activity.capacity:
            raise DomainError("capacity_full", "名额已满", 409)
    else:
        raise DomainError("conflict", "报名的人太多了，请稍后再试", 409)
    # Read the clock under the lock: sign-up times then follow the order places were handed out.
    values = {"status": status, "companions": companions, "remark": remark, "registered_at": utcnow(),
              "promoted_at": None, "cancelled_at": None, "checked_in_at": None, "checked_in_by_id": None}
    try:
        if activity.mine_id is None:
            row = {"activity_id": activity_id, "user_id": user_id, **values}
            registration_id = db.session.execute(_INSERT_REGISTRATION, row).scalar()
        else:  # signing up again reuses the cancelled row and goes to the back of the queue
            row = {"b_id": activity.mine_id, **values}
            registration_id = db.session.execute(_REUSE_REGISTRATION, row).scalar()
    except IntegrityError:
        registration_id = None
    if registration_id is None:
        # A simultaneous tap of the same user signed up first: ours gives back what it took.
        db.session.rollback()
        mine = select(Registration).where(Registration.activity_id == activity_id, Registration.user_id == user_id)
        other = db.session.scalar(mine)
        if other is None or other.status not in ACTIVE_REGISTRATION:  # ...and was cancelled again since
            raise DomainError("conflict", "报名的人太多了，请稍后再试", 409)
        return with_waitlist_position(other), False
    cache.mark_changed(db.session, "activities")
    registration = Registration(id=registration_id, activity_id=activity_id, user_id=user_id, **values)
    if status == "confirmed":
        _schedule_reminders(taken, registration)
    # Appended under the lock: the waitlist's length is this registration's place in it.
    registration.waitlist_position = taken.waitlist_count if status == "waitlisted" else None
    return registration, True


def _schedule_reminders(activity, registration):
    schedule_reminders(
        "activity_reminder", ("registration", registration.id), registration.user_id, activity.starts_at,
        message_payload(activity),
    )


def _release(activity, registration, now):
    if registration.status == "confirmed":
        activity.confirmed_count -= registration.places
    else:
        activity.waitlist_count -= 1
    registration.status = "cancelled"
    registration.cancelled_at = now


def cancel_registration(user, activity_id, ignore_cutoff=False):
    """Cancel the user's registration; the waitlist moves up in the same transaction.

    A confirmed place cannot be given up later than `cancel_cutoff_minutes` before the start (a
    waitlist spot can, any time). Raises NotFound (`activity_not_found`, `registration_not_found`),
    DomainError `cancel_cutoff_passed`.
    """
    activity = lock_activity(activity_id)
    now = utcnow()
    if activity is None or not _can_see(user, activity):
        raise _activity_not_found()
    registration = _active_registration(activity.id, user.id, lock=True)
    if registration is None:
        raise NotFound("registration_not_found", "没有找到你的报名")
    cutoff = activity.starts_at - timedelta(minutes=activity.cancel_cutoff_minutes)
    if registration.status == "confirmed" and not ignore_cutoff and now > cutoff:
        raise DomainError("cancel_cutoff_passed", "已过取消报名的截止时间", 409)
    _release(activity, registration, now)
    void_reminders("registration", [registration.id])
    promote_waitlist(activity, now)
    db.session.flush()
    return registration


def promote_waitlist(activity, now):
    """Confirm waitlisted registrations in sign-up order while their places fit (first fit: a
    family of four that does not fit yet keeps its position while a single person behind it moves up).

    Only before the start of a published activity; each promotion records a notice. The caller
    holds the activity's lock. Returns the promoted registrations.
    """
    if activity.effective_status(now) != "published" or now >= activity.starts_at:
        return []
    free = activity.capacity - activity.confirmed_count
    promoted = []
    if free <= 0 or activity.waitlist_count == 0:
        return promoted
    waitlist = db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.status == "waitlisted")
        .order_by(Registration.registered_at, Registration.id)
        .with_for_update()
    )
    for registration in waitlist:
        if free <= 0:
            break
        if registration.places > free:
            continue
        registration.status = "confirmed"
        registration.promoted_at = now
        activity.confirmed_count += registration.places
        activity.waitlist_count -= 1
        free -= registration.places
        enqueue_message(
            "waitlist_promoted", registration.user_id, message_payload(activity), ref=("registration", registration.id)
        )
        _schedule_reminders(activity, registration)
        promoted.append(registration)
    db.session.flush()
    return promoted


def _waitlist_position():
    """A registration's 1-based place in its activity's waitlist (null unless waitlisted), as a column
    of any select from `registrations`."""
    registrations = Registration.__table__
    ahead = registrations.alias("ahead")
    before = select(func.count()).where(
        ahead.c.activity_id == registrations.c.activity_id,
        ahead.c.status == "waitlisted",
        or_(
            ahead.c.registered_at < registrations.c.registered_at,
            and_(ahead.c.registered_at == registrations.c.registered_at, ahead.c.id < registrations.c.id),
        ),
    )
    return case((registrations.c.status == "waitlisted", before.scalar_subquery() + 1), else_=None)


_WAITLIST_POSITION = _waitlist_position()


def _my_registrations_statement():
    table = Registration.__table__
    columns = ("id", "activity_id", "status", "companions", "remark", "registered_at", "checked_in_at")
    return select(*(table.c[name] for name in columns), _WAITLIST_POSITION.label("waitlist_position")).where(
        table.c.user_id == bindparam("user"),
        table.c.activity_id.in_(bindparam("activities", expanding=True)),
        table.c.status.in_(ACTIVE_REGISTRATION),
    )


_MY_REGISTRATIONS = _my_registrations_statement()


def _with_positions(statement):
    """Run a `select(Registration)` and return its registrations with `waitlist_position` set."""
    rows = db.session.execute(statement.add_columns(_WAITLIST_POSITION)).all()
    for registration, position in rows:
        registration.waitlist_position = position
    return [registration for registration, _ in rows]


def with_waitlist_position(registration):
    """Set `waitlist_position` (1-based, None unless waitlisted) on the registration and return it."""
    registration.waitlist_position = None
    if registration.status == "waitlisted":
        position = select(_WAITLIST_POSITION).where(Registration.id == registration.id)
        registration.waitlist_position = db.session.scalar(position)
    return registration


def my_registrations_for(viewer_id, activity_ids):
    """`{activity_id: registration}` of the viewer's active registrations among these activities, as
    `RegistrationSchema` reads them, waitlist positions included: one query, no ORM objects (list
    pages ask this on every read). `viewer_id` None: anonymous, none."""
    if viewer_id is None or not activity_ids:
        return {}
    rows = db.session.execute(_MY_REGISTRATIONS, {"user": viewer_id, "activities": list(activity_ids)})
    return {row.activity_id: row._asdict() for row in rows}


def attach_my_registrations(viewer, activities):
    """Set `my_registration` (active registration with its waitlist position, or None) on each activity."""
    mine = my_registrations_for(viewer.id if viewer else None, [a.id for a in activities])
    for activity in activities:
        activity.my_registration = mine.get(activity.id)
    return activities


def list_activities(viewer, args):
    """Published activities (or, for their organizers, drafts and cancelled ones), soonest first.

    Without `from`, activities that have already ended are left out. Returns `(items, total)`; the
    viewer only decides whether drafts may be listed (`my_registration` is the caller's business).
    Raises Forbidden (a status other than published without organizing `community_id`).
    """
    now = utcnow()
    status = args.get("status", "published")
    statement = select(Activity)
    if status == "finished":
        statement = statement.where(Activity.status.in_(("published", "finished")), Activity.ends_at <= now)
    else:
        if status != "published" and not (
            viewer is not None and args.get("community_id") and viewer.organizes(args["community_id"])
        ):
            raise Forbidden("forbidden", "只有该社区的组织者可以查看草稿和已取消的活动（需指定 community_id）")
        statement = statement.where(Activity.status == status)
        if status == "published" and "date_from" not in args:
            statement = statement.where(Activity.ends_at > now)
    if "community_id" in args:
        statement = statement.where(Activity.community_id == args["community_id"])
    if "category" in args:
        statement = statement.where(Activity.category == args["category"])
    if "date_from" in args:
        statement = statement.where(Activity.starts_at >= local_date_bounds(args["date_from"])[0])
    if "date_to" in args:
        statement = statement.where(Activity.starts_at <= local_date_bounds(args["date_to"])[1])
    if args.get("q"):
        pattern = "%" + args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(Activity.title.ilike(pattern, escape="\\"), Activity.venue.ilike(pattern, escape="\\"))
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page, size = args["page"], args["page_size"]
    items = db.session.scalars(
        statement.order_by(Activity.starts_at, Activity.id).offset((page - 1) * size).limit(size)
    ).all()
    return items, total


def list_my_registrations(user, args):
    """The user's registrations with their activities: `upcoming` (not ended) or `past`, newest
    relevant first; those the user cancelled only with `include_cancelled`. Returns `(items, total)`."""
    now = utcnow()
    statement = select(Registration).join(Registration.activity).where(Registration.user_id == user.id)
    if not args.get("include_cancelled"):
        statement = statement.where(Registration.status.in_(ACTIVE_REGISTRATION))
    if args.get("when", "upcoming") == "upcoming":
        statement = statement.where(Activity.ends_at > now).order_by(Activity.starts_at, Registration.id)
    else:
        statement = statement.where(Activity.ends_at <= now).order_by(Activity.starts_at.desc(), Registration.id)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page, size = args["page"], args["page_size"]
    return _with_positions(statement.offset((page - 1) * size).limit(size)), total


def make_checkin_code(actor, activity_id):
    """A rotating check-in token for a published activity: `(activity, token, expires_at_epoch)`.

    Raises NotFound, Forbidden, ActivityNotOpen.
    """
    activity = get_managed_activity(actor, activity_id)
    if activity.effective_status(utcnow()) != "published":
        raise ActivityNotOpen()
    token, expires_at = checkin_tokens.make_token("a", activity.id)
    return activity, token, expires_at


def _check_in(registration, by):
    """Check a confirmed registration in; a second check-in keeps the first time."""
    if registration.status == "waitlisted":
        raise DomainError("registration_not_confirmed", "候补中的报名不能签到", 409)
    if registration.status != "confirmed":
        raise NotFound("registration_not_found", "没有找到有效的报名")
    if registration.checked_in_at is None:
        registration.checked_in_at = utcnow()
        registration.checked_in_by_id = by.id
    db.session.flush()
    return registration


def check_in_with_token(user, activity_id, token):
    """Self check-in with the token of the organizer's code; checking in twice keeps the first time.

    Raises NotFound, DomainError `checkin_token_invalid` (bad, other activity's or expired token),
    `registration_not_confirmed`.
    """
    activity = get_visible_activity(user, activity_id)
    if not checkin_tokens.token_is_valid("a", activity.id, token):
        raise DomainError("checkin_token_invalid", "签到码无效或已过期，请重新扫码", 409)
    registration = _active_registration(activity.id, user.id)
    if registration is None:
        raise NotFound("registration_not_found", "你没有报名此活动")
    return _check_in(registration, user)


def check_in_by_organizer(actor, activity_id, registration_id):
    """The organizer checks a registrant in by hand. Raises NotFound, Forbidden, `registration_not_confirmed`."""
    activity = get_managed_activity(actor, activity_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.activity_id != activity.id:
        raise NotFound("registration_not_found", "报名记录不存在")
    return _check_in(registration, actor)


ROSTER_ORDER = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}


def activity_roster(actor, activity_id):
    """The roster of an activity the actor organizes: `(activity, counts, registrations)`, each
    registration with its person as `contact` (full phone only for the community's own organizers)
    and `reminder_credits` (activity reminders that can still be sent to them).

    Confirmed first, then the waitlist in its order, then cancellations. Raises NotFound, Forbidden.
    """
    activity = get_managed_activity(actor, activity_id)
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id)
        .order_by(Registration.registered_at, Registration.id)
    ).all()
    registrations.sort(key=lambda r: ROSTER_ORDER[r.status])
    counts = {status: 0 for status in ROSTER_ORDER}
    full_phone = sees_full_phone(actor, activity.community_id)
    credits = remaining_credits({r.user_id for r in registrations}, "activity_reminder")
    for registration in registrations:
        registration.reminder_credits = credits[registration.user_id]
        counts[registration.status] += 1
        registration.waitlist_position = counts["waitlisted"] if registration.status == "waitlisted" else None
        registration.contact = contact(registration.user, full_phone)
    counts["checked_in"] = sum(1 for r in registrations if r.checked_in_at is not None)
    counts["places"] = activity.confirmed_count
    return activity, counts, registrations


def cancel_future_registrations(user):
    """Account deletion: give up every place in activities that have not started (waitlists move up)."""
    now = utcnow()
    activity_ids = db.session.scalars(
        select(Registration.activity_id)
        .join(Registration.activity)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(ACTIVE_REGISTRATION),
            Activity.starts_at > now,
        )
        .order_by(Registration.activity_id)  # a fixed lock order, so two deletions cannot deadlock
    ).all()
    for activity_id in activity_ids:
        cancel_registration(user, activity_id, ignore_cutoff=True)


account_deletion_hooks.append(cancel_future_registrations)
