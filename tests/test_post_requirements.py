"""Requirements per post (岗位要求): qualifications organizers grant, and same-day health declarations.

Refusals and successes for each requirement (booking, an organizer's move, self check-in), the SQL and
Python eligibility rules in step over a set of people, revocation keeping bookings (the roster flags
them), authorization and bad input, retention and account deletion."""

from datetime import timedelta

import pytest
from conftest import race
from factories import book, community_id, create_shift, create_site, local, local_today
from sqlalchemy import select, update

from server.extensions import db
from server.models import AuditLog, HealthDeclaration, QualificationGrant, Shift, User
from server.models.base import utcnow
from test_shifts import site_token

WELL = {"temperature_normal": True, "has_symptoms": False, "is_risk_person": False}
UNWELL = {"temperature_normal": True, "has_symptoms": True, "is_risk_person": False}


def define(organizer, name="核酸采样点登记培训", community="haizhu", note="完成街道组织的登记培训"):
    response = organizer.post(f"/api/v1/communities/{community_id(organizer.client, community)}/qualifications",
                              json={"name": name, "note": note})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def grant(organizer, qualification, person, expires_on=None):
    body = {"user_id": person.user["id"], "expires_on": expires_on.isoformat() if expires_on else None}
    return organizer.post(f"/api/v1/qualifications/{qualification['id']}/grants", json=body)


def revoke(organizer, qualification, person):
    return organizer.delete(f"/api/v1/qualifications/{qualification['id']}/grants/{person.user['id']}")


def requiring(organizer, qualification=None, declaration="none", starts_at=None, roles=(("登记", 3),)):
    """A shift whose first post requires `qualification` and a declaration; its other posts nothing."""
    shift = create_shift(organizer, create_site(organizer, name="社区核酸采样点", kind="testing_site"),
                         starts_at=starts_at, roles=list(roles))
    body = {"roles": [{"id": shift["roles"][0]["id"], "health_declaration": declaration,
                       "requires_qualification_id": qualification["id"] if qualification else None}]}
    response = organizer.patch(f"/api/v1/shifts/{shift['id']}", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error(response):
    return response.status_code, response.get_json()["error"]


# --- qualifications ----------------------------------------------------------------------------------------


def test_an_organizer_defines_grants_and_revokes_a_qualification_audited(organizer, residents, clean_app):
    qualification = define(organizer)
    assert qualification["holders"] == 0
    (volunteer,) = residents(1)
    response = grant(organizer, qualification, volunteer, expires_on=local_today() + timedelta(days=30))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["held"] is True
    listed = organizer.get(f"/api/v1/communities/{qualification['community_id']}/qualifications").get_json()["items"]
    assert [(q["name"], q["holders"]) for q in listed] == [("核酸采样点登记培训", 1)]
    mine = volunteer.get("/api/v1/me/qualifications").get_json()["items"]
    assert [(q["name"], q["held"]) for q in mine] == [("核酸采样点登记培训", True)]
    member = organizer.get(
        f"/api/v1/communities/{qualification['community_id']}/members/{volunteer.user['id']}/qualifications"
    ).get_json()
    assert [(q["name"], q["held"]) for q in member["items"]] == [("核酸采样点登记培训", True)]
    holders = organizer.get(f"/api/v1/qualifications/{qualification['id']}/holders").get_json()
    assert [h["user"]["id"] for h in holders["items"]] == [volunteer.user["id"]]
    assert "phone" not in holders["items"][0]["user"]
    response = revoke(organizer, qualification, volunteer)
    assert response.status_code == 200 and response.get_json()["held"] is False
    assert revoke(organizer, qualification, volunteer).status_code == 200  # again: nothing changes
    assert volunteer.get("/api/v1/me/qualifications").get_json()["items"] == []
    with clean_app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("qualification.%"))).all()
    assert sorted(actions) == ["qualification.create", "qualification.grant", "qualification.revoke"]


