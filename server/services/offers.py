"""Claimable offers (名额邀请): a freed place held for the next waitlisted party until a deadline.

Rules: on an activity with `claim_hours` > 0, a place that frees up is not confirmed to the first
waitlisted party that fits (first fit, `WAITLIST_ORDER`) but `offered` to it (`promote_waitlist`):
its places are held (counted in `confirmed_count`, so nobody else can take them and the capacity
check constraint stands behind them) until `offer_expires_at`, and it is told (`signup_result`,
待确认, with the deadline). The person accepts (`confirmed`, reminders scheduled) or declines
(`cancelled`); an offer not claimed by its deadline is `expired`. Declining or expiring releases the
places, and the waitlist moves up again: the next party that fits gets an offer.

Deadline (`offer_deadline`): `min(now + claim_hours, now + (starts_at - now) / 2)`, so an offer made
near the start leaves time for the next one. When that leaves less than `MIN_CLAIM` (30 minutes) to
claim it, or the start is that close, the place is confirmed at once, as with `claim_hours` = 0: a
place is never lost to an offer nobody could answer in time.

Moving the activity brings open offers within the rule again (`shorten_offers`): a deadline is
never later than half the time left, and an offer with under `MIN_CLAIM` left is confirmed.

A deadline is a deadline even before the sweeper runs: accepting or declining after it answers 409
`offer_expired`, and that request expires the offer (the place passes on); the boundary commits that
before answering. `expire_due_offers` (the scheduler, every minute) expires the rest.

Lock order: the activity's row (`lock_activity`) before its registrations, as every change of places;
two sweepers, or a sweeper and an accept, are serialised on it, and each reads the offers again under
the lock, so an offer is expired (and its places passed on) exactly once.
"""

from datetime import timedelta

from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.localtime import to_local
from server.models import Registration
from server.models.base import utcnow
from server.services import cache
from server.services.activity_access import activity_not_found, can_see, lock_activity
from server.services.activity_reminders import message_payload, schedule_registration_reminders
from server.services.my_registrations import own_registration
from server.services.outbox import enqueue_message
from server.services.registrations import active_registration, promote_waitlist, release_registration

# Less than this to claim an offer and the place is confirmed at once instead.
MIN_CLAIM = timedelta(minutes=30)


class OfferExpired(DomainError):
    """409 `offer_expired`: the offer's deadline has passed. When raised by `accept_offer` or
    `decline_offer` the offer has just been expired in the caller's transaction: commit it."""

    status, error, message = 409, "offer_expired", "名额保留已过期，已顺延给下一位候补"


def offer_deadline(activity, now):
    """When an offer made at `now` expires, or None when the place is to be confirmed at once
    (`claim_hours` = 0, or less than `MIN_CLAIM` left by the rule in the module docstring)."""
    if activity.claim_hours <= 0:
        return None
    deadline = min(now + timedelta(hours=activity.claim_hours), now + (activity.starts_at - now) / 2)
    if deadline - now < MIN_CLAIM:
        return None
    return deadline.replace(microsecond=0)


def offer_tip(deadline):
    """The notice's tip (at most 20 characters): 请于12月09日20:00前确认名额."""
    return f"请于{to_local(deadline):%m月%d日%H:%M}前确认名额"


def make_offer(activity, registration, deadline, now):
    """Hold the places of a waitlisted registration for it until `deadline` and tell its owner. The
    caller holds the activity's lock and has checked that the places fit."""
    registration.status = "offered"
    registration.offer_expires_at = deadline
    registration.promoted_at = now
    activity.confirmed_count += registration.places
    activity.waitlist_count -= 1
    if registration.user_id is not None:
        payload = {**message_payload(activity), "status": "待确认", "tip": offer_tip(deadline)}
        enqueue_message("signup_result", registration.user_id, payload, ref=("registration", registration.id))


