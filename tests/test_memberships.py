"""Community membership: a self-declared community is `claimed` until the community's organizer confirms
it or the person scans its join code; only a confirmed one counts for `community_residents`
activities and for party-member grants by organizers. And the authorization walk of the endpoints."""

import time

import pytest
from factories import community_id, create_activity
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User
from server.services import checkin_tokens


def register(session, activity):
    return session.post(f"/api/v1/activities/{activity['id']}/registrations", json={})


def members_url(client, code="haizhu"):
    return f"/api/v1/communities/{community_id(client, code)}/members"


@pytest.fixture
def claimant(seeded, login, client):
    """A new resident who says they live in haizhu: a claim, not confirmed."""
    session = login("o-claimant")
    response = session.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu"), "real_name": "赵六"})
    assert response.status_code == 200
    return session


def status_of(session):
    community = session.get("/api/v1/me").get_json()["community"]
    return community and community["status"]


# --- the defect: residency was self-declared ------------------------------------------------------


def test_a_claimed_community_does_not_pass_a_residents_only_activity(organizer, claimant):
    activity = create_activity(organizer, audience="community_residents")
    response = register(claimant, activity)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"] == "not_eligible"
    assert "待确认" in response.get_json()["message"]
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["confirmed_count"] == 0
    assert status_of(claimant) == "claimed"


def test_an_organizer_cannot_grant_party_membership_on_a_claim(organizer, claimant):
    url = f"/api/v1/users/{claimant.user['id']}/roles"
    response = organizer.post(url, json={"role": "party_member"})
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"] == "forbidden"
    assert claimant.get("/api/v1/me").get_json()["is_party_member"] is False
    organizer.post(f"{members_url(organizer.client)}/{claimant.user['id']}/confirm")
    assert organizer.post(url, json={"role": "party_member"}).status_code == 200


def test_the_organizers_confirmation_makes_it_count(organizer, claimant, client):
    activity = create_activity(organizer, audience="community_residents")
    response = organizer.post(f"{members_url(client)}/{claimant.user['id']}/confirm")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["status"], body["real_name"]) == (claimant.user["id"], "confirmed", "赵六")
    assert body["confirmed_at"] is not None
    assert status_of(claimant) == "confirmed"
    assert register(claimant, activity).status_code == 201


def test_changing_community_again_is_a_new_claim_and_places_stay(organizer, claimant, client):
    activity = create_activity(organizer, audience="community_residents")
    organizer.post(f"{members_url(client)}/{claimant.user['id']}/confirm")
    assert register(claimant, activity).status_code == 201
    # The same community again changes nothing.
    claimant.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu")})
    assert status_of(claimant) == "confirmed"
    claimant.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    assert status_of(claimant) == "claimed"
    claimant.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu")})
    assert status_of(claimant) == "claimed"
    # The place already held stays.
    mine = claimant.get("/api/v1/me/registrations").get_json()["items"]
    assert [r["status"] for r in mine] == ["confirmed"]
    second = create_activity(organizer, audience="community_residents", title="第二场")
    assert register(claimant, second).status_code == 403


def test_reject_clears_the_claim_and_is_audited(organizer, claimant, client, clean_app):
    response = organizer.post(f"{members_url(client)}/{claimant.user['id']}/reject")
    assert response.status_code == 200
    assert response.get_json()["status"] is None
    assert claimant.get("/api/v1/me").get_json()["community"] is None
    # Nothing left to confirm.
    response = organizer.post(f"{members_url(client)}/{claimant.user['id']}/confirm")
    assert (response.status_code, response.get_json()["error"]) == (404, "membership_not_found")
    with clean_app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.target_id == claimant.user["id"]).order_by(AuditLog.id)
        ).all()
        assert actions == ["membership.reject"]


def test_confirm_is_audited_once(organizer, claimant, client, clean_app):
    for _ in range(2):
        assert organizer.post(f"{members_url(client)}/{claimant.user['id']}/confirm").status_code == 200
    with clean_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "membership.confirm")).all()
        assert [(r.actor_id, r.target_id, r.detail["via"]) for r in rows] == [
            (organizer.user["id"], claimant.user["id"], "organizer")
        ]


