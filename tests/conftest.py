"""Fixtures: the app on SQLite (default) or PostgreSQL and Redis (`TEST_DATABASE_URL`, `TEST_REDIS_URL`),
the WeChat emulator over real HTTP, and a logged-in client per demo role.

The schema is built by the Alembic migrations, not `create_all`, so every run exercises them.
Each test starts from empty tables, an empty Redis database and a reset emulator.
WARNING: the database of `TEST_DATABASE_URL` and the Redis database of `TEST_REDIS_URL` are wiped.

In parallel (pytest-xdist, `-n N`, as scripts/test runs) each worker has its own of everything: worker
`gwK` uses the database `<name>_gwK` beside the one named (created when missing), Redis db `<db> - K`
(so `redis://.../15` with four workers wipes dbs 15, 14, 13 and 12), its own emulator, SQLite file
and fakeredis, and its processes' ports are free ones.
"""

import contextlib
import os
import sys
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from wechat_emulator import EmulatorClient, EmulatorServer  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402

# "gw0", "gw1" ... in a pytest-xdist worker, None in a serial run (and in xdist's controller).
WORKER = os.environ.get("PYTEST_XDIST_WORKER") or None


def worker_database_url(url, worker):
    """The database of one xdist worker: `<name>_<worker>` on the same server as `url`."""
    if not url or not worker:
        return url
    return sa.make_url(url).set(database=f"{sa.make_url(url).database}_{worker}").render_as_string(hide_password=False)


def worker_redis_url(url, worker):
    """The Redis db of one xdist worker: worker `gwK` counts down K dbs from the one in `url`."""
    if not url or not worker:
        return url
    base, _, number = url.rpartition("/")
    if not number.isdigit():
        base, number = url.rstrip("/"), "0"
    index = int(worker.removeprefix("gw"))
    if int(number) < index:
        raise pytest.UsageError(f"TEST_REDIS_URL {url}: worker {worker} would need Redis db {int(number) - index}; "
                                "name a higher db (e.g. /15) or run fewer workers")
    return f"{base}/{int(number) - index}"


TEST_DATABASE_URL = worker_database_url(os.environ.get("TEST_DATABASE_URL") or None, WORKER)
TEST_REDIS_URL = worker_redis_url(os.environ.get("TEST_REDIS_URL") or None, WORKER)
APPID = "wxtest0000000000"
SECRET = "test-secret"


def pytest_configure(config):
    # .ci/run sets REQUIRE_TEST_SERVICES: there the suite must run on PostgreSQL and Redis, never skip them.
    if os.environ.get("REQUIRE_TEST_SERVICES") and not (TEST_DATABASE_URL and TEST_REDIS_URL):
        pytest.exit("REQUIRE_TEST_SERVICES is set but TEST_DATABASE_URL or TEST_REDIS_URL is not", returncode=3)


def pytest_report_header(config):
    header = [
        f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite (temporary file)'}",
        f"redis: {TEST_REDIS_URL or 'fakeredis (in-process)'}",
    ]
    if config.getoption("numprocesses", None):
        header.append("xdist: one of each per worker gwK (database <name>_gwK, Redis db <db> - K, emulator, SQLite)")
    return header


