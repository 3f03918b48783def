"""Several processes, proven: two API processes and two schedulers on one PostgreSQL and one Redis,
started with the deployment's commands (gunicorn with `server.gunicorn_conf`, `python -m
server.scheduler`), driven through both APIs at once by concurrent HTTP clients, one scheduler killed
with SIGKILL while it sends.

Checked: capacity is exact (an activity's confirmed places and a shift's posts); no reminder reaches
WeChat (the emulator) twice, and every one but the killed scheduler's batch in hand reaches it once
(that batch stays `sending` until `expire_stale_claims` marks it `unknown`, at once when the killed
one's heartbeat is stale: its messages reached WeChat at most once, never twice); `/api/v1/health` on either
API counts the schedulers alive, down by one within a few seconds of the kill and back after a
replacement starts.

Runs on PostgreSQL and Redis only (TEST_DATABASE_URL and TEST_REDIS_URL); its Redis is a private
redis-server on a free port, shared by the four processes.
"""

import shutil
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa
from conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from factories import create_activity, create_shift, create_site
from processes import GUNICORN, SCHEDULER, RedisServer, answers_health, free_port, service_env, spawn, wait_until

from server.extensions import db
from server.models import Activity, OutboxMessage, Registration, User
from server.services.dispatch import CLAIM_BATCH

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL),
    reason="runs on PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)",
)

RESIDENTS = 16
CAPACITY = 6
POSTS = [("卡口值守", 3), ("测温登记", 2)]
CLIENT_THREADS = 8
SEND_PATH = "/cgi-bin/message/subscribe/send"
TEMPLATES = ("tmpl-activity-reminder", "tmpl-shift-reminder")


