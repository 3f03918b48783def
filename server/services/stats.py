"""The numbers a sub-district reports (`GET /api/v1/stats`, the console's statistics page, the year-end
report): one function, `compute_stats`, so every screen and file shows the same figures.

Scope: an organizer sees their communities (one of them with `community_id`; another's is 403
`forbidden`); an admin the whole sub-district or any one community (an unknown one is 404
`community_not_found`); anyone else is refused (403). The period is two local dates (APP_TIMEZONE),
both included, at most MAX_RANGE_DAYS apart.

Every activity and shift counts in the period, month and group of its START, in local time: a
shift from 23:00 on 31 January to 03:00 on 1 February counts in January. The figures (`Figures`,
exact definitions in FIGURE_DOCS, the OpenAPI schema and docs/api.md):

- activities: `activities_held`, `signups`, `confirmed_places`, `people_served` (人次),
  `residents_reached`, `waitlist_unserved`: of the published (not cancelled, not draft) activities;
- shifts: `shifts_run`, `posts_capacity`, `posts_filled`, `fill_rate`, `vacancies`, `no_shows`,
  `no_show_rate`: of the open (not cancelled) shifts; `volunteer_minutes`: minutes credited on shifts
  of any status (a shift cancelled after it began keeps the minutes served, as the hours report does);
- `new_volunteers`: people whose first ever booking that made them a volunteer (booked, not a no-show,
  on an open shift or checked in on one cancelled after it began; of all communities, all time) is on a
  shift of the period and scope.

Deleted accounts keep their counts (their rows are anonymised, never removed: `services.accounts`);
a walk-in (代报名, no account) counts as one resident per registration.

Groups (`group_by`): `month` (every month of the period, empty ones included), `community` (every
community in scope), `category` (every activity category; shift figures and new volunteers null),
`site_kind` (every site kind; activity figures null). Totals cover the whole period and scope, whatever
the grouping: a resident reached in two months is one resident in the total.

Top volunteers: the TOP_VOLUNTEERS people with most minutes credited in the period and scope (ties by
account id), each with the community where they served most of those minutes (ties: the community
with the lowest id); the name (real name, else nickname) only when the caller organizes that community,
else null (admins included). A deleted account's name is gone.

Queries: nine per call whatever the data and the grouping (seven when nobody served a minute): the
scope's communities; the activities' figures; the accounts reached (groups and total in one
statement); the shifts' places; their bookings; new volunteers; the top volunteers, where each served
most, and their names. Each aggregates in SQL, grouped by the group key; the groups partition the
scope, so every additive figure's total is the sum of its groups, summed here, and only the accounts
reached need their own total. Month buckets are CASE expressions over UTC bounds computed here (local
midnights), which read the same on PostgreSQL and SQLite and keep the start indexes usable. The
existing indexes serve every query (no migration). Read-only, no locks.
"""

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, distinct, func, literal, literal_column, or_, select, true

from server.errors import Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import app_timezone
from server.models import (
    CATEGORIES,
    CATEGORY_LABELS,
    SITE_KIND_LABELS,
    SITE_KINDS,
    Activity,
    Booking,
    Community,
    Registration,
    Shift,
    ShiftPost,
    Site,
    User,
)
from server.models.base import utcnow
from server.services import cache

MAX_RANGE_DAYS = 366
TOP_VOLUNTEERS = 10
GROUP_BYS = ("month", "community", "category", "site_kind")
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)

ACTIVITY_FIGURES = (
    "activities_held", "signups", "confirmed_places", "people_served", "residents_reached", "waitlist_unserved",
)
SHIFT_FIGURES = (
    "shifts_run", "posts_capacity", "posts_filled", "fill_rate", "vacancies", "volunteer_minutes", "no_shows",
    "no_show_rate",
)
VOLUNTEER_FIGURES = ("new_volunteers",)

