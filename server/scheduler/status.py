"""What `/api/v1/health` and `/metrics` tell of the schedulers and the outbox.

Heartbeats: each scheduler process records the Unix time as its score in the sorted set
`scheduler:heartbeats` (member: its worker id, `host:pid`) at the start and at the end of every tick.
A scheduler is alive while its last heartbeat is younger than three ticks (`SCHEDULER_TICK_SECONDS`):
one that stopped, hangs, or cannot reach Redis goes stale after that. Members older than a day are
dropped by the next heartbeat, and the key itself expires a day after the last one. Reading them is
one ZRANGE, whatever else Redis holds, on health checks only.

Dead claimers: while a scheduler sends a batch it beats at most once a second (`heartbeat`), so a
scheduler whose heartbeat is older than `dead_after()` (three ticks, at least DEAD_AFTER_MIN_SECONDS)
has stopped or hangs; `dead_schedulers` names them, and the live ones mark their `sending` claims
`unknown` at once (services.dispatch.expire_stale_claims) instead of after STALE_CLAIM. A scheduler
with no heartbeat at all (Redis lost it, or never had it) is not named: its claims wait STALE_CLAIM.
"""

import logging
import time

from flask import current_app
from sqlalchemy import func, select

from server.extensions import db, redis
from server.models import OutboxMessage
from server.models.base import utcnow

log = logging.getLogger(__name__)

HEARTBEATS = "scheduler:heartbeats"
STALE_AFTER_TICKS = 3
FORGET_AFTER_SECONDS = 24 * 3600


def _stale_after():
    return STALE_AFTER_TICKS * current_app.config["SCHEDULER_TICK_SECONDS"]


def beat(worker_id, now=None):
    """Record that `worker_id` is alive now. A Redis failure is logged, never raised: sending goes on,
    and the scheduler shows as down on /api/v1/health until Redis is back."""
    now = now or time.time()
    try:
        pipeline = redis.pipeline(transaction=False)
        pipeline.zadd(HEARTBEATS, {worker_id: now})
        pipeline.zremrangebyscore(HEARTBEATS, "-inf", now - FORGET_AFTER_SECONDS)
        pipeline.expire(HEARTBEATS, FORGET_AFTER_SECONDS)
        pipeline.execute()
    except Exception:
        log.warning("scheduler %s: heartbeat not written (Redis unavailable)", worker_id, exc_info=True)


DEAD_AFTER_MIN_SECONDS = 10


def dead_after():
    """Seconds without a heartbeat after which a scheduler's claims are taken for dead."""
    return max(_stale_after(), DEAD_AFTER_MIN_SECONDS)


def heartbeat(worker_id, every=1.0):
    """`beat(worker_id)` as a function to call as often as one likes: it writes at most every `every`
    seconds."""
    last = [0.0]

    def call():
        now = time.time()
        if now - last[0] >= every:
            last[0] = now
            beat(worker_id, now)

    return call


def dead_schedulers(now=None):
    """Worker ids whose last heartbeat is older than `dead_after()` (stopped or hung schedulers).
    Empty when Redis cannot be read: then no claim is taken for dead before STALE_CLAIM."""
    now = now or time.time()
    try:
        members = redis.zrangebyscore(HEARTBEATS, "-inf", now - dead_after())
    except Exception:
        log.warning("dead schedulers unknown (Redis unavailable)", exc_info=True)
        return []
    return [m.decode() if isinstance(m, bytes) else m for m in members]


def schedulers(now=None):
    """`{"alive": n, "last_tick": unix time or None}`: schedulers with a heartbeat younger than three
    ticks, and the newest heartbeat of any (stale ones included, for a day)."""
    now = now or time.time()
    beats = [score for _member, score in redis.zrange(HEARTBEATS, 0, -1, withscores=True)]
    alive = sum(1 for at in beats if now - at < _stale_after())
    return {"alive": alive, "last_tick": max(beats) if beats else None}


def outbox_backlog(now=None):
    """`{"oldest_due_seconds": age of the oldest due-but-unsent (pending) message or None,
    "counts": {status: n}}`. Two index reads (`ix_outbox_messages_status_due_at`)."""
    now = now or utcnow()
    table = OutboxMessage.__table__
    counts = dict(db.session.execute(select(table.c.status, func.count()).group_by(table.c.status)).all())
    oldest = db.session.scalar(
        select(func.min(table.c.due_at)).where(table.c.status == "pending", table.c.due_at <= now)
    )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = None if oldest is None else max(int((now - oldest).total_seconds()), 0)
    return {"oldest_due_seconds": age, "counts": counts}
