"""The scan login's rules and the console session's life, with Flask's test client (no browser needed):
who may confirm, single use, only the asking browser gets in, idle expiry, ending sessions from the
phone, CSRF, and the cookie's flags."""

import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog

from console.conftest import csrf_of, scanned_ticket

LOGIN_PAGE = "packageOrganizer/pages/console-login/index"


def ask(client, emulator):
    """The browser opens the login page and shows the code; returns the ticket a phone would scan."""
    assert client.get("/console/login").status_code == 200
    assert client.get("/console/login/code.jpg").mimetype == "image/jpeg"
    return scanned_ticket(emulator)


def poll(client):
    """What the login page's htmx polling asks every 2 seconds."""
    return client.get("/console/login/status", headers={"HX-Request": "true"})


@pytest.fixture
def browser_client(clean_app):
    return clean_app.test_client()


@pytest.fixture
def signed_in(seeded, browser_client, emulator, login):
    """`signed_in(openid)`: the browser client signed in as that user; returns the API Session of the phone."""

    def sign_in(openid="demo-organizer"):
        ticket = ask(browser_client, emulator)
        phone = login(openid)
        assert phone.post(f"/api/v1/console-logins/{ticket}/confirm").status_code == 200
        response = poll(browser_client)
        assert response.headers.get("HX-Redirect") == "/console/"
        return phone

    return sign_in


def test_the_code_opens_the_confirm_page_with_the_ticket_as_scene(seeded, browser_client, emulator):
    ticket = ask(browser_client, emulator)
    code = emulator.codes()[-1]
    assert code["page"] == LOGIN_PAGE and re.fullmatch(r"[A-Za-z0-9_-]{22}", ticket)


def test_the_phone_sees_who_asks(seeded, browser_client, emulator, login):
    browser_client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
    )
    ticket = ask(browser_client, emulator)
    body = login("demo-organizer").get(f"/api/v1/console-logins/{ticket}").get_json()
    assert body["status"] == "pending" and body["ip"] == "127.0.0.1"
    assert body["browser"] == "Chrome 156 · Windows" and "Chrome/156" in body["user_agent"]
    assert body["expires_at"] > body["requested_at"]


