"""`flask seed-history`: a small run (scale 0.01) on the test database has the counts asked for and
keeps the product's invariants (capacities, counters equal to the rows, check-ins only for finished
activities, no-shows only for started shifts, no volunteer in two places at once); the same seed
gives the same rows; the command guards itself like a local-only tool should."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, func, select, text

from server.extensions import db
from server.history import History, HistoryRefused, seed_history
from server.models import Activity, Booking, Community, Registration, Shift, User
from server.models.base import UTCDateTime

SCALE = 0.01
# Well after the year: everything in it has happened.
AFTER = datetime(2026, 6, 1, tzinfo=timezone.utc)
# Halfway through the year: later activities and shifts have not happened yet.
MIDYEAR = datetime(2025, 7, 15, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def cli(clean_app):
    runner = clean_app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def scalar(sql, now=None):
    statement = text(sql)
    if ":now" in sql:  # bound as the columns are stored (SQLite keeps naive UTC text)
        statement = statement.bindparams(bindparam("now", type_=UTCDateTime()))
    return db.session.scalar(statement, {"now": now} if ":now" in sql else {})


def empty_tables():
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


def _aware(value):
    """SQLite hands text back from raw SQL; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def check_invariants(now):
    """Every rule the product's services keep, checked on the rows (each query counts violations)."""
    violations = {
        # An activity's counters are its rows, within its capacity.
        "confirmed_count": """SELECT count(*) FROM activities a WHERE a.confirmed_count <> (SELECT coalesce(sum(1 +
            r.companions), 0) FROM registrations r WHERE r.activity_id = a.id AND r.status = 'confirmed')""",
        "waitlist_count": """SELECT count(*) FROM activities a WHERE a.waitlist_count <> (SELECT count(*) FROM
            registrations r WHERE r.activity_id = a.id AND r.status = 'waitlisted')""",
        "over capacity": "SELECT count(*) FROM activities WHERE confirmed_count > capacity",
        "waitlist without one": """SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.status = 'waitlisted' AND NOT a.waitlist_enabled""",
        # Cancelled activities hold only cancelled registrations; drafts none.
        "cancelled activity": """SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE a.status = 'cancelled' AND r.status <> 'cancelled'""",
        "draft signed up": """SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE a.status = 'draft'""",
        # Check-ins: confirmed places of published activities that have finished, inside the window.
        "check-in not confirmed": """SELECT count(*) FROM registrations WHERE checked_in_at IS NOT NULL
            AND status <> 'confirmed'""",
        "check-in unfinished": """SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.checked_in_at IS NOT NULL AND (a.status <> 'published' OR a.ends_at > :now)""",
        "cancelled after the cutoff": """SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id
            WHERE r.status = 'cancelled' AND a.status = 'published' AND r.cancelled_at > a.starts_at""",
        "sign-up after now": "SELECT count(*) FROM registrations WHERE registered_at > :now",
        # A post's booked count is its booked and no-show bookings, within its capacity.
        "post booked": """SELECT count(*) FROM shift_roles p WHERE p.booked <> (SELECT count(*) FROM bookings b
            WHERE b.role_id = p.id AND b.status IN ('booked', 'no_show'))""",
        "post over capacity": "SELECT count(*) FROM shift_roles WHERE booked > capacity",
        "booking on another shift's post": """SELECT count(*) FROM bookings b JOIN shift_roles p ON p.id = b.role_id
            WHERE p.shift_id <> b.shift_id""",
        # Minutes: a user's total is their bookings' minutes, each inside its shift's window.
        "volunteer_minutes": """SELECT count(*) FROM users u WHERE u.volunteer_minutes <> (SELECT
            coalesce(sum(b.minutes_credited), 0) FROM bookings b WHERE b.user_id = u.id)""",
        "minutes without check-out": """SELECT count(*) FROM bookings WHERE minutes_credited > 0
            AND checked_out_at IS NULL""",
        "check-out before check-in": "SELECT count(*) FROM bookings WHERE checked_out_at < checked_in_at",
        # No-shows: booked, never checked in, marked once the shift had started, before now.
        "no-show before the start": """SELECT count(*) FROM bookings b JOIN shifts s ON s.id = b.shift_id
            WHERE b.status = 'no_show' AND (b.no_show_at < s.starts_at OR b.no_show_at > :now
            OR b.checked_in_at IS NOT NULL OR s.status <> 'open')""",
        "check-in before the shift": """SELECT count(*) FROM bookings b JOIN shifts s ON s.id = b.shift_id
            WHERE b.checked_in_at IS NOT NULL AND (s.starts_at > :now OR b.status <> 'booked' OR s.status <> 'open')""",
        "booking after now": "SELECT count(*) FROM bookings WHERE booked_at > :now",
        # One person is never on two shifts within a day of each other (overlap and daily limit).
        "overlapping shifts": """SELECT count(*) FROM bookings a
            JOIN bookings b ON b.user_id = a.user_id AND b.id < a.id JOIN shifts sa ON sa.id = a.shift_id JOIN shifts sb ON sb.id = b.shift_id
            WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' AND sa.starts_at < sb.ends_at
            AND sb.starts_at < sa.ends_at""",
    }
    found = {name: scalar(sql, now=now) for name, sql in violations.items()}
    assert found == dict.fromkeys(violations, 0)
    # A shift's credited minutes never exceed its length (checked in Python: date arithmetic differs).
    for starts_at, ends_at, minutes in db.session.execute(
        select(Shift.starts_at, Shift.ends_at, Booking.minutes_credited).join(Booking, Booking.shift_id == Shift.id)
        .where(Booking.minutes_credited > 0)
    ):
        assert minutes <= (ends_at - starts_at).total_seconds() // 60
        assert timedelta(hours=2) <= ends_at - starts_at <= timedelta(hours=8)


