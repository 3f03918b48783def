"""Retention (PIPL minimisation, server/services/retention.py): a known history, purged once.

Old inactive account anonymised and its future place released to the waitlist; recent accounts
untouched; the remarks of an old activity's roster emptied, a recent one's kept; old audit entries
deleted, recent kept; counts and hours totals unchanged; a dry run changes nothing and reports counts.
"""

from datetime import timedelta

from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, AuditLog, Registration, User
from server.models.base import utcnow
from server.services.users import record_audit
from tests.factories import create_activity

YEARS_AGO = timedelta(days=4 * 365)


def _snapshot():
    """Everything the purge may touch, read with plain queries."""
    users = {
        u.id: (u.openid, u.real_name, u.deleted_at is not None, u.volunteer_minutes)
        for u in db.session.scalars(select(User))
    }
    registrations = {
        r.id: (r.activity_id, r.user_id, r.status, r.remark) for r in db.session.scalars(select(Registration))
    }
    counts = {a.id: (a.confirmed_count, a.waitlist_count) for a in db.session.scalars(select(Activity))}
    audit = sorted(db.session.scalars(select(AuditLog.action)))
    return users, registrations, counts, audit


def _history(clean_app, organizer, residents, move_activity):
    """old: inactive for four years, holds the only place of a coming activity and 230 volunteer
    minutes; recent: waitlisted behind them, and signed up with a remark to an activity that ended four
    years ago and to one that ended last week."""
    old, recent = residents(2)
    coming = create_activity(organizer, title="将来的党课", capacity=1)
    past_old = create_activity(organizer, title="四年前的党课")
    past_recent = create_activity(organizer, title="上周的党课")
    assert old.post(f"/api/v1/activities/{coming['id']}/registrations", json={"remark": "老账户备注"}).status_code == 201
    assert recent.post(f"/api/v1/activities/{coming['id']}/registrations", json={}).get_json()["status"] == "waitlisted"
    for activity, remark in ((past_old, "旧活动备注"), (past_recent, "新活动备注")):
        response = recent.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": remark})
        assert response.status_code == 201, response.get_json()
    move_activity(past_old["id"], utcnow() - YEARS_AGO)
    move_activity(past_recent["id"], utcnow() - timedelta(days=7))
    with clean_app.app_context():
        long_ago = utcnow() - YEARS_AGO
        db.session.execute(
            update(User)
            .where(User.id == old.user["id"])
            .values(created_at=long_ago, last_login_at=long_ago, volunteer_minutes=230)
        )
        record_audit(None, "phone.reveal", "user", recent.user["id"])
        record_audit(None, "roster.export", "activity", past_old["id"])
        db.session.flush()
        db.session.execute(update(AuditLog).where(AuditLog.action == "roster.export").values(created_at=long_ago))
        db.session.commit()
    return old, recent, coming, past_old, past_recent


