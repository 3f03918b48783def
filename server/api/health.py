"""Liveness of the service, its dependencies, the schedulers and the outbox (docs/operations.md)."""

from flask_smorest import Blueprint

from server.errors import CATALOGUE
from server.services.health import health_report

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Health")


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
    checks, details = health_report()
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