def test_a_past_year_has_the_counts_and_keeps_every_invariant(clean_app):
    with clean_app.app_context():
        counts = seed_history(2025, scale=SCALE, seed=7, now=AFTER)
        db.session.commit()
        assert counts["communities"] == 13 and db.session.scalar(select(func.count(Community.id))) == 13
        assert db.session.scalar(select(func.count(Activity.id))) == counts["activities"] == 50
        assert db.session.scalar(select(func.count(Registration.id))) == counts["registrations"] == 1500
        assert db.session.scalar(select(func.count(Booking.id))) == counts["bookings"] == 600
        assert not any(what.startswith("short_") for what in counts)
        check_invariants(AFTER)

        # Every activity and shift starts inside the year, in APP_TIMEZONE.
        zone = ZoneInfo(clean_app.config["APP_TIMEZONE"])
        first = datetime(2025, 1, 1, tzinfo=zone)
        last = datetime(2026, 1, 1, tzinfo=zone)
        for model in (Activity, Shift):
            earliest, latest = db.session.execute(select(func.min(model.starts_at), func.max(model.starts_at))).one()
            assert first <= earliest and latest < last
        # Realistic shares: most confirmed places of finished activities checked in; a few no-shows.
        confirmed, checked_in = db.session.execute(text(
            "SELECT count(*), count(checked_in_at) FROM registrations r JOIN activities a ON a.id = r.activity_id "
            "WHERE r.status = 'confirmed' AND a.status = 'published'")).one()
        assert 0.75 <= checked_in / confirmed <= 0.97
        started, no_shows = db.session.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE b.status = 'no_show') FROM bookings b "
            "JOIN shifts s ON s.id = b.shift_id WHERE b.status <> 'cancelled' AND s.status = 'open'")).one()
        assert 0.01 <= no_shows / started <= 0.08
        statuses = dict(db.session.execute(text("SELECT status, count(*) FROM registrations GROUP BY status")).all())
        assert statuses["confirmed"] > statuses["cancelled"] > 0 and statuses["waitlisted"] > 0
        assert scalar("SELECT count(*) FROM registrations WHERE companions > 0") > 0
        assert scalar("SELECT count(*) FROM registrations WHERE user_id IS NULL") > 0  # walk-ins
        assert scalar("SELECT count(*) FROM activities WHERE status = 'cancelled'") >= 0
        night = [s for s, e in db.session.execute(select(Shift.starts_at, Shift.ends_at))
                 if s.astimezone(zone).date() != e.astimezone(zone).date()]
        assert night  # some shifts cross midnight
        kinds = {kind for (kind,) in db.session.execute(text("SELECT DISTINCT kind FROM sites"))}
        assert kinds == {"checkpoint", "testing_site", "temperature_point", "service_center", "other"}
        posts = {name for (name,) in db.session.execute(text("SELECT DISTINCT name FROM shift_roles"))}
        assert posts == {"登记", "维持秩序", "测温", "卡口值守"}
        # Deleted accounts are anonymised, their counts kept.
        deleted = db.session.scalars(select(User).where(User.deleted_at.is_not(None))).all()
        assert deleted and all(u.openid is None and u.real_name is None and u.phone is None for u in deleted)
        # Party members and organizers exist; each community has its organizers.
        assert db.session.scalar(select(func.count(User.id)).where(User.is_party_member)) >= 50
        assert scalar("SELECT count(DISTINCT community_id) FROM organizer_scopes") == 13