def test_a_claim_to_another_community_is_not_this_communitys_to_confirm(organizer, claimant, client):
    claimant.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    # The haizhu organizer cannot confirm a dachong claim through haizhu's path...
    response = organizer.post(f"{members_url(client)}/{claimant.user['id']}/confirm")
    assert (response.status_code, response.get_json()["error"]) == (404, "membership_not_found")
    # ...nor through dachong's.
    response = organizer.post(f"{members_url(client, 'dachong')}/{claimant.user['id']}/confirm")
    assert response.status_code == 403
    assert status_of(claimant) == "claimed"


def test_pending_list_is_paged_masked_and_filtered(organizer, seeded, login, client):
    haizhu = community_id(client, "haizhu")
    claimants = []
    for index in range(3):
        session = login(f"o-pending-{index}")
        session.patch("/api/v1/me", json={"community_id": haizhu})
        claimants.append(session)
    organizer.post(f"{members_url(client)}/{claimants[0].user['id']}/confirm")
    pending = organizer.get(f"{members_url(client)}?status=claimed&page_size=1").get_json()
    assert (pending["total"], pending["page"], pending["page_size"]) == (2, 1, 1)
    assert [m["id"] for m in pending["items"]] == [claimants[1].user["id"]]
    second = organizer.get(f"{members_url(client)}?status=claimed&page_size=1&page=2").get_json()
    assert [m["id"] for m in second["items"]] == [claimants[2].user["id"]]
    confirmed = organizer.get(f"{members_url(client)}?status=confirmed&page_size=100").get_json()
    # The demo users of haizhu are confirmed; so is the one just confirmed.
    assert claimants[0].user["id"] in {m["id"] for m in confirmed["items"]}
    assert {m["status"] for m in confirmed["items"]} == {"confirmed"}
    everyone = organizer.get(f"{members_url(client)}?page_size=100").get_json()
    assert everyone["total"] == confirmed["total"] + 2
    resident = next(m for m in everyone["items"] if m["real_name"] == "李小梅")
    assert resident["phone_masked"] == "138****0001"
    assert "phone" not in resident
    assert organizer.get(f"{members_url(client)}?status=pending").status_code == 422


def test_deleted_accounts_are_not_members(organizer, claimant, client):
    assert claimant.delete("/api/v1/me").status_code == 204
    pending = organizer.get(f"{members_url(client)}?status=claimed").get_json()
    assert pending["total"] == 0


# --- the join code --------------------------------------------------------------------------------


def test_scanning_the_join_code_confirms_and_sets_the_community(organizer, seeded, login, client, clean_app):
    code = organizer.get(f"/api/v1/communities/{community_id(client, 'haizhu')}/join-code")
    assert code.status_code == 200
    body = code.get_json()
    assert set(body) == {"token", "expires_at", "qrcode_url"}
    assert len(body["token"]) <= 32 and body["token"].startswith("c")
    newcomer = login("o-newcomer")  # no community at all
    response = newcomer.post("/api/v1/me/community/join", json={"token": body["token"]})
    assert response.status_code == 200
    assert response.get_json()["community"]["code"] == "haizhu"
    assert response.get_json()["community"]["status"] == "confirmed"
    mover = login("o-mover")  # claims another community
    mover.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    response = mover.post("/api/v1/me/community/join", json={"token": body["token"]})
    assert (response.get_json()["community"]["code"], response.get_json()["community"]["status"]) == (
        "haizhu", "confirmed")
    # Joining again changes nothing and is not audited twice.
    assert mover.post("/api/v1/me/community/join", json={"token": body["token"]}).status_code == 200
    with clean_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "membership.confirm")).all()
        assert sorted((r.actor_id, r.detail["via"]) for r in rows) == sorted(
            [(newcomer.user["id"], "join_code"), (mover.user["id"], "join_code")]
        )


