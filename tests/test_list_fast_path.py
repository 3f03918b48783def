"""The list reads' fast path in front of Flask (`server.api.list_fast_path`): a cached list read is
answered without Flask, with the same bytes and headers Flask gives, and anything the fast path cannot
decide (a bad, revoked or deleted account's token, a query string not seen yet, nothing cached)
goes to Flask, which answers as without it.

Which of the two answered is told by Flask's own `request_started` signal: the fast path sends none.
"""

import contextlib

import pytest
from factories import book, create_activity, create_shift, create_site
from flask import request, request_started
from prometheus_client import REGISTRY

from server.extensions import redis

ACTIVITIES, SHIFTS = "/api/v1/activities", "/api/v1/shifts"
PATHS = [ACTIVITIES, f"{ACTIVITIES}?page_size=20", SHIFTS, f"{SHIFTS}?page_size=20&available=true"]


@contextlib.contextmanager
def flask_requests(app):
    """The paths Flask itself answered inside the block."""
    seen = []

    def note(_sender, **_extra):
        seen.append(request.full_path.rstrip("?"))

    request_started.connect(note, app)
    try:
        yield seen
    finally:
        request_started.disconnect(note, app)


def wire(response):
    """What goes on the wire: status, headers (in order) and body bytes."""
    return response.status, list(response.headers.items()), response.get_data()


@pytest.fixture
def lists(organizer, residents):
    """An activity the person signed up to and a shift they booked, and the person."""
    activity = create_activity(organizer, title="含\"引号\"的党课", capacity=3)
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    (person,) = residents(1)
    assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "带\"孩子\""}).status_code == 201
    assert book(person, shift).status_code == 201
    return person


@pytest.mark.parametrize("path", PATHS)
def test_the_fast_path_answers_the_bytes_and_headers_flask_answers(lists, clean_app, path):
    """Invariant: a fast-path answer is indistinguishable on the wire from Flask's: the same status,
    headers and bytes (logged in or not, 200 or 304)."""
    person, client = lists, lists.client
    headers = {**person.headers, "X-Request-ID": "same-id-1"}
    with flask_requests(clean_app) as seen:
        by_flask = client.get(path, headers=headers)  # reads the database, stores, remembers the query
        by_fast_path = client.get(path, headers=headers)
        etag = by_fast_path.headers["ETag"]
        not_modified = client.get(path, headers={**headers, "If-None-Match": etag})
        anonymous = client.get(path, headers={"X-Request-ID": "same-id-2"})
    assert seen == [path]  # Flask answered only the first

    def flask_answer(request_headers):  # Flask answers it again, from the cache
        clean_app.extensions["list_queries"].clear()
        return wire(client.get(path, headers=request_headers))

    with flask_requests(clean_app) as seen:
        assert flask_answer(headers) == wire(by_fast_path) == wire(by_flask)
        assert flask_answer({**headers, "If-None-Match": etag}) == wire(not_modified)
        assert flask_answer({"X-Request-ID": "same-id-2"}) == wire(anonymous)
    assert len(seen) == 3
    assert not_modified.status_code == 304 and by_fast_path.status_code == anonymous.status_code == 200
    items = by_fast_path.get_json()["items"]
    assert any((i.get("my_registration") or i.get("my_booking") or {}).get("status") in ("confirmed", "booked")
               for i in items)
    assert not any(i.get("my_registration") or i.get("my_booking") for i in anonymous.get_json()["items"])


@pytest.mark.parametrize("path", [ACTIVITIES, SHIFTS])
def test_a_logged_out_token_is_refused_by_flask_though_the_fast_path_knows_the_page(lists, clean_app, path):
    """Invariant: the fast path reads the token's revocation marks in its MGET and leaves a revoked
    token to Flask (401), never answering it a page."""
    person = lists
    person.get(path)
    with flask_requests(clean_app) as seen:
        assert person.get(path).status_code == 200
    assert seen == []  # answered by the fast path
    assert person.post("/api/v1/auth/logout").status_code in (200, 204)
    response = person.get(path)
    assert (response.status_code, response.get_json()["error"]) == (401, "token_revoked")


@pytest.mark.parametrize("path", [ACTIVITIES, SHIFTS])
def test_a_deleted_accounts_token_is_refused_by_flask_though_the_fast_path_knows_the_page(
    lists, clean_app, login, path
):
    person = login("o-nothing-booked")  # deleting an account with no sign-up or booking retires no page
    person.get(path)
    with flask_requests(clean_app) as seen:
        assert person.get(path).status_code == 200
    assert seen == []
    assert person.delete("/api/v1/me").status_code in (200, 204)
    with flask_requests(clean_app) as seen:
        response = person.get(path)
    assert (response.status_code, response.get_json()["error"]) == (401, "token_invalid")
    assert seen == [path]


def test_what_the_fast_path_cannot_decide_goes_to_flask(lists, clean_app, client):
    person = lists
    person.get(ACTIVITIES)
    cases = [
        ("a bad token", lambda: client.get(ACTIVITIES, headers={"Authorization": "Bearer not-a-token"}), 401),
        ("a query string not seen", lambda: person.get(f"{ACTIVITIES}?page=1"), 200),
        ("a HEAD", lambda: client.head(ACTIVITIES, headers=person.headers), 200),
    ]
    for name, send, status in cases:
        with flask_requests(clean_app) as seen:
            assert send().status_code == status, name
        assert len(seen) == 1, name
    # Nothing current in the cache: Redis flushed, or the caller's own rows changed.
    for change in (lambda: redis.flushdb(), lambda: person.delete(f"{ACTIVITIES}/{lists_activity(person)}/registrations/me")):
        with clean_app.app_context():
            change()
        with flask_requests(clean_app) as seen:
            assert person.get(ACTIVITIES).status_code == 200
        assert seen == [ACTIVITIES]
        with flask_requests(clean_app) as seen:  # ... and stored again: the fast path answers the next
            assert person.get(ACTIVITIES).status_code == 200
        assert seen == []


def lists_activity(person):
    return next(i["id"] for i in person.get(ACTIVITIES).get_json()["items"] if i["my_registration"])


def test_a_fast_path_answer_is_timed_under_its_route(lists, clean_app):
    """The metrics middleware times it as it times Flask's answers: under the URL rule, not `<unmatched>`."""
    person = lists
    person.get(SHIFTS)
    labels = {"route": SHIFTS, "method": "GET", "status": "200"}
    before = REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0
    with flask_requests(clean_app) as seen:
        assert person.get(SHIFTS).status_code == 200
    assert seen == []
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) == before + 1
