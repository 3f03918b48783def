"""What `/api/v1/health` and `/metrics` tell of the schedulers and the outbox.

Heartbeats: each scheduler process writes `scheduler:heartbeat:<worker id>` = the Unix time, at the
start and at the end of every tick, with a TTL of three ticks (`SCHEDULER_TICK_SECONDS`). A scheduler
is alive while its last heartbeat is younger than three ticks: one that stopped, hangs, or cannot
reach Redis goes stale after that. Reading them is one SCAN and one MGET, on health checks only.
"""

import logging
import time

from flask import current_app
from sqlalchemy import func, select

from server.extensions import db, redis
from server.models import OutboxMessage
from server.models.base import utcnow

log = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "scheduler:heartbeat:"
STALE_AFTER_TICKS = 3


def _stale_after():
    return STALE_AFTER_TICKS * current_app.config["SCHEDULER_TICK_SECONDS"]


def beat(worker_id, now=None):
    """Record that `worker_id` is alive now. A Redis failure is logged, never raised: sending goes on,
    and the scheduler shows as down on /api/v1/health until Redis is back."""
    try:
        redis.set(HEARTBEAT_PREFIX + worker_id, repr(now or time.time()), ex=_stale_after())
    except Exception:
        log.warning("scheduler %s: heartbeat not written (Redis unavailable)", worker_id, exc_info=True)


def schedulers(now=None):
    """`{"alive": n, "last_tick": unix time or None}`: schedulers with a heartbeat younger than three
    ticks, and the newest heartbeat of any (stale ones included, until Redis expires them)."""
    now = now or time.time()
    keys = list(redis.scan_iter(match=HEARTBEAT_PREFIX + "*", count=100))
    beats = []
    for value in redis.mget(keys) if keys else []:
        try:
            beats.append(float(value))
        except (TypeError, ValueError):
            continue  # expired between SCAN and MGET, or not ours
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
