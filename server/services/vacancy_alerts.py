"""Vacancy alerts (空岗提醒): a post still short of people at set times before its shift alerts
volunteers who opted in, are eligible and are free then.

Opting in (`GET/PUT /me/vacancy-alerts`): a volunteer switches alerts on and chooses sites and/or
communities (at most MAX_SITES and MAX_COMMUNITIES, none archived), and may give a home point (GCJ-02),
stored rounded to 3 decimals (about 100 m: enough to sort by nearness). Accepting the `shift_vacancy`
subscribe template gives one credit per accept; one alert uses one. Deleting the account erases the
opt-in and the home point (`erase_opt_in`).

Rules of a round (one per shift and lead, `VACANCY_ALERT_LEADS_MINUTES` before the shift starts):
- due from `starts_at - lead`; a round not run within LATE_AFTER (30 minutes) of that moment (the
  schedulers were down, or the shift was created or reopened after it) is skipped, never sent late;
  none runs once the shift has started, nor for a cancelled shift or one at an archived site;
- each post short of its capacity (`missing` = capacity - booked) alerts at most missing x
  `VACANCY_ALERT_FACTOR` people, posts in their order; a person is alerted for one post;
- a person is alerted when: their opt-in is on; they chose the shift's site or its community; they
  have a `shift_vacancy` credit not already promised to an alert still waiting to be sent; their
  account is not deleted; `bookings.eligible_users` lets them hold the post (the one eligibility rule,
  in SQL); they hold no booking of the shift; their other booked open shifts leave room for it under
  the booking rules (`bookings.schedule_problem`: no overlap, MIN_REST_MINUTES_BETWEEN_SHIFTS of
  rest, MAX_SHIFT_MINUTES_PER_DAY in any 24 hours); and they were never alerted for this shift (the
  unique (shift, person) row);
- order: nearest first to the site when both the site and the person have coordinates, the others
  after them; people at the same distance, and everyone without coordinates, in a per-shift
  pseudo-random order (`tie_break`, a hash of the shift and the person): fair over many shifts
  (nobody is always first or always last), and the same on every run of one shift.

In bulk: a tick reads everyone who may be alerted once (`Pool`: four queries however many people:
the opt-ins with their credits left, their choices, their booked shifts near the due ones, and who
already holds or was alerted for each due shift), orders them per site once, and applies the schedule
rules in Python with the booking code's own function. Only the few people a post picks are then
checked in the database, in one query per post (`_confirmed`: eligibility, the credit, no booking of
the shift), which also locks their credit rows.

Exactly once: rounds run ROUNDS_PER_TRANSACTION at a time. A transaction locks the shifts' rows
first (FOR UPDATE SKIP LOCKED: a shift another scheduler holds is that scheduler's), then looks for
each round's row and inserts it, with its alerts and their outbox messages, in the same transaction:
a second scheduler skips the locked shift or, once the first has committed, finds the row (the unique
(shift, lead) key stands behind this), and a scheduler that dies mid-round leaves nothing. The credit
rows a round picks stay locked until it commits, and another round skips them (SKIP LOCKED), so two
rounds never promise the same last credit.

Lock order: the shifts' rows (in id order), then the picked people's credit rows. A booking locks
neither, so alerts never hold up bookings.
"""

import heapq
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import cos, radians

from flask import current_app
from sqlalchemy import and_, exists, func, insert, select

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
# Candidates checked in the database per query while choosing, beyond those wanted.
BATCH_EXTRA = 20
# Rounds run in one transaction: fewer round trips; the shifts' rows stay locked that long.
ROUNDS_PER_TRANSACTION = 50


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


HASH_MODULUS = 1_000_003


def shift_salt(shift_id):
    return zlib.crc32(str(shift_id).encode()) % HASH_MODULUS


def tie_break(user_id, salt):
    """A per-shift pseudo-random rank of a person (`salt`: `shift_salt` of the shift): a multiplicative
    hash of the person and the shift. Fair over many shifts (nobody always first or always last), and
    the same on every run of one shift."""
    return (user_id * 7_919 + salt) % HASH_MODULUS


@dataclass
class _Candidate:
    """An opted-in person with a credit left, as the pool read them: `credits` left after the alerts
    already waiting to be sent; `held`: their booked open shifts near the due ones."""

    user_id: int
    latitude: float | None
    longitude: float | None
    credits: int
    held: list


