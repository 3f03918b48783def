"""Liveness of the service, its dependencies, the schedulers and the outbox (docs/operations.md)."""

import logging
from datetime import datetime, timezone

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from server.errors import CATALOGUE
from server.extensions import db, redis
from server.scheduler.status import outbox_backlog, schedulers

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Health")


def _scheduler_required():
    required = current_app.config.get("HEALTH_REQUIRE_SCHEDULER")
    return current_app.config["APP_ENV"] == "production" if required is None else bool(required)


def _check_schedulers(checks, body):
    if checks["redis"] != "ok":
        checks["scheduler"] = "unknown"
        return
    seen = schedulers()
    last = seen["last_tick"]
    body["schedulers"] = {
        "alive": seen["alive"],
        "last_tick": None if last is None else datetime.fromtimestamp(last, timezone.utc).isoformat(),
    }
    if seen["alive"]:
        checks["scheduler"] = "ok"
    else:
        checks["scheduler"] = "down" if _scheduler_required() else "not_required"


def _check_outbox(checks, body):
    if checks["db"] != "ok":
        checks["outbox"] = "unknown"
        return
    try:
        backlog = outbox_backlog()
    except Exception:
        log.exception("health: outbox check failed")
        db.session.rollback()
        checks["outbox"] = "unknown"
        return
    max_lag = current_app.config["OUTBOX_MAX_LAG_SECONDS"]
    body["outbox_messages"] = {**backlog, "max_lag_seconds": max_lag}
    lag = backlog["oldest_due_seconds"]
    checks["outbox"] = "down" if lag is not None and lag > max_lag else "ok"


@blp.route("", methods=["GET"])
@blp.response(
    200,
    description=(
        "`{status: ok, db, redis, scheduler, outbox, schedulers: {alive, last_tick}, outbox_messages: "
        "{oldest_due_seconds, counts, max_lag_seconds}}`; 503 naming the part that is down"
    ),
)
def health():
    """Check the database, Redis, the schedulers and the outbox; 503 with `error: dependency_unavailable`
    and the parts that are down named in `message` when one is.

    `db`, `redis`: `ok` or `down`. `scheduler`: `ok` (a heartbeat younger than three
    `SCHEDULER_TICK_SECONDS`), `down` (none, when `HEALTH_REQUIRE_SCHEDULER`: by default in production),
    `not_required` (none, in development), `unknown` (Redis is down). `outbox`: `down` when the oldest
    due-but-unsent message waits longer than `OUTBOX_MAX_LAG_SECONDS`, `unknown` when the database is
    down. `schedulers`: how many are alive and the newest heartbeat; `outbox_messages`: the oldest due
    message's age in seconds (null: none), message counts by status and the threshold. What to do about
    each: docs/operations.md.
    """
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["db"] = "ok"
    except Exception:  # any driver error means "down" here
        log.exception("health: database check failed")
        db.session.rollback()
        checks["db"] = "down"
    try:
        redis.ping()
        checks["redis"] = "ok"
    except Exception:
        log.exception("health: redis check failed")
        checks["redis"] = "down"
    details = {}
    try:
        _check_schedulers(checks, details)
    except Exception:
        log.exception("health: scheduler check failed")
        checks["scheduler"] = "unknown"
    _check_outbox(checks, details)
    down = [name for name, state in checks.items() if state == "down"]
    if not down:
        return {"status": "ok", **checks, **details}
    body = {
        "status": "error",
        **checks,
        **details,
        "error": "dependency_unavailable",
        "message": f"{CATALOGUE['dependency_unavailable'].message}: " + ", ".join(down),
    }
    return body, 503
