"""Vacancy alerts (空岗提醒): a post still short of people at set times before its shift alerts
volunteers who opted in, are eligible and are free then.

Opting in (`GET/PUT /me/vacancy-alerts`): a volunteer switches alerts on and chooses sites and/or
communities (at most MAX_SITES and MAX_COMMUNITIES, none archived), and may give a home point (GCJ-02),
stored rounded to 3 decimals (about 100 m: enough to sort by nearness). Accepting the `shift_vacancy`
subscribe template gives one credit per accept; one alert uses one. Deleting the account erases the
opt-in and the home point (`erase_opt_in`).

Rules of a round (one per shift and lead, `VACANCY_ALERT_LEADS_MINUTES` before the shift starts):
- due from `starts_at - lead`; a round not run within LATE_AFTER of that moment (the schedulers were
  down, or the shift was created after it) is skipped, never sent late; none runs once the shift has
  started, nor for a cancelled shift or one at an archived site;
- each post short of its capacity (`missing` = capacity - booked) alerts at most missing x
  `VACANCY_ALERT_FACTOR` people, posts in their order; a person is alerted for one post;
- a person is alerted when: their opt-in is on; they chose the shift's site or its community; they
  have a `shift_vacancy` credit not already promised to an alert still waiting to be sent; their
  account is not deleted; `bookings.eligible_users` lets them hold the post (the one eligibility rule,
  in SQL); they hold no booking of the shift; no booking of theirs overlaps it or comes closer than
  MIN_REST_MINUTES_BETWEEN_SHIFTS (in SQL, with the booking rule's own `near` expression); the shift
  keeps their minutes inside any 24 hours within MAX_SHIFT_MINUTES_PER_DAY (`bookings.busiest_window`,
  on their shifts read in one query for the whole batch); and they were never alerted for this shift
  (the unique (shift, person) row);
- order: nearest first to the site when both the site and the person have coordinates, the others
  after them; ties (and everyone without coordinates) in a per-shift pseudo-random order, a hash of
  the shift and the person: fair over many shifts (nobody is always first or always last), and the
  same order on every run of one shift.

Exactly once: the round's row (unique shift and lead) is inserted first, in the transaction that
also writes the alerts and their outbox messages: a second scheduler's insert waits for the first
transaction and then fails on the unique key (it skips the round), and a scheduler that dies
mid-round leaves nothing. The shift's row is locked (FOR UPDATE) so two rounds of one shift never
choose at once; the unique (shift, person) row stands behind that.

Lock order: the shift's row, then the round's insert. A booking does not lock the shift row, so
alerts never hold up bookings.
"""

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import cos, radians

from flask import current_app
from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from server.errors import ValidationFailed
from server.extensions import db
from server.localtime import to_local
from server.models import (
    Booking,
    Community,
    OutboxMessage,
    Shift,
    ShiftPost,
    Site,
    SubscriptionCredit,
    User,
    VacancyAlert,
    VacancyAlertPref,
    VacancyAlertRound,
    VacancyAlertScope,
)
from server.models.base import utcnow
from server.services import bookings
from server.services.geo import distance_m
from server.services.locking import lock_row
from server.services.shift_planning import get_managed_shift
from server.services.templates import template_ids
from server.services.users import contact

log = logging.getLogger(__name__)

KIND = "shift_vacancy"
MAX_SITES = 50
MAX_COMMUNITIES = 20
HOME_DECIMALS = 3
# A round not run within this long after its moment is skipped (see the module's rules).
LATE_AFTER = timedelta(minutes=30)
# Candidates read per query while choosing; more are read only when the fatigue limit drops some.
BATCH_EXTRA = 20


# --- the opt-in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptIn:
    """A volunteer's vacancy-alert settings (`VacancyAlertSettingsSchema`)."""

    enabled: bool
    sites: list
    communities: list
    home_latitude: float | None
    home_longitude: float | None
    credits: int


