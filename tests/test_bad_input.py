"""Bad input answers a 4xx with the contract's body, in Chinese, and changes nothing.

Each of these answered 500 (or English, or was accepted) before the field types of
`server.schemas.fields` and the body checks of `server.api`; run on PostgreSQL too (CI), where NUL
characters, 64-bit ids and far dates failed in the database.
"""

import inspect
import json
from datetime import timedelta

import marshmallow as ma
import pytest
from factories import create_activity, create_shift, create_site, local

from server import schemas
from server.schemas import activities, common, shifts, subscriptions, users

BIG = 2**31
NUL = "北门\x00卡口"


def assert_error(response, status, error):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"]
    for field, messages in body.get("errors", {}).items():
        assert isinstance(field, str) and isinstance(messages, list), body
        assert all(isinstance(m, str) and m for m in messages), body
    return body


def assert_invalid(response, *fields):
    body = assert_error(response, 422, "validation_failed")
    for field in fields:
        assert field in body["errors"], body
    for messages in body["errors"].values():
        assert all(not m.isascii() for m in messages), body
    return body


@pytest.fixture
def site(organizer):
    return create_site(organizer)


@pytest.fixture
def community(organizer):
    return organizer.user["organizer_communities"][0]["id"]


# --- NUL characters and lone surrogates in any text --------------------------------------------------


