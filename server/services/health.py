"""The service's health: its dependencies (PostgreSQL, Redis), the schedulers' heartbeats and the
outbox's lag, each `ok`, `down`, `not_required` or `unknown` (docs/operations.md). Reads only."""

import logging
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import text

from server.extensions import db, redis
from server.scheduler.status import outbox_backlog, schedulers

log = logging.getLogger(__name__)


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


def health_report():
    """`(checks, details)`: the state of each part, and the schedulers' and the outbox's figures."""
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
    return checks, details
