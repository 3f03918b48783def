"""Signing up for an activity with exact capacity, giving a place up, and the waitlist moving up.

Rules of a sign-up (`check_signup`, and again in the SQL of `take_places`): the activity is
published and has not ended; sign-up has opened (`signup_opens_at`) and not closed
(`signup_closes_at`, else the start); the caller is in its audience (party members, or residents
of its community whose membership is confirmed: a claimed one does not count, see `memberships`); `1 + companions` places fit in its capacity at all. It is then `confirmed` while
those places are free, else `waitlisted` (or 409 `capacity_full` without a waitlist). One active
registration per user and activity (a unique constraint); a repeated tap answers the existing one.
Giving a place up is allowed until `cancel_cutoff_minutes` before the start (a waitlist spot any
time), and the waitlist moves up first-fit in its order (`WAITLIST_ORDER`): confirmed at once, or
on an activity with `claim_hours` offered the places until a deadline (services/offers.py).

Lock order: the activity's row first, then its registrations. A sign-up takes the activity's lock
with the conditional UPDATE that counts its place (`take_places`; on PostgreSQL a first sign-up's
INSERT rides in the same statement, `take_places_and_record`, and a plain one's read too,
`read_and_record`); everything else locks with
`lock_activity`; a lottery entry holds the row FOR SHARE instead (`_hold_entry_window`, see
services/lottery.py). The `confirmed <= capacity` check constraint stands behind both. Promotions are
recorded as outbox rows in the same transaction; nothing is sent before the commit.
"""

from datetime import timedelta

from sqlalchemy import Text, and_, bindparam, case, cast, func, insert, literal, or_, select, true, union_all, update
from sqlalchemy.exc import IntegrityError

from server.errors import AccountDeleted, DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.metrics import SIGNUPS, counted
from server.models import ACTIVE_REGISTRATION, OPEN_REGISTRATION, Activity, Registration, User
from server.models.activities import effective_status, signup_deadline
from server.models.base import utcnow
from server.services import cache
from server.services.activity_access import (
    ActivityNotOpen,
    activity_not_found,
    can_see,
    get_managed_activity,
    lock_activity,
)
from server.services.activity_reminders import message_payload, schedule_registration_reminders
from server.services.content_safety import COMMENT, FORUM, check_texts
from server.services.my_registrations import WAITLIST_ORDER, own_registration
from server.services.outbox import enqueue_message
from server.services.questions import answers_still_fit, typed_answers, validate_answers
from server.services.reminders import void_notices, void_reminders
from server.services.users import record_audit

# A sign-up whose place was freed and retaken between its two UPDATEs tries again this often.
_SIGNUP_ATTEMPTS = 5


def _check_eligible(user, activity):
    if activity.audience == "party_members" and not user.is_party_member:
        raise DomainError("not_eligible", "该活动仅限党员报名", 403)
    if activity.audience == "community_residents" and user.confirmed_community_id != activity.community_id:
        if user.community_id == activity.community_id:
            raise DomainError("not_eligible", f"该活动仅限{activity.community.name}居民报名：你的社区身份尚待确认，"
                              "请到社区党群服务中心扫码确认或联系社区工作者", 403)
        raise DomainError("not_eligible", f"该活动仅限{activity.community.name}居民报名", 403)


def active_registration(activity_id, user_id, lock=False, statuses=ACTIVE_REGISTRATION):
    """The user's registration for the activity in one of `statuses` (default: confirmed or
    waitlisted), or None."""
    statement = select(Registration).where(
        Registration.activity_id == activity_id,
        Registration.user_id == user_id,
        Registration.status.in_(statuses),
    )
    return db.session.scalar(statement.with_for_update() if lock else statement)


# --- signing up: the hot path of a flash crowd ---------------------------------------------------


def _signup_statement():
    """The read a sign-up starts with: the activity's sign-up columns, the caller's own row for it, and
    whether the caller's account is live (tokens of deleted accounts are refused in Redis already)."""
    table, mine, users = Activity.__table__, Registration.__table__, User.__table__
    columns = ("id", "status", "audience", "community_id", "starts_at", "ends_at", "signup_opens_at",
               "signup_closes_at", "capacity", "waitlist_enabled", "confirmed_count", "signup_mode", "questions")
    caller_active = select(users.c.id).where(users.c.id == bindparam("user"), users.c.deleted_at.is_(None)).exists()
    return (
        select(*(table.c[name] for name in columns), mine.c.id.label("mine_id"), mine.c.status.label("mine_status"),
               caller_active.label("caller_active"))
        .select_from(table.outerjoin(mine, and_(mine.c.activity_id == table.c.id, mine.c.user_id == bindparam("user"))))
        .where(table.c.id == bindparam("activity"))
    )


SIGNUP_READ = _signup_statement()