@dataclass(frozen=True)
class _Span:
    starts_at: datetime
    ends_at: datetime


class Pool:
    """Everyone who may be alerted in one tick, read in four queries however many they are: opted in
    and switched on, account not deleted, a `shift_vacancy` credit not promised to an alert still
    waiting to be sent, the sites and communities they chose, and their booked open shifts within
    `bookings.schedule_reach()` of the due shifts (for the overlap, rest and 24-hour rules). Each round
    takes from it; what a round chooses is checked again in the database before it is written."""

    def __init__(self, shifts):
        self.people = {}
        self.by_site, self.by_community = {}, {}
        self.excluded = {}  # per due shift: who holds a booking of it or was alerted for it
        self._sites = {}  # per site: `_for_site`
        if not shifts:
            return
        due = [s.id for s in shifts]
        for shift_id, user_id in db.session.execute(
            select(Booking.shift_id, Booking.user_id).where(Booking.shift_id.in_(due), Booking.status != "cancelled")
            .union_all(select(VacancyAlert.shift_id, VacancyAlert.user_id).where(VacancyAlert.shift_id.in_(due)))
        ):
            self.excluded.setdefault(shift_id, set()).add(user_id)
        promised = (
            select(OutboxMessage.user_id, func.count().label("n"))
            .where(OutboxMessage.kind == KIND, OutboxMessage.status == "pending")
            .group_by(OutboxMessage.user_id)
            .subquery()
        )
        left = SubscriptionCredit.remaining - func.coalesce(promised.c.n, 0)
        opted_in = (
            select(User.id)
            .join(VacancyAlertPref, VacancyAlertPref.user_id == User.id)
            .where(VacancyAlertPref.enabled.is_(True), User.deleted_at.is_(None), User.openid.is_not(None))
        )
        rows = db.session.execute(
            opted_in.add_columns(VacancyAlertPref.home_latitude, VacancyAlertPref.home_longitude, left.label("left"))
            .join(SubscriptionCredit, and_(SubscriptionCredit.user_id == User.id,
                                           SubscriptionCredit.template_id == template_ids()[KIND]))
            .outerjoin(promised, promised.c.user_id == User.id)
            .where(left > 0)
        )
        for row in rows:
            self.people[row.id] = _Candidate(row.id, row.home_latitude, row.home_longitude, row.left, [])
        scopes = db.session.execute(
            select(VacancyAlertScope.user_id, VacancyAlertScope.site_id, VacancyAlertScope.community_id)
            .where(VacancyAlertScope.user_id.in_(opted_in.scalar_subquery()))
        )
        for user_id, site_id, community_id in scopes:
            if user_id in self.people:
                index = self.by_site if site_id is not None else self.by_community
                index.setdefault(site_id if site_id is not None else community_id, []).append(user_id)
        reach = bookings.schedule_reach()
        span = _Span(min(s.starts_at for s in shifts), max(s.ends_at for s in shifts))
        held = db.session.execute(
            select(Booking.user_id, Shift.id, Shift.starts_at, Shift.ends_at)
            .join(Shift, Shift.id == Booking.shift_id)
            .where(Booking.status == "booked", Shift.status == "open", Booking.user_id.in_(opted_in.scalar_subquery()))
            .where(bookings.near(Shift.starts_at, Shift.ends_at, span, reach))
        )
        for user_id, shift_id, starts_at, ends_at in held:
            if user_id in self.people:
                self.people[user_id].held.append((shift_id, _Span(starts_at, ends_at)))

    def _for_site(self, site):
        """`(by_distance, without_point)` for a site, computed once per site and tick: the people who
        chose it or its community with a home point, as `[(square distance, user_id)]` nearest first
        (an equirectangular measure: the order of metres within a city); and those without a point,
        or everyone when the site has no coordinates."""
        cached = self._sites.get(site.id)
        if cached is not None:
            return cached
        ids = dict.fromkeys(self.by_site.get(site.id, []) + self.by_community.get(site.community_id, []))
        by_distance, without_point = [], []
        site_lat, site_lng = site.latitude, site.longitude
        if site_lat is None or site_lng is None:
            without_point = list(ids)
        else:
            scale = cos(radians(site_lat))
            for user_id in ids:
                person = self.people[user_id]
                if person.latitude is None:
                    without_point.append(user_id)
                else:
                    dlat, dlng = person.latitude - site_lat, (person.longitude - site_lng) * scale
                    by_distance.append((dlat * dlat + dlng * dlng, user_id))
            by_distance.sort()
        self._sites[site.id] = by_distance, without_point
        return by_distance, without_point

    def in_order(self, shift, excluded):
        """The people who chose the shift's site or community, not in `excluded`, in alert order:
        nearest first, people at the same distance by `tie_break`, then those without a point by
        `tie_break`. A generator: a round that needs a few reads only a few."""
        by_distance, without_point = self._for_site(shift.site)
        salt, people = shift_salt(shift.id), self.people
        index = 0
        while index < len(by_distance):
            end, distance = index + 1, by_distance[index][0]
            while end < len(by_distance) and by_distance[end][0] == distance:
                end += 1
            for _, user_id in sorted((tie_break(u, salt), u) for _, u in by_distance[index:end]):
                if user_id not in excluded:
                    yield people[user_id]
            index = end
        ranked = [((user_id * 7_919 + salt) % HASH_MODULUS, user_id)  # tie_break, inline: thousands a round
                  for user_id in without_point if user_id not in excluded]
        heapq.heapify(ranked)
        while ranked:
            yield people[heapq.heappop(ranked)[1]]

    def excluded_from(self, shift):
        """Who holds a booking of the shift or was alerted for it, as read with the pool (a booking made
        since is caught by `_confirmed`; an alert since, by the unique (shift, person) row)."""
        return self.excluded.get(shift.id, set())

    def free_for(self, person, shift):
        """The person's other shifts leave room for `shift` (`bookings.schedule_problem`)."""
        held = [span for shift_id, span in person.held if shift_id != shift.id]
        return bookings.schedule_problem(shift, held) is None