# The exact definition of every figure: the API schema's descriptions and docs/api.md say the same.
FIGURE_DOCS = {
    "activities_held": "Activities published (not draft, not cancelled) whose start falls in the period.",
    "signups": "Registrations ever made for those activities, whatever their status now (confirmed, "
    "waitlisted or cancelled; a person has one registration per activity, so counts once; each walk-in "
    "registration counts once).",
    "confirmed_places": "Places (1 + companions) of those activities' registrations that are confirmed "
    "(for a past activity: confirmed when it took place).",
    "people_served": "人次: places (1 + companions) of those activities' confirmed registrations that "
    "were checked in.",
    "residents_reached": "Distinct people checked in at those activities: accounts counted once however "
    "many activities they attended (deleted accounts included), each checked-in walk-in registration "
    "counted as one person. Not additive: a group's figure counts within the group, the total over the "
    "whole period and scope.",
    "waitlist_unserved": "Registrations of those activities, already started, still on the waitlist: "
    "people who asked for a place and never got one.",
    "shifts_run": "Open (not cancelled) shifts whose start falls in the period.",
    "posts_capacity": "Sum of the capacities of the posts of those shifts.",
    "posts_filled": "Bookings of those shifts not cancelled (booked, checked in, or marked no-show: the "
    "place was taken).",
    "fill_rate": "posts_filled / posts_capacity, rounded to 3 decimals (0..1); null when posts_capacity is 0.",
    "vacancies": "posts_capacity - posts_filled: places of those shifts' posts nobody took (a post never "
    "holds more bookings than its capacity).",
    "volunteer_minutes": "Confirmed minutes (`minutes_credited`: the figure an organizer confirmed or "
    "corrected; pending hours count 0) of bookings of shifts whose start falls in the period, whatever the shift's status (a shift cancelled after it "
    "began keeps the minutes served); deleted accounts included.",
    "no_shows": "Bookings of those shifts marked no-show.",
    "no_show_rate": "no_shows / bookings of those shifts that had started by the time of the request and "
    "were not cancelled (booked, checked in or no-show), rounded to 3 decimals; null when there are none.",
    "new_volunteers": "People whose first ever booking that made them a volunteer (in any community, at any "
    "time, by shift start) is on a shift starting in the period, in the scope (and the group). Such a "
    "booking is neither cancelled nor a no-show, on an open shift, or checked in on a shift cancelled "
    "after it began; a booking on a shift cancelled beforehand does not count.",
}


@dataclass(frozen=True)
class Figures:
    """The figures of a period (or of one group of it); None where a figure does not apply to the group."""

    activities_held: int | None
    signups: int | None
    confirmed_places: int | None
    people_served: int | None
    residents_reached: int | None
    waitlist_unserved: int | None
    shifts_run: int | None
    posts_capacity: int | None
    posts_filled: int | None
    fill_rate: float | None
    vacancies: int | None
    volunteer_minutes: int | None
    no_shows: int | None
    no_show_rate: float | None
    new_volunteers: int | None


@dataclass(frozen=True)
class Group(Figures):
    """The figures of one group: `key` (`2026-01`, a community id as text, a category or a site kind)
    and its Chinese `label`."""

    key: str
    label: str


@dataclass(frozen=True)
class TopVolunteer:
    rank: int
    name: str | None  # only for the organizers of `community_id`
    community_id: int
    community: str
    minutes: int


@dataclass(frozen=True)
class Stats:
    date_from: date
    date_to: date
    community_id: int | None
    group_by: str | None
    totals: Figures
    groups: tuple  # of Group, in display order
    top_volunteers: tuple  # of TopVolunteer, rank order


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


def _rate(part, whole):
    return round(part / whole, 3) if whole else None