def read_for_signup(activity_id, user_id):
    """The one read a sign-up starts with (`SIGNUP_READ`): a row, or None for a missing activity."""
    return db.session.execute(SIGNUP_READ, {"user": user_id, "activity": activity_id}).first()


def check_signup(user_id, activity, places, now):
    """Raise the error of a sign-up that may not be made now; whether the places are free is left to
    `places_fit` and `take_places`.

    `activity` is a row of `SIGNUP_READ` (or None). Raises NotFound (missing, or a draft the user
    may not see), ActivityNotOpen, DomainError `not_eligible` (403), `signup_not_open`,
    `signup_closed`, ValidationFailed (too many companions). The user's row is read only when the
    activity is not open to all.

    `_signup_conditions` is the same rule in SQL; a test checks that both agree on every case.
    """
    if activity is None:
        raise activity_not_found()
    if activity.status == "draft" or activity.audience != "all":
        user = db.session.get(User, user_id)
        if not can_see(user, activity):
            raise activity_not_found()
        if activity.status == "published":
            _check_eligible(user, db.session.get(Activity, activity.id, populate_existing=True))
    check_open(activity, places, now)


def check_open(activity, places, now):
    """The part of `check_signup` that is about the activity, not the person: published and not ended,
    sign-up open at `now`, `places` within its capacity at all (walk-ins are checked with this alone)."""
    if effective_status(activity, now) != "published":
        raise ActivityNotOpen()
    if activity.signup_opens_at is not None and now < activity.signup_opens_at:
        raise DomainError("signup_not_open", "报名尚未开始", 409)
    if now >= signup_deadline(activity):
        raise DomainError("signup_closed", "报名已截止", 409)
    if places > activity.capacity:
        raise ValidationFailed(errors={"companions": [f"本活动最多 {activity.capacity} 人，同行人数过多"]})


def places_fit(activity, places):
    """Whether `places` more confirmed places fit in the activity (`fits` of `_signup_conditions`)."""
    return activity.confirmed_count + places <= activity.capacity


def _signup_conditions(table, now, places, audience):
    """`(still_open, fits)`: `check_signup` and `places_fit` in SQL, for the WHERE of `take_places`.

    `audience` is the one `check_signup` checked the caller against: an activity whose audience
    changed since does not match, and the sign-up reads and checks it again.
    """
    still_open = and_(
        table.c.status == "published",
        table.c.ends_at > now,
        or_(table.c.signup_opens_at.is_(None), table.c.signup_opens_at <= now),
        func.coalesce(table.c.signup_closes_at, table.c.starts_at) > now,
        table.c.audience == audience,
        table.c.capacity >= places,
    )
    fits = table.c.confirmed_count + places <= table.c.capacity
    return still_open, fits


def _place_statements():
    """The two conditional UPDATEs of `take_places`, built once (a sign-up only binds values)."""
    table = Activity.__table__
    # (bound names differ from the columns': update() reserves those for SET)
    places = bindparam("b_places")
    still_open, fits = _signup_conditions(table, bindparam("b_now"), places, bindparam("b_audience"))
    this_one = table.c.id == bindparam("b_id")
    fresh = (table.c.waitlist_count, table.c.id, table.c.starts_at, table.c.title, table.c.venue)
    confirm = update(table).where(this_one, still_open, fits).values(confirmed_count=table.c.confirmed_count + places)
    queue = update(table).where(this_one, still_open, ~fits, table.c.waitlist_enabled).values(
        waitlist_count=table.c.waitlist_count + 1
    )
    return confirm.returning(*fresh), queue.returning(*fresh)


_CONFIRM, _QUEUE = _place_statements()
_INSERT_REGISTRATION = insert(Registration.__table__).returning(Registration.__table__.c.id)
_REUSE_REGISTRATION = (
    update(Registration.__table__)
    .where(
        Registration.__table__.c.id == bindparam("b_id"),
        Registration.__table__.c.status.in_(("cancelled", "expired", "not_drawn")),
    )
    .returning(Registration.__table__.c.id)
)


def _record_counted(taken, status):
    """The INSERT of the registration whose place (or waitlist spot) the UPDATE in the CTE `taken` counted
    (or whose entry the lock in it let in), as a CTE (`made`: its `id`, `registered_at` and `status`),
    with `status` (an expression over `taken`'s columns; `taken.c.id` is the activity's).

    It reads its rows from the UPDATE's RETURNING, so it inserts exactly when the UPDATE matched (under
    the activity's row lock), and stamps `registered_at` with the database's clock at that moment
    (`clock_timestamp()`, not the statement's start): sign-up times follow the order in which the row
    lock handed the places out, which is the waitlist's order (`WAITLIST_ORDER`).
    """
    registrations = Registration.__table__
    columns = ("activity_id", "user_id", "status", "companions", "remark", "answers", "registered_at")
    row = select(
        taken.c.id,
        bindparam("r_user", type_=registrations.c.user_id.type),
        status,
        bindparam("r_companions", type_=registrations.c.companions.type),
        bindparam("r_remark", type_=registrations.c.remark.type),
        bindparam("r_answers", type_=registrations.c.answers.type),
        func.clock_timestamp(type_=registrations.c.registered_at.type),
    )
    return (insert(registrations).from_select(columns, row)
            .returning(registrations.c.id, registrations.c.registered_at, registrations.c.status).cte("made"))