def _credits(user_id):
    remaining = db.session.scalar(
        select(SubscriptionCredit.remaining).where(
            SubscriptionCredit.user_id == user_id, SubscriptionCredit.template_id == template_ids()[KIND]
        )
    )
    return remaining or 0


def get_opt_in(user):
    """The caller's settings (off, nothing chosen, when never set)."""
    pref = db.session.get(VacancyAlertPref, user.id)
    scopes = db.session.scalars(
        select(VacancyAlertScope).where(VacancyAlertScope.user_id == user.id).order_by(VacancyAlertScope.id)
    ).all()
    sites = [{"id": s.site.id, "name": s.site.name, "community_id": s.site.community_id} for s in scopes if s.site_id]
    communities = [{"id": s.community.id, "name": s.community.name} for s in scopes if s.community_id]
    return OptIn(
        enabled=bool(pref and pref.enabled),
        sites=sites,
        communities=communities,
        home_latitude=pref.home_latitude if pref else None,
        home_longitude=pref.home_longitude if pref else None,
        credits=_credits(user.id),
    )


def _checked_ids(model, ids, field, limit, what):
    """The ids (distinct, in order), each an existing row that is not archived. Raises ValidationFailed."""
    ids = list(dict.fromkeys(ids))
    if len(ids) > limit:
        raise ValidationFailed(errors={field: [f"最多选择 {limit} 个{what}"]})
    if not ids:
        return ids
    found = set(db.session.scalars(select(model.id).where(model.id.in_(ids), model.archived_at.is_(None))))
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ValidationFailed(errors={field: [f"{what}不存在或已停用：{', '.join(map(str, unknown))}"]})
    return ids


def _home_point(data):
    """The home point rounded to HOME_DECIMALS, or (None, None). Raises ValidationFailed (half given)."""
    latitude, longitude = data.get("home_latitude"), data.get("home_longitude")
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(errors={"home_latitude": ["位置需同时包含纬度和经度"]})
    if latitude is None:
        return None, None
    return round(latitude, HOME_DECIMALS), round(longitude, HOME_DECIMALS)


def update_opt_in(user, data):
    """Replace the caller's settings with `data` ({enabled, site_ids, community_ids, home_latitude,
    home_longitude}; every field replaces what was set). Switching on needs a site or a community.
    Raises ValidationFailed."""
    site_ids = _checked_ids(Site, data.get("site_ids", []), "site_ids", MAX_SITES, "站点")
    community_ids = _checked_ids(Community, data.get("community_ids", []), "community_ids", MAX_COMMUNITIES, "社区")
    if data["enabled"] and not site_ids and not community_ids:
        raise ValidationFailed(errors={"site_ids": ["请至少选择一个站点或社区"]})
    latitude, longitude = _home_point(data)
    pref = db.session.get(VacancyAlertPref, user.id)
    if pref is None:
        pref = VacancyAlertPref(user_id=user.id)
        db.session.add(pref)
    pref.enabled = data["enabled"]
    pref.home_latitude, pref.home_longitude = latitude, longitude
    pref.updated_at = utcnow()
    db.session.execute(VacancyAlertScope.__table__.delete().where(VacancyAlertScope.user_id == user.id))
    db.session.add_all(
        [VacancyAlertScope(user_id=user.id, site_id=i) for i in site_ids]
        + [VacancyAlertScope(user_id=user.id, community_id=i) for i in community_ids]
    )
    db.session.flush()
    return get_opt_in(user)


def erase_opt_in(user_id):
    """Account deletion: the opt-in, its choices and the home point go (the alerts sent stay, as the
    organizer's record, naming an anonymised account)."""
    db.session.execute(VacancyAlertScope.__table__.delete().where(VacancyAlertScope.user_id == user_id))
    db.session.execute(VacancyAlertPref.__table__.delete().where(VacancyAlertPref.user_id == user_id))


# --- choosing whom to alert ----------------------------------------------------------------------------


def _tie_break(shift_id):
    """A per-shift pseudo-random order of people: a multiplicative hash of the person and the shift,
    in integer arithmetic any database computes alike."""
    salt = zlib.crc32(str(shift_id).encode()) % 1_000_003
    return (User.id * 7_919 + salt) % 1_000_003


