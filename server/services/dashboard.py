"""The console's dashboard (工作台): today and the coming week in the communities an organizer manages
(admins: every community). Read-only, no locks.

What it gathers, for `overview(actor)`:
- activities published and not yet over, starting between the start of today and the end of the
  sixth day after it, with their places left and waitlist;
- shifts of the same window, not cancelled and not over, with places still open on a post;
- volunteers booked on shifts under way (started, not over: a night shift begun yesterday too) who
  have not checked in;
- people whose membership claim of a managed community awaits confirmation.

Phones are shown masked (`User.phone_masked`): the dashboard is a screen, never a file.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select, true

from server.extensions import db
from server.localtime import local_date_bounds, local_today
from server.models import Activity, Booking, Shift, ShiftPost, Site, User
from server.models.base import utcnow
from server.services.paging import count_rows

WEEK_DAYS = 7
# How many rows each of the dashboard's short tables shows (the counts above them are complete).
SHORT_LIST = 10


def managed_community_ids(actor):
    """The communities `actor` manages: None for admins (every community), else a set (maybe empty)."""
    return None if actor.is_admin else set(actor.organizer_community_ids)


def _in_communities(column, community_ids):
    return true() if community_ids is None else column.in_(community_ids or [-1])


@dataclass
class ShiftVacancy:
    shift: Shift
    capacity: int
    booked: int

    @property
    def vacant(self):
        return self.capacity - self.booked


@dataclass
class Overview:
    today: date
    week_end: date
    activities_today: int = 0
    activities_week: int = 0
    activities: list = field(default_factory=list)  # Activity, soonest first (SHORT_LIST of them)
    places_left: int = 0
    waitlisted: int = 0
    shifts_week: int = 0
    vacant_shifts_today: int = 0
    vacant_shifts_week: int = 0
    vacant_posts: int = 0
    vacancies: list = field(default_factory=list)  # ShiftVacancy, soonest first
    not_checked_in: list = field(default_factory=list)  # Booking, by shift start then name
    not_checked_in_total: int = 0
    claims_waiting: int = 0


def overview(actor, today=None, now=None):
    """What the organizer's desk needs to see first (`Overview`)."""
    now = now or utcnow()
    today = today or local_today()
    communities = managed_community_ids(actor)
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    window_start, today_end = local_date_bounds(today)
    window_end = local_date_bounds(week_end)[1]
    result = Overview(today=today, week_end=week_end)

    activities = db.session.scalars(
        select(Activity)
        .where(
            _in_communities(Activity.community_id, communities),
            Activity.status == "published",
            Activity.starts_at >= window_start,
            Activity.starts_at <= window_end,
            Activity.ends_at > now,
        )
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    result.activities_week = len(activities)
    result.activities_today = sum(1 for a in activities if a.starts_at <= today_end)
    result.places_left = sum(a.capacity - a.confirmed_count for a in activities)
    result.waitlisted = sum(a.waitlist_count for a in activities)
    result.activities = activities[:SHORT_LIST]

    posts = (
        select(
            ShiftPost.shift_id,
            func.sum(ShiftPost.capacity).label("capacity"),
            func.sum(ShiftPost.booked).label("booked"),
        )
        .group_by(ShiftPost.shift_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Shift, posts.c.capacity, posts.c.booked)
        .join(posts, posts.c.shift_id == Shift.id)
        .join(Shift.site)
        .where(
            _in_communities(Site.community_id, communities),
            Shift.status == "open",
            Shift.starts_at >= window_start,
            Shift.starts_at <= window_end,
            Shift.ends_at > now,
        )
        .order_by(Shift.starts_at, Site.name, Shift.id)
    ).all()
    result.shifts_week = len(rows)
    vacancies = [ShiftVacancy(shift, int(capacity), int(booked)) for shift, capacity, booked in rows if booked < capacity]
    result.vacant_shifts_week = len(vacancies)
    result.vacant_shifts_today = sum(1 for v in vacancies if v.shift.starts_at <= today_end)
    result.vacant_posts = sum(v.vacant for v in vacancies)
    result.vacancies = vacancies[:SHORT_LIST]

    absent = (
        select(Booking)
        .join(Booking.shift)
        .join(Shift.site)
        .join(Booking.user)
        .where(
            _in_communities(Site.community_id, communities),
            Shift.status == "open",
            Shift.starts_at <= now,
            Shift.ends_at > now,
            Booking.status == "booked",
            Booking.checked_in_at.is_(None),
        )
    )
    result.not_checked_in_total = count_rows(absent)
    result.not_checked_in = db.session.scalars(
        absent.order_by(Shift.starts_at, User.real_name, User.id).limit(SHORT_LIST)
    ).all()

    result.claims_waiting = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.community_id.is_not(None),
            _in_communities(User.community_id, communities),
            User.community_confirmed_at.is_(None),
            User.deleted_at.is_(None),
        )
    )
    return result