def _confirmed(ids, shift, post):
    """Those of `ids` who, read now in the database, may hold the post (`bookings.eligible_users`, the
    eligibility rule in SQL), hold no booking of the shift and have a credit not promised to an alert
    waiting to be sent. Their credit rows stay locked for the rest of the round; a row another
    scheduler's round holds is skipped (SKIP LOCKED): that person is being alerted elsewhere, so two
    rounds never promise the same last credit, and never wait for each other."""
    if not ids:
        return set()
    promised = (
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.user_id == User.id, OutboxMessage.kind == KIND, OutboxMessage.status == "pending")
        .scalar_subquery()
    )
    booked = exists().where(Booking.shift_id == shift.id, Booking.user_id == User.id, Booking.status != "cancelled")
    statement = (
        select(User.id)
        .join(SubscriptionCredit, and_(SubscriptionCredit.user_id == User.id,
                                       SubscriptionCredit.template_id == template_ids()[KIND]))
        .where(User.id.in_(ids), SubscriptionCredit.remaining > promised, ~booked)
        .with_for_update(of=SubscriptionCredit, skip_locked=True)
    )
    return set(db.session.scalars(bookings.eligible_users(statement, shift, post)))


def choose(pool, shift, posts, factor):
    """`[(post, missing, [user_id ...])]`: for each post short of people, in order, up to missing x
    `factor` people in alert order who pass every rule; nobody twice. Takes their credits from the pool."""
    order = pool.in_order(shift, pool.excluded_from(shift))
    seen = []  # people read from `order` so far, in order: every post walks them before reading more
    chosen = []
    taken = set()
    for post in posts:
        missing = post.capacity - post.booked
        if missing <= 0:
            continue
        wanted, picked, index, batch = missing * factor, [], 0, missing * factor + BATCH_EXTRA
        while len(picked) < wanted:
            candidates = []
            while len(candidates) < batch:
                if index == len(seen):
                    person = next(order, None)
                    if person is None:
                        break
                    seen.append(person)
                person = seen[index]
                index += 1
                if person.user_id not in taken and person.credits > 0 and pool.free_for(person, shift):
                    candidates.append(person.user_id)
            if not candidates:
                break
            fit = _confirmed(candidates, shift, post)
            for user_id in candidates:
                if user_id in fit and len(picked) < wanted:
                    picked.append(user_id)
                    taken.add(user_id)
                    pool.people[user_id].credits -= 1
            batch *= 2
        if picked:
            chosen.append((post, missing, picked))
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


