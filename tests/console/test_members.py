"""居民与党员 (/console/members): confirming a membership claim in the browser, and the rules checked
with Flask's test client: who sees whom, party membership, a person's history limited to the
organizer's communities, masked phones, and bad input answered cleanly."""


import pytest
from factories import community_id, create_activity, create_shift, create_site
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User

from console.conftest import console_client


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


@pytest.fixture
def claimant(seeded, login, client):
    """A new resident who says they live in haizhu (a claim, not confirmed), with a phone."""
    session = login("o-claimant")
    response = session.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu"), "real_name": "赵六"})
    assert response.status_code == 200
    return session


@pytest.fixture
def desk(clean_app, login, emulator, seeded):
    """`desk(openid)`: a console test client signed in as that user."""
    return lambda openid="demo-organizer": console_client(clean_app, login, emulator, openid)


def user_row(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


# --- in the browser -----------------------------------------------------------------------------------


def test_an_organizer_confirms_a_claim_in_the_console_and_the_api_shows_it(console_login, claimant, login, shot):
    activity = create_activity(login("demo-organizer"), title="周末党课")
    assert claimant.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": 1}).status_code == 201
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "claimed"
    page = console_login("demo-organizer")
    page.get_by_role("link", name="居民与党员").click()
    page.get_by_label("居民身份").select_option("claimed")
    page.get_by_role("button", name="查询").click()
    row = page.locator(f"tr[data-user='{claimant.user['id']}']")
    expect(row).to_contain_text("赵六")
    expect(row).to_contain_text("待确认")
    shot(page, "members")
    row.get_by_role("button", name="确认").click()
    expect(page.locator("#messages")).to_contain_text("已确认赵六为海珠社区居民")
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "confirmed"

    page.goto("/console/members")
    page.locator(f"tr[data-user='{claimant.user['id']}']").get_by_role("link", name="赵六").click()
    expect(page.locator("h1.page-title")).to_have_text("赵六的记录")
    expect(page.locator(".profile")).to_contain_text("已确认")
    expect(page.locator("tr[data-registration]")).to_contain_text("周末党课")
    shot(page, "member-history")


# --- who may do what ------------------------------------------------------------------------------------


def test_confirm_reject_and_party_membership_through_the_console(desk, claimant, clean_app):
    organizer = desk()
    haizhu = community_id(claimant.client, "haizhu")
    user_id = claimant.user["id"]

    # A claimed resident cannot be made a party member by an organizer (the users service's rule).
    assert post(organizer, f"/console/members/{user_id}/party", action="grant").status_code == 403

    response = post(organizer, f"/console/members/{user_id}/confirm", community_id=haizhu, next="/console/members?status=claimed")
    assert response.status_code == 302 and response.headers["Location"] == "/console/members?status=claimed"
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "confirmed"

    assert post(organizer, f"/console/members/{user_id}/party", action="grant").status_code == 302
    assert "party_member" in claimant.get("/api/v1/me").get_json()["roles"]
    assert post(organizer, f"/console/members/{user_id}/party", action="revoke").status_code == 302
    assert "party_member" not in claimant.get("/api/v1/me").get_json()["roles"]

    # Removing a member leaves them without a community; a redirect never leaves the console.
    response = post(organizer, f"/console/members/{user_id}/reject", community_id=haizhu, next="https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/console/members"
    assert claimant.get("/api/v1/me").get_json()["community"] is None
    with clean_app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_id == user_id)).all()
    assert {"membership.confirm", "role.grant", "role.revoke", "membership.reject"} <= set(actions)


def test_a_confirmation_of_a_claim_changed_meanwhile_is_refused(desk, claimant, client):
    organizer = desk()
    haizhu, dachong = community_id(client, "haizhu"), community_id(client, "dachong")
    claimant.patch("/api/v1/me", json={"community_id": dachong})
    response = post(organizer, f"/console/members/{claimant.user['id']}/confirm", community_id=haizhu)
    assert response.status_code in (403, 404)
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "claimed"


def test_an_organizer_of_another_community_can_neither_see_nor_act_on_its_people(
    desk, claimant, other_organizer, client, clean_app
):
    haizhu = community_id(client, "haizhu")
    resident_id = claimant.user["id"]
    confirmed_resident = db_user_id(clean_app, "demo-resident")
    outsider = desk("o-dachong-organizer")

    listing = outsider.get("/console/members").get_data(as_text=True)
    assert "赵六" not in listing and "李小梅" not in listing
    assert outsider.get(f"/console/members?community_id={haizhu}").status_code == 422
    assert "赵六" not in outsider.get(f"/console/members?community_id={haizhu}").get_data(as_text=True)
    assert outsider.get("/console/members?q=13800000001").get_data(as_text=True).count('data-user=') == 0

    assert post(outsider, f"/console/members/{resident_id}/confirm", community_id=haizhu).status_code == 403
    assert post(outsider, f"/console/members/{resident_id}/reject", community_id=haizhu).status_code == 403
    assert post(outsider, f"/console/members/{confirmed_resident}/party", action="grant").status_code == 404
    assert outsider.get(f"/console/members/{resident_id}").status_code == 404
    assert outsider.get(f"/console/members/{confirmed_resident}").status_code == 404
    assert post(outsider, f"/console/members/{confirmed_resident}/phone").status_code == 404
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "claimed"
    assert not user_row(clean_app, confirmed_resident).is_party_member


