"""Every error a client can cause answers with the contract's JSON body, never HTML or a 500."""

import pytest


def assert_error(response, status, error):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_error(response, 400, "malformed_body")


def test_non_utf8_body_is_400(client):
    response = client.post("/api/v1/auth/login", data=b"\xff\xfe{", content_type="application/json")
    assert_error(response, 400, "malformed_body")


def test_wrong_type_is_422_with_field_errors(client):
    body = assert_error(client.post("/api/v1/auth/login", json={"code": 123}), 422, "validation_failed")
    assert "code" in body["errors"]


def test_missing_field_is_422(client):
    body = assert_error(client.post("/api/v1/auth/login", json={}), 422, "validation_failed")
    assert "code" in body["errors"]


def test_unknown_field_is_422(resident):
    body = assert_error(resident.patch("/api/v1/me", json={"is_admin": True}), 422, "validation_failed")
    assert "is_admin" in body["errors"]
    assert "admin" not in resident.get("/api/v1/me").get_json()["roles"]


@pytest.mark.parametrize("payload", [[], "code", 1, None])
def test_body_that_is_not_an_object_is_422(client, payload):
    response = client.post("/api/v1/auth/login", json=payload)
    assert_error(response, 422, "validation_failed")


def test_boolean_for_integer_is_422(resident):
    assert_error(resident.patch("/api/v1/me", json={"community_id": True}), 422, "validation_failed")


def test_unknown_route_is_404_json(client):
    assert_error(client.get("/api/v1/nope"), 404, "not_found")
    assert_error(client.get("/nope.html"), 404, "not_found")


def test_wrong_method_is_405_json(client):
    response = client.put("/api/v1/communities")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_bad_query_argument_is_422(admin):
    response = admin.delete("/api/v1/users/1/roles/organizer?community_id=abc")
    assert_error(response, 422, "validation_failed")


def test_unknown_user_id_is_404(admin):
    assert_error(admin.post("/api/v1/users/999999/roles", json={"role": "party_member"}), 404, "user_not_found")


def test_huge_integer_path_is_404_not_500(admin):
    response = admin.post("/api/v1/users/99999999999999999999999/roles", json={"role": "party_member"})
    assert_error(response, 404, "not_found")


def test_a_constraint_violation_is_409_not_500(seeded, make_app):
    from sqlalchemy import insert

    from server.extensions import db
    from server.models import Community

    app = make_app()

    @app.route("/api/v1/_test/duplicate-community", methods=["POST"])
    def duplicate_community():
        db.session.execute(insert(Community).values(code="haizhu", name="重复"))
        db.session.commit()
        return {}

    response = app.test_client().post("/api/v1/_test/duplicate-community")
    assert_error(response, 409, "conflict")