def _utc_midnight(day):
    """Local midnight starting `day`, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=app_timezone()).astimezone(timezone.utc)


def _month_starts(date_from, date_to):
    """First days of the months the period touches."""
    month, months = date_from.replace(day=1), []
    while month <= date_to:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _check_period(date_from, date_to, group_by):
    problems = {}
    for field, day in (("from", date_from), ("to", date_to)):
        if not isinstance(day, date) or isinstance(day, datetime) or not EARLIEST_DATE <= day <= LATEST_DATE:
            problems[field] = [f"日期须在 {EARLIEST_DATE.isoformat()} 至 {LATEST_DATE.isoformat()} 之间"]
    if not problems:
        if date_to < date_from:
            problems["to"] = ["结束日期不能早于开始日期"]
        elif (date_to - date_from).days > MAX_RANGE_DAYS:
            problems["to"] = [f"日期范围不能超过 {MAX_RANGE_DAYS} 天"]
    if group_by is not None and group_by not in GROUP_BYS:
        problems["group_by"] = ["须为以下之一：" + ", ".join(GROUP_BYS)]
    if problems:
        raise ValidationFailed(errors=problems)


def _scope(actor, community_id):
    """`(community ids or None for every community, the communities of the scope by name)`.
    Raises Forbidden, NotFound."""
    if actor is None or not (actor.is_admin or actor.organizer_community_ids):
        raise Forbidden("forbidden", "只有组织者和管理员可以查看统计")
    if community_id is not None:
        if not actor.is_admin and community_id not in actor.organizer_community_ids:
            raise Forbidden("forbidden", "只能查看自己负责的社区的统计")
        community = db.session.get(Community, community_id)
        if community is None:
            raise NotFound("community_not_found")
        return {community_id}, [community]
    statement = select(Community).order_by(Community.name, Community.id)
    if actor.is_admin:
        return None, list(db.session.scalars(statement))
    ids = set(actor.organizer_community_ids)
    return ids, list(db.session.scalars(statement.where(Community.id.in_(ids))))


def _in_scope(column, ids):
    return true() if ids is None else column.in_(ids)


class _Buckets:
    """The group key expression over one table's start and community columns, and the group list."""

    def __init__(self, group_by, date_from, date_to, communities):
        self.group_by = group_by
        if group_by == "month":
            months = _month_starts(date_from, date_to)
            self.keys = [(m.strftime("%Y-%m"), f"{m.year}年{m.month}月") for m in months]
            self.bounds = [_utc_midnight(m) for m in months[1:]]
        elif group_by == "community":
            self.keys = [(str(c.id), c.name) for c in communities]
        elif group_by == "category":
            self.keys = [(key, CATEGORY_LABELS[key]) for key in CATEGORIES]
        elif group_by == "site_kind":
            self.keys = [(key, SITE_KIND_LABELS[key]) for key in SITE_KINDS]
        else:
            self.keys = []

    def expression(self, starts_at, community_id, category=None, kind=None):
        """The SQL expression of the group key (text, or the community id), or None for no grouping."""
        if self.group_by == "month":
            keys = [key for key, _ in self.keys]
            if len(keys) == 1:
                return literal(keys[0])
            return case(*[(starts_at < bound, key) for bound, key in zip(self.bounds, keys)], else_=keys[-1])
        if self.group_by == "community":
            return community_id
        if self.group_by == "category":
            return category
        if self.group_by == "site_kind":
            return kind
        return None


def _grouped(statement, key):
    """`statement` with `key` as its last column and GROUP BY it (or unchanged for no key)."""
    if key is None:
        return statement
    # By the output column's name: PostgreSQL would not see a CASE with bound parameters in the select
    # list and the same CASE in GROUP BY as one expression.
    return statement.add_columns(key.label("group_key")).group_by(literal_column("group_key"))


def _rows(statement, key, width):
    """`{group key (None without one): the first `width` columns}` of the rows of the grouped statement."""
    return {row[width] if key is not None else None: tuple(row[:width]) for row in db.session.execute(
        _grouped(statement, key))}


def _sum(rows, width):
    """Column sums of `rows` (the values of a `_rows` answer): the totals of additive figures."""
    return tuple(sum(int(row[i] or 0) for row in rows.values() if row) for i in range(width))


def _attended():
    return and_(Registration.status == "confirmed", Registration.checked_in_at.is_not(None))


