"""The caller's own account: read, edit, delete; and the community list."""

from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User
from tests.factories import create_activity


def test_me_has_the_contract_fields(resident):
    body = resident.get("/api/v1/me").get_json()
    expected = {"id", "nickname", "real_name", "phone_masked", "community", "roles", "is_party_member",
                "volunteer_minutes"}
    assert expected <= set(body)
    assert body["phone_masked"] == "138****0001"
    assert body["community"]["code"] == "haizhu"
    assert set(body["community"]) == {"id", "code", "name", "status"}
    assert body["community"]["status"] == "confirmed"  # the demo resident's membership is confirmed
    assert body["roles"] == ["resident"]
    assert body["is_party_member"] is False
    assert body["volunteer_minutes"] == 0


def test_roles_show_party_member_and_organizer(seeded, login):
    assert login("demo-party-member").user["roles"] == ["resident", "party_member"]
    organizer = login("demo-organizer").user
    assert organizer["roles"] == ["resident", "organizer"]
    assert [c["code"] for c in organizer["organizer_communities"]] == ["haizhu"]


def test_patch_me_changes_profile(resident, client):
    communities = client.get("/api/v1/communities").get_json()["items"]
    dachong = next(c for c in communities if c["code"] == "dachong")
    response = resident.patch(
        "/api/v1/me", json={"nickname": "梅梅", "real_name": "李梅", "community_id": dachong["id"]}
    )
    assert response.status_code == 200
    body = resident.get("/api/v1/me").get_json()
    assert (body["nickname"], body["real_name"], body["community"]["code"]) == ("梅梅", "李梅", "dachong")


def test_patch_me_can_leave_community(resident):
    assert resident.patch("/api/v1/me", json={"community_id": None}).status_code == 200
    assert resident.get("/api/v1/me").get_json()["community"] is None


def test_patch_me_with_unknown_community_is_422_and_changes_nothing(resident):
    response = resident.patch("/api/v1/me", json={"nickname": "新名字", "community_id": 99999})
    assert response.status_code == 422
    assert response.get_json()["errors"]["community_id"]
    body = resident.get("/api/v1/me").get_json()
    assert body["nickname"] == "小李"
    assert body["community"]["code"] == "haizhu"


def test_patch_me_rejects_too_long_nickname(resident):
    response = resident.patch("/api/v1/me", json={"nickname": "长" * 33})
    assert response.status_code == 422
    assert "nickname" in response.get_json()["errors"]


def test_delete_me_wipes_personal_data_and_tokens(resident, clean_app, login):
    user_id = resident.user["id"]
    assert resident.delete("/api/v1/me").status_code == 204
    assert resident.get("/api/v1/me").status_code == 401
    with clean_app.app_context():
        user = db.session.get(User, user_id)
        assert user.deleted_at is not None
        assert (user.openid, user.phone, user.real_name, user.nickname, user.session_key) == (None,) * 5
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_id == user_id)) == "account.delete"
    again = login("demo-resident")
    assert again.user["id"] != user_id
    assert again.user["phone_masked"] is None


def test_a_deleted_accounts_tokens_stop_working_everywhere(organizer, resident, clean_app):
    # Token checks do not read the user's row: deleting the account marks its tokens in Redis.
    activity = create_activity(organizer)
    assert resident.delete("/api/v1/me").status_code == 204
    sign_up = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    for response in (resident.get("/api/v1/activities"), sign_up):
        assert (response.status_code, response.get_json()["error"]) == (401, "token_invalid")


def test_a_deleted_account_cannot_sign_up_even_if_redis_forgot(organizer, resident, clean_app):
    # Redis keeps nothing on disk: should the mark be lost, the sign-up's own read still refuses.
    activity = create_activity(organizer)
    assert resident.delete("/api/v1/me").status_code == 204
    clean_app.extensions["redis"].delete(f"auth:deleted-user:{resident.user['id']}")
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert (response.status_code, response.get_json()["error"]) == (401, "token_invalid")
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["confirmed_count"] == 0


def test_communities_are_listed_for_anyone(seeded, client):
    response = client.get("/api/v1/communities")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert len(items) == 8
    assert {"id", "code", "name", "subdistrict", "archived_at"} == set(items[0])
    assert items[0]["name"] == "海珠社区"
