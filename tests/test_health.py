"""Health check: ok with every part up; 503 naming the one that is down (db, redis, scheduler, outbox)."""

import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.extensions import db, redis
from server.models import OutboxMessage, User
from server.scheduler import tick
from server.scheduler.status import HEARTBEATS


def test_health_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    # Development (the tests): no scheduler runs, and none is required.
    assert {key: body[key] for key in ("status", "db", "redis", "scheduler", "outbox")} == {
        "status": "ok", "db": "ok", "redis": "ok", "scheduler": "not_required", "outbox": "ok"}
    assert body["schedulers"] == {"alive": 0, "last_tick": None}
    assert body["outbox_messages"] == {"oldest_due_seconds": None, "counts": {}, "max_lag_seconds": 300}


def test_health_names_redis_when_it_is_down(clean_app, make_app):
    # Nothing listens on port 1: the connection is refused at once.
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["db"], body["redis"], body["error"]) == ("ok", "down", "dependency_unavailable")
    assert body["scheduler"] == "unknown"
    assert "redis" in body["message"] and "scheduler" not in body["message"]


def test_health_names_the_database_when_it_is_down(clean_app, make_app, tmp_path):
    # SQLite cannot create a file in a missing directory.
    app = make_app(DATABASE_URL="sqlite:///" + str(tmp_path / "missing" / "app.db"))
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["db"], body["redis"], body["outbox"]) == ("down", "ok", "unknown")


def _required(make_app, **settings):
    return make_app(HEALTH_REQUIRE_SCHEDULER=True, **settings)


def test_required_and_no_scheduler_ever_seen_is_503_naming_the_scheduler(clean_app, make_app):
    response = _required(make_app).test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["scheduler"], body["error"], body["schedulers"]["alive"]) == ("down", "dependency_unavailable", 0)
    assert body["message"].endswith(": scheduler")


def test_a_tick_of_a_real_scheduler_makes_it_alive(clean_app, make_app):
    app = _required(make_app)
    with app.app_context():
        redis.zadd(HEARTBEATS, {"host-old:1": time.time() - 2 * 24 * 3600})  # stopped two days ago
    tick(app, "host-a:101", stop=None)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["scheduler"] == "ok" and body["schedulers"]["alive"] == 1
    last = datetime.fromisoformat(body["schedulers"]["last_tick"])
    assert abs((datetime.now(timezone.utc) - last).total_seconds()) < 30
    with app.app_context():
        assert [member for member, _ in redis.zrange(HEARTBEATS, 0, -1, withscores=True)] == [b"host-a:101"]
        assert 0 < redis.ttl(HEARTBEATS) <= 24 * 3600  # forgotten a day after the last scheduler stopped


def test_a_heartbeat_older_than_three_ticks_is_stale(clean_app, make_app):
    app = _required(make_app, SCHEDULER_TICK_SECONDS=10)
    with app.app_context():
        redis.zadd(HEARTBEATS, {"host-a:102": time.time() - 31, "host-b:103": time.time() - 29})
    body = app.test_client().get("/api/v1/health").get_json()
    assert (body["scheduler"], body["schedulers"]["alive"]) == ("ok", 1)  # one of two is enough
    with app.app_context():
        redis.zrem(HEARTBEATS, "host-b:103")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["scheduler"], body["schedulers"]["alive"]) == ("down", 0)
    assert abs(datetime.fromisoformat(body["schedulers"]["last_tick"]).timestamp() - (time.time() - 31)) < 5


def _outbox_message(app, due_seconds_ago, status="pending"):
    with app.app_context():
        user = User(openid=f"o-outbox-{due_seconds_ago}-{status}", nickname="x")
        db.session.add(user)
        db.session.flush()
        db.session.add(OutboxMessage(kind="waitlist_promoted", user_id=user.id, payload={}, status=status,
                                     due_at=datetime.now(timezone.utc) - timedelta(seconds=due_seconds_ago)))
        db.session.commit()


def test_an_outbox_lagging_over_the_threshold_is_503_naming_the_outbox(clean_app, make_app):
    app = make_app(OUTBOX_MAX_LAG_SECONDS=120)
    _outbox_message(app, 600, status="sent")  # sent long ago: not a lag
    _outbox_message(app, -600)  # due in ten minutes: not a lag
    _outbox_message(app, 60)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["outbox"] == "ok"
    assert 60 <= body["outbox_messages"]["oldest_due_seconds"] < 90
    assert body["outbox_messages"]["counts"] == {"pending": 2, "sent": 1}
    _outbox_message(app, 200)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["outbox"], body["db"], body["scheduler"]) == ("down", "ok", "not_required")
    assert body["message"].endswith(": outbox")
    assert 200 <= body["outbox_messages"]["oldest_due_seconds"] < 230
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "pending")) is not None
