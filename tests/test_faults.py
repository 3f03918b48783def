"""Faults: Redis or the database down or dropping connections, while people sign up.

What is promised: a request that needs a part that is down answers 503 `dependency_unavailable` in
the contract's JSON, naming the part; nothing after a commit turns a committed success into an error;
`/api/v1/health` names what is down; the service recovers by itself; capacity stays exact and every
reminder goes out once.

The burst test runs a real server process (gunicorn) against the test PostgreSQL and its own
redis-server (started here on a free port with its own directory; the machine's Redis is never
touched), and runs only on PostgreSQL and Redis (TEST_DATABASE_URL and TEST_REDIS_URL).
"""

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa
from conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from factories import create_activity, create_shift, create_site
from processes import RedisServer, free_port, service_env, wait_until

from server.extensions import db
from server.models import Activity, OutboxMessage, Registration, User
from server.services import bookings, cache
from server.services.dispatch import send_due_messages

ON_SERVICES = bool(TEST_DATABASE_URL and TEST_REDIS_URL)
REFUSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        if ON_SERVICES:
            pytest.fail("redis-server is needed for the fault tests on PostgreSQL and Redis")
        pytest.skip("redis-server is not installed (SQLite/fakeredis run)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- each fault on its own, on either backend ------------------------------------------------------


def assert_unavailable(response, part):
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "dependency_unavailable" and body["message"].endswith(part), body


def test_an_authenticated_request_with_redis_down_answers_503(resident, make_app):
    app = make_app(REDIS_URL=REFUSED_REDIS)
    response = app.test_client().get("/api/v1/me", headers=resident.headers)
    assert_unavailable(response, "redis")


def test_a_public_list_needs_no_redis(organizer, make_app):
    create_activity(organizer)
    app = make_app(REDIS_URL=REFUSED_REDIS)
    response = app.test_client().get("/api/v1/activities")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 1


@pytest.mark.parametrize("refusing_url", ["sqlite-missing-directory", "postgresql://postgres@127.0.0.1:1/refused"])
def test_a_database_that_refuses_connections_answers_503(clean_app, make_app, tmp_path, refusing_url):
    if refusing_url == "sqlite-missing-directory":
        refusing_url = "sqlite:///" + str(tmp_path / "missing" / "app.db")
    app = make_app(DATABASE_URL=refusing_url)
    assert_unavailable(app.test_client().get("/api/v1/activities"), "db")
    assert_unavailable(app.test_client().get("/api/v1/communities"), "db")


class RowLock:
    """Another transaction holding the activity's row (PostgreSQL) or the database's write lock (SQLite)."""

    def __init__(self, app, activity_id):
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("sqlite"):
            self.connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            self.connection.execute("SELECT id FROM activities WHERE id = %s FOR UPDATE", (activity_id,))

    def release(self):
        self.connection.rollback() if hasattr(self.connection, "pgconn") else self.connection.execute("ROLLBACK")
        self.connection.close()


def test_a_signup_that_committed_while_redis_went_down_answers_its_success(organizer, resident, make_app,
                                                                            own_redis):
    """Redis is up for the token check, goes down while the sign-up waits for the activity's lock, and
    is down when the commit bumps the list cache's version: the sign-up stood, so it answers 201."""
    activity = create_activity(organizer)
    app = make_app(REDIS_URL=own_redis.url)
    client = app.test_client()
    assert client.get("/api/v1/activities").status_code == 200  # a page cached under the old version
    lock = RowLock(app, activity["id"])
    answers = []
    request = threading.Thread(target=lambda: answers.append(
        client.post(f"/api/v1/activities/{activity['id']}/registrations", json={}, headers=resident.headers)))
    try:
        request.start()
        time.sleep(1.0)  # the request has passed its token check and waits for the lock
        own_redis.stop()
    finally:
        lock.release()
    request.join(timeout=20)
    [response] = answers
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
        db.session.remove()

    # Redis comes back with the page cached before the sign-up: it is never served.
    own_redis.start()
    body = client.get("/api/v1/activities").get_json()
    [item] = body["items"]
    assert item["confirmed_count"] == 1, item


def test_a_bump_owed_while_redis_was_down_is_paid_before_the_cache_is_read(organizer, make_app, own_redis):
    """The same from the cache's side: a page stored before the failed bump is never read afterwards."""
    create_activity(organizer)
    app = make_app(REDIS_URL=own_redis.url)
    with app.app_context():
        redis_client = app.extensions["redis"]
        cache.cached_page("activities", {"q": 1}, lambda: ["first"])  # starts the version, stores nothing
        assert cache.cached_page("activities", {"q": 1}, lambda: ["old"]) == ["old"]
        assert cache.cached_page("activities", {"q": 1}, lambda: ["not computed"]) == ["old"]
        saved = {key: redis_client.get(key) for key in redis_client.keys("cache:activities:*")}
        own_redis.stop()
        cache.mark_changed(db.session, "activities")
        db.session.commit()  # the bump fails: logged and owed, not raised
        assert cache.cached_page("activities", {"q": 1}, lambda: ["fresh while down"]) == ["fresh while down"]
        # Redis comes back with what it held before (as a persistent one does): the old page.
        own_redis.start()
        for key, value in saved.items():
            redis_client.set(key, value)
        assert cache.cached_page("activities", {"q": 1}, lambda: ["fresh"]) == ["fresh"]
        assert redis_client.get("cache:activities:version") != saved[b"cache:activities:version"]
        db.session.remove()



def test_a_full_mark_is_not_trusted_while_a_freeing_commits_bump_is_owed(organizer, residents, make_app, own_redis):
    """The booking's side: a post marked full, then a cancellation committed while Redis was down (its
    bump of the shift's marks version owed). Redis comes back holding the mark: this process pays the
    bump before it reads any mark, so the freed place is given, never refused from the mark."""
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    holder, taker = residents(2)
    app = make_app(REDIS_URL=own_redis.url)
    client = app.test_client()
    path, post = f"/api/v1/shifts/{shift['id']}/bookings", {"role_id": shift["roles"][0]["id"]}
    assert client.post(path, json=post, headers=holder.headers).status_code == 201  # marks the post full
    with app.app_context():
        redis_client = app.extensions["redis"]
        key = f"cache:shifts:full:{shift['id']}"
        saved = redis_client.hgetall(key)
        assert any(field.startswith(b"p:") for field in saved)
        own_redis.stop()
        bookings.cancel_booking(db.session.get(User, holder.user["id"]), shift["id"])
        db.session.commit()  # the bump fails: logged and owed, not raised
        # Redis comes back with what it held before (as a persistent one does): the mark.
        own_redis.start()
        redis_client.hset(key, mapping=saved)
        db.session.remove()
    response = client.post(path, json=post, headers=taker.headers)
    assert response.status_code == 201, response.get_json()


# --- the burst: faults while people sign up -----------------------------------------------------------

RESIDENTS = 24
CAPACITY = 10
WORKERS = 6
BURST_SECONDS = 45  # every loop below stops by then


@pytest.fixture
def service(database_url, emulator_server, own_redis, tmp_path):
    """The service as it runs in production: gunicorn, 2 workers × 4 threads, on our own Redis."""
    port = free_port()
    env = service_env(database_url, own_redis.url, emulator_server.url, WECHAT_TIMEOUT_SECONDS=2,
                      RATE_LIMIT_LOGIN="1000/minute")
    with open(tmp_path / "gunicorn.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "server.wsgi:app"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(url + "/api/v1/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, 90, "the service to start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Database:
    """Faults of the test database only (never another one): drop its connections, refuse new ones."""

    def __init__(self, url):
        self.url = sa.make_url(url).set(drivername="postgresql+psycopg")
        self.name = self.url.database
        self.engine = sa.create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                       poolclass=sa.pool.NullPool)

    def _run(self, sql):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), {"name": self.name}).rowcount

    def kill_connections(self):
        return self._run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :name AND pid <> pg_backend_pid()")

    def refuse_connections(self, refuse):
        self._run(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            self.kill_connections()


def health(url):
    try:
        response = requests.get(url + "/api/v1/health", timeout=5)
    except requests.RequestException:
        return None
    return response.status_code, response.json()


@pytest.mark.skipif(not ON_SERVICES, reason="runs on PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)")
def test_a_signup_burst_through_dropped_connections_and_a_redis_restart(
    clean_app, organizer, residents, emulator, own_redis, service
):
    started = time.monotonic()
    deadline = started + BURST_SECONDS
    people = residents(RESIDENTS)
    openids = {person.user["id"]: f"o-resident-{index:04d}" for index, person in enumerate(people)}
    for person in people:
        emulator.accept_subscription(openids[person.user["id"]], "tmpl-activity-reminder")
        assert person.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder"]}).status_code == 200
    # Starting in 30 minutes: every confirmed sign-up has one reminder due at once.
    activity = create_activity(organizer, capacity=CAPACITY,
                               starts_at=datetime.now(timezone.utc) + timedelta(minutes=30))
    path = f"/api/v1/activities/{activity['id']}/registrations"

    responses = []  # (what, status, body or text)
    settled = {}
    faults_done = threading.Event()
    record_lock = threading.Lock()

    def record(what, response):
        try:
            body = response.json()
        except ValueError:
            body = response.text
        with record_lock:
            responses.append((what, response.status_code, body))
        return response.status_code

    def worker(index):
        mine = people[index::WORKERS]
        # Sign-ups are spread over the first seconds so that they meet the faults.
        not_before = {p.user["id"]: started + 0.15 * people.index(p) for p in mine}
        with requests.Session() as http:
            while time.monotonic() < deadline:
                pending = [p for p in mine if p.user["id"] not in settled]
                if not pending and faults_done.is_set():
                    return
                for person in pending:
                    if time.monotonic() < not_before[person.user["id"]]:
                        continue
                    try:
                        status = record("signup", http.post(service + path, json={}, headers=person.headers,
                                                            timeout=10))
                    except requests.RequestException:
                        continue  # the connection itself failed: retry, as the app would
                    if status in (200, 201):
                        settled[person.user["id"]] = True
                    elif status != 503:
                        settled[person.user["id"]] = False
                # Readers keep coming through the faults too.
                person = mine[0]
                try:
                    record("me", http.get(service + "/api/v1/me/registrations", headers=person.headers, timeout=10))
                    record("list", http.get(service + "/api/v1/activities", timeout=10))
                except requests.RequestException:
                    pass
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
    for thread in threads:
        thread.start()

    database = Database(TEST_DATABASE_URL)
    seen_down = {}
    try:
        time.sleep(0.5)
        assert database.kill_connections() >= 1  # the service's pooled connections, mid-burst
        time.sleep(0.5)
        database.refuse_connections(True)
        seen_down["db"] = wait_until(lambda: (h := health(service)) and h[0] == 503 and h, 10, "health to name db")
        time.sleep(0.5)
    finally:
        database.refuse_connections(False)
    wait_until(lambda: (h := health(service)) and h[0] == 200, 15, "the service to reconnect to the database")

    own_redis.stop()
    seen_down["redis"] = wait_until(lambda: (h := health(service)) and h[0] == 503 and h, 10, "health to name redis")
    time.sleep(0.5)
    own_redis.start()
    wait_until(lambda: (h := health(service)) and h[0] == 200, 15, "the service to reconnect to Redis")
    time.sleep(0.5)  # requests after the recovery
    faults_done.set()
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0) + 5)
    assert not any(thread.is_alive() for thread in threads), "the burst did not finish in time"

    # /health named each failed dependency while it was down.
    status, body = seen_down["db"]
    assert (body["db"], body["error"]) == ("down", "dependency_unavailable") and "db" in body["message"]
    status, body = seen_down["redis"]
    assert (body["redis"], body["db"]) == ("down", "ok") and "redis" in body["message"]

    # Every 5xx is the contract's JSON naming the part; nothing else went wrong.
    statuses = {status for _, status, _ in responses}
    assert statuses <= {200, 201, 503}, [r for r in responses if r[1] not in (200, 201, 503)][:5]
    unavailable = [body for _, status, body in responses if status == 503]
    assert unavailable, "no request met a fault: the test tested nothing"
    for body in unavailable:
        assert isinstance(body, dict) and body["error"] == "dependency_unavailable", body
        assert body["message"].endswith(("db", "redis")), body
    # The service recovered by itself: everyone got an answer to their sign-up.
    assert len(settled) == RESIDENTS and all(settled.values())

    # Capacity is exact.
    with clean_app.app_context():
        row = db.session.get(Activity, activity["id"])
        by_status = dict(db.session.execute(
            sa.select(Registration.status, sa.func.count()).where(Registration.activity_id == activity["id"])
            .group_by(Registration.status)).all())
        confirmed_users = set(db.session.scalars(sa.select(Registration.user_id).where(
            Registration.activity_id == activity["id"], Registration.status == "confirmed")))
        assert by_status == {"confirmed": CAPACITY, "waitlisted": RESIDENTS - CAPACITY}
        assert (row.confirmed_count, row.waitlist_count) == (CAPACITY, RESIDENTS - CAPACITY)
        db.session.remove()

    # No reminder lost or sent twice: one each for the confirmed, none for the waitlist.
    with clean_app.app_context():
        for _ in range(5):
            if not send_due_messages("fault-test", 100):
                break
        reminder_statuses = [m.status for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "activity_reminder"))]
        openid_by_user = dict(db.session.execute(sa.select(User.id, User.openid)).all())
        db.session.remove()
    assert reminder_statuses == ["sent"] * CAPACITY
    received = sorted(m["touser"] for m in emulator.messages() if m["template_id"] == "tmpl-activity-reminder")
    assert received == sorted(openid_by_user[user_id] for user_id in confirmed_users)
    assert time.monotonic() - started < 60
