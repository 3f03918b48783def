"""CPU per list read, in process: `GET /api/v1/activities?page_size=20` and `/shifts?page_size=20` by
logged-in residents through the whole WSGI app (middlewares included), on PostgreSQL and Redis.

    BENCH_DATABASE_URL=postgresql://... BENCH_REDIS_URL=redis://.../14 .venv/bin/python scripts/list_read_cpu.py

WARNING: wipes that database and Redis db. Seeds the demo, N residents (all signed up to one activity of
capacity 100 with its waitlist, one in ten booked on a shift), then times each resident's first read of
each list (its own rows not cached yet) and second read (a cache hit), in `time.process_time` ms.
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone

import flask_migrate
import sqlalchemy as sa
from werkzeug.test import Client, EnvironBuilder

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from bench import fresh_database  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.models import Community, User  # noqa: E402
from server.services.tokens import issue_token  # noqa: E402


@contextlib.contextmanager
def profiled(active):
    if not active:
        yield
        return
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    yield
    profile.disable()
    pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", "25")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="hits per user and list")
    parser.add_argument("--no-pre-ping", action="store_true", help="the engine without pool_pre_ping")
    parser.add_argument("--profile", choices=("first", "hit"), help="print cProfile's top functions of these reads")
    args = parser.parse_args()
    url = os.environ["BENCH_DATABASE_URL"]
    fresh_database(url).dispose()
    app = create_app({"APP_ENV": "development", "SECRET_KEY": "x" * 40, "DATABASE_URL": url,
                      "REDIS_URL": os.environ["BENCH_REDIS_URL"], "LOG_LEVEL": "WARNING",
                      **({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False, "hide_parameters": True}}
                         if args.no_pre_ping else {})})
    client = Client(app)
    with app.app_context():
        flask_migrate.upgrade()
        app.extensions["redis"].flushdb()
        from server.demo import seed_demo

        seed_demo()
        db.session.commit()
        haizhu = db.session.scalar(sa.select(Community.id).where(Community.code == "haizhu"))
        organizer = db.session.scalar(sa.select(User).where(User.openid == "demo-organizer"))
        org = {"Authorization": f"Bearer {issue_token(organizer)[0]}"}
        people = [User(openid=f"o-cpu-{i}", community_id=haizhu) for i in range(args.users)]
        db.session.add_all(people)
        db.session.commit()
        tokens = [{"Authorization": f"Bearer {issue_token(p)[0]}"} for p in people]
        latecomer = User(openid="o-cpu-late", community_id=haizhu)
        db.session.add(latecomer)
        db.session.commit()
        late_token = issue_token(latecomer)[0]
    soon = datetime.now(timezone.utc) + timedelta(days=1)
    activity = client.post("/api/v1/activities", headers=org, json={
        "community_id": haizhu, "title": "压测党课", "description": "x", "category": "party_lesson", "venue": "中心",
        "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=2)).isoformat(), "capacity": 100}).json
    client.post(f"/api/v1/activities/{activity['id']}/publish", headers=org)
    site = client.post("/api/v1/sites", headers=org, json={"community_id": haizhu, "name": "北门", "kind": "checkpoint"}).json
    shift = client.post("/api/v1/shifts", headers=org, json={
        "site_id": site["id"], "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=4)).isoformat(),
        "roles": [{"name": "测温", "capacity": args.users}]}).json
    started = time.process_time()
    for headers in tokens:
        assert client.post(f"/api/v1/activities/{activity['id']}/registrations", headers=headers, json={}).status_code == 201
    signed_up = time.process_time()
    for headers in tokens[::10]:
        client.post(f"/api/v1/shifts/{shift['id']}/bookings", headers=headers, json={"role_id": shift["roles"][0]["id"]})
    booked = time.process_time()
    print(f"sign-up {(signed_up - started) * 1000 / len(tokens):.3f}, "
          f"booking {(booked - signed_up) * 1000 / len(tokens[::10]):.3f} ms CPU per request (test client included)")

    def timed(path, rounds):
        """CPU ms per request of the WSGI app itself (as a WSGI server calls it: an environ made beforehand)."""
        environs = [EnvironBuilder(path=path, headers=headers).get_environ() for headers in tokens]
        statuses = []

        def start_response(status, _headers, _exc_info=None):
            statuses.append(status)

        started = time.process_time()
        for _ in range(rounds):
            for environ in environs:
                body = app(dict(environ), start_response)
                b"".join(body)
                getattr(body, "close", lambda: None)()
        spent = time.process_time() - started
        assert set(statuses) == {"200 OK"}, set(statuses)
        return spent * 1000 / (rounds * len(tokens))

    late = {"Authorization": f"Bearer {late_token}"}
    for path in ("/api/v1/activities?page_size=20", "/api/v1/shifts?page_size=20"):
        with profiled(args.profile == "first"):
            first = timed(path, 1)  # each resident's first read (as in scripts/bench's scenario 3)
        with profiled(args.profile == "hit"):
            hit = timed(path, args.repeat)
        # Someone else signs up (or books): the page changes, each resident's own rows do not.
        if "activities" in path:
            client.post(f"/api/v1/activities/{activity['id']}/registrations", headers=late, json={})
        else:
            client.post(f"/api/v1/shifts/{shift['id']}/bookings", headers=late, json={"role_id": shift["roles"][0]["id"]})
        after_other = timed(path, 1)
        print(f"{path}: first read {first:.3f}, hit {hit:.3f}, after another's write {after_other:.3f} ms CPU per request")


if __name__ == "__main__":
    main()