def _recorded_place_statement(place_update, status):
    """`place_update` (`_CONFIRM` or `_QUEUE`) and the INSERT of the new registration it counted
    (`_record_counted`), as one statement (PostgreSQL: an UPDATE in a WITH), for `take_places_and_record`."""
    # (`updated_at`'s onupdate default applies to a statement's own UPDATE only, not to one in its WITH)
    taken = place_update.values(updated_at=bindparam("b_now")).cte("taken")
    made = _record_counted(taken, literal(status, Registration.__table__.c.status.type))
    return (select(made.c.id.label("registration_id"), made.c.registered_at, *taken.c)
            .select_from(taken.join(made, true())))


_RECORDED = {"confirmed": _recorded_place_statement(_CONFIRM, "confirmed"),
             "waitlisted": _recorded_place_statement(_QUEUE, "waitlisted")}


def _place_attempts(activity, places):
    """`take_places`' statuses in the order to try them: the one the read makes likely goes first (in a
    flash crowd, most sign-ups find the activity full)."""
    attempts = ["confirmed"]
    if activity.waitlist_enabled:
        attempts.insert(1 if places_fit(activity, places) else 0, "waitlisted")
    return attempts


def take_places(activity, places, now):
    """Take `places` confirmed places, or else one waitlist spot, in one conditional UPDATE each.

    The UPDATE that matches takes the activity's row lock and re-checks, under it, everything the
    sign-up depends on that an organizer or another sign-up may have changed since `activity` was
    read: still open at `now`, the same audience, and the places free (or full, for the waitlist).
    The one the read makes likely goes first: in a flash crowd, most sign-ups find it full.
    Returns `(status, row)`: `confirmed` or `waitlisted` with the activity's fresh `(waitlist_count,
    id, starts_at, title, venue)`, or `(None, None)` when neither UPDATE matched.
    """
    params = {"b_id": activity.id, "b_now": now, "b_places": places, "b_audience": activity.audience}
    for status in _place_attempts(activity, places):
        row = db.session.execute(_CONFIRM if status == "confirmed" else _QUEUE, params).first()
        if row is not None:
            return status, row
    return None, None


def records_with_places(activity):
    """Whether a sign-up may use `take_places_and_record`: on PostgreSQL (SQLite has no UPDATE inside a
    WITH), for a first sign-up (signing up again reuses the cancelled row: `_REUSE_REGISTRATION`) on an
    activity without questions (answers are checked again under the lock before they are written:
    `answers_still_fit`)."""
    return activity.mine_id is None and not activity.questions and _updates_in_a_with()


def _updates_in_a_with():
    """Whether the database takes an UPDATE or INSERT inside a WITH (PostgreSQL; SQLite does not)."""
    return db.session.get_bind().dialect.name == "postgresql"


def take_places_and_record(activity, places, now, record):
    """The sign-up's fast path (`records_with_places`): `take_places` and the INSERT of the registration
    (`record`: its `r_user`, `r_companions`, `r_remark`, `r_answers`) in one statement each
    (`_recorded_place_statement`): one round trip instead of two, so the activity's row lock is held
    from that statement to the commit and no longer.

    Invariant: the same as `take_places` followed by the INSERT. The registration is inserted if and
    only if its place (or waitlist spot) was counted, both or neither, under the same WHERE; its
    `registered_at` is read under the row lock, so the waitlist order is the order the lock handed
    the spots out, and the `waitlist_position` a sign-up returns (the waitlist's length then) is its
    place in that order. (tests/test_activity_fast_paths.py and test_activity_concurrency.py.)
    Returns `(status, row)` as `take_places` does, `row` with `registration_id` and `registered_at`
    besides, or `(None, None)`.
    """
    params = {"b_id": activity.id, "b_now": now, "b_places": places, "b_audience": activity.audience, **record}
    for status in _place_attempts(activity, places):
        row = db.session.execute(_RECORDED[status], params).first()
        if row is not None:
            return status, row
    return None, None


# What a sign-up without a place is recorded as, by the activity's `signup_mode`.
_WITHOUT_PLACE = {"lottery": "entered", "approval": "pending"}


