"""Vacancy alerts with several schedulers on PostgreSQL: two real scheduler processes ticking at once,
four threads running the same due rounds at the same instant, and `--once`. Each round runs once,
each person is alerted at most once per shift, and every alert has exactly one outbox message."""

import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from factories import create_shift, create_site, local
from processes import SCHEDULER, service_env, spawn, wait_until
from sqlalchemy import func, select
from test_vacancy_alerts import volunteers

from server.extensions import db
from server.models import OutboxMessage, VacancyAlert, VacancyAlertRound
from server.services.vacancy_alerts import run_due_rounds

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="runs on PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)",
)

SHIFTS = 6


def due_shifts(organizer, move_shift, count=SHIFTS):
    """`count` shifts (one post of 2 places each) whose 180-minute round is due now: they start 179
    minutes from now (minus a minute each); their 1440-minute round is long past (skipped)."""
    site = create_site(organizer)
    shifts = []
    now = datetime.now(timezone.utc)
    for index in range(count):
        shift = create_shift(organizer, site, roles=[("卡口值守", 2)], starts_at=local(days=3 + index, hour=8))
        starts = now + timedelta(minutes=179 - index)
        move_shift(shift["id"], starts, starts + timedelta(hours=4))
        shifts.append(shift["id"])
    return shifts


def check_once(app, shift_ids, per_shift):
    with app.app_context():
        rounds = db.session.execute(select(VacancyAlertRound.shift_id, VacancyAlertRound.lead_minutes)).all()
        alerts = db.session.execute(select(VacancyAlert.shift_id, VacancyAlert.user_id)).all()
        messages = db.session.scalars(select(OutboxMessage.payload).where(OutboxMessage.kind == "shift_vacancy")).all()
        message_users = db.session.execute(
            select(OutboxMessage.user_id, func.count()).where(OutboxMessage.kind == "shift_vacancy")
            .group_by(OutboxMessage.user_id)).all()
    assert sorted(rounds) == sorted((shift_id, 180) for shift_id in shift_ids)  # each round once; 1440 skipped
    assert Counter(shift_id for shift_id, _ in alerts) == Counter({shift_id: per_shift for shift_id in shift_ids})
    assert len(set(alerts)) == len(alerts)  # nobody twice for one shift
    assert Counter(m["shift_id"] for m in messages) == Counter(shift_id for shift_id, _ in alerts)
    assert sum(count for _, count in message_users) == len(alerts)


def test_two_scheduler_processes_run_each_round_once(organizer, clean_app, move_shift, database_url,
                                                      emulator_server, tmp_path):
    shift_ids = due_shifts(organizer, move_shift)
    volunteers(clean_app, 40, credits=10)
    env = service_env(database_url, TEST_REDIS_URL, emulator_server.url, SCHEDULER_TICK_SECONDS=1,
                      VACANCY_ALERT_LEADS_MINUTES="1440,180", VACANCY_ALERT_FACTOR=3)
    processes = [spawn(SCHEDULER, env, str(tmp_path / f"scheduler-{i}.log")) for i in range(2)]
    try:
        def rounds_done():
            with clean_app.app_context():
                return db.session.scalar(select(func.count()).select_from(VacancyAlertRound)) >= SHIFTS

        wait_until(rounds_done, 90, "every due round to run")
        time.sleep(2.5)  # both schedulers tick again: nothing more may happen
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
    check_once(clean_app, shift_ids, per_shift=6)


def test_four_schedulers_at_the_same_instant_run_each_round_once(organizer, clean_app, move_shift, make_app):
    shift_ids = due_shifts(organizer, move_shift)
    volunteers(clean_app, 40, credits=10)
    apps = [make_app() for _ in range(4)]
    barrier, results = threading.Barrier(4), []

    def scheduler(app, worker):
        with app.app_context():
            barrier.wait()
            results.append(run_due_rounds(worker))
            db.session.remove()

    threads = [threading.Thread(target=scheduler, args=(app, f"w{i}")) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(rounds for rounds, _ in results) == SHIFTS
    assert sum(alerted for _, alerted in results) == SHIFTS * 6
    check_once(clean_app, shift_ids, per_shift=6)


def test_a_person_with_one_credit_is_alerted_for_one_shift_only(organizer, clean_app, move_shift):
    shift_ids = due_shifts(organizer, move_shift, count=3)
    people = volunteers(clean_app, 4, credits=1)
    with clean_app.app_context():
        assert run_due_rounds("w1") == (3, 4)
        alerts = db.session.execute(select(VacancyAlert.user_id)).scalars().all()
    # One credit each: each person's single send is promised to their first alert.
    assert sorted(alerts) == sorted(people)
    assert len(shift_ids) == 3


def test_a_scheduler_run_once_queues_the_due_alerts(organizer, clean_app, move_shift, database_url,
                                                   emulator_server, tmp_path):
    shift_ids = due_shifts(organizer, move_shift, count=2)
    volunteers(clean_app, 10, credits=5)
    env = service_env(database_url, TEST_REDIS_URL, emulator_server.url, VACANCY_ALERT_LEADS_MINUTES="180")
    done = subprocess.run([*SCHEDULER, "--once"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    check_once(clean_app, shift_ids, per_shift=6)
    with clean_app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "shift_vacancy")).all()
    assert "pending" not in statuses  # handed to the dispatcher in the same run