@pytest.fixture(scope="session")
def emulator_server():
    server = EmulatorServer(appid=APPID, secret=SECRET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    """An HTTP client of the WeChat emulator, reset for this test."""
    client = EmulatorClient(emulator_server.url)
    client.reset()
    return client


def _drop_everything(url):
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        metadata.drop_all(conn)
    engine.dispose()


def _create_database(url):
    """Create the database of `url` when it does not exist (an xdist worker's, on first use)."""
    url = sa.make_url(url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        if WORKER:
            _create_database(TEST_DATABASE_URL)
        _drop_everything(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def make_config(database_url, emulator_url, **overrides):
    config = {
        "TESTING": True,
        # The tests rely on development defaults (SQLite, fakeredis, the emulator's plain HTTP).
        "APP_ENV": "development",
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_API_BASE_URL": emulator_url,
        "WECHAT_TIMEOUT_SECONDS": 2,
        "RATE_LIMIT_LOGIN": "1000/minute",
        "RATE_LIMIT_SWAP_PHONE": "1000/minute",
    }
    config.update(overrides)
    return config


@contextlib.contextmanager
def sql_sent(app, note):
    """Call `note(statement)` for each SQL statement the app sends inside the block (on any connection)."""
    with app.app_context():
        engine = db.engine

    def before_cursor_execute(_conn, _cursor, statement, _parameters, _context, _executemany):
        note(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def close_app(app):
    """Close what an app holds open (database, Redis and rate-limit connections): an unclosed socket
    found by the garbage collector later fails the run (warnings are errors)."""
    with app.app_context():
        db.engine.dispose()
    app.extensions["redis"].close()
    app.extensions["rate_limiter"].close()


@pytest.fixture(scope="session")
def app(database_url, emulator_server):
    app = create_app(make_config(database_url, emulator_server.url))
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    close_app(app)


@pytest.fixture
def make_app(database_url, emulator_server):
    """`make_app(**settings)`: another app on the test database and emulator with some settings changed.

    Its engine is disposed afterwards, so no connection outlives the test.
    """
    made = []

    def build(**overrides):
        config = make_config(overrides.pop("DATABASE_URL", database_url), emulator_server.url, **overrides)
        made.append(create_app(config))
        return made[-1]

    yield build
    for other in made:
        close_app(other)


def _empty_tables():
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def clean_app(app, emulator):
    """The app with empty tables, an empty Redis database and fresh rate-limit counters."""
    with app.app_context():
        _empty_tables()
        app.extensions["redis"].flushdb()
        app.extensions["rate_limiter"].reset()
    yield app
    with app.app_context():
        db.session.remove()


@pytest.fixture
def client(clean_app):
    return clean_app.test_client()


@pytest.fixture
def seeded(clean_app):
    """Communities and demo users (`demo-resident`, `demo-party-member`, `demo-organizer`, `demo-admin`)."""
    from server.demo import seed_demo

    with clean_app.app_context():
        seed_demo(sample_activities=False)
        db.session.commit()


class Session:
    """A logged-in caller: `headers` to send, `user` as login returned it."""

    def __init__(self, client, token, user):
        self.client = client
        self.token = token
        self.user = user
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, headers=self.headers, **kwargs)

    def patch(self, url, **kwargs):
        return self.client.patch(url, headers=self.headers, **kwargs)

    def put(self, url, **kwargs):
        return self.client.put(url, headers=self.headers, **kwargs)

    def delete(self, url, **kwargs):
        return self.client.delete(url, headers=self.headers, **kwargs)


@pytest.fixture
def login(client, emulator):
    """`login(openid=None)`: log in through the emulator like the mini-program does; returns a Session."""

    def do_login(openid=None):
        code = emulator.mint_login_code(openid=openid)["code"]
        response = client.post("/api/v1/auth/login", json={"code": code})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return Session(client, body["token"], body["user"])

    return do_login


@pytest.fixture
def resident(seeded, login):
    return login("demo-resident")


@pytest.fixture
def organizer(seeded, login):
    """Organizer of the `haizhu` community."""
    return login("demo-organizer")


@pytest.fixture
def admin(seeded, login):
    return login("demo-admin")


@pytest.fixture
def other_organizer(admin, login, client):
    """An organizer of `dachong`, not of `haizhu`."""
    session = login("o-dachong-organizer")
    dachong = next(c["id"] for c in client.get("/api/v1/communities").get_json()["items"] if c["code"] == "dachong")
    response = admin.post(f"/api/v1/users/{session.user['id']}/roles", json={"role": "organizer", "community_id": dachong})
    assert response.status_code == 200
    return session


@pytest.fixture
def residents(seeded, login, client):
    """`residents(n)`: n freshly logged-in residents of `haizhu`."""

    def make(count):
        from factories import community_id

        haizhu = community_id(client, "haizhu")
        sessions = []
        for index in range(count):
            session = login(f"o-resident-{index:04d}")
            session.patch("/api/v1/me", json={"community_id": haizhu, "real_name": f"居民{index}"})
            sessions.append(session)
        return sessions

    return make


@pytest.fixture
def live_server(clean_app):
    """The app on a real threaded HTTP server on loopback, for tests with concurrent clients."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, clean_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def race(url, requests_to_send, timeout=60):
    """Send `(method, path, headers, json)` requests at the same instant from one thread each;
    returns the responses in the same order as `(status, body)`."""
    import threading

    import requests

    barrier = threading.Barrier(len(requests_to_send))
    results = [None] * len(requests_to_send)

    def send(index, method, path, headers, body):
        with requests.Session() as session:
            barrier.wait()
            response = session.request(method, url + path, headers=headers, json=body, timeout=timeout)
            results[index] = (response.status_code, response.json() if response.content else None)

    threads = [threading.Thread(target=send, args=(i, *req)) for i, req in enumerate(requests_to_send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 10)
    return results


@pytest.fixture
def move_shift(clean_app):
    """`move_shift(shift_id, starts_at, ends_at)`: time travel for tests: a shift booked while it was in
    the future is moved to other times (e.g. into the past) directly in the database."""
    from sqlalchemy import update

    from server.models import Shift

    def move(shift_id, starts_at, ends_at):
        with clean_app.app_context():
            db.session.execute(update(Shift).where(Shift.id == shift_id).values(starts_at=starts_at, ends_at=ends_at))
            db.session.commit()

    return move


@pytest.fixture
def move_activity(clean_app):
    """`move_activity(activity_id, starts_at, ends_at=None, **other_columns)`: time travel for tests: an
    activity created in the future (as the API requires) is moved, e.g. into the past, directly in the
    database. `ends_at` defaults to two hours after `starts_at`; a sign-up window is cleared."""
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import Activity

    def move(activity_id, starts_at, ends_at=None, **columns):
        values = {"starts_at": starts_at, "ends_at": ends_at or starts_at + timedelta(hours=2),
                  "signup_opens_at": None, "signup_closes_at": None, **columns}
        with clean_app.app_context():
            db.session.execute(update(Activity).where(Activity.id == activity_id).values(**values))
            db.session.commit()

    return move


@pytest.fixture
def messages(clean_app):
    """`messages(kind=None, status=None)`: the recorded outgoing messages, oldest first, as dicts."""
    from sqlalchemy import select

    from server.models import OutboxMessage

    def read(kind=None, status=None):
        with clean_app.app_context():
            statement = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                statement = statement.where(OutboxMessage.kind == kind)
            if status:
                statement = statement.where(OutboxMessage.status == status)
            return [
                {"id": m.id, "kind": m.kind, "user_id": m.user_id, "status": m.status, "due_at": m.due_at,
                 "payload": m.payload, "ref": (m.ref_type, m.ref_id), "attempts": m.attempts,
                 "last_error": m.last_error, "claimed_by": m.claimed_by, "msgid": m.msgid, "sent_at": m.sent_at}
                for m in db.session.scalars(statement)
            ]

    return read
