"""Lottery races on PostgreSQL with real concurrent clients and real scheduler processes: entries at
the last second before the seal, withdrawals during the draw, two schedulers drawing at once, and a
scheduler killed (SIGKILL) in the middle of a draw."""

import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from conftest import TEST_DATABASE_URL, TEST_REDIS_URL, race
from factories import SHANGHAI, create_activity, local
from processes import SCHEDULER, service_env, spawn, wait_until
from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, OutboxMessage, Registration
from server.services.lottery import run_due_lotteries

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="runs on PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)",
)


def lottery(organizer, closes, draw_at, capacity=5, **overrides):
    return create_activity(organizer, signup_mode="lottery", signup_closes_at=closes, draw_at=draw_at,
                           starts_at=local(days=4), capacity=capacity, **overrides)


def rows(app, activity_id):
    with app.app_context():
        return {r.id: r.status for r in db.session.scalars(
            select(Registration).where(Registration.activity_id == activity_id))}


def state(app, activity_id):
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        db.session.expunge(activity)
        return activity


def notices_per_registration(app):
    with app.app_context():
        return Counter(db.session.scalars(select(OutboxMessage.ref_id).where(OutboxMessage.kind == "signup_result")))


def make_due(app, activity_id, draw=True):
    """Time travel: the sign-up window has closed and (with `draw`) the draw is due (times moved into
    the past)."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity_id).values(
            signup_opens_at=None, signup_closes_at=now - timedelta(minutes=2),
            draw_at=now + timedelta(minutes=-1 if draw else 60)))
        db.session.commit()


def check_consistent(app, activity_id):
    """Counts match the rows, the capacity holds, and every drawn entry got exactly one notice."""
    activity = state(app, activity_id)
    with app.app_context():
        registrations = db.session.scalars(select(Registration).where(Registration.activity_id == activity_id)).all()
        confirmed = sum(r.places for r in registrations if r.status == "confirmed")
        waitlisted = sum(1 for r in registrations if r.status == "waitlisted")
    assert (activity.confirmed_count, activity.waitlist_count) == (confirmed, waitlisted)
    assert confirmed <= activity.capacity
    drawn = {r["entry"] for r in activity.draw_results["results"] if r["outcome"] != "withdrawn"}
    assert notices_per_registration(app) == Counter({entry: 1 for entry in drawn})
    return activity


def test_entries_at_the_last_second_are_sealed_or_refused(organizer, residents, live_server, clean_app):
    people = residents(30)
    activity = lottery(organizer, local(days=2, hour=20), local(days=2, hour=21))
    path = f"/api/v1/activities/{activity['id']}/registrations"
    sealed = []
    # Time travel: sign-up closes 1.5 s from now.
    closes = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    with clean_app.app_context():
        db.session.execute(update(Activity).where(Activity.id == activity["id"]).values(signup_closes_at=closes))
        db.session.commit()

    def sealer():  # a scheduler sealing at the close instant, as often as it can
        with clean_app.app_context():
            while not sealed:
                sealed.append(1) if run_due_lotteries()[0] else time.sleep(0.005)

    # The entries start 1 s before the close: on a loaded machine (CI runs four workers and jest on two
    # cores) a request can take a few hundred milliseconds, and a narrower spread once sent them all late.
    time.sleep(max(0.0, (closes - datetime.now(timezone.utc)).total_seconds() - 1.0))
    thread = threading.Thread(target=sealer)
    thread.start()
    # 30 entries spread over the last 1 s before the close and 0.2 s after it
    requests = [("POST", path, p.headers, {}) for p in people]
    results = []

    def late(index, request):
        time.sleep(index * 0.04)
        results.extend(race(live_server, [request]))

    workers = [threading.Thread(target=late, args=(i, r)) for i, r in enumerate(requests)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    thread.join(30)

    accepted = {body["id"] for status, body in results if status == 201}
    refused = [body["error"] for status, body in results if status != 201]
    assert accepted and refused, f"the race missed the close: {len(accepted)} in, {len(refused)} out"
    assert set(refused) == {"signup_closed"}
    record = state(clean_app, activity["id"])
    assert {item["entry"] for item in record.draw_entries} == accepted
    assert set(rows(clean_app, activity["id"])) == accepted  # nothing written for a refused entry


def test_withdrawals_during_the_draw_are_withdrawn_or_drawn_never_both(organizer, residents, live_server, clean_app):
    closes = datetime.now(SHANGHAI) + timedelta(minutes=5)
    activity = lottery(organizer, closes, closes + timedelta(minutes=30), capacity=6)
    people = residents(30)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    entry_of = {}
    for person in people:
        response = person.post(path, json={})
        assert response.status_code == 201
        entry_of[person] = response.get_json()["id"]
    make_due(clean_app, activity["id"], draw=False)
    with clean_app.app_context():
        assert run_due_lotteries() == (1, 0)
    make_due(clean_app, activity["id"])

    drawn = []

    def drawer():
        with clean_app.app_context():
            drawn.append(run_due_lotteries())

    thread = threading.Thread(target=drawer)
    withdrawing = people[::3]
    thread.start()
    results = race(live_server, [("DELETE", path + "/me", p.headers, None) for p in withdrawing])
    thread.join(30)

    activity_row = check_consistent(clean_app, activity["id"])
    outcomes = {r["entry"]: r["outcome"] for r in activity_row.draw_results["results"]}
    statuses = rows(clean_app, activity["id"])
    for person, (status, body) in zip(withdrawing, results):
        assert status == 200, body
        # before the draw: withdrawn; after it: a drawn place (or waitlist spot) given up
        assert statuses[entry_of[person]] == "cancelled"
        assert outcomes[entry_of[person]] in ("withdrawn", "confirmed", "waitlisted")
    assert len(outcomes) == 30


def test_two_schedulers_at_once_draw_once(organizer, residents, clean_app):
    closes = datetime.now(SHANGHAI) + timedelta(minutes=5)
    activity = lottery(organizer, closes, closes + timedelta(minutes=30), capacity=4)
    people = residents(12)
    for index, person in enumerate(people):
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": index % 2})
    make_due(clean_app, activity["id"])
    barrier, counts = threading.Barrier(4), []

    def scheduler():
        with clean_app.app_context():
            barrier.wait()
            counts.append(run_due_lotteries())

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(sealed for sealed, _ in counts) == 1 and sum(drawn for _, drawn in counts) == 1
    check_consistent(clean_app, activity["id"])


@pytest.fixture
def start_scheduler(database_url, emulator_server, tmp_path):
    started = []
    env = service_env(database_url, TEST_REDIS_URL or "", emulator_server.url, SCHEDULER_TICK_SECONDS=1)

    def start():
        started.append(spawn(SCHEDULER, env, str(tmp_path / f"scheduler-{len(started)}.log")))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_scheduler_killed_mid_draw_leaves_nothing_and_the_next_draws_once(
    organizer, residents, clean_app, database_url, start_scheduler
):
    closes = datetime.now(SHANGHAI) + timedelta(minutes=5)
    activity = lottery(organizer, closes, closes + timedelta(minutes=30), capacity=3)
    people = residents(8)
    ids = [p.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()["id"] for p in people]
    make_due(clean_app, activity["id"])

    # Hold one entry's row: the first scheduler's draw stops there, inside its transaction.
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    holder = engine.connect()
    holder.execute(sa.text("SELECT id FROM registrations WHERE id = :id FOR UPDATE"), {"id": ids[4]})
    try:
        first = start_scheduler()

        def draw_waiting():
            with engine.connect() as probe:
                return probe.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%FROM registrations%FOR UPDATE%'")).scalar()

        wait_until(draw_waiting, 90, "the first scheduler's draw to wait for the held row")
        first.kill()
        first.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()
    # The killed scheduler's transaction is gone: sealed (its own earlier transaction), not drawn.
    wait_until(lambda: not _backend_waiting(engine), 30, "the dead scheduler's backend to end")
    assert state(clean_app, activity["id"]).drawn_at is None
    assert notices_per_registration(clean_app) == Counter()

    second, third = start_scheduler(), start_scheduler()
    wait_until(lambda: state(clean_app, activity["id"]).drawn_at is not None, 90, "the draw")
    time.sleep(1.5)  # both schedulers tick again: nothing more may happen
    second.kill(), third.kill()
    engine.dispose()
    record = check_consistent(clean_app, activity["id"])
    assert [r["entry"] for r in record.draw_results["results"] if r["outcome"] == "confirmed"]
    assert sorted(item["entry"] for item in record.draw_entries) == sorted(ids)


def _backend_waiting(engine):
    with engine.connect() as probe:
        return probe.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%FROM registrations%FOR UPDATE%' "
            "AND state <> 'idle' AND pid <> pg_backend_pid()")).scalar()


def test_a_scheduler_run_once_draws_a_due_lottery_and_sends_its_notices(
    organizer, residents, clean_app, database_url, emulator_server, tmp_path
):
    closes = datetime.now(SHANGHAI) + timedelta(minutes=5)
    activity = lottery(organizer, closes, closes + timedelta(minutes=30), capacity=1)
    people = residents(3)
    for person in people:
        assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    make_due(clean_app, activity["id"])
    env = service_env(database_url, TEST_REDIS_URL or "", emulator_server.url)
    done = subprocess.run([*SCHEDULER, "--once"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert state(clean_app, activity["id"]).drawn_at is not None
    with clean_app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "signup_result")).all()
    # one notice each, handled in the same run (nobody allowed a message here: skipped, not left pending)
    assert len(statuses) == 3 and "pending" not in statuses