def _nearness(site):
    """An SQL expression growing with the distance from a person's home point to the site (an
    equirectangular square distance: the same order as metres within a city), NULL without a point."""
    scale = cos(radians(site.latitude))
    dlat = VacancyAlertPref.home_latitude - site.latitude
    dlng = (VacancyAlertPref.home_longitude - site.longitude) * scale
    return dlat * dlat + dlng * dlng


def _candidates_statement(shift, post):
    """Opted-in people who may be alerted for `post` of `shift`, in alert order: every rule but the
    24-hour limit (checked on each batch) and the per-round exclusions (added by the caller)."""
    site = shift.site
    rest = timedelta(minutes=current_app.config["MIN_REST_MINUTES_BETWEEN_SHIFTS"])
    other_shift = Shift.__table__.alias("other_shift")
    scope = VacancyAlertScope.__table__
    promised = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.user_id == User.id, OutboxMessage.kind == KIND, OutboxMessage.status == "pending")
        .scalar_subquery()
    )
    statement = (
        select(User.id, VacancyAlertPref.home_latitude, VacancyAlertPref.home_longitude)
        .join(VacancyAlertPref, VacancyAlertPref.user_id == User.id)
        .join(SubscriptionCredit, and_(SubscriptionCredit.user_id == User.id,
                                       SubscriptionCredit.template_id == template_ids()[KIND]))
        .where(VacancyAlertPref.enabled.is_(True), User.deleted_at.is_(None), User.openid.is_not(None))
        .where(SubscriptionCredit.remaining > promised)
        .where(exists().where(scope.c.user_id == User.id,
                              or_(scope.c.site_id == site.id, scope.c.community_id == site.community_id)))
        .where(~exists().where(Booking.shift_id == shift.id, Booking.user_id == User.id, Booking.status != "cancelled"))
        .where(~exists().where(VacancyAlert.shift_id == shift.id, VacancyAlert.user_id == User.id))
        .where(~exists().where(
            Booking.user_id == User.id, Booking.status == "booked", Booking.shift_id == other_shift.c.id,
            other_shift.c.status == "open", other_shift.c.id != shift.id,
            bookings.near(other_shift.c.starts_at, other_shift.c.ends_at, shift, rest),
        ))
    )
    statement = bookings.eligible_users(statement, shift, post)
    order = [_tie_break(shift.id), User.id]
    if site.latitude is not None and site.longitude is not None:
        nearness = _nearness(site)
        order = [VacancyAlertPref.home_latitude.is_(None), nearness, *order]
    return statement.order_by(*order)


@dataclass(frozen=True)
class _Span:
    starts_at: datetime
    ends_at: datetime


def _within_daily_limit(shift, user_ids):
    """The people among `user_ids` whose open bookings and `shift` fit MAX_SHIFT_MINUTES_PER_DAY in any
    24 hours: their shifts near `shift` read in one query, each person's busiest window computed here."""
    limit = current_app.config["MAX_SHIFT_MINUTES_PER_DAY"]
    if not user_ids:
        return []
    held = {}
    rows = db.session.execute(
        select(Booking.user_id, Shift.starts_at, Shift.ends_at)
        .join(Shift, Shift.id == Booking.shift_id)
        .where(Booking.user_id.in_(user_ids), Booking.status == "booked", Shift.status == "open",
               Shift.id != shift.id, bookings.near(Shift.starts_at, Shift.ends_at, shift, bookings.FATIGUE_WINDOW))
    )
    for row in rows:
        held.setdefault(row.user_id, []).append(_Span(row.starts_at, row.ends_at))
    return [
        user_id for user_id in user_ids
        if user_id not in held or bookings.busiest_window(shift, held[user_id])[0] <= limit
    ]