def _read_and_record_statement():
    """`SIGNUP_READ` that also signs the caller up when the read shows a plain sign-up, in one statement
    (PostgreSQL: the read in a WITH, feeding an UPDATE or a lock, and the INSERT), for `read_and_record`.

    Plain, on the read: the caller's account is live and holds no row on the activity, the activity
    is open to all and asks no questions, and takes places (`signup_mode` not in `_WITHOUT_PLACE`)
    or is a lottery. Taking places, the UPDATE does what `_place_attempts` would try first on that
    read: `_CONFIRM`'s count and WHERE when the places looked free, else `_QUEUE`'s (the same
    `_signup_conditions`), re-checked under the row lock; it returns which (`confirmed`). A lottery
    entry holds the row as `_ENTRY_WINDOW` does (FOR SHARE, the same WHERE).
    """
    read = _signup_statement().cte("signup_read")
    table = Activity.__table__
    places, now = bindparam("b_places"), bindparam("b_now")
    still_open, fits = _signup_conditions(table, now, places, read.c.audience)
    looked_free = read.c.confirmed_count + places <= read.c.capacity  # `places_fit` on the read
    plain = and_(
        read.c.caller_active,
        read.c.mine_id.is_(None),
        read.c.audience == "all",
        or_(read.c.questions.is_(None), cast(read.c.questions, Text) == "[]"),
    )
    taken = (
        update(table)
        .where(table.c.id == read.c.id, plain, *(read.c.signup_mode != mode for mode in _WITHOUT_PLACE), still_open,
               or_(and_(looked_free, fits), and_(~looked_free, ~fits, table.c.waitlist_enabled)))
        .values(confirmed_count=table.c.confirmed_count + case((looked_free, places), else_=0),
                waitlist_count=table.c.waitlist_count + case((looked_free, 0), else_=1),
                updated_at=now)
        .returning(table.c.id, table.c.waitlist_count, table.c.starts_at, table.c.title, table.c.venue,
                   looked_free.label("confirmed"))
        .cte("taken")
    )
    window = (select(table.c.id)
              .where(table.c.id == read.c.id, plain, read.c.signup_mode == "lottery", still_open,
                     table.c.draw_sealed_at.is_(None))
              .with_for_update(read=True, of=table).cte("entry_window"))
    status_type = Registration.__table__.c.status.type
    let_in = union_all(
        select(taken.c.id, case((taken.c.confirmed, "confirmed"), else_="waitlisted").cast(status_type).label("status")),
        select(window.c.id, literal(_WITHOUT_PLACE["lottery"], status_type).label("status")),
    ).subquery("let_in")
    made = _record_counted(let_in, let_in.c.status)
    fresh = (taken.c.waitlist_count, taken.c.title, taken.c.venue)
    return (
        select(*(column for column in read.c if column.name != "starts_at"),
               # the time under the lock when signed up (the reminders are due from it), else the read's
               func.coalesce(taken.c.starts_at, read.c.starts_at).label("starts_at"),
               *fresh, made.c.id.label("registration_id"), made.c.registered_at, made.c.status.label("recorded"))
        .select_from(read.outerjoin(taken, true()).outerjoin(made, true()))
    )


_READ_AND_RECORD = _read_and_record_statement()


def read_and_record(activity_id, user_id, places):
    """The sign-up's fastest path: `read_for_signup`, and in the same statement, when the read shows a
    plain sign-up (`_read_and_record_statement`), the first attempt of `take_places_and_record` (a
    lottery's: `_hold_entry_window` and the entry's INSERT).
    For a body without remark or answers (nothing to check before the lock), on PostgreSQL.

    Invariant: the same as `read_for_signup` followed, when `check_signup` passes on that read, by the
    first UPDATE (or FOR SHARE) and INSERT the ordinary path makes: the checks this skips in Python
    are in the statement's WHERE (the read's columns for who the caller is and what the activity
    asks; the UPDATE's or lock's, under the row lock, for everything another sign-up or an organizer
    may change), so it records exactly the sign-ups the ordinary path would record, as it would. When it records
    nothing, the row is the read and the ordinary path goes on from it; when a simultaneous tap of
    the same user inserted first (the unique constraint), it is rolled back and the read made again.
    (tests/test_activity_fast_paths.py, test_activity_concurrency.py)

    Returns `(activity, recorded)`: the read's row (None: no such activity), and the same row when
    the sign-up was recorded (`registration_id`, `registered_at`, its status `recorded`, and for a
    place or waitlist spot the activity's fresh `waitlist_count`, `starts_at`, `title`, `venue`), else None.
    """
    params = {"user": user_id, "activity": activity_id, "b_places": places, "b_now": utcnow(), "r_user": user_id,
              "r_companions": places - 1, "r_remark": "", "r_answers": None}
    try:
        row = db.session.execute(_READ_AND_RECORD, params).first()
    except IntegrityError:  # (activity, user) is unique: the other tap's row is read below
        db.session.rollback()
        return read_for_signup(activity_id, user_id), None
    return row, (row if row is not None and row.registration_id is not None else None)