def test_join_code_image_opens_the_join_page(organizer, client, emulator):
    token = organizer.get(f"/api/v1/communities/{community_id(client, 'haizhu')}/join-code").get_json()["token"]
    response = client.get(f"/api/v1/checkin-codes/{token}.jpg")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    [generated] = emulator.codes()
    assert (generated["scene"], generated["page"]) == (token, "pages/community-join/index")


@pytest.mark.parametrize("kind", ["other community", "activity token", "expired", "forged", "garbage"])
def test_a_bad_join_token_is_refused_and_changes_nothing(organizer, claimant, client, clean_app, kind):
    activity = create_activity(organizer)
    dachong = community_id(client, "dachong")
    with clean_app.test_request_context():
        token = {
            "other community": checkin_tokens.make_token("c", dachong)[0],
            "activity token": checkin_tokens.make_token("a", activity["id"])[0],
            "expired": checkin_tokens.make_token("c", community_id(client, "haizhu"), now=time.time() - 900)[0],
            "forged": f"c{community_id(client, 'haizhu')}.zzzz.AAAAAAAAAAAA",
            "garbage": "c99999999999.x.y",
        }[kind]
    response = claimant.post("/api/v1/me/community/join", json={"token": token})
    if kind == "other community":  # a valid code of dachong: joins dachong, not haizhu
        assert response.get_json()["community"]["code"] == "dachong"
        return
    assert (response.status_code, response.get_json()["error"]) == (409, "join_code_invalid")
    assert status_of(claimant) == "claimed"
    with clean_app.app_context():
        assert db.session.get(User, claimant.user["id"]).community_confirmed_at is None


# --- the role grants leak (403 before 404) --------------------------------------------------------


def test_a_resident_cannot_tell_which_user_ids_exist(resident, seeded, login):
    existing = login("demo-party-member").user["id"]
    for user_id in (existing, 999999):
        for method, path, body in (("POST", f"/api/v1/users/{user_id}/roles", {"role": "party_member"}),
                                   ("DELETE", f"/api/v1/users/{user_id}/roles/party_member", None)):
            response = resident.client.open(path, method=method, headers=resident.headers, json=body)
            assert (response.status_code, response.get_json()["error"]) == (403, "forbidden"), (user_id, method)


def test_an_organizer_cannot_tell_which_user_ids_exist_either(organizer, seeded, login, client):
    elsewhere = login("o-elsewhere")
    elsewhere.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    answers = {
        organizer.post(f"/api/v1/users/{user_id}/roles", json={"role": "party_member"}).get_json()["error"]
        for user_id in (elsewhere.user["id"], 999999)
    }
    assert answers == {"forbidden"}


def test_admins_are_told_404_for_unknown_users(admin):
    response = admin.post("/api/v1/users/999999/roles", json={"role": "party_member"})
    assert (response.status_code, response.get_json()["error"]) == (404, "user_not_found")


# --- the authorization walk -----------------------------------------------------------------------

# (name, method, path, body); `{c}` is haizhu, `{u}` a fresh claimant of haizhu.
ENDPOINTS = [
    ("members", "GET", "/api/v1/communities/{c}/members", None),
    ("pending members", "GET", "/api/v1/communities/{c}/members?status=claimed", None),
    ("confirm", "POST", "/api/v1/communities/{c}/members/{u}/confirm", None),
    ("reject", "POST", "/api/v1/communities/{c}/members/{u}/reject", None),
    ("join code", "GET", "/api/v1/communities/{c}/join-code", None),
]


@pytest.fixture
def actors(resident, organizer, other_organizer, admin):
    return {"resident": resident, "other organizer": other_organizer, "organizer": organizer, "admin": admin}