def choose(shift, post, wanted, excluded=()):
    """Up to `wanted` people to alert for `post`, in alert order: `[(user_id, distance_m or None)]`."""
    statement = _candidates_statement(shift, post)
    if excluded:
        statement = statement.where(User.id.notin_(list(excluded)))
    chosen, offset, batch = [], 0, wanted + BATCH_EXTRA
    site = shift.site
    while len(chosen) < wanted:
        rows = db.session.execute(statement.offset(offset).limit(batch)).all()
        if not rows:
            break
        fit = set(_within_daily_limit(shift, [row.id for row in rows]))
        for row in rows:
            if row.id not in fit or len(chosen) >= wanted:
                continue
            distance = None
            if None not in (site.latitude, site.longitude, row.home_latitude, row.home_longitude):
                distance = round(distance_m(row.home_latitude, row.home_longitude, site.latitude, site.longitude))
            chosen.append((row.id, distance))
        offset += batch
        if len(rows) < batch:
            break
    return chosen


# --- rounds ----------------------------------------------------------------------------------------


def _leads():
    return sorted(set(current_app.config["VACANCY_ALERT_LEADS_MINUTES"] or []), reverse=True)


def due_rounds(now):
    """`[(shift_id, lead)]` due now and not yet run, soonest shift first."""
    due = []
    for lead in _leads():
        window_start = now + timedelta(minutes=lead) - LATE_AFTER  # the moment passed at most LATE_AFTER ago
        window_end = now + timedelta(minutes=lead)
        short = select(ShiftPost.id).where(ShiftPost.shift_id == Shift.id, ShiftPost.has_free_place)
        ran = select(VacancyAlertRound.id).where(VacancyAlertRound.shift_id == Shift.id,
                                                 VacancyAlertRound.lead_minutes == lead)
        rows = db.session.execute(
            select(Shift.id, Shift.starts_at)
            .join(Site, Site.id == Shift.site_id)
            .where(Shift.status == "open", Site.archived_at.is_(None), Shift.starts_at > now,
                   Shift.starts_at > window_start, Shift.starts_at <= window_end)
            .where(short.exists(), ~ran.exists())
        ).all()
        due.extend((row.starts_at, row.id, lead) for row in rows)
    return [(shift_id, lead) for _, shift_id, lead in sorted(due)]


def _payload(shift, post, missing):
    site = shift.site
    local = to_local(shift.starts_at)
    return {
        "shift_id": shift.id, "site_id": site.id, "date": f"{local:%Y-%m-%d}", "site": site.name,
        "post": post.name, "address": site.address, "missing": missing,
        "starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
        "tip": f"还缺{missing}人，点此一键预约",
    }


def _claim_round(shift, lead, worker_id, now):
    """Insert the round's row; None if another scheduler has it (its insert won the unique key)."""
    try:
        with db.session.begin_nested():
            round_ = VacancyAlertRound(shift_id=shift.id, lead_minutes=lead, claimed_by=worker_id, ran_at=now,
                                       missing=0, alerted=0)
            db.session.add(round_)
            db.session.flush()
    except IntegrityError:
        return None
    return round_


def run_round(shift_id, lead, worker_id, now=None):
    """Run one (shift, lead) round if it is still due and nobody ran it: choose, record and queue the
    alerts. Returns how many were alerted, or None when skipped. Flushes; the caller commits."""
    now = now or utcnow()
    shift = lock_row(Shift, shift_id)
    if shift is None or shift.status != "open" or shift.site.archived_at is not None:
        return None
    moment = shift.starts_at - timedelta(minutes=lead)
    if not (moment <= now < moment + LATE_AFTER) or now >= shift.starts_at:
        return None
    round_ = _claim_round(shift, lead, worker_id, now)
    if round_ is None:
        return None
    factor = current_app.config["VACANCY_ALERT_FACTOR"]
    taken, alerts, messages = set(), [], []
    posts = db.session.scalars(  # read now, not from the session: bookings change `booked` meanwhile
        select(ShiftPost).where(ShiftPost.shift_id == shift.id).order_by(ShiftPost.id)
        .execution_options(populate_existing=True)
    ).all()
    for post in posts:
        missing = post.capacity - post.booked
        if missing <= 0:
            continue
        round_.missing += missing
        for user_id, distance in choose(shift, post, missing * factor, taken):
            taken.add(user_id)
            alerts.append({"shift_id": shift.id, "post_id": post.id, "user_id": user_id, "round_id": round_.id,
                           "lead_minutes": lead, "distance_m": distance, "created_at": now})
            messages.append({"kind": KIND, "user_id": user_id, "payload": _payload(shift, post, missing),
                             "due_at": now, "status": "pending", "attempts": 0, "ref_type": "vacancy_round",
                             "ref_id": round_.id, "created_at": now})
    if alerts:
        db.session.execute(insert(VacancyAlert), alerts)
        db.session.execute(insert(OutboxMessage), messages)
    round_.alerted = len(alerts)
    db.session.flush()
    return len(alerts)


