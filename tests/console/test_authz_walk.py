"""Every console page and action, walked as the organizer of another community: each one that names a
row of 海珠社区 answers 403 or 404 and changes nothing, and no list shows 海珠社区's people or plans.

The walk reads the routes from the app, so a new page is walked without being listed here; a route
whose path names a kind of row this walk does not know fails the test until it is added to `ROWS`.
"""

import re

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Activity, AuditLog, Booking, Registration, Shift, ShiftPost, Site, User

from factories import book, create_activity, create_shift, create_site, local, open_hours_query
from console.conftest import console_client, csrf_of

# Only 海珠社区 has these: none may appear on a page of the 大冲社区 organizer.
SECRETS = ("海珠秘密活动", "海珠秘密卡口", "海珠秘密培训", "李小梅", "王建国", "13800000001", "0001")
# Not pages of a community: signing in and out, static files.
SKIPPED_ENDPOINTS = ("console.static", "console.auth.")


@pytest.fixture
def haizhu_rows(organizer, resident, login, clean_app):
    """Rows of 海珠社区: an activity with a sign-up, a site, a shift with a booking."""
    activity = create_activity(organizer, title="海珠秘密活动", capacity=5)
    registration = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert registration.status_code == 201, registration.get_json()
    site = create_site(organizer, name="海珠秘密卡口")
    shift = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    party_member = login("demo-party-member")
    assert book(party_member, shift).status_code == 201
    with clean_app.app_context():
        booking_id = db.session.scalar(select(Booking.id).where(Booking.shift_id == shift["id"]))
        registration_id = db.session.scalar(select(Registration.id).where(Registration.activity_id == activity["id"]))
        query_id = open_hours_query(booking_id)
    swap = party_member.post(f"/api/v1/shift-bookings/{booking_id}/swap", json={})  # 换班, offered to anyone
    assert swap.status_code == 201, swap.get_json()
    return {
        "swap_id": swap.get_json()["id"],
        "activity_id": activity["id"],
        "registration_id": registration_id,
        "site_id": site["id"],
        "shift_id": shift["id"],
        "post_id": shift["roles"][0]["id"],
        "role_id": shift["roles"][0]["id"],
        "booking_id": booking_id,
        "query_id": query_id,
        "user_id": resident.user["id"],
        "community_id": next(c["id"] for c in organizer.get("/api/v1/communities").get_json()["items"] if c["code"] == "haizhu"),
        "qualification_id": organizer.post(f"/api/v1/communities/{site['community']['id']}/qualifications",
                                           json={"name": "海珠秘密培训"}).get_json()["id"],
    }


@pytest.fixture
def outsider(seeded, other_organizer, clean_app, emulator, login):
    """A browser signed in to the console as the organizer of 大冲社区 (not 海珠社区)."""
    return console_client(clean_app, login, emulator, "o-dachong-organizer")


def console_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and not rule.endpoint.startswith(SKIPPED_ENDPOINTS):
            yield rule


def snapshot(app):
    """What a refused action must leave as it was."""
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Activity, Registration, Site, Shift, ShiftPost, Booking)
        )
        states = (
            tuple(db.session.execute(select(Activity.id, Activity.status, Activity.updated_at)).all()),
            tuple(db.session.execute(select(Registration.id, Registration.status)).all()),
            tuple(db.session.execute(select(Booking.id, Booking.status, Booking.shift_id)).all()),
            tuple(db.session.execute(select(Shift.id, Shift.status, Shift.starts_at)).all()),
            tuple(db.session.execute(select(Site.id, Site.name)).all()),
            tuple(db.session.execute(select(User.id, User.is_party_member, User.community_confirmed_at)).all()),
        )
        grants = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action.like("%grant%")))
    return counts, states, grants


def test_every_page_and_action_naming_another_communitys_row_is_refused(haizhu_rows, outsider, clean_app):
    token = csrf_of(outsider.get("/console/"))
    before = snapshot(clean_app)
    walked = 0
    for rule in console_rules(clean_app):
        if not rule.arguments:
            continue
        unknown = rule.arguments - set(haizhu_rows)
        assert not unknown, f"{rule.rule}: add a 海珠社区 row for {unknown} to haizhu_rows"
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(haizhu_rows[name]), path)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = outsider.get(path)
            else:
                response = outsider.post(path, data={"csrf_token": token, "reason": "越权测试", "name": "越权"})
            assert response.status_code in (403, 404), f"{method} {path}: {response.status_code}"
            walked += 1
    assert walked >= 1
    assert snapshot(clean_app) == before


def test_creating_anything_in_another_community_is_refused(haizhu_rows, outsider, clean_app):
    token = csrf_of(outsider.get("/console/"))
    before = snapshot(clean_app)
    form = {"csrf_token": token, "community_id": haizhu_rows["community_id"], "site_id": haizhu_rows["site_id"],
            "title": "越权活动", "name": "越权卡口", "kind": "checkpoint"}
    creators = [rule for rule in console_rules(clean_app) if not rule.arguments and "POST" in rule.methods]
    assert creators
    for rule in creators:
        response = outsider.post(rule.rule, data=form)
        assert response.status_code in (403, 404, 422), f"POST {rule.rule}: {response.status_code}"
    assert snapshot(clean_app) == before


def test_no_list_shows_another_communitys_people_or_plans(haizhu_rows, outsider, clean_app):
    queries = ("", f"?community_id={haizhu_rows['community_id']}", f"?community={haizhu_rows['community_id']}",
               f"?site_id={haizhu_rows['site_id']}", f"?site={haizhu_rows['site_id']}", "?q=李", "?q=海珠", "?status=claimed",
               f"?date={local(days=2).date().isoformat()}")
    for rule in console_rules(clean_app):
        if rule.arguments or "GET" not in rule.methods:
            continue
        for query in queries:
            response = outsider.get(rule.rule + query)
            assert response.status_code in (200, 400, 403, 404, 422), f"GET {rule.rule}{query}: {response.status_code}"
            if response.mimetype.startswith("text/"):
                body = response.get_data(as_text=True)
                leaked = [secret for secret in SECRETS if secret in body]
                assert not leaked, f"GET {rule.rule}{query} shows {leaked}"
