"""Role grants over HTTP and on the command line: who may grant what, and the audit trail."""

from sqlalchemy import select

from server.extensions import db
from server.demo import DEMO_SERVICE
from server.models import Activity, AuditLog, Community, Shift, Site, User


def community_id(client, code):
    return next(c["id"] for c in client.get("/api/v1/communities").get_json()["items"] if c["code"] == code)


def test_admin_grants_organizer_of_a_community(admin, resident, client):
    dachong = community_id(client, "dachong")
    url = f"/api/v1/users/{resident.user['id']}/roles"
    response = admin.post(url, json={"role": "organizer", "community_id": dachong})
    assert response.status_code == 200
    assert "organizer" in response.get_json()["roles"]
    assert [c["code"] for c in resident.get("/api/v1/me").get_json()["organizer_communities"]] == ["dachong"]


def test_organizer_role_needs_a_community(admin, resident):
    response = admin.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "organizer"})
    assert response.status_code == 422
    assert "community_id" in response.get_json()["errors"]


def test_organizer_role_with_unknown_community_is_404(admin, resident):
    response = admin.post(
        f"/api/v1/users/{resident.user['id']}/roles", json={"role": "organizer", "community_id": 4242}
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "community_not_found"


def test_organizer_grants_party_member_in_own_community(organizer, resident):
    response = organizer.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "party_member"})
    assert response.status_code == 200
    assert resident.get("/api/v1/me").get_json()["is_party_member"] is True


def test_organizer_cannot_grant_party_member_in_other_community(organizer, resident, client):
    resident.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    response = organizer.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "party_member"})
    assert response.status_code == 403
    assert resident.get("/api/v1/me").get_json()["is_party_member"] is False


def test_organizer_cannot_grant_organizer_or_admin(organizer, resident, client):
    url = f"/api/v1/users/{resident.user['id']}/roles"
    haizhu = community_id(client, "haizhu")
    assert organizer.post(url, json={"role": "organizer", "community_id": haizhu}).status_code == 403
    assert organizer.post(url, json={"role": "admin"}).status_code == 403
    assert resident.get("/api/v1/me").get_json()["roles"] == ["resident"]


def test_resident_cannot_grant_anything(resident, seeded, login):
    other = login("demo-party-member")
    response = resident.post(f"/api/v1/users/{other.user['id']}/roles", json={"role": "party_member"})
    assert response.status_code == 403
    assert resident.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "admin"}).status_code == 403


def test_unknown_role_is_422(admin, resident):
    response = admin.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "superuser"})
    assert response.status_code == 422


def test_revoke_party_member_by_organizer(organizer, seeded, login):
    member = login("demo-party-member")
    response = organizer.delete(f"/api/v1/users/{member.user['id']}/roles/party_member")
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["resident"]


def test_revoke_one_organizer_community(admin, client, seeded, login):
    organizer = login("demo-organizer")
    dachong = community_id(client, "dachong")
    admin.post(f"/api/v1/users/{organizer.user['id']}/roles", json={"role": "organizer", "community_id": dachong})
    response = admin.delete(f"/api/v1/users/{organizer.user['id']}/roles/organizer?community_id={dachong}")
    assert [c["code"] for c in response.get_json()["organizer_communities"]] == ["haizhu"]
    response = admin.delete(f"/api/v1/users/{organizer.user['id']}/roles/organizer")
    assert response.get_json()["roles"] == ["resident"]


def test_resident_role_cannot_be_revoked(admin, resident):
    assert admin.delete(f"/api/v1/users/{resident.user['id']}/roles/resident").status_code == 422


def test_grants_are_audited_once(admin, resident, clean_app):
    url = f"/api/v1/users/{resident.user['id']}/roles"
    admin.post(url, json={"role": "party_member"})
    admin.post(url, json={"role": "party_member"})
    with clean_app.app_context():
        rows = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "role.grant", AuditLog.target_id == resident.user["id"])
        ).all()
        assert len(rows) == 1
        assert rows[0].actor_id == admin.user["id"]
        assert rows[0].detail["role"] == "party_member"


def test_cli_grant_role_creates_user_and_grants(clean_app, seeded, login):
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["grant-role", "o-cli-user", "organizer", "--community", "dachong"])
    assert result.exit_code == 0, result.output
    assert "organizer" in result.output
    session = login("o-cli-user")
    assert [c["code"] for c in session.user["organizer_communities"]] == ["dachong"]


def test_cli_grant_role_rejects_unknown_community(clean_app, seeded):
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["grant-role", "o-x", "organizer", "--community", "atlantis"])
    assert result.exit_code != 0
    with clean_app.app_context():
        assert db.session.scalar(select(User).where(User.openid == "o-x")) is None


def test_cli_seed_demo_is_idempotent(clean_app):
    runner = clean_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with clean_app.app_context():
        assert len(db.session.scalars(select(Community)).all()) == 8
        assert len(db.session.scalars(select(User)).all()) == 4
        activities = db.session.scalars(select(Activity)).all()
        assert len(activities) == 8 * 6
        assert {a.status for a in activities} == {"draft", "published"}
        assert len(db.session.scalars(select(Site)).all()) == 8 * 3
        # A week of shifts per site, and the past shifts of the hours demo (server.demo.DEMO_SERVICE).
        assert len(db.session.scalars(select(Shift)).all()) == 8 * 7 * 6 + len(DEMO_SERVICE)
