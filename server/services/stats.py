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
- `new_volunteers`: people whose first ever non-cancelled booking (of all communities, all time) is on
  a shift of the period and scope.

Deleted accounts keep their counts (their rows are anonymised, never removed: `services.accounts`);
a walk-in (代报名, no account) counts as one resident per registration.

Groups (`group_by`): `month` (every month of the period, empty ones included), `community` (every
community in scope), `category` (every activity category; shift figures and new volunteers null),
`site_kind` (every site kind; activity figures null). Totals are computed over the whole scope, not
summed from groups (a resident reached in two months is one resident in the total).

Top volunteers: the TOP_VOLUNTEERS people with most minutes credited in the period and scope (ties by
account id), each with the community where they served most of those minutes (ties: the community
with the lowest id); the name (real name, else nickname) only when the caller organizes that community,
else null (admins included). A deleted account's name is gone.

Queries: a fixed handful per call whatever the data: two for the activities (groups, totals), two for
the shifts, two for new volunteers, two or three for the top volunteers, one for the scope's
communities. All aggregate in SQL; month buckets are CASE expressions over UTC bounds computed here
(local midnights), which reads the same on PostgreSQL and SQLite and keeps the start indexes usable.
Read-only, no locks.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, case, distinct, exists, func, literal, literal_column, select, true
from sqlalchemy.orm import aliased

from server.errors import Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import app_timezone
from server.models import CATEGORIES, SITE_KINDS, Activity, Booking, Community, Registration, Shift, ShiftPost, Site, User
from server.models.base import utcnow

MAX_RANGE_DAYS = 366
TOP_VOLUNTEERS = 10
GROUP_BYS = ("month", "community", "category", "site_kind")
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)

# Labels of the groups (the console's pages name categories and kinds the same way).
CATEGORY_LABELS = {
    "party_lesson": "党课学习",
    "youth": "青年活动",
    "women_children": "妇女儿童",
    "elderly": "长者关爱",
    "culture": "文体活动",
    "volunteer": "志愿服务",
    "other": "其他",
}
SITE_KIND_LABELS = {
    "checkpoint": "卡口",
    "testing_site": "核酸采样点",
    "temperature_point": "测温点",
    "service_center": "党群服务中心",
    "other": "其他",
}

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
    "place was taken), at most each post's capacity.",
    "fill_rate": "posts_filled / posts_capacity, rounded to 3 decimals (0..1); null when posts_capacity is 0.",
    "vacancies": "Places of those shifts' posts nobody booked: the sum over posts of "
    "capacity - posts_filled (never below 0).",
    "volunteer_minutes": "Minutes credited (check-in to check-out, inside the shift's window) to bookings "
    "of shifts whose start falls in the period, whatever the shift's status (a shift cancelled after it "
    "began keeps the minutes served); deleted accounts included.",
    "no_shows": "Bookings of those shifts marked no-show.",
    "no_show_rate": "no_shows / bookings of those shifts that had started by the time of the request and "
    "were not cancelled (booked, checked in or no-show), rounded to 3 decimals; null when there are none.",
    "new_volunteers": "People whose first ever non-cancelled booking (in any community, at any time) is on "
    "a shift starting in the period (in the scope, and in the group).",
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
    """`statement` with `key` as its first column and GROUP BY it (or unchanged for no key)."""
    if key is None:
        return statement
    # By the output column's name: PostgreSQL would not see a CASE with bound parameters in the select
    # list and the same CASE in GROUP BY as one expression.
    return statement.add_columns(key.label("group_key")).group_by(literal_column("group_key"))


def _activity_figures(where, key):
    """Per group key (None when ungrouped): the activity figures."""
    places = 1 + Registration.companions
    attended = and_(Registration.status == "confirmed", Registration.checked_in_at.is_not(None))
    statement = (
        select(
            func.count(distinct(Activity.id)),
            func.count(Registration.id),
            func.coalesce(func.sum(case((Registration.status == "confirmed", places), else_=0)), 0),
            func.coalesce(func.sum(case((attended, places), else_=0)), 0),
            func.count(distinct(case((and_(attended, Registration.user_id.is_not(None)), Registration.user_id)))),
            func.count(case((and_(attended, Registration.user_id.is_(None)), Registration.id))),
            func.count(case((and_(Registration.status == "waitlisted", where["started"]), Registration.id))),
        )
        .select_from(Activity)
        .outerjoin(Registration, Registration.activity_id == Activity.id)
        .where(*where["activities"])
    )
    result = {}
    for row in db.session.execute(_grouped(statement, key)):
        held, signups, confirmed, served, accounts, walk_ins, unserved = row[:7]
        result[row[7] if key is not None else None] = {
            "activities_held": held,
            "signups": signups,
            "confirmed_places": int(confirmed),
            "people_served": int(served),
            "residents_reached": accounts + walk_ins,
            "waitlist_unserved": unserved,
        }
    return result