def _take_places_for(user_id, activity, places, check, record=None):
    """`take_places` (with `record`: `take_places_and_record`), the activity read (for `user_id`; None: a
    walk-in) and `check(row, now)`ed again while nothing matched: returns `(status, taken, activity)`.
    Raises NotFound, what `check` raises, DomainError `capacity_full` (no waitlist), `conflict`."""
    for _ in range(_SIGNUP_ATTEMPTS):
        now = utcnow()
        if record is None:
            status, taken = take_places(activity, places, now)
        else:
            status, taken = take_places_and_record(activity, places, now, record)
        if status is not None:
            return status, taken, activity
        activity = read_for_signup(activity.id, user_id)
        if activity is None:
            raise activity_not_found()
        check(activity, now)
        if not activity.waitlist_enabled and not places_fit(activity, places):
            raise DomainError("capacity_full", "名额已满", 409)
    raise DomainError("conflict", "报名的人太多了，请稍后再试", 409)


def _entry_window_statement(read=True):
    """Lock the activity's row FOR SHARE (`read`; else FOR UPDATE) if its lottery still takes entries
    (see `_hold_entry_window`)."""
    table = Activity.__table__
    still_open, _ = _signup_conditions(table, bindparam("now"), bindparam("places"), bindparam("audience"))
    return (select(table.c.id).where(table.c.id == bindparam("activity"), still_open, table.c.draw_sealed_at.is_(None))
            .with_for_update(read=read))


_ENTRY_WINDOW = _entry_window_statement()
# A walk-in's entry locks the row outright: its duplicate check must see every other desk's.
_WALK_IN_ENTRY_WINDOW = _entry_window_statement(read=False)


def _hold_entry_window(user_id, activity, places, check, statement=_ENTRY_WINDOW):
    """A lottery entry holds the activity's row FOR SHARE until its commit, re-checking under it that
    sign-up is open and the entries unsealed: the seal (FOR UPDATE) waits for entries in flight and
    every entry after it is refused, so each accepted entry is in the sealed list. Entries share the
    lock and write nothing to the row (a walk-in's takes it outright: `_WALK_IN_ENTRY_WINDOW`). When
    the window is shut, the activity is read again (for `user_id`; None: a walk-in) and `check(row,
    now)`ed, else `signup_closed` (sealed)."""
    now = utcnow()
    params = {"activity": activity.id, "now": now, "places": places, "audience": activity.audience}
    if db.session.execute(statement, params).first() is None:
        again = read_for_signup(activity.id, user_id)
        if again is None:
            raise activity_not_found()
        check(again, now)
        raise DomainError("signup_closed", "抽签报名已截止", 409)


