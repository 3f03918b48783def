"""The authorization walk: every organizer endpoint of activities as a resident, as an organizer of
another community, as the organizer, and as an admin."""

import pytest
from factories import activity_body, community_id, create_activity, soon

# (name, method, path, json body or None). `{id}` is a fresh published activity, `{reg}` a registration in it.
ENDPOINTS = [
    ("edit", "PATCH", "/api/v1/activities/{id}", {"title": "改过的标题"}),
    ("publish", "POST", "/api/v1/activities/{draft}/publish", None),
    ("cancel", "POST", "/api/v1/activities/{id}/cancel", {"reason": "天气原因"}),
    ("checkin code", "GET", "/api/v1/activities/{id}/checkin-code", None),
    ("manual check-in", "POST", "/api/v1/activities/{id}/roster/{reg}/check-in", None),
    ("roster json", "GET", "/api/v1/activities/{id}/roster", None),
    ("roster csv", "GET", "/api/v1/activities/{id}/roster?format=csv", None),
    ("roster xlsx", "GET", "/api/v1/activities/{id}/roster?format=xlsx", None),
]


@pytest.fixture
def actors(resident, organizer, other_organizer, admin):
    return {"resident": resident, "other organizer": other_organizer, "organizer": organizer, "admin": admin}


def fresh_targets(organizer, registrant):
    activity = create_activity(organizer, starts_at=soon())  # inside its check-in window
    draft = create_activity(organizer, publish=False, title="草稿")
    registration = registrant.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    return {"id": activity["id"], "draft": draft["id"], "reg": registration["id"]}


def call(session, method, path, body):
    return session.client.open(path, method=method, headers=session.headers, json=body)


@pytest.mark.parametrize("name, method, path, body", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_organizer_endpoint_walk(actors, organizer, seeded, login, name, method, path, body):
    registrant = login("o-walk-registrant")
    for role, expected in [("resident", {403, 404}), ("other organizer", {403, 404}),
                           ("organizer", {200}), ("admin", {200})]:
        targets = fresh_targets(organizer, registrant)
        before = organizer.get(f"/api/v1/activities/{targets['id']}/roster").get_json()
        before_draft = organizer.get(f"/api/v1/activities/{targets['draft']}").get_json()
        response = call(actors[role], method, path.format(**targets), body)
        assert response.status_code in expected, (role, response.status_code, response.get_json())
        if response.status_code >= 400:
            assert response.get_json()["error"] in ("forbidden", "activity_not_found")
            after = organizer.get(f"/api/v1/activities/{targets['id']}/roster").get_json()
            assert after == before, f"{role} changed something with a refused {name}"
            assert organizer.get(f"/api/v1/activities/{targets['draft']}").get_json() == before_draft


def test_drafts_are_404_not_403_for_outsiders(actors, organizer):
    draft = create_activity(organizer, publish=False)
    for role in ("resident", "other organizer"):
        response = actors[role].patch(f"/api/v1/activities/{draft['id']}", json={"title": "x"})
        assert (response.status_code, response.get_json()["error"]) == (404, "activity_not_found")


def test_create_only_in_own_community(actors, client):
    haizhu = community_id(client, "haizhu")
    expected = {"resident": 403, "other organizer": 403, "organizer": 201, "admin": 201}
    for role, status in expected.items():
        response = actors[role].post("/api/v1/activities", json=activity_body(haizhu))
        assert response.status_code == status, role


def test_listing_drafts_only_for_their_organizers(actors, organizer, client):
    create_activity(organizer, publish=False)
    haizhu = community_id(client, "haizhu")
    expected = {"resident": 403, "other organizer": 403, "organizer": 200, "admin": 200}
    for role, status in expected.items():
        assert actors[role].get(f"/api/v1/activities?status=draft&community_id={haizhu}").status_code == status, role


def test_phone_reveal_walk(actors, organizer, login, emulator, clean_app):
    """Only the community's own organizers reveal a number: admins see masked numbers in rosters and
    may not reveal them either. A refused reveal writes nothing to the audit log."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import AuditLog

    registrant = login("o-walk-registrant")
    code = emulator.mint_phone_code("13912345678")["code"]
    assert registrant.post("/api/v1/auth/phone", json={"code": code}).status_code == 200
    draft = create_activity(organizer, publish=False, title="草稿")
    for role, expected in [("resident", {403}), ("other organizer", {403}), ("admin", {403}), ("organizer", {200})]:
        targets = fresh_targets(organizer, registrant)
        response = call(actors[role], "POST", "/api/v1/activities/{id}/roster/{reg}/phone".format(**targets), None)
        assert response.status_code in expected, (role, response.status_code, response.get_json())
        if response.status_code == 403:
            assert response.get_json()["error"] == "forbidden"
            assert "13912345678" not in response.get_data(as_text=True)
        else:
            assert response.get_json() == {"phone": "13912345678"}
        # A draft's registrations are hidden from outsiders as the draft is: 404, never 403.
        hidden = call(actors[role], "POST", f"/api/v1/activities/{draft['id']}/roster/{targets['reg']}/phone", None)
        assert hidden.status_code in ({404} if role in ("resident", "other organizer") else {403, 404}), role
    with clean_app.app_context():
        reveals = db.session.scalars(select(AuditLog).where(AuditLog.action == "phone.reveal")).all()
        assert [r.actor_id for r in reveals] == [organizer.user["id"]]
