"""scripts/backup and scripts/restore on PostgreSQL: a dump of the live database restores into an
empty one, and the service answers from it. Skipped on SQLite (they are pg_dump and pg_restore)."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, Registration
from tests.factories import create_activity

ROOT = Path(__file__).resolve().parent.parent


def _run(script, *args, **env):
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("backups are pg_dump and pg_restore: PostgreSQL only")
    return database_url


@pytest.fixture
def empty_database(postgres_url):
    """A new empty database beside the test database (`<name>_restore`), dropped afterwards."""
    base, name = postgres_url.rsplit("/", 1)
    restored = f"{name}_restore"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{restored}"')
    yield f"{base}/{restored}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_and_the_service_answers_from_it(
    postgres_url, empty_database, clean_app, organizer, resident, make_app, tmp_path
):
    activity = create_activity(organizer, title="备份前的党课")
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "备份"})
    assert response.status_code == 201, response.get_json()

    # An older dump of the same directory, beyond BACKUP_KEEP=1, is removed once the new one is written.
    stale = tmp_path / "volunteer-20200101T000000Z.dump"
    stale.write_bytes(b"old")
    backup = _run("backup", str(tmp_path), DATABASE_URL=postgres_url, BACKUP_KEEP="1")
    assert backup.returncode == 0, backup.stderr
    dumps = sorted(tmp_path.glob("volunteer-*.dump"))
    assert len(dumps) == 1 and dumps[0] != stale, dumps
    assert not list(tmp_path.glob("*.partial"))

    # The live database moves on after the dump: the restored one must not see it.
    with clean_app.app_context():
        db.session.execute(update(Activity).values(title="备份后改的标题"))
        db.session.commit()

    restore = _run("restore", str(dumps[0]), DATABASE_URL=empty_database)
    assert restore.returncode == 0, restore.stderr

    restored = make_app(DATABASE_URL=empty_database)
    with restored.app_context():
        restored.extensions["redis"].flushdb()  # no list page cached from the live database
        registration = db.session.scalar(select(Registration).where(Registration.activity_id == activity["id"]))
        assert registration.user_id == resident.user["id"]
        assert registration.status == "confirmed" and registration.remark == "备份"
    client = restored.test_client()
    listed = client.get("/api/v1/activities").get_json()["items"]
    assert [(item["id"], item["title"]) for item in listed] == [(activity["id"], "备份前的党课")]
    detail = client.get(f"/api/v1/activities/{activity['id']}").get_json()
    assert detail["confirmed_count"] == 1
    with restored.app_context():
        db.engine.dispose()  # so the database can be dropped

    # The restored database is no longer empty: a second restore is refused, unless --force.
    again = _run("restore", str(dumps[0]), DATABASE_URL=empty_database)
    assert again.returncode == 1 and "not empty" in again.stderr
    forced = _run("restore", str(dumps[0]), "--force", DATABASE_URL=empty_database)
    assert forced.returncode == 0, forced.stderr


def test_a_failed_backup_exits_non_zero_and_leaves_no_file(postgres_url, tmp_path):
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database_14"
    result = _run("backup", str(tmp_path), DATABASE_URL=missing)
    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
    unset = _run("backup", str(tmp_path), DATABASE_URL="")
    assert unset.returncode == 2 and "DATABASE_URL" in unset.stderr