def db_user_id(app, openid):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.openid == openid))


def test_the_list_masks_phones_and_finds_a_person_by_the_full_number_only(desk, clean_app):
    organizer = desk()
    page = organizer.get("/console/members").get_data(as_text=True)
    assert "138****0001" in page and "13800000001" not in page
    found = organizer.get("/console/members?q=13800000001").get_data(as_text=True)
    assert "李小梅" in found and found.count("data-user=") == 1
    partial = organizer.get("/console/members?q=1380000").get_data(as_text=True)
    assert partial.count("data-user=") == 0
    by_name = organizer.get("/console/members?q=小梅").get_data(as_text=True)
    assert "李小梅" in by_name and by_name.count("data-user=") == 1
    wildcard = organizer.get("/console/members?q=%25").get_data(as_text=True)
    assert wildcard.count("data-user=") == 0
    party = organizer.get("/console/members?party=yes").get_data(as_text=True)
    assert "王建国" in party and "李小梅" not in party


def test_a_persons_history_holds_only_what_happened_in_the_organizers_communities(
    desk, seeded, login, other_organizer, organizer, client, clean_app
):
    resident = login("demo-resident")
    haizhu_activity = create_activity(organizer, title="海珠党课")
    dachong_activity = create_activity(other_organizer, community="dachong", title="大冲读书会")
    for activity in (haizhu_activity, dachong_activity):
        assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    site = create_site(other_organizer, community="dachong", name="大冲卡口")
    shift = create_shift(other_organizer, site)
    assert resident.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": shift["roles"][0]["id"]}).status_code == 201

    resident_id = resident.user["id"]
    mine = desk().get(f"/console/members/{resident_id}").get_data(as_text=True)
    assert "海珠党课" in mine and "大冲读书会" not in mine
    shifts_tab = desk().get(f"/console/members/{resident_id}?tab=shifts").get_data(as_text=True)
    assert "大冲卡口" not in shifts_tab and "没有志愿值守记录" in shifts_tab

    # Dachong's organizer sees the person (they took part there), but only dachong's part.
    theirs = desk("o-dachong-organizer").get(f"/console/members/{resident_id}").get_data(as_text=True)
    assert "大冲读书会" in theirs and "海珠党课" not in theirs
    assert "大冲卡口" in desk("o-dachong-organizer").get(f"/console/members/{resident_id}?tab=shifts").get_data(as_text=True)

    everything = desk("demo-admin").get(f"/console/members/{resident_id}").get_data(as_text=True)
    assert "海珠党课" in everything and "大冲读书会" in everything


def test_revealing_a_phone_is_audited_and_refused_to_admins(desk, clean_app):
    resident_id = db_user_id(clean_app, "demo-resident")
    organizer = desk()
    response = organizer.post(
        f"/console/members/{resident_id}/phone", headers={"HX-Request": "true", "X-CSRFToken": organizer.csrf}
    )
    assert response.status_code == 200 and "13800000001" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "phone.reveal", AuditLog.target_id == resident_id))
    assert post(desk("demo-admin"), f"/console/members/{resident_id}/phone").status_code == 403
    # Without the CSRF token nothing is revealed.
    assert organizer.post(f"/console/members/{resident_id}/phone").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/console/members?page=-1",
        "/console/members?page=99999999999999999999",
        "/console/members?q=%00",
        "/console/members?q=a%00b",
        "/console/members?q=" + "长" * 500,
        "/console/members?community_id=abc",
        "/console/members?community_id=99999999999",
        "/console/members?status=nonsense&party=maybe",
        "/console/members/99999999999",
        "/console/members/2147483647",
        "/console/members/0",
        "/console/members/1?tab=%00&page=-5",
    ],
)
def test_bad_input_to_the_pages_gets_a_clean_answer(desk, url):
    response = desk().get(url)
    assert response.status_code in (200, 404, 422), response.status_code
    assert "text/html" in response.content_type


def test_bad_input_to_the_actions_gets_a_clean_answer(desk, claimant):
    organizer = desk()
    user_id = claimant.user["id"]
    for url, form in [
        (f"/console/members/{user_id}/confirm", {"community_id": "abc"}),
        (f"/console/members/{user_id}/confirm", {"community_id": "99999999999999"}),
        (f"/console/members/{user_id}/confirm", {}),
        (f"/console/members/{user_id}/reject", {"community_id": "\x00"}),
        ("/console/members/99999999999/confirm", {"community_id": "1"}),
        ("/console/members/2147483647/party", {"action": "grant"}),
        (f"/console/members/{user_id}/party", {"action": "\x00"}),
        (f"/console/members/{user_id}/party", {"action": "grant", "next": "//evil.example/x"}),
    ]:
        response = post(organizer, url, **form)
        assert response.status_code in (302, 403, 404), (url, form, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/console/")
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "claimed"