def _lock_shifts(shift_ids):
    """The shifts, locked for the rest of the transaction (their posts read fresh with them). On
    PostgreSQL a shift another scheduler holds is skipped (SKIP LOCKED): its round is that scheduler's."""
    statement = (
        select(Shift).where(Shift.id.in_(shift_ids)).order_by(Shift.id)
        .with_for_update(of=Shift, skip_locked=True).execution_options(populate_existing=True)
    )
    return {shift.id: shift for shift in db.session.scalars(statement)}


def run_rounds(pairs, worker_id, now, pool=None):
    """Run these (shift, lead) rounds in one transaction, each if it is still due and nobody ran it:
    choose, record and queue the alerts. Returns `{(shift_id, lead): alerted}` of the rounds run.
    Flushes; the caller commits.

    Each shift's row is locked first, so a round's row is looked for and inserted under that lock:
    a second scheduler skips the locked shift, or finds the row once the first has committed (the
    unique (shift, lead) key stands behind this)."""
    shifts = _lock_shifts({shift_id for shift_id, _ in pairs})
    ran = {(row.shift_id, row.lead_minutes) for row in db.session.execute(
        select(VacancyAlertRound.shift_id, VacancyAlertRound.lead_minutes)
        .where(VacancyAlertRound.shift_id.in_(list(shifts))))}
    if pool is None:
        pool = Pool(list(shifts.values()))
    factor = current_app.config["VACANCY_ALERT_FACTOR"]
    done, alerts, messages = {}, [], []
    for shift_id, lead in pairs:
        shift = shifts.get(shift_id)
        if shift is None or shift.status != "open" or shift.site.archived_at is not None or (shift_id, lead) in ran:
            continue
        moment = shift.starts_at - timedelta(minutes=lead)
        if not (moment <= now < moment + LATE_AFTER) or now >= shift.starts_at:
            continue
        chosen = choose(pool, shift, shift.posts, factor)
        for _, _, people in chosen:  # two leads of one shift due at once: never the same person twice
            pool.excluded.setdefault(shift.id, set()).update(people)
        round_ = VacancyAlertRound(shift_id=shift.id, lead_minutes=lead, claimed_by=worker_id, ran_at=now,
                                   missing=sum(max(post.capacity - post.booked, 0) for post in shift.posts),
                                   alerted=sum(len(people) for _, _, people in chosen))
        db.session.add(round_)
        db.session.flush()
        ran.add((shift_id, lead))
        done[(shift_id, lead)] = round_.alerted
        site = shift.site
        for post, missing, people in chosen:
            payload = _payload(shift, post, missing)
            for user_id in people:
                person = pool.people[user_id]
                distance = None
                if None not in (site.latitude, site.longitude, person.latitude, person.longitude):
                    distance = round(distance_m(person.latitude, person.longitude, site.latitude, site.longitude))
                alerts.append({"shift_id": shift.id, "post_id": post.id, "user_id": user_id, "round_id": round_.id,
                               "lead_minutes": lead, "distance_m": distance, "created_at": now})
                messages.append({"kind": KIND, "user_id": user_id, "payload": payload, "due_at": now,
                                 "status": "pending", "attempts": 0, "ref_type": "vacancy_round",
                                 "ref_id": round_.id, "created_at": now})
    if alerts:
        db.session.execute(insert(VacancyAlert), alerts)
        db.session.execute(insert(OutboxMessage), messages)
    return done


def run_due_rounds(worker_id, now=None):
    """Every round due now, ROUNDS_PER_TRANSACTION at a time (each batch committed here; a batch that
    fails is rolled back whole and its rounds stay due for the next tick). Returns `(rounds, alerted)`."""
    now = now or utcnow()
    if not _leads():
        return 0, 0
    pending = due_rounds(now)
    if not pending:
        db.session.commit()
        return 0, 0
    pool = Pool(db.session.scalars(select(Shift).where(Shift.id.in_({shift_id for shift_id, _ in pending}))).all())
    db.session.commit()
    rounds = alerted = 0
    for start in range(0, len(pending), ROUNDS_PER_TRANSACTION):
        batch = pending[start:start + ROUNDS_PER_TRANSACTION]
        try:
            done = run_rounds(batch, worker_id, now, pool)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("vacancy rounds %s failed; the next tick tries again", batch)
            continue
        rounds += len(done)
        alerted += sum(done.values())
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
