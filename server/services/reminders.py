"""Reminders and subscription credits.

Reminders are outbox rows written in the transaction of the change that causes them: one at each
of `REMINDER_LEADS_MINUTES` before a confirmed registration's activity or a booking's shift. A lead
whose moment has already passed gives one reminder due at once; none is ever due after the start.
Cancelling voids the pending reminders; moving an activity moves them.
"""

from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from server.errors import ValidationFailed
from server.extensions import db
from server.models import REMINDER_KINDS, ActivityNotice, OutboxMessage, SubscriptionCredit
from server.models.base import utcnow
from server.services.outbox import enqueue_messages
from server.services.templates import template_ids


def schedule_reminders(kind, ref, user_id, starts_at, payload):
    """Record the reminders of one registration or booking (`ref` = `(ref_type, ref_id)`), in one
    INSERT (`enqueue_messages`). Returns how many."""
    now = utcnow()
    if now >= starts_at:
        return 0
    leads = sorted(set(current_app.config["REMINDER_LEADS_MINUTES"]), reverse=True)
    due_times = [starts_at - timedelta(minutes=lead) for lead in leads]
    upcoming = [due for due in due_times if due > now]
    if len(upcoming) < len(due_times):
        upcoming.insert(0, now)  # inside a lead window already: remind at once, once
    enqueue_messages(kind, user_id, payload, upcoming, ref)
    return len(upcoming)


def void_reminders(ref_type, ref_ids):
    """Void the pending reminders of these registrations or bookings (they were cancelled or moved)."""
    if not ref_ids:
        return
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ref_type == ref_type,
            OutboxMessage.ref_id.in_(list(ref_ids)),
            OutboxMessage.kind.in_(REMINDER_KINDS),
            OutboxMessage.status == "pending",
        )
        .values(status="void")
        .execution_options(synchronize_session=False)
    )


def void_notices(activity_id, user_ids=None):
    """Void the organizers' notices about this activity still waiting to go out: to everyone (the
    activity was cancelled), or to `user_ids` (they gave their place up or had it cancelled). A notice
    already claimed by a scheduler is sent."""
    notices = select(ActivityNotice.id).where(ActivityNotice.activity_id == activity_id)
    statement = update(OutboxMessage).where(
        OutboxMessage.kind == "notice",
        OutboxMessage.ref_type == "notice",
        OutboxMessage.ref_id.in_(notices.scalar_subquery()),
        OutboxMessage.status == "pending",
    )
    if user_ids is not None:
        statement = statement.where(OutboxMessage.user_id.in_(list(user_ids)))
    db.session.execute(statement.values(status="void").execution_options(synchronize_session=False))


def record_accepts(user, accepted):
    """One more send for each template the user accepted in `wx.requestSubscribeMessage`.

    A template id repeated in one report counts once. Raises ValidationFailed (unknown template id).
    """
    known = set(template_ids().values())
    unknown = [t for t in accepted if t not in known]
    if unknown:
        raise ValidationFailed(errors={"accepted": [f"未知的模板: {', '.join(unknown)}"]})
    for template_id in dict.fromkeys(accepted):
        # Insert-or-increment without a race: the row is created once (flushing in a savepoint), then
        # every accept is an atomic increment.
        if db.session.get(SubscriptionCredit, (user.id, template_id)) is None:
            try:
                with db.session.begin_nested():
                    db.session.add(SubscriptionCredit(user_id=user.id, template_id=template_id, remaining=0))
            except IntegrityError:
                pass  # a concurrent report created it first; the increment below still counts ours
        db.session.execute(
            update(SubscriptionCredit)
            .where(SubscriptionCredit.user_id == user.id, SubscriptionCredit.template_id == template_id)
            .values(remaining=SubscriptionCredit.remaining + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    return credits_of(user)


def credits_of(user):
    """`[{key, template_id, remaining}]` for every template (`TEMPLATE_KEYS`)."""
    rows = db.session.execute(
        select(SubscriptionCredit.template_id, SubscriptionCredit.remaining).where(
            SubscriptionCredit.user_id == user.id
        )
    ).all()
    remaining = dict(rows)
    return [
        {"key": key, "template_id": template_id, "remaining": remaining.get(template_id, 0)}
        for key, template_id in template_ids().items()
    ]


def remaining_credits(user_ids, kind):
    """`{user_id: remaining}` for one template (0 when never accepted)."""
    template_id = template_ids()[kind]
    rows = db.session.execute(
        select(SubscriptionCredit.user_id, SubscriptionCredit.remaining).where(
            SubscriptionCredit.template_id == template_id, SubscriptionCredit.user_id.in_(list(user_ids))
        )
    ).all()
    found = dict(rows)
    return {user_id: found.get(user_id, 0) for user_id in user_ids}


_CREDITS = SubscriptionCredit.__table__  # executemany updates go through the table (Core), not the ORM


def take_credits(wanted):
    """Take one send per entry of `wanted` (a list of `(user_id, template_id)`, a pair repeated for
    each message it needs), as far as the users' credits go. Returns `{(user_id, template_id): taken}`.

    For a scheduler's claimed batch (services.dispatch): the credit rows are locked in key
    order (`FOR UPDATE`; two schedulers never deadlock on them), each is decremented once by what it
    can give, and a credit never goes below zero (the check constraint stands behind it). The caller
    gives the taken sends to the pair's first messages in its own order.
    """
    need = Counter(wanted)
    if not need:
        return {}
    rows = db.session.execute(
        select(SubscriptionCredit.user_id, SubscriptionCredit.template_id, SubscriptionCredit.remaining)
        .where(
            SubscriptionCredit.user_id.in_({user_id for user_id, _ in need}),
            SubscriptionCredit.template_id.in_({template_id for _, template_id in need}),
        )
        .order_by(SubscriptionCredit.user_id, SubscriptionCredit.template_id)
        .with_for_update()
    ).all()
    taken = {}
    for user_id, template_id, remaining in rows:
        wanted_here = need.get((user_id, template_id), 0)
        if wanted_here and remaining > 0:
            taken[(user_id, template_id)] = min(remaining, wanted_here)
    if taken:
        db.session.execute(
            update(_CREDITS)
            .where(_CREDITS.c.user_id == bindparam("b_user"), _CREDITS.c.template_id == bindparam("b_template"))
            .values(remaining=_CREDITS.c.remaining - bindparam("b_taken")),
            [{"b_user": u, "b_template": t, "b_taken": n} for (u, t), n in taken.items()],
        )
    return taken


def return_credits(refunds):
    """Give back sends that were taken but not delivered: `{(user_id, template_id): count}`."""
    if refunds:
        db.session.execute(
            update(_CREDITS)
            .where(_CREDITS.c.user_id == bindparam("b_user"), _CREDITS.c.template_id == bindparam("b_template"))
            .values(remaining=_CREDITS.c.remaining + bindparam("b_count")),
            [{"b_user": u, "b_template": t, "b_count": n} for (u, t), n in sorted(refunds.items())],
        )


def clear_credits(user_id, template_id):
    """WeChat says the user has no sends left (43101): believe it."""
    db.session.execute(
        update(SubscriptionCredit)
        .where(SubscriptionCredit.user_id == user_id, SubscriptionCredit.template_id == template_id)
        .values(remaining=0)
        .execution_options(synchronize_session=False)
    )