def _activity_sums(where, key):
    """Per group key: activities held, sign-ups, confirmed places, places checked in, walk-ins checked in,
    waitlisted at the start (all additive). The registrations of the period's activities are summed per
    activity first (one pass), then the activities per group."""
    places = 1 + Registration.companions
    attended = _attended()
    per_activity = (
        select(
            Registration.activity_id.label("activity_id"),
            func.count().label("signups"),
            func.coalesce(func.sum(case((Registration.status == "confirmed", places), else_=0)), 0).label("confirmed"),
            func.coalesce(func.sum(case((attended, places), else_=0)), 0).label("served"),
            func.count(case((and_(attended, Registration.user_id.is_(None)), Registration.id))).label("walk_ins"),
            func.count(case((Registration.status == "waitlisted", Registration.id))).label("waitlisted"),
        )
        .join(Activity, Activity.id == Registration.activity_id)
        .where(*where["activities"])
        .group_by(Registration.activity_id)
        .subquery("per_activity")
    )
    statement = (
        select(
            func.count(),
            func.coalesce(func.sum(per_activity.c.signups), 0),
            func.coalesce(func.sum(per_activity.c.confirmed), 0),
            func.coalesce(func.sum(per_activity.c.served), 0),
            func.coalesce(func.sum(per_activity.c.walk_ins), 0),
            func.coalesce(func.sum(case((where["started"], per_activity.c.waitlisted), else_=0)), 0),
        )
        .select_from(Activity)
        .outerjoin(per_activity, per_activity.c.activity_id == Activity.id)
        .where(*where["activities"])
    )
    return _rows(statement, key, 6)