def test_halfway_through_the_year_nothing_happens_after_now(clean_app):
    with clean_app.app_context():
        counts = seed_history(2025, scale=SCALE, seed=7, now=MIDYEAR)
        db.session.commit()
        check_invariants(MIDYEAR)
        # Later activities were not published yet, or take sign-ups without check-ins.
        later = scalar("SELECT count(*) FROM activities WHERE starts_at > :now AND status = 'published'", now=MIDYEAR)
        drafts = scalar("SELECT count(*) FROM activities WHERE starts_at > :now AND status = 'draft'", now=MIDYEAR)
        assert later > 0 and drafts > 0
        assert scalar("SELECT count(*) FROM bookings b JOIN shifts s ON s.id = b.shift_id WHERE s.starts_at > :now "
                      "AND b.status = 'booked'", now=MIDYEAR) > 0
        assert scalar("SELECT count(*) FROM registrations r JOIN activities a ON a.id = r.activity_id "
                      "WHERE a.starts_at > :now AND r.status = 'confirmed'", now=MIDYEAR) > 0
        assert counts["registrations"] <= 1500
        newest = _aware(scalar("SELECT max(checked_in_at) FROM registrations"))
        assert newest <= MIDYEAR


def test_the_same_seed_gives_the_same_rows(clean_app):
    def fingerprint():
        return {
            "activities": db.session.execute(text(
                "SELECT c.code, a.title, a.category, a.starts_at, a.capacity, a.status, a.confirmed_count, "
                "a.waitlist_count FROM activities a JOIN communities c ON c.id = a.community_id "
                "ORDER BY a.starts_at, c.code, a.title")).all(),
            "registrations": db.session.execute(text(
                "SELECT a.starts_at, a.title, u.openid, r.status, r.companions, r.registered_at, r.checked_in_at "
                "FROM registrations r JOIN activities a ON a.id = r.activity_id LEFT JOIN users u ON u.id = r.user_id "
                "ORDER BY 1, 2, 3, 6")).all(),
            "bookings": db.session.execute(text(
                "SELECT s.starts_at, st.name, p.name, u.id - (SELECT min(id) FROM users), b.status, "
                "b.minutes_credited FROM bookings b JOIN shifts s ON s.id = b.shift_id JOIN sites st ON "
                "st.id = s.site_id JOIN shift_roles p ON p.id = b.role_id JOIN users u ON u.id = b.user_id "
                "ORDER BY 1, 2, 3, 4")).all(),
        }

    with clean_app.app_context():
        seed_history(2025, scale=SCALE, seed=3, now=AFTER)
        db.session.commit()
        first = fingerprint()
        empty_tables()
        seed_history(2025, scale=SCALE, seed=3, now=AFTER)
        db.session.commit()
        assert fingerprint() == first
        # Another seed, another year.
        zone = ZoneInfo(clean_app.config["APP_TIMEZONE"])
        other = History(2025, SCALE, 4, AFTER, zone).generate([f"社区{i}" for i in range(13)])
        same = History(2025, SCALE, 3, AFTER, zone).generate([f"社区{i}" for i in range(13)])
        assert [a["starts_at"] for a in other.activities] != [a["starts_at"] for a in same.activities]


def test_the_command_seeds_once_and_only_in_development(clean_app, cli, monkeypatch):
    monkeypatch.setitem(clean_app.config, "APP_ENV", "production")
    refused = cli("seed-history", "--year", "2025", "--scale", str(SCALE))
    assert refused.exit_code == 1 and "APP_ENV is production" in refused.output
    with clean_app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
    result = cli("seed-history", "--year", "2025", "--scale", str(SCALE), "--yes")
    assert result.exit_code == 0, result.output
    assert "activities 50, registrations 1500" in result.output and "bookings 600" in result.output

    monkeypatch.setitem(clean_app.config, "APP_ENV", "development")
    again = cli("seed-history", "--year", "2025", "--scale", str(SCALE))
    assert again.exit_code == 1 and "already seeded" in again.output
    future = cli("seed-history", "--year", "2999", "--scale", str(SCALE))
    assert future.exit_code == 1 and "has not begun" in future.output
    with clean_app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 1500
        check_invariants(datetime.now(timezone.utc))
    assert "LOCAL RUNS ONLY" in cli("seed-history", "--help").output


def test_refusals_change_nothing(clean_app):
    with clean_app.app_context():
        seed_history(2025, scale=SCALE, seed=1, now=AFTER)
        db.session.commit()
        users = db.session.scalar(select(func.count(User.id)))
        with pytest.raises(HistoryRefused):
            seed_history(2025, scale=SCALE, seed=2, now=AFTER)
        db.session.rollback()
        assert db.session.scalar(select(func.count(User.id))) == users