@counted(SIGNUPS, lambda result: result[0]["status"] if result[1] else "repeated")
def register_for_activity(user_id, activity_id, companions=0, remark="", answers=None):
    """Sign the user up: confirmed while `1 + companions` places are free, else waitlisted.

    On a lottery activity the sign-up is an `entered` entry and on one that needs approval a
    `pending` sign-up: neither takes a place (nor touches the activity's row) until it is drawn
    or approved.

    Idempotent: an active registration of the same user is returned as it is, with `created` False.
    Returns `(registration, created)`, the registration as a dict of what `RegistrationSchema`
    shows. Raises what `check_signup` raises, DomainError `capacity_full` (no waitlist), and
    DomainError `content_risky` (a remark or text answer WeChat's content check refuses; `content_safety`),
    ValidationFailed (answers that do not fit the activity's questions: `services.questions`).

    The hot path of a flash crowd, so it is lean: one read gives the activity and the caller's own
    row, the rules are checked on it, then one conditional UPDATE takes the row lock, re-checks
    what may have changed and counts the place, and one INSERT records it (on PostgreSQL, for a
    first sign-up without questions, both in one statement: `take_places_and_record`; with no remark
    or answers, the read too, where it shows a plain sign-up: `read_and_record`); the lock is
    held from that UPDATE to the commit, no longer. Should the UPDATE match nothing, the activity is read and
    checked again: a change since is reported, a full activity without a waitlist is
    `capacity_full`, and a place freed meanwhile is tried again.
    """
    places = 1 + companions
    if not remark and not answers and _updates_in_a_with():  # nothing to check before the lock
        activity, recorded = read_and_record(activity_id, user_id, places)
        if recorded is not None:
            values = _new_registration(recorded.recorded, companions, remark, None, recorded.registered_at)
            counted = recorded if recorded.recorded in ("confirmed", "waitlisted") else None  # not an entry
            return _signed_up(activity_id, user_id, counted, recorded.registration_id, values)
    else:
        activity = read_for_signup(activity_id, user_id)
    if activity is not None and not activity.caller_active:
        raise AccountDeleted()
    # A repeated tap is answered without queueing for the lock.
    if activity is not None and activity.mine_status in OPEN_REGISTRATION:
        return own_registration(activity_id, user_id), False
    if activity is not None and activity.mine_status == "rejected":
        raise DomainError("signup_rejected", "你在本活动的报名未通过审核，不能再次报名", 409)
    check_signup(user_id, activity, places, utcnow())
    asked, sent, answers = activity.questions, answers, validate_answers(activity.questions, answers)
    typed = {"remark": remark, **typed_answers(activity.questions, answers)}
    if any(typed.values()):  # organizers read them: WeChat checks them first, outside any lock; empty costs nothing
        check_texts(db.session.get(User, user_id), COMMENT, typed)
    def check(row, now):
        check_signup(user_id, row, places, now)

    status, taken = _WITHOUT_PLACE.get(activity.signup_mode), None
    if status == "entered":
        _hold_entry_window(user_id, activity, places, check)
    record = None
    if status is None and records_with_places(activity):
        record = {"r_user": user_id, "r_companions": companions, "r_remark": remark, "r_answers": answers or None}
    try:
        if status is None:
            status, taken, activity = _take_places_for(user_id, activity, places, check, record)
        answers = answers_still_fit(activity_id, asked, sent, answers)
        # Read the clock under the lock: sign-up times then follow the order places were handed out.
        values = _new_registration(status, companions, remark, answers, utcnow())
        if record is not None:  # inserted with its place, its time read under the lock
            registration_id, values["registered_at"] = taken.registration_id, taken.registered_at
        elif activity.mine_id is None:
            row = {"activity_id": activity_id, "user_id": user_id, **values}
            registration_id = db.session.execute(_INSERT_REGISTRATION, row).scalar()
        else:  # signing up again reuses the cancelled row and goes to the back of the queue
            row = {"b_id": activity.mine_id, **values}
            registration_id = db.session.execute(_REUSE_REGISTRATION, row).scalar()
    except IntegrityError:  # (activity, user) is unique
        registration_id = None
    if registration_id is None:
        # A simultaneous tap of the same user signed up first: ours gives back what it took.
        db.session.rollback()
        other = own_registration(activity_id, user_id)
        if other is None or other["status"] not in OPEN_REGISTRATION:  # ...and was given up again since
            raise DomainError("conflict", "报名的人太多了，请稍后再试", 409)
        return other, False
    return _signed_up(activity_id, user_id, taken, registration_id, values)


def _new_registration(status, companions, remark, answers, registered_at):
    """The columns of a registration made now, as `RegistrationSchema` shows them (but its ids)."""
    return {"status": status, "companions": companions, "remark": remark, "registered_at": registered_at,
            "promoted_at": None, "cancelled_at": None, "checked_in_at": None, "checked_in_by_id": None,
            "checked_in_uploaded_at": None, "answers": answers or None, "draw_rank": None,
            "offer_expires_at": None, "decided_at": None, "decided_by_id": None, "reject_reason": None}


def _signed_up(activity_id, user_id, taken, registration_id, values):
    """What `register_for_activity` returns for the registration it recorded (`values`: `_new_registration`),
    the cache told and a confirmed place's reminders scheduled. `taken`: the activity's fresh row of
    the UPDATE that counted the place (None: an entry or a pending sign-up, which change no count).

    Every sign-up changes what the lists show, an entry or a pending one too: the caller's own row
    on them (`my_registration`, cached with the pages: `cache.read_list`)."""
    status = values["status"]
    cache.mark_changed(db.session, "activities")
    # A new registration, at the end of the waitlist if waitlisted: no one else's own row changes.
    cache.only_own_rows_changed(db.session, "activities", user_id)
    if status == "confirmed":
        schedule_registration_reminders(taken, registration_id, user_id)
    registration = {"id": registration_id, "activity_id": activity_id, **values}
    # Appended under the lock: the waitlist's length is this registration's place in it.
    registration["waitlist_position"] = taken.waitlist_count if status == "waitlisted" else None
    return registration, True


# --- giving a place up, and the waitlist moving up -----------------------------------------------


def release_registration(activity, registration, now, status="cancelled"):
    """Give the registration's place (confirmed, or held for an offer) or waitlist spot up (an entry or
    a pending sign-up holds neither) and end it as `status`; the caller holds the activity's lock."""
    if registration.status in ("confirmed", "offered"):
        activity.confirmed_count -= registration.places
    elif registration.status == "waitlisted":
        activity.waitlist_count -= 1
    registration.status = status
    registration.cancelled_at = now


