"""Login through WeChat (the emulator over HTTP), tokens, logout, phone binding."""

import time
from types import SimpleNamespace

import jwt
from sqlalchemy import func, select

from server.extensions import db
from server.models import User

LOGIN = "/api/v1/auth/login"


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_login_returns_token_and_user(client, emulator):
    minted = emulator.mint_login_code(openid="o-new-user")
    response = client.post(LOGIN, json={"code": minted["code"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["expires_in"] > 0
    assert body["user"]["roles"] == ["resident"]
    assert body["user"]["phone_masked"] is None
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == body["user"]["id"]


def test_login_keeps_session_key_on_server_only(client, emulator, clean_app):
    minted = emulator.mint_login_code(openid="o-secret")
    response = client.post(LOGIN, json={"code": minted["code"]})
    token = response.get_json()["token"]
    with clean_app.app_context():
        session_key = db.session.scalar(select(User.session_key).where(User.openid == "o-secret"))
    assert session_key
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    for text in (response.get_data(as_text=True), me.get_data(as_text=True)):
        assert session_key not in text
        assert "session_key" not in text
    assert session_key not in jwt.decode(token, options={"verify_signature": False}).values()


def test_second_login_is_same_user_with_new_session_key(client, emulator, clean_app):
    first = client.post(LOGIN, json={"code": emulator.mint_login_code(openid="o-again")["code"]}).get_json()
    with clean_app.app_context():
        key1 = db.session.scalar(select(User.session_key).where(User.openid == "o-again"))
    second = client.post(LOGIN, json={"code": emulator.mint_login_code(openid="o-again")["code"]}).get_json()
    with clean_app.app_context():
        key2 = db.session.scalar(select(User.session_key).where(User.openid == "o-again"))
    assert first["user"]["id"] == second["user"]["id"]
    assert key1 != key2
    assert user_count(clean_app) == 1


def test_login_with_unknown_code_is_401(client, clean_app):
    response = client.post(LOGIN, json={"code": "not-a-code"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "wechat_code_invalid"
    assert user_count(clean_app) == 0


def test_login_with_used_code_is_401(client, emulator):
    code = emulator.mint_login_code()["code"]
    assert client.post(LOGIN, json={"code": code}).status_code == 200
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 401
    assert response.get_json()["error"] == "wechat_code_invalid"


def test_login_with_expired_code_is_401(client, emulator):
    code = emulator.mint_login_code()["code"]
    emulator.advance_clock(301)
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 401
    assert response.get_json()["error"] == "wechat_code_invalid"


def test_login_when_wechat_is_busy_is_503_and_creates_nobody(client, emulator, clean_app):
    code = emulator.mint_login_code()["code"]
    emulator.inject_fault("/sns/jscode2session", errcode=-1)
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 503
    assert response.get_json()["error"] == "wechat_unavailable"
    assert user_count(clean_app) == 0


def test_login_when_wechat_times_out_is_503(client, emulator, clean_app):
    code = emulator.mint_login_code()["code"]
    # Longer than WECHAT_TIMEOUT_SECONDS (2 s in tests).
    emulator.inject_fault("/sns/jscode2session", delay=3)
    started = time.monotonic()
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 503
    assert response.get_json()["error"] == "wechat_unavailable"
    assert time.monotonic() - started < 3
    assert user_count(clean_app) == 0


def test_login_when_wechat_answers_http_error_is_503(client, emulator):
    code = emulator.mint_login_code()["code"]
    emulator.inject_fault("/sns/jscode2session", http_status=502)
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 503
    assert response.get_json()["error"] == "wechat_unavailable"


def test_login_when_wechat_is_unreachable_is_503(clean_app, emulator):
    from server.wechat import WeChatService

    with clean_app.app_context():
        original = clean_app.extensions["wechat"]
        # Port 9 (discard) on loopback: nothing listens, the connection is refused.
        clean_app.extensions["wechat"] = WeChatService(
            "wxtest0000000000", "test-secret", "http://127.0.0.1:9", clean_app.extensions["redis"], 2
        )
    try:
        response = clean_app.test_client().post(LOGIN, json={"code": "whatever"})
    finally:
        clean_app.extensions["wechat"] = original
    assert response.status_code == 503
    assert response.get_json()["error"] == "wechat_unavailable"


def test_login_when_wechat_rate_limits_is_429(client, emulator):
    code = emulator.mint_login_code()["code"]
    emulator.inject_fault("/sns/jscode2session", errcode=45011)
    response = client.post(LOGIN, json={"code": code})
    assert response.status_code == 429
    assert response.get_json()["error"] == "wechat_rate_limited"


def test_login_is_rate_limited_per_client(clean_app, make_app):
    client = make_app(RATE_LIMIT_LOGIN="3/minute").test_client()
    statuses = [client.post(LOGIN, json={"code": "x"}).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    response = client.post(LOGIN, json={"code": "x"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "rate_limited"
    other = client.post(LOGIN, json={"code": "x"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 401


def test_logout_revokes_the_token(resident):
    assert resident.post("/api/v1/auth/logout").status_code == 204
    response = resident.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_revoked"


def test_logout_leaves_other_sessions_alone(seeded, login):
    phone = login("demo-resident")
    tablet = login("demo-resident")
    phone.post("/api/v1/auth/logout")
    assert tablet.get("/api/v1/me").status_code == 200


def test_expired_token_is_401(clean_app, resident):
    with clean_app.app_context():
        claims = jwt.decode(resident.token, options={"verify_signature": False})
        claims["exp"] = int(time.time()) - 10
        expired = jwt.encode(claims, clean_app.config["SECRET_KEY"], algorithm="HS256")
    response = resident.client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "token_expired"


def test_a_remembered_token_still_expires(resident, monkeypatch):
    # Signatures are verified once per process; expiry is still checked on every request.
    from server.services import tokens

    assert resident.get("/api/v1/me").status_code == 200
    expires = jwt.decode(resident.token, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: expires + 1))
    response = resident.get("/api/v1/me")
    assert (response.status_code, response.get_json()["error"]) == (401, "token_expired")


def test_forged_token_is_401(client, resident):
    claims = jwt.decode(resident.token, options={"verify_signature": False})
    claims["sub"] = "4"
    forged = jwt.encode(claims, "a-guessed-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    for token in (forged, "garbage", resident.token + "x"):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.get_json()["error"] == "token_invalid"


def test_missing_token_is_401(client):
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"] == "not_authenticated"


def test_bind_phone_stores_verified_number_and_shows_it_masked(resident, emulator, clean_app):
    code = emulator.mint_phone_code("13912345678")["code"]
    response = resident.post("/api/v1/auth/phone", json={"code": code})
    assert response.status_code == 200
    assert response.get_json()["phone_masked"] == "139****5678"
    assert "13912345678" not in resident.get("/api/v1/me").get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.scalar(select(User.phone).where(User.openid == "demo-resident")) == "13912345678"


def test_bind_phone_with_bad_code_is_422_and_keeps_old_number(resident, emulator):
    code = emulator.mint_phone_code("13912345678")["code"]
    assert resident.post("/api/v1/auth/phone", json={"code": code}).status_code == 200
    response = resident.post("/api/v1/auth/phone", json={"code": code})
    assert response.status_code == 422
    assert response.get_json()["error"] == "phone_code_invalid"
    assert resident.get("/api/v1/me").get_json()["phone_masked"] == "139****5678"


def test_bind_phone_needs_login(client):
    assert client.post("/api/v1/auth/phone", json={"code": "x"}).status_code == 401