@pytest.mark.parametrize("name, method, path, body", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_membership_endpoint_walk(actors, organizer, login, client, name, method, path, body):
    haizhu = community_id(client, "haizhu")
    for n, (role, allowed) in enumerate([("resident", False), ("other organizer", False),
                                         ("organizer", True), ("admin", True)]):
        target = login(f"o-walk-claimant-{n}")
        target.patch("/api/v1/me", json={"community_id": haizhu})
        before = organizer.get(f"/api/v1/communities/{haizhu}/members?page_size=100").get_json()
        session = actors[role]
        response = session.client.open(path.format(c=haizhu, u=target.user["id"]), method=method,
                                       headers=session.headers, json=body)
        if allowed:
            assert response.status_code == 200, (role, response.get_json())
        else:
            assert (response.status_code, response.get_json()["error"]) == (403, "forbidden"), role
            after = organizer.get(f"/api/v1/communities/{haizhu}/members?page_size=100").get_json()
            assert after == before, f"{role} changed something with a refused {name}"
            assert status_of(target) == "claimed"


def test_membership_endpoints_need_a_login(seeded, client):
    haizhu = community_id(client, "haizhu")
    for method, path in (("GET", f"/api/v1/communities/{haizhu}/members"),
                         ("POST", f"/api/v1/communities/{haizhu}/members/1/confirm"),
                         ("GET", f"/api/v1/communities/{haizhu}/join-code"),
                         ("POST", "/api/v1/me/community/join")):
        response = client.open(path, method=method, json={"token": "x"} if method == "POST" else None)
        assert (response.status_code, response.get_json()["error"]) == (401, "not_authenticated"), path


def test_unknown_community_is_404(organizer, admin):
    for session in (organizer, admin):
        response = session.get("/api/v1/communities/4242/members")
        assert (response.status_code, response.get_json()["error"]) == (404, "community_not_found")


# --- a confirmation racing a change of community ---------------------------------------------------


def test_a_confirmation_racing_a_change_of_community_never_confirms_the_new_one(
    organizer, seeded, login, client, live_server
):
    """The organizer confirms haizhu while the person switches to dachong, at the same instant. Whichever
    commits first, the person ends with a dachong claim (the confirmation found no haizhu claim: 404, or
    the switch overwrote it): a confirmation of haizhu is never carried over to dachong."""
    from conftest import race

    haizhu, dachong = community_id(client, "haizhu"), community_id(client, "dachong")
    for round_ in range(8):
        person = login(f"o-racer-{round_}")
        person.patch("/api/v1/me", json={"community_id": haizhu})
        results = race(live_server, [
            ("POST", f"/api/v1/communities/{haizhu}/members/{person.user['id']}/confirm", organizer.headers, None),
            ("PATCH", "/api/v1/me", person.headers, {"community_id": dachong}),
        ])
        assert {status for status, _ in results} <= {200, 404}, results
        community = person.get("/api/v1/me").get_json()["community"]
        assert (community["code"], community["status"]) == ("dachong", "claimed"), (round_, results)


# --- existing data ---------------------------------------------------------------------------------


def test_the_migration_makes_existing_memberships_claims_not_confirmed(make_app, tmp_path):
    """Communities chosen before confirmation existed were self-declared: they become claims."""
    import flask_migrate
    import sqlalchemy as sa

    fresh = make_app(DATABASE_URL="sqlite:///" + str(tmp_path / "before.db"))
    with fresh.app_context():
        flask_migrate.upgrade(revision="5474b5946b23")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO communities (id, code, name, created_at) "
                                 "VALUES (1, 'haizhu', '海珠社区', '2026-01-01 00:00:00')"))
            for user_id, community in ((1, 1), (2, None)):
                conn.execute(sa.text(
                    "INSERT INTO users (id, openid, community_id, is_party_member, is_admin, volunteer_minutes, "
                    "created_at, updated_at) VALUES (:id, :openid, :community, 0, 0, 0, "
                    "'2026-01-01 00:00:00', '2026-02-03 04:05:06')"
                ), {"id": user_id, "openid": f"o-{user_id}", "community": community})
        flask_migrate.upgrade()
        db.session.remove()
        member, loner = db.session.get(User, 1), db.session.get(User, 2)
        assert (member.community_status, member.community_confirmed_at) == ("claimed", None)
        assert member.community_claimed_at.isoformat() == "2026-02-03T04:05:06+00:00"
        assert (loner.community_status, loner.community_claimed_at) == (None, None)