def cancel_registration(user, activity_id, ignore_cutoff=False):
    """Cancel the user's open registration (a place, a waitlist spot, an offer, a lottery entry before
    its draw, a pending sign-up); the waitlist moves up in the same transaction.

    A confirmed place cannot be given up later than `cancel_cutoff_minutes` before the start (the
    others can, any time). Raises NotFound (`activity_not_found`, `registration_not_found`),
    DomainError `cancel_cutoff_passed`.
    """
    activity = lock_activity(activity_id)
    now = utcnow()
    if activity is None or not can_see(user, activity):
        raise activity_not_found()
    registration = active_registration(activity.id, user.id, lock=True, statuses=OPEN_REGISTRATION)
    if registration is None:
        raise NotFound("registration_not_found", "没有找到你的报名")
    cutoff = activity.starts_at - timedelta(minutes=activity.cancel_cutoff_minutes)
    if registration.status == "confirmed" and not ignore_cutoff and now > cutoff:
        raise DomainError("cancel_cutoff_passed", "已过取消报名的截止时间", 409)
    release_registration(activity, registration, now)
    void_reminders("registration", [registration.id])
    void_notices(activity.id, [user.id])  # an organizer's notice still queued no longer concerns them
    promote_waitlist(activity, now)
    db.session.flush()
    return registration


def promote_waitlist(activity, now):
    """Move the waitlist up in its order while places fit (first fit: a family of four that does not
    fit yet keeps its position while a single person behind it moves up).

    Each party moved up is confirmed at once and told (`waitlist_promoted`), or, on an activity with
    `claim_hours` > 0, `offered` the places until a deadline (services/offers.py: the deadline rule,
    and a place confirmed at once when too little time is left to claim it). Either way its places
    are counted in `confirmed_count` now, so they are never given twice. A walk-in (no account to
    claim with) is confirmed at once.

    Only before the start of a published activity. The caller holds the activity's lock. Returns the
    registrations moved up.
    """
    from server.services.offers import make_offer, offer_deadline  # offers builds on this module

    if activity.effective_status(now) != "published" or now >= activity.starts_at:
        return []
    free = activity.capacity - activity.confirmed_count
    promoted = []
    if free <= 0 or activity.waitlist_count == 0:
        return promoted
    deadline = offer_deadline(activity, now)
    waitlist = db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.status == "waitlisted")
        .order_by(*WAITLIST_ORDER)
        .with_for_update()
    )
    for registration in waitlist:
        if free <= 0:
            break
        if registration.places > free:
            continue
        free -= registration.places
        promoted.append(registration)
        if deadline is not None and registration.user_id is not None:  # a walk-in cannot claim: confirmed
            make_offer(activity, registration, deadline, now)
            continue
        registration.status = "confirmed"
        registration.promoted_at = now
        activity.confirmed_count += registration.places
        activity.waitlist_count -= 1
        if registration.user_id is not None:  # a walk-in has no account to tell
            enqueue_message("waitlist_promoted", registration.user_id, message_payload(activity),
                            ref=("registration", registration.id))
            schedule_registration_reminders(activity, registration.id, registration.user_id)
    db.session.flush()
    return promoted


def cancel_future_registrations(user):
    """Account deletion: give up every open registration in activities that have not started (waitlists
    move up)."""
    now = utcnow()
    activity_ids = db.session.scalars(
        select(Registration.activity_id)
        .join(Registration.activity)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(OPEN_REGISTRATION),
            Activity.starts_at > now,
        )
        .order_by(Registration.activity_id)  # a fixed lock order, so two deletions cannot deadlock
    ).all()
    for activity_id in activity_ids:
        cancel_registration(user, activity_id, ignore_cutoff=True)


# --- the organizer's desk: walk-ins (代报名) and cancelling on someone's behalf -------------------

_INSERT_WALK_IN = insert(Registration.__table__).returning(Registration.__table__.c.id)


def _refuse_duplicate_walk_in(activity_id, phone):
    """409 `walk_in_duplicate` when someone with this phone (a walk-in, or a user whose bound phone it
    is) already has an open registration on the activity (a place, a waitlist spot, an offer, a
    pending sign-up, a lottery entry). Without a phone nothing is compared."""
    if not phone:
        return
    taken = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .outerjoin(User, User.id == Registration.user_id)
        .where(
            Registration.activity_id == activity_id,
            Registration.status.in_(OPEN_REGISTRATION),
            or_(Registration.walk_in_phone == phone, User.phone == phone),
        )
    )
    if taken:
        raise DomainError("walk_in_duplicate", "该手机号已在本活动报名", 409)