def test_qualification_rules_and_bad_input(organizer, other_organizer, residents, resident, client):
    qualification = define(organizer)
    (volunteer,) = residents(1)
    haizhu = qualification["community_id"]
    assert error(organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": "核酸采样点登记培训"})) == (
        409, "qualification_exists")
    assert error(organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": ""}))[0] == 422
    assert error(organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": "x" * 41}))[0] == 422
    assert error(organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": "   "}))[0] == 422
    assert error(other_organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": "测温"})) == (
        403, "forbidden")
    assert error(grant(other_organizer, qualification, volunteer)) == (403, "forbidden")
    assert error(revoke(other_organizer, qualification, volunteer)) == (403, "forbidden")
    assert error(resident.get(f"/api/v1/qualifications/{qualification['id']}/holders")) == (403, "forbidden")
    assert error(grant(organizer, qualification, volunteer, expires_on=local_today() - timedelta(days=2)))[0] == 422
    assert error(grant(organizer, qualification, other_organizer)) == (404, "membership_not_found")
    assert error(organizer.post("/api/v1/qualifications/999999/grants", json={"user_id": 1})) == (
        404, "qualification_not_found")
    assert error(organizer.post(f"/api/v1/qualifications/{qualification['id']}/grants", json={"user_id": "x"}))[0] == 422
    assert organizer.patch(f"/api/v1/qualifications/{qualification['id']}", json={"name": "新名称"}).status_code == 200
    # A post may require only a qualification of its site's community, and a known declaration moment.
    dachong_site = create_site(other_organizer, community="dachong")
    body = {"site_id": dachong_site["id"], "starts_at": local(days=3, hour=8).isoformat(),
            "ends_at": local(days=3, hour=12).isoformat(),
            "roles": [{"name": "登记", "capacity": 1, "requires_qualification_id": qualification["id"]}]}
    response = other_organizer.post("/api/v1/shifts", json=body)
    assert error(response)[0] == 422 and "roles" in response.get_json()["errors"]
    body["roles"] = [{"name": "登记", "capacity": 1, "health_declaration": "sometimes"}]
    assert error(other_organizer.post("/api/v1/shifts", json=body))[0] == 422
    assert error(organizer.post("/api/v1/me/health-declaration", json={"temperature_normal": "maybe"}))[0] == 422
    assert error(organizer.post("/api/v1/me/health-declaration", json={"temperature_normal": True}))[0] == 422


# --- booking ------------------------------------------------------------------------------------------------


def test_booking_a_post_requiring_a_qualification(organizer, residents):
    qualification = define(organizer)
    shift = requiring(organizer, qualification)
    post = shift["roles"][0]
    assert post["required_qualification"] == {"id": qualification["id"], "name": "核酸采样点登记培训"}
    without, expired, revoked, holder = residents(4)
    response = book(without, shift)
    assert error(response) == (403, "qualification_required")
    assert "核酸采样点登记培训" in response.get_json()["message"]
    # A grant that expires before the shift's day does not count; one that expires on it does.
    assert grant(organizer, qualification, expired, expires_on=local_today() + timedelta(days=1)).status_code == 200
    assert error(book(expired, shift)) == (403, "qualification_required")
    assert grant(organizer, qualification, expired, expires_on=local_today() + timedelta(days=3)).status_code == 200
    assert book(expired, shift).status_code == 201
    assert grant(organizer, qualification, revoked).status_code == 200
    assert revoke(organizer, qualification, revoked).status_code == 200
    assert error(book(revoked, shift)) == (403, "qualification_required")
    assert grant(organizer, qualification, holder).status_code == 200
    assert book(holder, shift).status_code == 201
    # The shift list shows the requirement.
    listed = organizer.get("/api/v1/shifts").get_json()["items"]
    assert next(s for s in listed if s["id"] == shift["id"])["roles"][0]["required_qualification"]["name"]


def test_revoking_keeps_the_booking_and_the_roster_flags_it(organizer, residents):
    qualification = define(organizer)
    shift = requiring(organizer, qualification)
    (volunteer,) = residents(1)
    assert grant(organizer, qualification, volunteer).status_code == 200
    assert book(volunteer, shift).status_code == 201
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    assert roster["roles"][0]["volunteers"][0]["qualification_missing"] is False
    assert revoke(organizer, qualification, volunteer).status_code == 200
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    (entry,) = roster["roles"][0]["volunteers"]
    assert entry["status"] == "booked" and entry["qualification_missing"] is True
    assert roster["roles"][0]["required_qualification"]["name"] == "核酸采样点登记培训"


def test_an_organizer_cannot_move_someone_into_a_post_they_are_not_qualified_for(organizer, residents):
    qualification = define(organizer)
    shift = requiring(organizer, qualification, roles=(("登记", 1), ("引导", 2)))
    (volunteer,) = residents(1)
    booked = book(volunteer, shift, 1)
    assert booked.status_code == 201, booked.get_json()
    move = {"shift_id": shift["id"], "role_id": shift["roles"][0]["id"]}
    response = organizer.post(f"/api/v1/shift-bookings/{booked.get_json()['id']}/move", json=move)
    assert error(response) == (403, "qualification_required")
    assert "居民0" in response.get_json()["message"]
    roles = organizer.get(f"/api/v1/shifts/{shift['id']}").get_json()["roles"]
    assert [r["booked"] for r in roles] == [0, 1]
    assert grant(organizer, qualification, volunteer).status_code == 200
    assert organizer.post(f"/api/v1/shift-bookings/{booked.get_json()['id']}/move", json=move).status_code == 200


def test_booking_a_post_asking_for_a_health_declaration(organizer, residents):
    shift = requiring(organizer, declaration="booking")
    first, second, third = residents(3)
    assert error(book(first, shift)) == (409, "health_declaration_required")
    url = f"/api/v1/shifts/{shift['id']}/bookings"
    role = shift["roles"][0]["id"]
    response = first.post(url, json={"role_id": role, "health_declaration": UNWELL})
    assert error(response) == (409, "health_declaration_unwell")
    assert "休息" in response.get_json()["message"]
    assert first.get("/api/v1/me/health-declaration").get_json() == {"declaration": None}  # nothing saved
    assert first.post(url, json={"role_id": role, "health_declaration": WELL}).status_code == 201
    today = first.get("/api/v1/me/health-declaration").get_json()["declaration"]
    assert today["well"] is True and today["day"] == local_today().isoformat()
    # A declaration made earlier today serves; an unwell one refuses.
    assert second.post("/api/v1/me/health-declaration", json=WELL).status_code == 200
    assert book(second, shift).status_code == 201
    declared = third.post("/api/v1/me/health-declaration", json=UNWELL)
    assert declared.status_code == 200 and declared.get_json()["well"] is False
    assert error(book(third, shift)) == (409, "health_declaration_unwell")
    # The post without the requirement asks nothing.
    other = requiring(organizer, declaration="none", starts_at=local(days=5, hour=8))
    assert book(third, other).status_code == 201
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    assert [v["health_declared"] for v in roster["roles"][0]["volunteers"]] == [True, True]


def test_self_check_in_asks_for_the_declaration_an_organizer_does_not(organizer, residents, move_shift):
    shift = requiring(organizer, declaration="checkin")
    first, second = residents(2)
    first_booking = book(first, shift).get_json()  # not asked at booking
    second_booking = book(second, shift).get_json()
    assert first_booking["id"] and second_booking["id"]
    move_shift(shift["id"], utcnow() - timedelta(minutes=10), utcnow() + timedelta(hours=3))
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    assert [v["health_declared"] for v in roster["roles"][0]["volunteers"]] == [False, False]
    token = site_token(organizer, shift["site"])
    url = f"/api/v1/shift-bookings/{first_booking['id']}/check-in"
    assert error(first.post(url, json={"token": token})) == (409, "health_declaration_required")
    assert error(first.post(url, json={"token": token, "health_declaration": UNWELL})) == (409, "health_declaration_unwell")
    response = first.post(url, json={"token": token, "health_declaration": WELL})
    assert response.status_code == 200 and response.get_json()["checked_in_at"]
    # An organizer checks someone in by hand without a declaration.
    response = organizer.post(f"/api/v1/shift-bookings/{second_booking['id']}/check-in", json={"reason": "手机没电"})
    assert response.status_code == 200, response.get_json()
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    assert [v["health_declared"] for v in roster["roles"][0]["volunteers"]] == [True, False]


# --- the rule in SQL and in Python ------------------------------------------------------------------------


def test_eligible_users_and_eligibility_problem_agree(organizer, residents, login, clean_app, client):
    qualification = define(organizer)
    other_qualification = define(organizer, name="测温培训")
    people = residents(6)
    party = login("demo-party-member")
    haizhu = community_id(client, "haizhu")
    party.patch("/api/v1/me", json={"community_id": haizhu})
    valid, expired, revoked, other, party_holder = people[0], people[1], people[2], people[3], party
    assert grant(organizer, qualification, valid).status_code == 200
    assert grant(organizer, qualification, expired, expires_on=local_today()).status_code == 200
    assert grant(organizer, qualification, revoked).status_code == 200
    assert revoke(organizer, qualification, revoked).status_code == 200
    assert grant(organizer, other_qualification, other).status_code == 200
    assert grant(organizer, qualification, party_holder).status_code == 200
    plain = requiring(organizer, None, starts_at=local(days=2, hour=8))
    needing = requiring(organizer, qualification, starts_at=local(days=2, hour=14))
    members_only = requiring(organizer, qualification, starts_at=local(days=4, hour=8))
    assert organizer.patch(f"/api/v1/shifts/{members_only['id']}", json={"party_members_only": True}).status_code == 200
    ids = [p.user["id"] for p in [*people, party]]
    from server.services.bookings import eligibility_problem, eligible_users

    with clean_app.app_context():
        for shift_json in (plain, needing, members_only):
            shift = db.session.get(Shift, shift_json["id"])
            for post in shift.posts:
                in_sql = set(db.session.scalars(eligible_users(select(User.id).where(User.id.in_(ids)), shift, post)))
                in_python = {i for i in ids if eligibility_problem(db.session.get(User, i), shift, post) is None}
                assert in_sql == in_python, (shift.id, post.name)
        needing_shift = db.session.get(Shift, needing["id"])
        post = needing_shift.posts[0]
        chosen = set(db.session.scalars(eligible_users(select(User.id).where(User.id.in_(ids)), needing_shift, post)))
        assert chosen == {valid.user["id"], party_holder.user["id"]}
        members_shift = db.session.get(Shift, members_only["id"])
        chosen = set(db.session.scalars(
            eligible_users(select(User.id).where(User.id.in_(ids)), members_shift, members_shift.posts[0])))
        assert chosen == {party_holder.user["id"]}


# --- keeping little ---------------------------------------------------------------------------------------


def test_declarations_are_purged_after_14_days_and_erased_with_the_account(residents, clean_app, organizer):
    first, second = residents(2)
    qualification = define(organizer)
    assert grant(organizer, qualification, second).status_code == 200
    for person in (first, second):
        assert person.post("/api/v1/me/health-declaration", json=WELL).status_code == 200
    with clean_app.app_context():
        db.session.execute(
            update(HealthDeclaration).where(HealthDeclaration.user_id == first.user["id"])
            .values(day=local_today() - timedelta(days=15))
        )
        db.session.commit()
        from server.services.retention import purge_personal_data

        assert purge_personal_data(dry_run=True).health_declarations_deleted == 1
        assert purge_personal_data().health_declarations_deleted == 1
        db.session.commit()
        left = db.session.scalars(select(HealthDeclaration.user_id)).all()
        assert left == [second.user["id"]]
    assert second.delete("/api/v1/me").status_code == 204
    with clean_app.app_context():
        assert db.session.scalars(select(HealthDeclaration)).all() == []
        assert db.session.scalars(select(QualificationGrant)).all() == []


@pytest.mark.parametrize("body", [
    {"roles": [{"id": 999999, "requires_qualification_id": None, "health_declaration": "none"}]},
    {"roles": [{"id": 1, "health_declaration": "none"}]},
    {"roles": "x"},
])
def test_bad_post_requirements_are_refused_and_change_nothing(organizer, body):
    shift = create_shift(organizer, create_site(organizer))
    if body["roles"] != "x" and body["roles"][0]["id"] == 1:
        body = {"roles": [{"id": shift["roles"][0]["id"], "health_declaration": "none"}]}
    response = organizer.patch(f"/api/v1/shifts/{shift['id']}", json=body)
    assert response.status_code == 422, response.get_json()
    assert organizer.get(f"/api/v1/shifts/{shift['id']}").get_json()["roles"] == shift["roles"]


# --- races (real concurrent clients; PostgreSQL in scripts/test) ------------------------------------------


def test_racing_first_declarations_and_grants_keep_one_row_each(organizer, residents, live_server, clean_app):
    (volunteer,) = residents(1)
    qualification = define(organizer)
    for _ in range(3):
        results = race(live_server, [("POST", "/api/v1/me/health-declaration", volunteer.headers, WELL)] * 4)
        assert [status for status, _ in results] == [200] * 4, results
        grant_url = f"/api/v1/qualifications/{qualification['id']}/grants"
        body = {"user_id": volunteer.user["id"], "expires_on": None}
        results = race(live_server, [("POST", grant_url, organizer.headers, body)] * 3)
        assert [status for status, _ in results] == [200] * 3, results
    with clean_app.app_context():
        assert len(db.session.scalars(select(HealthDeclaration)).all()) == 1
        assert len(db.session.scalars(select(QualificationGrant)).all()) == 1


def test_a_booking_racing_a_revocation_is_refused_or_flagged(organizer, residents, live_server):
    qualification = define(organizer)
    shift = requiring(organizer, qualification, roles=(("登记", 10),))
    people = residents(4)
    for person in people:
        assert grant(organizer, qualification, person).status_code == 200
    requests = []
    for person in people:
        requests.append(("POST", f"/api/v1/shifts/{shift['id']}/bookings", person.headers,
                         {"role_id": shift["roles"][0]["id"]}))
        requests.append(("DELETE", f"/api/v1/qualifications/{qualification['id']}/grants/{person.user['id']}",
                         organizer.headers, None))
    results = race(live_server, requests)
    booked = set()
    for person, (status, body) in zip(people, results[::2]):
        assert (status, (body or {}).get("error")) in ((201, None), (403, "qualification_required")), body
        if status == 201:
            booked.add(person.user["id"])
    assert all(status == 200 for status, _ in results[1::2])
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()["roles"][0]
    # Whoever won the race keeps the place, flagged: every grant is revoked now.
    assert {v["user"]["id"] for v in roster["volunteers"]} == booked
    assert all(v["qualification_missing"] for v in roster["volunteers"])
    assert roster["booked"] == len(booked)


# --- a swap's taker --------------------------------------------------------------------------------------


def test_a_swaps_taker_meets_the_posts_requirements(organizer, residents, clean_app):
    """A hand-over gives the taker the post as booking it would: the qualification it requires, and a
    same-day declaration asked at booking (sent with the claim, or made earlier that day)."""
    clean_app.config["SWAP_APPROVAL_HOURS"] = 0  # handed over at once
    try:
        qualification = define(organizer)
        shift = requiring(organizer, qualification, declaration="booking")
        giver, untrained, taker = residents(3)
        for person in (giver, taker):
            assert grant(organizer, qualification, person).status_code == 200
        url = f"/api/v1/shifts/{shift['id']}/bookings"
        booking = giver.post(url, json={"role_id": shift["roles"][0]["id"], "health_declaration": WELL})
        assert booking.status_code == 201, booking.get_json()
        swap = giver.post(f"/api/v1/shift-bookings/{booking.get_json()['id']}/swap", json={})
        assert swap.status_code == 201, swap.get_json()
        claim = f"/api/v1/shift-swaps/{swap.get_json()['id']}/claim"
        assert error(untrained.post(claim, json={"health_declaration": WELL})) == (403, "qualification_required")
        assert error(taker.post(claim)) == (409, "health_declaration_required")
        assert error(taker.post(claim, json={"health_declaration": UNWELL})) == (409, "health_declaration_unwell")
        assert swap_state(clean_app, swap.get_json()["id"]) == "open"  # a refused claim changed nothing
        response = taker.post(claim, json={"health_declaration": WELL})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "done"
    finally:
        clean_app.config["SWAP_APPROVAL_HOURS"] = 24


def swap_state(app, swap_id):
    from server.models import ShiftSwap

    with app.app_context():
        return db.session.get(ShiftSwap, swap_id).status


def test_an_approval_stands_on_the_declaration_the_claim_gave(organizer, residents, clean_app):
    """A claim near the start waits for approval; a taker who declares unwell that day meanwhile (the
    latest declaration of a day replaces the earlier) is not handed the place."""
    clean_app.config["SWAP_APPROVAL_HOURS"] = 24 * 7
    try:
        shift = requiring(organizer, declaration="booking")
        giver, taker = residents(2)
        url = f"/api/v1/shifts/{shift['id']}/bookings"
        booking = giver.post(url, json={"role_id": shift["roles"][0]["id"], "health_declaration": WELL}).get_json()
        swap = giver.post(f"/api/v1/shift-bookings/{booking['id']}/swap", json={}).get_json()
        claimed = taker.post(f"/api/v1/shift-swaps/{swap['id']}/claim", json={"health_declaration": WELL})
        assert claimed.get_json()["status"] == "pending", claimed.get_json()
        assert taker.post("/api/v1/me/health-declaration", json=UNWELL).status_code in (200, 201)
        approve = f"/api/v1/shift-swaps/{swap['id']}/approve"
        assert error(organizer.post(approve)) == (409, "health_declaration_unwell")
        assert swap_state(clean_app, swap["id"]) == "pending"
        assert taker.post("/api/v1/me/health-declaration", json=WELL).status_code in (200, 201)
        assert organizer.post(approve).get_json()["status"] == "done"
    finally:
        clean_app.config["SWAP_APPROVAL_HOURS"] = 24