def test_nul_in_activity_texts_is_refused_and_nothing_is_saved(organizer, community):
    activity = create_activity(organizer)
    for field in ("title", "description", "venue"):
        body = {"community_id": community, "title": "党课", "category": "party_lesson", "capacity": 5,
                "starts_at": local(days=3).isoformat(), "ends_at": local(days=3, hour=12).isoformat(), field: NUL}
        assert_invalid(organizer.post("/api/v1/activities", json=body), field)
        assert_invalid(organizer.patch(f"/api/v1/activities/{activity['id']}", json={field: NUL}), field)
    assert_invalid(organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": NUL}), "reason")
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["title"] == activity["title"]
    assert organizer.get("/api/v1/activities").get_json()["total"] == 1


def test_nul_in_profile_site_and_shift_texts_is_refused(resident, organizer, site, community):
    for field in ("nickname", "real_name"):
        assert_invalid(resident.patch("/api/v1/me", json={field: NUL}), field)
    for field in ("name", "address", "grid"):
        body = {"community_id": community, "name": "南门", "kind": "checkpoint", field: NUL}
        assert_invalid(organizer.post("/api/v1/sites", json=body), field)
        assert_invalid(organizer.patch(f"/api/v1/sites/{site['id']}", json={field: NUL}), field)
    shift = create_shift(organizer, site)
    assert_invalid(organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": NUL}), "reason")
    assert_invalid(organizer.patch(f"/api/v1/shifts/{shift['id']}", json={"notes": NUL}), "notes")
    assert resident.get("/api/v1/me").get_json()["nickname"] != NUL


def test_nul_in_a_query_is_refused(resident):
    assert_invalid(resident.get("/api/v1/activities", query_string={"q": "党\x00课"}), "q")


def test_a_lone_surrogate_is_refused(resident, organizer, activity_id=None):
    raw = '{"nickname": "\\ud800abc"}'
    response = resident.client.patch("/api/v1/me", data=raw, headers={**resident.headers, "Content-Type": "application/json"})
    assert_invalid(response, "nickname")
    # Also as an unknown field's name: the error body must still be valid UTF-8 JSON.
    raw = '{"\\udc00": 1}'
    response = resident.client.patch("/api/v1/me", data=raw, headers={**resident.headers, "Content-Type": "application/json"})
    body = assert_error(response, 422, "validation_failed")
    assert len(body["errors"]) == 1


# --- ids and numbers beyond PostgreSQL's integer ----------------------------------------------------


def test_ids_of_2_to_the_31_are_refused_in_bodies(resident, organizer, admin, site, community):
    activity = dict(community_id=BIG, title="党课", category="party_lesson", capacity=5,
                    starts_at=local(days=3).isoformat(), ends_at=local(days=3, hour=12).isoformat())
    assert_invalid(organizer.post("/api/v1/activities", json=activity), "community_id")
    assert_invalid(resident.patch("/api/v1/me", json={"community_id": BIG}), "community_id")
    grant = {"role": "organizer", "community_id": BIG}
    assert_invalid(admin.post(f"/api/v1/users/{resident.user['id']}/roles", json=grant), "community_id")
    assert_invalid(organizer.post("/api/v1/sites", json={"community_id": BIG, "name": "n", "kind": "checkpoint"}),
                   "community_id")
    shift = {"site_id": BIG, "starts_at": local(days=3).isoformat(), "ends_at": local(days=3, hour=12).isoformat(),
             "roles": [{"name": "测温", "capacity": 1}]}
    assert_invalid(organizer.post("/api/v1/shifts", json=shift), "site_id")
    batch = {"site_id": BIG, "dates": [local(days=3).date().isoformat()], "slots": [{"start": "08:00", "end": "12:00"}],
             "roles": [{"name": "测温", "capacity": 1}]}
    assert_invalid(organizer.post("/api/v1/shifts/batch", json=batch), "site_id")
    created = create_shift(organizer, site)
    assert_invalid(resident.post(f"/api/v1/shifts/{created['id']}/bookings", json={"role_id": BIG}), "role_id")
    assert_invalid(resident.post(f"/api/v1/shifts/{created['id']}/bookings", json={"role_id": 2**63}), "role_id")


def test_ids_and_pages_beyond_range_are_refused_in_queries(resident, organizer):
    assert_invalid(resident.get("/api/v1/activities", query_string={"community_id": BIG}), "community_id")
    assert_invalid(resident.get("/api/v1/sites", query_string={"community_id": BIG}), "community_id")
    assert_invalid(resident.get("/api/v1/shifts", query_string={"site_id": BIG}), "site_id")
    assert_invalid(resident.get("/api/v1/shifts", query_string={"community_id": BIG}), "community_id")
    assert_invalid(organizer.get("/api/v1/rosters/shifts", query_string={"community_id": BIG}), "community_id")
    assert_invalid(resident.delete(f"/api/v1/users/{resident.user['id']}/roles/organizer",
                                   query_string={"community_id": BIG}), "community_id")
    for url in ("/api/v1/activities", "/api/v1/shifts", "/api/v1/sites", "/api/v1/me/registrations"):
        assert_invalid(resident.get(url, query_string={"page": 2**62}), "page")
    # The largest page still answers (an empty page), on PostgreSQL's bigint OFFSET too.
    response = resident.get("/api/v1/activities", query_string={"page": BIG - 1, "page_size": 100})
    assert response.status_code == 200 and response.get_json()["items"] == []


# --- dates at the edges of the calendar ---------------------------------------------------------------


def test_far_dates_are_refused(resident, organizer, site, community):
    activity = create_activity(organizer)
    assert_invalid(organizer.patch(f"/api/v1/activities/{activity['id']}", json={"ends_at": "9999-12-31T23:59:59-12:00"}),
                   "ends_at")
    assert_invalid(organizer.patch(f"/api/v1/activities/{activity['id']}", json={"starts_at": "0001-01-01T00:00:00"}),
                   "starts_at")
    assert_invalid(resident.get("/api/v1/activities", query_string={"from": "0001-01-01"}), "from")
    assert_invalid(resident.get("/api/v1/activities", query_string={"to": "9999-12-31T23:59:59-12:00"}), "to")
    assert_invalid(resident.get("/api/v1/shifts", query_string={"date": "0001-01-01"}), "date")
    assert_invalid(organizer.get("/api/v1/rosters/shifts", query_string={"date": "0001-01-01"}), "date")
    assert_invalid(organizer.get("/api/v1/rosters/hours", query_string={"from": "0001-01-01", "to": "9999-12-31"}),
                   "from", "to")
    batch = {"site_id": site["id"], "dates": ["9999-12-31"], "slots": [{"start": "22:00", "end": "06:00"}],
             "roles": [{"name": "测温", "capacity": 1}]}
    assert_invalid(organizer.post("/api/v1/shifts/batch", json=batch), "dates.0")
    shift = create_shift(organizer, site)
    booking = resident.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": shift["roles"][0]["id"]})
    assert booking.status_code == 201, booking.get_json()
    booking_id = booking.get_json()["id"]
    for action in ("check-in", "check-out"):
        assert_invalid(organizer.post(f"/api/v1/shift-bookings/{booking_id}/{action}", json={"at": "0001-01-01T00:00:00"}),
                       "at")
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["ends_at"] == activity["ends_at"]


# --- bodies: nesting, media types, size ---------------------------------------------------------------


def test_json_nested_thousands_deep_is_a_malformed_body(resident):
    for depth in (40, 5000, 100000):
        raw = '{"nickname": ' + "[" * depth + "]" * depth + "}"
        response = resident.client.patch("/api/v1/me", data=raw,
                                         headers={**resident.headers, "Content-Type": "application/json"})
        assert_error(response, 400, "malformed_body")
    # Wide but shallow is fine (it is refused by the schema, not as a body).
    raw = json.dumps({"accepted": [[1]] * 200})
    response = resident.client.post("/api/v1/me/subscriptions", data=raw,
                                    headers={**resident.headers, "Content-Type": "application/json"})
    assert response.status_code == 422


def test_only_json_bodies_are_accepted(resident, organizer):
    headers = resident.headers
    response = resident.client.patch("/api/v1/me", data='{"nickname": "张三"}',
                                     headers={**headers, "Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")
    response = resident.client.patch("/api/v1/me", data={"nickname": "张三"}, headers=headers)  # form-encoded
    assert_error(response, 415, "unsupported_media_type")
    response = resident.client.patch("/api/v1/me", data='{"nickname": "张三"}', headers=headers)  # no type, a body
    assert_error(response, 415, "unsupported_media_type")
    assert resident.get("/api/v1/me").get_json()["nickname"] != "张三"
    response = resident.client.patch("/api/v1/me", data='{"nickname": "张三"}',
                                     headers={**headers, "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200 and response.get_json()["nickname"] == "张三"


@pytest.mark.parametrize("content_type", [None, "application/json", "application/octet-stream"])
def test_a_post_without_a_body_needs_no_content_type(organizer, content_type):
    """`POST /publish` as the mini-program sends it (`Content-Type: application/json`, no body), as other
    clients do (no body, no type; aiohttp labels an empty body `application/octet-stream`): all work."""
    activity = create_activity(organizer, publish=False)
    headers = {"Content-Type": content_type} if content_type else {}
    response = organizer.client.post(f"/api/v1/activities/{activity['id']}/publish",
                                     headers={**organizer.headers, **headers})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])
def test_an_empty_form_post_is_refused(organizer, content_type):
    """What a cross-site page can post without a CORS preflight is refused even without a body."""
    activity = create_activity(organizer, publish=False)
    response = organizer.client.post(f"/api/v1/activities/{activity['id']}/publish",
                                     headers={**organizer.headers, "Content-Type": content_type})
    assert_error(response, 415, "unsupported_media_type")
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["status"] == "draft"


def test_an_oversized_body_is_413(resident):
    raw = json.dumps({"nickname": "张" * 300_000})
    response = resident.client.patch("/api/v1/me", data=raw,
                                     headers={**resident.headers, "Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


# --- the 422 body: flat, string messages --------------------------------------------------------------


def test_errors_of_list_fields_are_flat_with_dotted_paths(organizer, site):
    body = {"site_id": site["id"], "starts_at": local(days=3).isoformat(), "ends_at": local(days=3, hour=12).isoformat(),
            "roles": [{"name": "测温", "capacity": 1}, {"name": "", "capacity": "x", "extra": 1}]}
    errors = assert_invalid(organizer.post("/api/v1/shifts", json=body))["errors"]
    assert set(errors) == {"roles.1.name", "roles.1.capacity", "roles.1.extra"}, errors
    batch = {"site_id": site["id"], "dates": ["2026-13-01"], "slots": [{"start": "8点"}], "roles": "x"}
    errors = assert_invalid(organizer.post("/api/v1/shifts/batch", json=batch))["errors"]
    assert {"dates.0", "slots.0.start", "slots.0.end", "roles"} <= set(errors), errors
    errors = assert_invalid(organizer.post("/api/v1/shifts", json=[1, 2]))["errors"]
    assert list(errors) == ["_schema"]


# --- activity list bounds: dates and date-times ---------------------------------------------------------


def test_activity_list_accepts_dates_and_date_times(resident, organizer):
    morning = create_activity(organizer, starts_at=local(days=5, hour=9))
    evening = create_activity(organizer, starts_at=local(days=5, hour=19))

    def ids(**query):
        response = resident.get("/api/v1/activities", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    day = local(days=5).date().isoformat()
    assert ids(**{"from": day, "to": day}) == [morning["id"], evening["id"]]
    noon = local(days=5, hour=12)
    assert ids(**{"from": noon.isoformat()}) == [evening["id"]]
    assert ids(**{"to": noon.isoformat()}) == [morning["id"]]
    # Without an offset: APP_TIMEZONE; in UTC with `Z`: the same instant.
    assert ids(**{"from": noon.replace(tzinfo=None).isoformat()}) == [evening["id"]]
    utc = (noon - timedelta(hours=8)).replace(tzinfo=None).isoformat() + "Z"
    assert ids(**{"from": utc}) == [evening["id"]]
    # Inclusive at the instant.
    assert ids(**{"from": local(days=5, hour=19).isoformat(), "to": local(days=5, hour=19).isoformat()}) == [evening["id"]]
    assert_invalid(resident.get("/api/v1/activities", query_string={"from": "明天"}), "from")


# --- every message a user can read is Chinese ------------------------------------------------------------

BAD_VALUES = [None, "", "x" * 6000, "\x00", "\ud800", 2**40, -(2**40), 1.5, True, [], [1], {}, {"a": 1},
              "2026-13-40", "not a date", "9999-12-31T23:59:59-12:00", "0001-01-01", "25:99"]


def _every_schema():
    seen = set()
    for module in (activities, common, shifts, subscriptions, users):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ma.Schema) and cls is not ma.Schema and cls not in seen:
                seen.add(cls)
                yield cls


def _messages(messages):
    if isinstance(messages, dict):
        for inner in messages.values():
            yield from _messages(inner)
    elif isinstance(messages, list):
        for inner in messages:
            yield from _messages(inner)
    else:
        yield messages


def test_every_schema_field_answers_in_chinese():
    english = set()
    checked = 0
    for cls in _every_schema():
        schema = cls()
        attempts = [{}, [], "x", {"__unknown__": 1}]
        for name, field in schema.load_fields.items():
            key = field.data_key or name
            attempts += [{key: value} for value in BAD_VALUES]
            if isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Nested):
                attempts += [{key: [{}]}, {key: [{"__unknown__": 1}]}, {key: ["x"]}]
            if isinstance(field, ma.fields.Nested):
                attempts += [{key: {"__unknown__": 1}}]
        for data in attempts:
            try:
                schema.load(data)
            except ma.ValidationError as error:
                for message in _messages(error.messages):
                    checked += 1
                    if str(message).isascii():
                        english.add(f"{cls.__name__}: {message}")
    assert checked > 500
    assert not english, sorted(english)


def test_every_schema_derives_from_the_base_with_chinese_messages():
    assert schemas  # the package
    for cls in _every_schema():
        assert issubclass(cls, common.Schema), cls


# --- the OpenAPI document names the files' media types ----------------------------------------------------


def test_file_responses_are_documented_with_their_media_types(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    paths = ["/api/v1/activities/{activity_id}/roster", "/api/v1/shifts/{shift_id}/roster", "/api/v1/rosters/shifts",
             "/api/v1/rosters/hours"]
    for path in paths:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv", xlsx}, (path, content)
        assert content["text/csv"]["schema"] == {"type": "string", "format": "binary"}
    assert not [p for p, ops in spec["paths"].items() for op in ops.values() if isinstance(op, dict)
                for r in op.get("responses", {}).values() if "application/octet-stream" in r.get("content", {})]
    errors_schema = spec["components"]["schemas"]["Error"]["properties"]["errors"]
    assert errors_schema["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