@pytest.fixture
def processes(database_url, emulator_server, tmp_path):
    """`processes.api` (two URLs), `processes.schedulers` (Popen by pid), `processes.start_scheduler()`."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed for the several-processes test")
    redis_server = RedisServer(tmp_path)
    started = []

    class Processes:
        api = []
        schedulers = {}

        @staticmethod
        def start_scheduler():
            env = service_env(database_url, redis_server.url, emulator_server.url, SCHEDULER_TICK_SECONDS=1,
                              WECHAT_TIMEOUT_SECONDS=10)
            process = spawn(SCHEDULER, env, str(tmp_path / f"scheduler-{len(started)}.log"))
            started.append(process)
            Processes.schedulers[process.pid] = process
            return process

    try:
        redis_server.start()
        for n in range(2):
            port = free_port()
            env = service_env(database_url, redis_server.url, emulator_server.url, GUNICORN_BIND=f"127.0.0.1:{port}",
                              GUNICORN_WORKERS=1, GUNICORN_THREADS=4, GUNICORN_GRACEFUL_TIMEOUT=5,
                              HEALTH_REQUIRE_SCHEDULER="true", SCHEDULER_TICK_SECONDS=1,
                              RATE_LIMIT_LOGIN="1000/minute")
            started.append(spawn(GUNICORN, env, str(tmp_path / f"api-{n}.log")))
            Processes.api.append(f"http://127.0.0.1:{port}")
        for _ in range(2):
            Processes.start_scheduler()
        for url in Processes.api:
            wait_until(lambda url=url: answers_health(url), 90, f"the API at {url} to start")
        yield Processes
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        redis_server.stop()


def alive_schedulers(url):
    body = requests.get(url + "/api/v1/health", timeout=5).json()
    return body.get("schedulers", {}).get("alive")


def outbox_statuses(app):
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).where(
            OutboxMessage.kind.in_(("activity_reminder", "shift_reminder"))).group_by(OutboxMessage.status)).all()
        db.session.remove()
    return dict(rows)


def stalled_claims(app):
    """The worker ids (`host:pid`) holding a reminder in `sending` for over a second: the stalled send
    (an ordinary one takes milliseconds)."""
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    with app.app_context():
        workers = list(db.session.scalars(sa.select(OutboxMessage.claimed_by).where(
            OutboxMessage.status == "sending", OutboxMessage.claimed_at < before)))
        db.session.remove()
    return workers


def test_two_apis_and_two_schedulers_keep_capacity_exact_and_send_each_reminder_once(
    clean_app, organizer, residents, emulator, processes
):
    started = time.monotonic()
    people = residents(RESIDENTS)
    openids = {person.user["id"]: f"o-resident-{index:04d}" for index, person in enumerate(people)}
    for person in people:
        for template in TEMPLATES:
            emulator.accept_subscription(openids[person.user["id"]], template)
    # Both APIs take the subscriptions, alternately.
    for index, person in enumerate(people):
        response = requests.post(processes.api[index % 2] + "/api/v1/me/subscriptions", headers=person.headers,
                                 json={"accepted": list(TEMPLATES)}, timeout=10)
        assert response.status_code == 200, response.text

    # Both start within the reminder's lead: every confirmed place and booked post has a reminder due at once.
    soon = datetime.now(timezone.utc) + timedelta(minutes=30)
    activity = create_activity(organizer, capacity=CAPACITY, starts_at=soon)
    shift = create_shift(organizer, create_site(organizer), starts_at=soon, hours=2, roles=POSTS)
    assert all(alive_schedulers(url) == 2 for url in processes.api)

    # The first send stalls 3 s inside WeChat: the scheduler holding it is the one killed.
    emulator.inject_fault(SEND_PATH, delay=3)

    answers = []
    answers_lock = threading.Lock()

    def client(index):
        with requests.Session() as http:
            for n, person in enumerate(people[index::CLIENT_THREADS]):
                api = processes.api[(index + n) % 2]
                signup = http.post(f"{api}/api/v1/activities/{activity['id']}/registrations", json={},
                                   headers=person.headers, timeout=20)
                other = processes.api[(index + n + 1) % 2]
                post = shift["roles"][(index + n) % len(POSTS)]
                booking = http.post(f"{other}/api/v1/shifts/{shift['id']}/bookings", json={"role_id": post["id"]},
                                    headers=person.headers, timeout=20)
                with answers_lock:
                    answers.append((signup.status_code, signup.json()))
                    answers.append((booking.status_code, booking.json()))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()

    # Kill the scheduler that is sending (its claim names its pid), while the sign-ups go on.
    holder = wait_until(lambda: stalled_claims(clean_app), 20, "a scheduler to be stalled sending")[0]
    victim = processes.schedulers[int(holder.rsplit(":", 1)[1])]
    victim.kill()
    victim.wait(timeout=10)
    killed_at = time.monotonic()
    with clean_app.app_context():  # its batch in hand: claimed, maybe sent, nobody can tell
        left = set(db.session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.status == "sending", OutboxMessage.claimed_by == holder)))
        db.session.remove()
    assert 1 <= len(left) <= CLAIM_BATCH

    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "the clients did not finish in time"

    # Health on either API reports the dead scheduler within a few seconds (stale after 3 ticks of 1 s).
    for url in processes.api:
        wait_until(lambda url=url: alive_schedulers(url) == 1, 8, f"{url} to report one scheduler alive")
    assert time.monotonic() - killed_at < 8
    processes.start_scheduler()
    for url in processes.api:
        wait_until(lambda url=url: alive_schedulers(url) == 2, 15, f"{url} to report the replacement")

    # Every answer is a success or the contract's refusal of a full post.
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {200, 201, 409}, [a for a in answers if a[0] not in (200, 201, 409)][:5]

    # Capacity is exact: the activity's places, and each post's.
    with clean_app.app_context():
        by_status = dict(db.session.execute(
            sa.select(Registration.status, sa.func.count()).where(Registration.activity_id == activity["id"])
            .group_by(Registration.status)).all())
        row = db.session.get(Activity, activity["id"])
        assert by_status == {"confirmed": CAPACITY, "waitlisted": RESIDENTS - CAPACITY}
        assert (row.confirmed_count, row.waitlist_count) == (CAPACITY, RESIDENTS - CAPACITY)
        db.session.remove()
    roster = requests.get(f"{processes.api[0]}/api/v1/shifts/{shift['id']}", headers=organizer.headers,
                          timeout=10).json()
    booked = {post["name"]: post["booked"] for post in roster["roles"]}
    assert booked == dict(POSTS), roster["roles"]

    # No reminder reaches WeChat twice; every one outside the killed scheduler's batch reaches it once.
    expected = CAPACITY + sum(capacity for _, capacity in POSTS)
    wait_until(lambda: not {"pending", "sending"} & set(outbox_statuses(clean_app)), 30,
               "the reminders to be sent and the dead one's batch to be marked unknown")
    time.sleep(3.2)  # the stalled send finishes inside the emulator
    received = Counter((m["touser"], m["template_id"]) for m in emulator.messages() if m["template_id"] in TEMPLATES)
    assert [key for key, count in received.items() if count != 1] == [], "a reminder was sent twice"
    with clean_app.app_context():
        openid_by_user = dict(db.session.execute(sa.select(User.id, User.openid)).all())
        reminders = list(db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind.in_(("activity_reminder", "shift_reminder")))))
        key = {m.id: (openid_by_user[m.user_id], "tmpl-" + m.kind.replace("_", "-")) for m in reminders}
        db.session.remove()
    assert len(key) == expected
    assert set(received) <= set(key.values())
    assert {key[i] for i in key if i not in left} <= set(received)
    # The killed scheduler's batch stays claimed until its heartbeat is stale, then is `unknown`: the
    # stalled one reached WeChat once, and nobody sent any of them again.
    # (The batch may hold every reminder: no status counts zero.)
    counts = {"sent": expected - len(left), "unknown": len(left)}
    assert outbox_statuses(clean_app) == {status: n for status, n in counts.items() if n}
    assert time.monotonic() - started < 60