def run_due_rounds(worker_id, now=None):
    """Every round due now, each in its own transaction (committed here). Returns `(rounds, alerted)`."""
    now = now or utcnow()
    if not _leads():
        return 0, 0
    pending = due_rounds(now)
    db.session.commit()
    rounds = alerted = 0
    for shift_id, lead in pending:
        try:
            count = run_round(shift_id, lead, worker_id, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("vacancy round (shift %s, lead %s) failed; the next tick tries again", shift_id, lead)
            continue
        if count is not None:
            rounds += 1
            alerted += count
    return rounds, alerted


# --- what the organizer sees -------------------------------------------------------------------------


def lead_text(minutes):
    """A lead as organizers read it: 提前24小时, 提前3小时, 提前90分钟."""
    if minutes % 60 == 0:
        return f"提前{minutes // 60}小时"
    return f"提前{minutes}分钟"


@dataclass(frozen=True)
class AlertedPerson:
    """One person alerted for a shift (`VacancyAlertItemSchema`): `user` as `users.contact` (phone
    masked); `booked_at` when they took a place after the alert (still held)."""

    user: dict
    post_name: str
    lead_minutes: int
    alerted_at: datetime
    distance_m: int | None
    took_place: bool
    booked_at: datetime | None


@dataclass(frozen=True)
class ShiftAlerts:
    """A shift's vacancy alerts (`ShiftVacancyAlertsSchema`)."""

    shift_id: int
    rounds: list
    items: list

    @property
    def alerted(self):
        return len(self.items)

    @property
    def took_place(self):
        return sum(1 for item in self.items if item.took_place)


def shift_alerts(actor, shift_id):
    """Who was alerted for the shift, when and at which lead, and who then took a place. Only an
    organizer of the shift's community. Raises NotFound, Forbidden."""
    shift = get_managed_shift(actor, shift_id)
    rounds = db.session.scalars(
        select(VacancyAlertRound).where(VacancyAlertRound.shift_id == shift.id).order_by(VacancyAlertRound.ran_at)
    ).all()
    rows = db.session.execute(
        select(VacancyAlert, Booking.booked_at)
        .outerjoin(Booking, and_(Booking.shift_id == VacancyAlert.shift_id, Booking.user_id == VacancyAlert.user_id,
                                 Booking.status != "cancelled", Booking.booked_at >= VacancyAlert.created_at))
        .where(VacancyAlert.shift_id == shift.id)
        .order_by(VacancyAlert.created_at, VacancyAlert.id)
    ).all()
    items = [
        AlertedPerson(user=contact(alert.user, False), post_name=alert.post.name, lead_minutes=alert.lead_minutes,
                      alerted_at=alert.created_at, distance_m=alert.distance_m, took_place=booked_at is not None,
                      booked_at=booked_at)
        for alert, booked_at in rows
    ]
    return ShiftAlerts(
        shift_id=shift.id,
        rounds=[{"lead_minutes": r.lead_minutes, "ran_at": r.ran_at, "missing": r.missing, "alerted": r.alerted}
                for r in rounds],
        items=items,
    )