def register_walk_in(actor, activity_id, name, phone=None, companions=0, remark="", answers=None):
    """Register a walk-in (代报名): someone without an account (or without their phone at hand) an
    organizer of the activity's community signs up at the desk, with the name and phone the organizer
    typed. Their places are taken like any sign-up's, by `take_places` (the same conditional UPDATE,
    under the same row lock, so the capacity holds exactly however many sign up at once): confirmed
    while `1 + companions` places are free, else waitlisted, else 409 `capacity_full` (no waitlist).
    On a lottery the walk-in is an entry (`entered`) like anyone's, drawn with the rest; on an
    activity that needs approval the organizer's own sign-up needs none and takes places at once.

    The activity's rules apply as to any sign-up (`check_open`: published, sign-up open, the places
    within its capacity at all), but not its audience: the organizer vouches for the person. Nobody is
    notified or reminded of a walk-in (no account). Audited as `registration.walk_in` (ids only).
    Answers to the activity's questions are checked as a sign-up's, but required ones may be left
    out (the organizer may not know them: `services.questions`).

    Returns the Registration. Raises NotFound, Forbidden (not an organizer of its community), what
    `check_open` raises, DomainError `capacity_full`, `walk_in_duplicate` (the phone already holds a
    place on this activity), ValidationFailed (answers).
    """
    get_managed_activity(actor, activity_id)
    places = 1 + companions
    activity = read_for_signup(activity_id, None)
    check_open(activity, places, utcnow())
    asked, sent, answers = activity.questions, answers, validate_answers(activity.questions, answers, require=False)
    _refuse_duplicate_walk_in(activity_id, phone)

    def check(row, now):
        check_open(row, places, now)

    if activity.signup_mode == "lottery":
        status = "entered"
        _hold_entry_window(None, activity, places, check, _WALK_IN_ENTRY_WINDOW)
    else:
        status, _taken, activity = _take_places_for(None, activity, places, check)
    # Under the activity's lock from here: the duplicate check again, so two desks cannot both add one.
    _refuse_duplicate_walk_in(activity_id, phone)
    answers = answers_still_fit(activity_id, asked, sent, answers, require=False)
    registration_id = db.session.execute(
        _INSERT_WALK_IN,
        {
            "activity_id": activity_id, "user_id": None, "status": status, "companions": companions,
            "remark": remark, "registered_at": utcnow(), "registered_by_id": actor.id,
            "walk_in_name": name, "walk_in_phone": phone or None, "answers": answers,
        },
    ).scalar()
    cache.mark_changed(db.session, "activities")
    record_audit(actor, "registration.walk_in", "registration", registration_id, activity_id=activity_id, status=status)
    db.session.flush()
    return db.session.get(Registration, registration_id)


def lock_registration(activity, registration_id):
    """The registration with this id on the activity (whose lock the caller holds), locked and read
    afresh; None if the activity has none such."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id, Registration.activity_id == activity.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# What an organizer may cancel on someone's behalf: a place, a waitlist spot, a place held for an offer,
# a lottery entry before its draw (a pending sign-up is rejected with a reason instead: services/approvals.py).
CANCELLABLE_BY_ORGANIZER = ("confirmed", "waitlisted", "offered", "entered")


def cancel_registration_for(actor, activity_id, registration_id, reason):
    """An organizer of the activity's community cancels someone's registration (a place, a waitlist
    spot, an offer or a lottery entry before its draw: `CANCELLABLE_BY_ORGANIZER`) with
    a reason: the place is given up as by its owner (`release_registration`), the waitlist moves up
    (`promote_waitlist`), reminders are voided, the person (if they have an account) is told with
    the reason, and the cancellation is audited (`registration.cancel`, with the reason). The
    organizer is not bound by the cancel cutoff.

    Raises NotFound (`activity_not_found`; `registration_not_found`: not on this activity, or already
    cancelled), Forbidden, DomainError `content_risky` (the reason, sent to the person).
    """
    get_managed_activity(actor, activity_id)
    registration = db.session.get(Registration, registration_id)
    if registration is not None and registration.user_id is not None:  # the reason is sent to them
        check_texts(actor, FORUM, {"reason": reason})
    activity = get_managed_activity(actor, activity_id, lock=True)
    registration = lock_registration(activity, registration_id)
    if registration is None or registration.status not in CANCELLABLE_BY_ORGANIZER:
        raise NotFound("registration_not_found", "该活动没有这条有效的报名")
    now = utcnow()
    release_registration(activity, registration, now)
    void_reminders("registration", [registration.id])
    if registration.user_id is not None:
        void_notices(activity.id, [registration.user_id])  # a notice still queued no longer concerns them
        enqueue_message(
            "cancelled_by_organizer",
            registration.user_id,
            {**message_payload(activity), "reason": reason},
            ref=("registration", registration.id),
        )
    promote_waitlist(activity, now)
    cache.mark_changed(db.session, "activities")
    record_audit(actor, "registration.cancel", "registration", registration.id, activity_id=activity.id, reason=reason)
    db.session.flush()
    return registration