def _own_offer(user, activity_id):
    """Lock the activity and the user's offer on it: `(activity, registration, now)`. Raises NotFound
    (`activity_not_found`), DomainError `no_offer`, OfferExpired (an offer expired by the sweeper)."""
    activity = lock_activity(activity_id)
    if activity is None or not can_see(user, activity):
        raise activity_not_found()
    registration = active_registration(activity.id, user.id, lock=True, statuses=("offered", "expired"))
    if registration is None:
        raise DomainError("no_offer", "你在本活动没有待确认的名额", 409)
    if registration.status == "expired":
        raise OfferExpired()
    return activity, registration, utcnow()


def _expire(activity, registration, now):
    release_registration(activity, registration, now, status="expired")
    promote_waitlist(activity, now)
    cache.mark_changed(db.session, "activities")


def accept_offer(user, activity_id):
    """Claim the place held for the user: the offer becomes `confirmed` and its reminders are
    scheduled. Returns the registration as `RegistrationSchema` shows it.

    Raises NotFound, DomainError `no_offer` (no offer to claim: never made, already answered),
    OfferExpired (its deadline has passed: the offer is expired now and the place passed on; commit).
    """
    activity, registration, now = _own_offer(user, activity_id)
    if now >= registration.offer_expires_at:
        _expire(activity, registration, now)
        db.session.flush()
        raise OfferExpired()
    registration.status = "confirmed"
    schedule_registration_reminders(activity, registration.id, user.id)
    db.session.flush()
    return own_registration(activity.id, user.id)


def decline_offer(user, activity_id):
    """Give the held place up: the offer becomes `cancelled` and the waitlist moves up (the next
    party that fits gets an offer). Raises what `accept_offer` raises."""
    activity, registration, now = _own_offer(user, activity_id)
    if now >= registration.offer_expires_at:
        _expire(activity, registration, now)
        db.session.flush()
        raise OfferExpired()
    release_registration(activity, registration, now)
    promote_waitlist(activity, now)
    cache.mark_changed(db.session, "activities")
    db.session.flush()
    return registration


def shorten_offers(activity, now):
    """The activity moved: bring each open offer's deadline within the rule again from `now` (never
    later than it was). An offer left less than `MIN_CLAIM` is confirmed at once, as a new one would
    be (its owner is told of the move with everyone holding a place). The caller holds the lock."""
    offers = db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.status == "offered")
        .with_for_update()
    ).all()
    for registration in offers:
        deadline = offer_deadline(activity, now)
        if deadline is None:
            registration.status = "confirmed"
            if registration.user_id is not None:
                schedule_registration_reminders(activity, registration.id, registration.user_id)
        elif deadline < registration.offer_expires_at:
            registration.offer_expires_at = deadline


def expire_offers_of(activity_id, now):
    """Expire the activity's offers whose deadline has passed at `now`, releasing their places, and
    move the waitlist up. Read again under the activity's lock, so a second sweeper finds nothing
    left to do. Returns the expired registrations. Flushes."""
    activity = lock_activity(activity_id)
    if activity is None:
        return []
    due = db.session.scalars(
        select(Registration)
        .where(
            Registration.activity_id == activity_id,
            Registration.status == "offered",
            Registration.offer_expires_at <= now,
        )
        .order_by(Registration.offer_expires_at, Registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for registration in due:
        release_registration(activity, registration, now, status="expired")
    if due:
        promote_waitlist(activity, now)
        cache.mark_changed(db.session, "activities")
    db.session.flush()
    return due


def expire_due_offers(now=None):
    """The scheduler's job (every minute): expire every offer past its deadline, one activity per
    transaction (this is a boundary: it commits). Several schedulers may run it at once. Returns how
    many offers were expired."""
    now = now or utcnow()
    activity_ids = db.session.scalars(
        select(Registration.activity_id)
        .where(Registration.status == "offered", Registration.offer_expires_at <= now)
        .distinct()
        .order_by(Registration.activity_id)
    ).all()
    db.session.rollback()  # the read above holds no lock; each activity is its own transaction
    expired = 0
    for activity_id in activity_ids:
        try:
            expired += len(expire_offers_of(activity_id, now))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return expired