def audit_actions(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_an_organizer_confirms_and_the_asking_browser_gets_in(signed_in, browser_client, clean_app):
    signed_in("demo-organizer")
    page = browser_client.get("/console/")
    assert page.status_code == 200 and "工作台" in page.get_data(as_text=True)
    (entry,) = audit_actions(clean_app, "console_login")
    assert entry.detail["ip"] == "127.0.0.1"


def test_a_residents_confirm_is_refused_and_changes_nothing(seeded, browser_client, emulator, login):
    ticket = ask(browser_client, emulator)
    resident = login("demo-resident")
    response = resident.post(f"/api/v1/console-logins/{ticket}/confirm")
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert resident.get(f"/api/v1/console-logins/{ticket}").get_json()["status"] == "pending"
    assert "等待手机确认" in poll(browser_client).get_data(as_text=True)
    assert browser_client.get("/console/").status_code == 302


def test_a_ticket_is_decided_once_and_used_once(seeded, browser_client, emulator, login):
    ticket = ask(browser_client, emulator)
    organizer = login("demo-organizer")
    assert organizer.post(f"/api/v1/console-logins/{ticket}/confirm").status_code == 200
    again = login("demo-admin").post(f"/api/v1/console-logins/{ticket}/reject")
    assert again.status_code == 409 and again.get_json()["error"] == "console_login_decided"
    assert poll(browser_client).headers["HX-Redirect"] == "/console/"
    # Used: the phone can no longer see it, and polling again lets nobody else in.
    assert organizer.get(f"/api/v1/console-logins/{ticket}").status_code == 404
    assert organizer.post(f"/api/v1/console-logins/{ticket}/confirm").get_json()["error"] == "console_login_not_found"


def test_only_the_browser_that_asked_gets_the_session(seeded, clean_app, browser_client, emulator, login):
    ticket = ask(browser_client, emulator)
    login("demo-organizer").post(f"/api/v1/console-logins/{ticket}/confirm")
    intruder = clean_app.test_client()  # saw the code on the screen, but has not the asking browser's cookie
    intruder.get("/console/login")
    assert "HX-Redirect" not in poll(intruder).headers
    assert intruder.get("/console/").status_code == 302
    assert poll(browser_client).headers["HX-Redirect"] == "/console/"


def test_a_rejected_ticket_stops_the_polling(seeded, browser_client, emulator, login):
    ticket = ask(browser_client, emulator)
    assert login("demo-resident").post(f"/api/v1/console-logins/{ticket}/reject").get_json()["status"] == "rejected"
    response = poll(browser_client)
    assert response.status_code == 286 and "已在手机上拒绝" in response.get_data(as_text=True)
    assert browser_client.get("/console/").status_code == 302


def test_an_expired_ticket_is_not_found(seeded, clean_app, browser_client, emulator, login):
    ticket = ask(browser_client, emulator)
    with clean_app.app_context():
        clean_app.extensions["redis"].delete(f"console:ticket:{ticket}")  # what its 120-second expiry does
    organizer = login("demo-organizer")
    assert organizer.post(f"/api/v1/console-logins/{ticket}/confirm").status_code == 404
    assert "已过期" in poll(browser_client).get_data(as_text=True)


@pytest.mark.parametrize("ticket", ["x", "a" * 2000, "%00", "..%2F..%2Fetc", "票据"])
def test_unknown_tickets_are_404_whatever_they_hold(seeded, login, ticket):
    organizer = login("demo-organizer")
    for response in (
        organizer.get(f"/api/v1/console-logins/{ticket}"),
        organizer.post(f"/api/v1/console-logins/{ticket}/confirm"),
        organizer.post(f"/api/v1/console-logins/{ticket}/reject"),
    ):
        assert response.status_code == 404, response.get_data(as_text=True)


def test_the_session_ends_after_the_idle_hours_and_each_request_renews_it(signed_in, browser_client, clean_app):
    signed_in()
    store = clean_app.extensions["redis"]
    (key,) = store.keys("console:session:*")
    store.expire(key, 60)
    assert browser_client.get("/console/").status_code == 200
    assert store.ttl(key) > clean_app.config["CONSOLE_SESSION_HOURS"] * 3600 - 10  # renewed
    store.delete(key)  # what CONSOLE_SESSION_HOURS without a request does
    response = browser_client.get("/console/")
    assert response.status_code == 302 and response.location.startswith("/console/login")


def test_the_phone_ends_every_console_session(signed_in, browser_client, clean_app):
    phone = signed_in()
    sessions = phone.get("/api/v1/me/console-sessions").get_json()["items"]
    assert len(sessions) == 1 and sessions[0]["ip"] == "127.0.0.1"
    assert phone.delete("/api/v1/me/console-sessions").status_code == 204
    assert phone.get("/api/v1/me/console-sessions").get_json()["items"] == []
    assert browser_client.get("/console/").status_code == 302
    assert len(audit_actions(clean_app, "console_logout_all")) == 1


def test_an_organizer_who_loses_the_role_is_signed_out(signed_in, browser_client, login):
    signed_in("demo-organizer")
    organizer_id = login("demo-organizer").user["id"]
    admin = login("demo-admin")
    community_id = admin.get("/api/v1/communities").get_json()["items"][0]["id"]
    revoked = admin.delete(f"/api/v1/users/{organizer_id}/roles/organizer", query_string={"community_id": community_id})
    assert revoked.status_code in (200, 204), revoked.get_json()
    assert browser_client.get("/console/").status_code == 302


def test_every_console_form_needs_the_csrf_token(signed_in, browser_client):
    signed_in()
    refused = browser_client.post("/console/logout")
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    assert browser_client.get("/console/").status_code == 200  # still signed in: nothing happened
    token = csrf_of(browser_client.get("/console/"))
    assert browser_client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert browser_client.get("/console/").status_code == 302


def test_the_api_is_not_reachable_with_a_console_form(signed_in, browser_client):
    """The console's cookie is not the API's credential, and the API refuses form posts (415)."""
    signed_in()
    response = browser_client.post("/api/v1/activities", data={"title": "x"})
    assert response.status_code == 415


def test_a_next_link_never_leaves_the_console(seeded, browser_client, emulator, login):
    browser_client.get("/console/login?next=https://evil.example/console/")
    browser_client.get("/console/login/code.jpg")
    ticket = scanned_ticket(emulator)
    login("demo-organizer").post(f"/api/v1/console-logins/{ticket}/confirm")
    assert poll(browser_client).headers["HX-Redirect"] == "/console/"


def test_the_emulators_scan_is_offered_only_in_development_against_the_emulator(seeded, make_app):
    real_wechat = make_app(WECHAT_API_BASE_URL="https://api.weixin.qq.com")
    client = real_wechat.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    assert "模拟扫码确认" not in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/console/login/emulate", data={"csrf_token": token, "openid": "demo-organizer"})
    assert response.status_code == 404


def test_the_cookie_is_secure_outside_development(clean_app):
    from server import create_app
    from test_settings_safety import PRODUCTION

    production = create_app(dict(PRODUCTION))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert clean_app.config["SESSION_COOKIE_SECURE"] is False  # development: plain http://127.0.0.1 works
    for app in (production, clean_app):
        assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_signed_in_cookie_flags(signed_in, browser_client):
    signed_in()
    cookie = browser_client.get_cookie("console_session", path="/console")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_the_login_codes_a_browser_may_ask_wechat_for_are_limited(seeded, make_app, emulator):
    client = make_app(RATE_LIMIT_LOGIN="2/minute").test_client()
    client.get("/console/login")
    assert [client.get("/console/login/code.jpg").status_code for _ in range(3)] == [200, 200, 429]
    assert len(emulator.codes()) == 2
    api = client.post("/api/v1/auth/login", json={"code": "x"})
    assert api.status_code != 429  # the API's login counts on its own
