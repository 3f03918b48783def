"""Liveness of the service and its dependencies."""

import logging

from flask_smorest import Blueprint
from sqlalchemy import text

from server.errors import CATALOGUE
from server.extensions import db, redis

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Health")


@blp.route("", methods=["GET"])
@blp.response(200, description="`{status: ok, db: ok, redis: ok}`; 503 naming the dependency that is down")
def health():
    """Check the database and Redis; 503 with `error: dependency_unavailable` when one is down."""
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
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return {"status": "ok", **checks}
    body = {
        "status": "error",
        **checks,
        "error": "dependency_unavailable",
        "message": f"{CATALOGUE['dependency_unavailable'].message}: " + ", ".join(down),
    }
    return body, 503
