"""Content safety: text others read passes WeChat's msgSecCheck v2 (through the emulator) before it is
saved; risky text is 422 `content_risky` and nothing is saved (server/services/content_safety.py)."""

import logging

import pytest

from server.extensions import db
from server.models import Activity, Registration, Shift, Site, User
from tests.factories import community_id, create_activity, create_shift, create_site

CHECK = "/wxa/msg_sec_check"
RISKY = "违禁标记"


@pytest.fixture
def risky(emulator):
    emulator.mark_text(RISKY, "risky", 20006)
    return RISKY


def checks(emulator):
    return [call["body"] for call in emulator.calls(CHECK)]


def assert_risky(response, *fields):
    body = response.get_json()
    assert (response.status_code, body["error"]) == (422, "content_risky"), body
    assert set(body["errors"]) == set(fields)
    assert body["message"]


def test_a_risky_remark_refuses_the_sign_up_and_saves_nothing(organizer, resident, risky, emulator, clean_app):
    activity = create_activity(organizer)
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": f"带{risky}"})
    assert_risky(response, "remark")
    with clean_app.app_context():
        assert db.session.query(Registration).count() == 0
        assert db.session.get(Activity, activity["id"]).confirmed_count == 0
    (check,) = [c for c in checks(emulator) if c["scene"] == 2]
    assert (check["version"], check["openid"], check["content"]) == (2, "demo-resident", f"带{risky}")


def test_a_clean_remark_is_checked_and_saved(organizer, resident, emulator):
    activity = create_activity(organizer)
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "腿脚不便，需要座位"})
    assert response.status_code == 201
    assert response.get_json()["remark"] == "腿脚不便，需要座位"
    assert [c["content"] for c in checks(emulator) if c["scene"] == 2] == ["腿脚不便，需要座位"]


def test_a_sign_up_without_a_remark_asks_wechat_nothing(organizer, resident, emulator):
    activity = create_activity(organizer)
    before = len(checks(emulator))
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    assert len(checks(emulator)) == before


def test_wechat_unavailable_does_not_block_the_sign_up(organizer, resident, emulator, caplog):
    activity = create_activity(organizer)
    emulator.inject_fault(CHECK, errcode=-1, times=5)
    with caplog.at_level(logging.WARNING, logger="server.services.content_safety"):
        response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "晚到十分钟"})
    assert response.status_code == 201
    assert response.get_json()["remark"] == "晚到十分钟"
    assert "accepted unchecked" in caplog.text
    assert "晚到十分钟" not in caplog.text and "demo-resident" not in caplog.text


def test_a_remark_wechat_wants_reviewed_is_accepted_and_logged(organizer, resident, emulator, caplog):
    emulator.mark_text("推广", "review", 10001)
    activity = create_activity(organizer)
    with caplog.at_level(logging.INFO, logger="server.services.content_safety"):
        response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "推广一下"})
    assert response.status_code == 201
    assert "suggest=review label=10001" in caplog.text
    assert "推广一下" not in caplog.text


def test_a_risky_nickname_or_real_name_changes_nothing(resident, risky, emulator, clean_app):
    response = resident.patch("/api/v1/me", json={"nickname": "好邻居", "real_name": f"{risky}"})
    assert_risky(response, "real_name")
    with clean_app.app_context():
        user = db.session.get(User, resident.user["id"])
        assert (user.nickname, user.real_name) == (resident.user["nickname"], resident.user["real_name"])
    assert {c["scene"] for c in checks(emulator)} == {1}
    assert resident.patch("/api/v1/me", json={"nickname": f"{risky}昵称"}).status_code == 422


def test_an_unchanged_nickname_is_not_checked_again(resident, emulator):
    assert resident.patch("/api/v1/me", json={"nickname": "老张"}).status_code == 200
    before = len(checks(emulator))
    assert resident.patch("/api/v1/me", json={"nickname": "老张", "community_id": None}).status_code == 200
    assert len(checks(emulator)) == before


def test_risky_activity_text_is_refused_on_create_edit_and_cancel(organizer, risky, emulator, clean_app, client):
    from tests.factories import activity_body

    body = activity_body(community_id(client, "haizhu"), venue=f"{risky}大厦")
    assert_risky(organizer.post("/api/v1/activities", json=body), "venue")
    with clean_app.app_context():
        assert db.session.query(Activity).count() == 0
    activity = create_activity(organizer)
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"description": f"内容{risky}"})
    assert_risky(response, "description")
    response = organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": f"因为{risky}"})
    assert_risky(response, "reason")
    with clean_app.app_context():
        saved = db.session.get(Activity, activity["id"])
        assert (saved.description, saved.status, saved.cancel_reason) == ("学习交流", "published", None)
    assert {c["scene"] for c in checks(emulator)} == {3}
    assert {c["openid"] for c in checks(emulator)} == {"demo-organizer"}


def test_risky_site_and_shift_text_is_refused(organizer, risky, clean_app, client):
    haizhu = community_id(client, "haizhu")
    body = {"community_id": haizhu, "name": f"{risky}卡口", "kind": "checkpoint"}
    response = organizer.post("/api/v1/sites", json=body)
    assert_risky(response, "name")
    site = create_site(organizer)
    assert_risky(organizer.patch(f"/api/v1/sites/{site['id']}", json={"address": f"{risky}路"}), "address")
    shift = create_shift(organizer, site)
    assert_risky(organizer.patch(f"/api/v1/shifts/{shift['id']}", json={"notes": f"{risky}"}), "notes")
    response = organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": f"{risky}"})
    assert_risky(response, "reason")
    with clean_app.app_context():
        assert [s.name for s in db.session.query(Site)] == ["北门卡口"]
        saved = db.session.get(Shift, shift["id"])
        assert (saved.notes, saved.status) == ("", "open")


def test_long_text_is_checked_in_parts_of_wechats_limit(organizer, risky, emulator, client):
    from tests.factories import activity_body

    description = "学" * 2600 + risky
    body = activity_body(community_id(client, "haizhu"), description=description)
    assert_risky(organizer.post("/api/v1/activities", json=body), "description")
    parts = [c["content"] for c in checks(emulator) if c["content"].startswith("学")]
    assert [len(p) for p in parts] == [2500, 100 + len(risky)]