def _accounts_reached(where, key):
    """`(total, {group key: count})`: distinct accounts checked in at the period's activities, over the
    whole scope and per group (not additive: one person in two groups is one in the total)."""
    attended = and_(_attended(), Registration.user_id.is_not(None))
    if key is None:
        people = (
            select(Registration.user_id.label("user_id"))
            .join(Activity, Activity.id == Registration.activity_id)
            .where(attended, *where["activities"])
            .distinct()
            .subquery("people")
        )
        return db.session.scalar(select(func.count()).select_from(people)), {}
    # The period's activities with their group key, computed once per activity (PostgreSQL would
    # otherwise inline it and evaluate the key once per registration).
    activities = (
        select(Activity.id.label("id"), key.label("group_key"))
        .where(*where["activities"])
        .cte("period_activities")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    people = (
        select(Registration.user_id.label("user_id"), activities.c.group_key)
        .join(activities, activities.c.id == Registration.activity_id)
        .where(attended)
        .distinct()
        .cte("people")
    )
    per_group = select(literal(0).label("whole"), people.c.group_key, func.count()).group_by(people.c.group_key)
    whole = select(literal(1).label("whole"), func.min(people.c.group_key), func.count(distinct(people.c.user_id)))
    total, groups = 0, {}
    for is_total, group_key, count in db.session.execute(per_group.union_all(whole)):
        if is_total:
            total = count
        else:
            groups[group_key] = count
    return total, groups


def _shift_places(where, key):
    """Per group key: open shifts and the sum of their posts' capacities."""
    statement = (
        select(func.count(distinct(Shift.id)), func.coalesce(func.sum(ShiftPost.capacity), 0))
        .select_from(Shift)
        .join(Site, Site.id == Shift.site_id)
        .join(ShiftPost, ShiftPost.shift_id == Shift.id)
        .where(Shift.status == "open", *where["shifts"])
    )
    return _rows(statement, key, 2)


def _shift_bookings(where, key, now):
    """Per group key: bookings of open shifts that took a place, minutes credited (shifts of any status),
    no-shows, and bookings that took a place on open shifts already started."""
    is_open = Shift.status == "open"
    taken = and_(is_open, Booking.status != "cancelled")
    statement = (
        select(
            func.count(case((taken, Booking.id))),
            func.coalesce(func.sum(Booking.minutes_credited), 0),
            func.count(case((and_(is_open, Booking.status == "no_show"), Booking.id))),
            func.count(case((and_(taken, Shift.starts_at <= now), Booking.id))),
        )
        .select_from(Booking)
        .join(Shift, Shift.id == Booking.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(*where["shifts"])
    )
    return _rows(statement, key, 4)


def _served_or_due(booking, shift):
    """A booking that makes its volunteer one: booked (neither cancelled nor a no-show), on an open shift
    or checked in on one cancelled after it began."""
    return and_(booking.status == "booked", or_(shift.status == "open", booking.checked_in_at.is_not(None)))


def _new_volunteers(where, key, ids, start, end):
    """Per group key: people whose first ever counting booking is on a shift of the period and scope.

    One pass over every counting booking on a shift starting before the period's end (all communities:
    a first booking elsewhere makes a volunteer no newcomer here), numbered per person by start, then
    booking id; the first ones inside the period and scope are counted. Additive: a person is new on
    one shift only. (A probe per candidate for an earlier booking measured twice as slow.)"""
    order = func.row_number().over(partition_by=Booking.user_id, order_by=(Shift.starts_at, Booking.id))
    columns = [Shift.starts_at.label("starts_at"), Site.community_id.label("community_id"), order.label("nth")]
    if key is not None:
        columns.append(key.label("group_key"))
    numbered = (
        select(*columns)
        .select_from(Booking)
        .join(Shift, Shift.id == Booking.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(_served_or_due(Booking, Shift), Shift.starts_at < end)
        .subquery("numbered")
    )
    statement = select(func.count()).select_from(numbered).where(
        numbered.c.nth == 1, numbered.c.starts_at >= start, _in_scope(numbered.c.community_id, ids)
    )
    if key is None:
        return {None: (db.session.scalar(statement),)}
    return {row[1]: (row[0],) for row in db.session.execute(
        statement.add_columns(numbered.c.group_key).group_by(numbered.c.group_key))}


def _top_volunteers(actor, where, communities):
    minutes = func.sum(Booking.minutes_credited)
    base = (
        select(Booking.user_id)
        .join(Shift, Shift.id == Booking.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(Booking.minutes_credited > 0, *where["shifts"])
    )
    top = db.session.execute(
        base.add_columns(minutes).group_by(Booking.user_id).order_by(minutes.desc(), Booking.user_id)
        .limit(TOP_VOLUNTEERS)
    ).all()
    if not top:
        return ()
    ids = [user_id for user_id, _ in top]
    where_most = {}
    for user_id, community_id, served in db.session.execute(
        base.add_columns(Site.community_id, minutes).where(Booking.user_id.in_(ids))
        .group_by(Booking.user_id, Site.community_id)
    ):
        best = where_most.get(user_id)
        if best is None or (served, -community_id) > (best[1], -best[0]):
            where_most[user_id] = (community_id, served)
    names = {
        user_id: real_name or nickname
        for user_id, real_name, nickname in db.session.execute(
            select(User.id, User.real_name, User.nickname).where(User.id.in_(ids))
        )
    }
    community_names = {c.id: c.name for c in communities}
    own = actor.organizer_community_ids
    result = []
    for rank, (user_id, served) in enumerate(top, start=1):
        community_id = where_most[user_id][0]
        result.append(TopVolunteer(
            rank=rank,
            name=names.get(user_id) if community_id in own else None,
            community_id=community_id,
            community=community_names.get(community_id, ""),
            minutes=int(served),
        ))
    return tuple(result)


def _activity_figures(sums, reached):
    held, signups, confirmed, served, walk_ins, unserved = sums
    return {"activities_held": held, "signups": signups, "confirmed_places": confirmed, "people_served": served,
            "residents_reached": reached + walk_ins, "waitlist_unserved": unserved}


def _shift_figures(places, bookings, new):
    run, capacity = places
    filled, minutes, no_shows, due = bookings
    return {"shifts_run": run, "posts_capacity": capacity, "posts_filled": filled,
            "fill_rate": _rate(filled, capacity), "vacancies": max(capacity - filled, 0),
            "volunteer_minutes": minutes, "no_shows": no_shows, "no_show_rate": _rate(no_shows, due),
            "new_volunteers": new}


def compute_stats(actor, date_from, date_to, community_id=None, group_by=None, now=None):
    """The figures of the period for `actor`'s scope (`Stats`). Raises ValidationFailed (dates, range,
    group_by), Forbidden, NotFound `community_not_found` (admins: no such community).

    Remembered in the version-keyed cache (`services.cache`, namespace `stats`): any commit that writes
    a row the figures are read from retires every remembered answer, so a figure is never older than
    the data, except for what only the passing of time changes (an activity that has just started),
    for up to `cache.TTL_SECONDS`. The answer depends on the scope and on whose names the caller may
    see, and both are in the key. A moment given as `now` (tests) is computed, never remembered."""
    _check_period(date_from, date_to, group_by)
    ids, communities = _scope(actor, community_id)
    if now is not None:
        return _compute(actor, date_from, date_to, community_id, group_by, now, ids, communities)
    args = {
        "from": date_from.isoformat(), "to": date_to.isoformat(), "group_by": group_by, "community_id": community_id,
        "scope": sorted(ids) if ids is not None else None,
        "names_for": sorted(actor.organizer_community_ids),
    }
    answer = cache.cached_page(
        "stats",
        args,
        lambda: _as_json(_compute(actor, date_from, date_to, community_id, group_by, utcnow(), ids, communities)),
    )
    return _from_json(answer)


def _as_json(stats):
    return {**asdict(stats), "date_from": stats.date_from.isoformat(), "date_to": stats.date_to.isoformat()}


def _from_json(data):
    return Stats(
        date_from=date.fromisoformat(data["date_from"]),
        date_to=date.fromisoformat(data["date_to"]),
        community_id=data["community_id"],
        group_by=data["group_by"],
        totals=Figures(**data["totals"]),
        groups=tuple(Group(**group) for group in data["groups"]),
        top_volunteers=tuple(TopVolunteer(**volunteer) for volunteer in data["top_volunteers"]),
    )


def _compute(actor, date_from, date_to, community_id, group_by, now, ids, communities):
    start, end = _utc_midnight(date_from), _utc_midnight(date_to + timedelta(days=1))
    where = {
        "activities": (
            Activity.status.in_(("published", "finished")),
            Activity.starts_at >= start,
            Activity.starts_at < end,
            _in_scope(Activity.community_id, ids),
        ),
        "started": Activity.starts_at <= now,
        "shifts": (Shift.starts_at >= start, Shift.starts_at < end, _in_scope(Site.community_id, ids)),
    }
    buckets = _Buckets(group_by, date_from, date_to, communities)
    # The groups partition the scope, so every additive figure's total is the sum of its groups.
    activity_key = shift_key = None
    if group_by in ("month", "community", "category"):
        activity_key = buckets.expression(Activity.starts_at, Activity.community_id, category=Activity.category)
    if group_by in ("month", "community", "site_kind"):
        shift_key = buckets.expression(Shift.starts_at, Site.community_id, kind=Site.kind)

    activity_sums = _activity_sums(where, activity_key)
    accounts_total, accounts = _accounts_reached(where, activity_key)
    places = _shift_places(where, shift_key)
    bookings = _shift_bookings(where, shift_key, now)
    new = _new_volunteers(where, shift_key, ids, start, end)

    totals = Figures(
        **_activity_figures(_sum(activity_sums, 6), accounts_total),
        **_shift_figures(_sum(places, 2), _sum(bookings, 4), _sum(new, 1)[0]),
    )
    groups = []
    for key, label in buckets.keys:
        raw = int(key) if group_by == "community" else key
        figures = dict.fromkeys(FIGURE_NAMES)
        if activity_key is not None:
            figures.update(_activity_figures(_sum({raw: activity_sums.get(raw, ())}, 6), accounts.get(raw, 0)))
        if shift_key is not None:
            figures.update(_shift_figures(
                _sum({raw: places.get(raw, ())}, 2), _sum({raw: bookings.get(raw, ())}, 4), new.get(raw, (0,))[0]
            ))
        groups.append(Group(key=key, label=label, **figures))
    return Stats(
        date_from=date_from,
        date_to=date_to,
        community_id=community_id,
        group_by=group_by,
        totals=totals,
        groups=tuple(groups),
        top_volunteers=_top_volunteers(actor, where, communities),
    )