def _shift_figures(posts, key):
    """Per group key: the shift figures, from the per-post subquery `posts`."""
    is_open = posts.c.status == "open"
    statement = select(
        func.count(distinct(case((is_open, posts.c.shift_id)))),
        func.coalesce(func.sum(case((is_open, posts.c.capacity), else_=0)), 0),
        func.coalesce(
            func.sum(case((and_(is_open, posts.c.filled < posts.c.capacity), posts.c.filled),
                          (is_open, posts.c.capacity), else_=0)),
            0,
        ),
        func.coalesce(func.sum(case((and_(is_open, posts.c.capacity > posts.c.filled),
                                     posts.c.capacity - posts.c.filled), else_=0)), 0),
        func.coalesce(func.sum(posts.c.minutes), 0),
        func.coalesce(func.sum(case((is_open, posts.c.no_shows), else_=0)), 0),
        func.coalesce(func.sum(case((is_open, posts.c.due), else_=0)), 0),
    ).select_from(posts)
    result = {}
    for row in db.session.execute(_grouped(statement, key)):
        run, capacity, filled, vacancies, minutes, no_shows, due = (int(value) for value in row[:7])
        result[row[7] if key is not None else None] = {
            "shifts_run": run,
            "posts_capacity": capacity,
            "posts_filled": filled,
            "fill_rate": _rate(filled, capacity),
            "vacancies": vacancies,
            "volunteer_minutes": minutes,
            "no_shows": no_shows,
            "no_show_rate": _rate(no_shows, due),
        }
    return result


def _posts_subquery(where, now):
    """One row per post of the shifts starting in the period and scope (any status): its capacity and
    its bookings' counts."""
    taken = Booking.status != "cancelled"
    return (
        select(
            ShiftPost.shift_id.label("shift_id"),
            ShiftPost.capacity.label("capacity"),
            Shift.status.label("status"),
            Shift.starts_at.label("starts_at"),
            Site.community_id.label("community_id"),
            Site.kind.label("kind"),
            func.count(case((taken, Booking.id))).label("filled"),
            func.coalesce(func.sum(Booking.minutes_credited), 0).label("minutes"),
            func.count(case((Booking.status == "no_show", Booking.id))).label("no_shows"),
            func.count(case((and_(taken, Shift.starts_at <= now), Booking.id))).label("due"),
        )
        .select_from(ShiftPost)
        .join(Shift, Shift.id == ShiftPost.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .outerjoin(Booking, Booking.post_id == ShiftPost.id)
        .where(*where["shifts"])
        .group_by(ShiftPost.id, ShiftPost.shift_id, ShiftPost.capacity, Shift.status, Shift.starts_at,
                  Site.community_id, Site.kind)
        .subquery()
    )


def _new_volunteers(where, key):
    """Per group key: people whose first ever non-cancelled booking is on a shift of the period and scope."""
    earlier_booking, earlier_shift = aliased(Booking), aliased(Shift)
    earlier = exists().where(
        earlier_booking.user_id == Booking.user_id,
        earlier_booking.status != "cancelled",
        earlier_shift.id == earlier_booking.shift_id,
        earlier_shift.starts_at < Shift.starts_at,
    )
    statement = (
        select(func.count(distinct(Booking.user_id)))
        .select_from(Booking)
        .join(Shift, Shift.id == Booking.shift_id)
        .join(Site, Site.id == Shift.site_id)
        .where(Booking.status != "cancelled", *where["shifts"], ~earlier)
    )
    return {row[1] if key is not None else None: row[0] for row in db.session.execute(_grouped(statement, key))}


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


def _empty(names):
    return {name: 0 if name not in ("fill_rate", "no_show_rate") else None for name in names}


def compute_stats(actor, date_from, date_to, community_id=None, group_by=None, now=None):
    """The figures of the period for `actor`'s scope (`Stats`). Raises ValidationFailed (dates, range,
    group_by), Forbidden, NotFound `community_not_found` (admins: no such community)."""
    _check_period(date_from, date_to, group_by)
    now = now or utcnow()
    ids, communities = _scope(actor, community_id)
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

    def key_for(starts_at, community, category=None, kind=None):
        return buckets.expression(starts_at, community, category, kind)

    posts = _posts_subquery(where, now)
    totals = {
        **(_activity_figures(where, None).get(None) or _empty(ACTIVITY_FIGURES)),
        **(_shift_figures(posts, None).get(None) or _empty(SHIFT_FIGURES)),
        "new_volunteers": _new_volunteers(where, None).get(None, 0),
    }
    groups = []
    if group_by is not None:
        by_activity = by_shift = by_volunteer = None
        if group_by != "site_kind":
            by_activity = _activity_figures(
                where, key_for(Activity.starts_at, Activity.community_id, category=Activity.category)
            )
        if group_by != "category":
            by_shift = _shift_figures(posts, key_for(posts.c.starts_at, posts.c.community_id, kind=posts.c.kind))
            by_volunteer = _new_volunteers(where, key_for(Shift.starts_at, Site.community_id, kind=Site.kind))
        for key, label in buckets.keys:
            raw = int(key) if group_by == "community" else key
            figures = dict.fromkeys(FIGURE_NAMES)
            if by_activity is not None:
                figures.update(by_activity.get(raw) or _empty(ACTIVITY_FIGURES))
            if by_shift is not None:
                figures.update(by_shift.get(raw) or _empty(SHIFT_FIGURES))
                figures["new_volunteers"] = by_volunteer.get(raw, 0)
            groups.append(Group(key=key, label=label, **figures))
    return Stats(
        date_from=date_from,
        date_to=date_to,
        community_id=community_id,
        group_by=group_by,
        totals=Figures(**totals),
        groups=tuple(groups),
        top_volunteers=_top_volunteers(actor, where, communities),
    )