def test_dry_run_reports_counts_and_changes_nothing(clean_app, organizer, residents, move_activity):
    _history(clean_app, organizer, residents, move_activity)
    with clean_app.app_context():
        before = _snapshot()
    result = clean_app.test_cli_runner().invoke(args=["purge-personal-data", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "inactive_accounts_anonymised: 1" in result.output
    assert "remarks_emptied: 1" in result.output
    assert "audit_entries_deleted: 1" in result.output
    assert "nothing changed" in result.output
    with clean_app.app_context():
        assert _snapshot() == before


def test_purge_applies_the_retention_rules_and_keeps_the_totals(clean_app, organizer, residents, move_activity):
    old, recent, coming, past_old, past_recent = _history(clean_app, organizer, residents, move_activity)
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "inactive_accounts_anonymised: 1" in result.output

    # As when deleting an account, its tokens stop working.
    assert old.get("/api/v1/activities").status_code == 401  # the token itself is refused
    assert recent.get("/api/v1/me").status_code == 200
    with clean_app.app_context():
        gone = db.session.get(User, old.user["id"])
        assert gone.deleted_at is not None and gone.openid is None and gone.real_name is None
        assert gone.volunteer_minutes == 230  # hours totals stay
        kept = db.session.get(User, recent.user["id"])
        assert kept.deleted_at is None and kept.openid == "o-resident-0001" and kept.real_name == "居民1"
        organizer_row = db.session.scalar(select(User).where(User.openid == "demo-organizer"))
        assert organizer_row.deleted_at is None and organizer_row.organizer_scopes

        def registration(activity, session):
            return db.session.scalar(
                select(Registration).where(
                    Registration.activity_id == activity["id"], Registration.user_id == session.user["id"]
                )
            )

        # The old account's coming place went to the waitlist.
        assert registration(coming, old).status == "cancelled"
        assert registration(coming, old).remark == ""
        assert registration(coming, recent).status == "confirmed"
        # Old roster's remark emptied, the row (and its count) kept; the recent roster untouched.
        assert registration(past_old, recent).remark == "" and registration(past_old, recent).status == "confirmed"
        assert registration(past_recent, recent).remark == "新活动备注"
        assert db.session.get(Activity, past_old["id"]).confirmed_count == 1
        assert db.session.get(Activity, past_recent["id"]).confirmed_count == 1
        assert db.session.get(Activity, coming["id"]).confirmed_count == 1
        actions = list(db.session.scalars(select(AuditLog.action)))
        assert "roster.export" not in actions  # four years old
        assert "phone.reveal" in actions and "account.expire" in actions
        after = _snapshot()

    # Idempotent: a second run finds nothing left to do and changes nothing.
    again = runner.invoke(args=["purge-personal-data"])
    assert again.exit_code == 0, again.output
    for line in ("inactive_accounts_anonymised: 0", "deleted_accounts_cleaned: 0", "remarks_emptied: 0",
                 "audit_entries_deleted: 0"):
        assert line in again.output
    with clean_app.app_context():
        assert _snapshot() == after


def test_the_scheduler_job_purges(clean_app, organizer, residents, move_activity):
    from server.scheduler import purge

    old, *_ = _history(clean_app, organizer, residents, move_activity)
    assert old.get("/api/v1/activities").status_code == 200
    purge(clean_app)
    with clean_app.app_context():
        assert db.session.get(User, old.user["id"]).deleted_at is not None
    assert old.get("/api/v1/activities").status_code == 401  # the token itself is refused


def test_deleted_account_leftovers_are_emptied(clean_app, resident):
    with clean_app.app_context():
        db.session.execute(
            update(User).where(User.id == resident.user["id"]).values(deleted_at=utcnow(), nickname="遗留昵称")
        )
        db.session.commit()
    result = clean_app.test_cli_runner().invoke(args=["purge-personal-data"])
    assert "deleted_accounts_cleaned: 1" in result.output, result.output
    with clean_app.app_context():
        user = db.session.get(User, resident.user["id"])
        assert user.nickname is None and user.openid is None


def test_an_emptied_remark_is_not_served_from_the_cached_list(clean_app, organizer, residents, move_activity):
    """The purge empties an old roster's remarks with one Core UPDATE, which the flush does not see: the
    caller's own rows cached on the list page must go with it, not outlive the purge by their TTL."""
    [person] = residents(1)
    past = create_activity(organizer, title="四年前的党课")
    assert person.post(f"/api/v1/activities/{past['id']}/registrations", json={"remark": "旧活动备注"}).status_code == 201
    move_activity(past["id"], utcnow() - YEARS_AGO)
    since = (utcnow() - YEARS_AGO - timedelta(days=30)).date().isoformat()

    def remark():
        items = person.get(f"/api/v1/activities?from={since}").get_json()["items"]
        [item] = [i for i in items if i["id"] == past["id"]]
        return item["my_registration"]["remark"]

    assert remark() == remark() == "旧活动备注"  # the second one from the cache
    result = clean_app.test_cli_runner().invoke(args=["purge-personal-data"])
    assert "remarks_emptied: 1" in result.output and "inactive_accounts_anonymised: 0" in result.output, result.output
    assert remark() == ""
