"""The list reads' fast path (`pages.list_response`, `cache.read_list`): cached page bytes with the caller's
own rows spliced in, read in one Redis round trip with the token's revocation marks, and an ETag; the
caller's own rows kept through other people's sign-ups and bookings (`cache.only_own_rows_changed`).

Each test states the invariant a fast path keeps; each would fail if the fast path broke it (a caller's
rows served from an older version or for other items, the revocation check skipped, a 304 for bytes
that changed). The fast path in front of Flask has its own tests: test_list_fast_path.py.
"""

import contextlib
import threading

import pytest
import requests
from conftest import TEST_DATABASE_URL, TEST_REDIS_URL, sql_sent
from factories import book, create_activity, create_shift, create_site, local

from server.extensions import redis
from server.services import cache

ON_SERVICES = bool(TEST_DATABASE_URL and TEST_REDIS_URL)
ACTIVITIES, SHIFTS = "/api/v1/activities", "/api/v1/shifts"


def item(session_or_client, path, item_id):
    response = session_or_client.get(path)
    assert response.status_code == 200, response.get_json()
    return next(i for i in response.get_json()["items"] if i["id"] == item_id)


def test_my_own_sign_up_shows_as_soon_as_it_returns_and_goes_when_cancelled(organizer, residents):
    """The caller's own rows are cached per version: a sign-up or a cancellation retires them at once."""
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    for person in (first, second):  # both callers' (empty) own rows are now cached
        assert item(person, ACTIVITIES, activity["id"])["my_registration"] is None
        assert item(person, ACTIVITIES, activity["id"])["my_registration"] is None
    path = f"/api/v1/activities/{activity['id']}/registrations"
    assert first.post(path, json={}).status_code == 201
    assert item(first, ACTIVITIES, activity["id"])["my_registration"]["status"] == "confirmed"
    assert second.post(path, json={}).status_code == 201
    mine = item(second, ACTIVITIES, activity["id"])["my_registration"]
    assert (mine["status"], mine["waitlist_position"]) == ("waitlisted", 1)
    # The first cancels: the second's own row changes without the second doing anything.
    assert first.delete(f"{path}/me").status_code == 200
    assert item(first, ACTIVITIES, activity["id"])["my_registration"] is None
    shown = item(second, ACTIVITIES, activity["id"])
    assert shown["my_registration"]["status"] in ("confirmed", "offered")
    assert shown["my_registration"]["waitlist_position"] is None


@pytest.mark.parametrize("mode, status", [("lottery", "entered"), ("approval", "pending")])
def test_my_own_entry_or_pending_sign_up_shows_as_soon_as_it_returns(organizer, residents, mode, status):
    """An entry or a pending sign-up counts no place, but it is the caller's own row on the list: its
    commit retires the cached own rows too (it once did not: the list showed no sign-up)."""
    extra = {"signup_closes_at": local(days=2), "draw_at": local(days=2, hour=12)} if mode == "lottery" else {}
    activity = create_activity(organizer, capacity=1, signup_mode=mode, **extra)
    (person,) = residents(1)
    assert item(person, ACTIVITIES, activity["id"])["my_registration"] is None  # cached
    assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    assert item(person, ACTIVITIES, activity["id"])["my_registration"]["status"] == status


def test_my_own_booking_shows_as_soon_as_it_returns_and_goes_when_cancelled(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    (person,) = residents(1)
    assert item(person, SHIFTS, shift["id"])["my_booking"] is None
    assert item(person, SHIFTS, shift["id"])["my_booking"] is None
    book(person, shift)
    assert item(person, SHIFTS, shift["id"])["my_booking"]["status"] == "booked"
    assert person.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    assert item(person, SHIFTS, shift["id"])["my_booking"] is None


@pytest.mark.parametrize("path", [ACTIVITIES, SHIFTS])
def test_a_logged_out_token_is_refused_though_its_page_is_cached(organizer, residents, path, client):
    """The revocation marks are read in the page's own round trip, never skipped."""
    create_activity(organizer)
    (person,) = residents(1)
    assert person.get(path).status_code == 200
    assert person.get(path).status_code == 200  # page and own rows cached
    assert person.post("/api/v1/auth/logout").status_code in (200, 204)
    response = person.get(path)
    assert (response.status_code, response.get_json()["error"]) == (401, "token_revoked")
    assert client.get(path).status_code == 200  # anonymous callers still read it


@pytest.mark.parametrize("path", [ACTIVITIES, SHIFTS])
def test_a_deleted_accounts_token_is_refused_though_its_page_is_cached(organizer, residents, path):
    create_activity(organizer)
    (person,) = residents(1)
    assert person.get(path).status_code == 200
    assert person.get(path).status_code == 200
    assert person.delete("/api/v1/me").status_code in (200, 204)
    response = person.get(path)
    assert (response.status_code, response.get_json()["error"]) == (401, "token_invalid")


def test_a_304_never_hides_a_change(organizer, residents):
    """The ETag is the digest of the exact bytes, the caller's own rows included."""
    activity = create_activity(organizer, capacity=5)
    first, second = residents(2)
    response = first.get(ACTIVITIES)
    etag = response.headers["ETag"]
    again = first.client.get(ACTIVITIES, headers={**first.headers, "If-None-Match": etag})
    assert (again.status_code, again.get_data()) == (304, b"")
    # Someone else's sign-up changes the place count: the old ETag gets the new page.
    assert second.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    changed = first.client.get(ACTIVITIES, headers={**first.headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["items"][0]["confirmed_count"] == 1
    # The same page for another caller differs by their own row: not the same ETag.
    theirs = second.client.get(ACTIVITIES, headers={**second.headers, "If-None-Match": changed.headers["ETag"]})
    assert theirs.status_code == 200 and theirs.get_json()["items"][0]["my_registration"]["status"] == "confirmed"


def test_the_answer_is_the_same_as_the_uncached_one(organizer, residents, clean_app):
    """The spliced bytes are the JSON the page and the caller's rows make, nothing lost or added."""
    activity = create_activity(organizer, title="含\"引号\"和\\u0000的标题")
    (person,) = residents(1)
    person.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": "\"my_registration\":\"x\""})
    cached = [person.get(ACTIVITIES).get_json() for _ in range(2)]
    with clean_app.app_context():
        redis.flushdb()
    assert cached[0] == cached[1] == person.get(ACTIVITIES).get_json()
    assert cached[0]["items"][0]["title"] == "含\"引号\"和\\u0000的标题"
    assert cached[0]["items"][0]["my_registration"]["remark"] == "\"my_registration\":\"x\""


@pytest.mark.skipif(not ON_SERVICES, reason="runs on PostgreSQL and Redis only (TEST_DATABASE_URL, TEST_REDIS_URL)")
def test_no_stale_count_or_own_row_while_redis_is_flushed_during_a_sign_up_burst(
    organizer, residents, live_server, clean_app
):
    """Real concurrent clients on PostgreSQL: each reads the list right after its sign-up returns, while
    other readers keep the cache warm and Redis is flushed again and again. Every read shows at least
    the confirmed sign-ups that had returned when it started, and the reader's own sign-up."""
    activity = create_activity(organizer, capacity=15)
    people = residents(30)
    path = f"{live_server}/api/v1/activities/{activity['id']}/registrations"
    returned = {"confirmed": 0}
    lock = threading.Lock()
    problems = []
    done = threading.Event()
    barrier = threading.Barrier(len(people) + 2)

    def sign_up_then_read(person):
        with requests.Session() as http:
            barrier.wait()
            response = http.post(path, json={}, headers=person.headers, timeout=120)
            status = response.json()["status"]
            with lock:
                returned["confirmed"] += status == "confirmed"
                floor = returned["confirmed"]
            listed = http.get(f"{live_server}{ACTIVITIES}?page_size=100", headers=person.headers, timeout=120)
            shown = next(i for i in listed.json()["items"] if i["id"] == activity["id"])
            if shown["confirmed_count"] < floor or (shown["my_registration"] or {}).get("status") != status:
                problems.append((floor, shown["confirmed_count"], status, shown["my_registration"]))

    def keep_reading():
        with requests.Session() as http:
            barrier.wait()
            while not done.is_set():
                http.get(f"{live_server}{ACTIVITIES}?page_size=100", headers=people[0].headers, timeout=120)

    def keep_flushing():
        barrier.wait()
        with clean_app.app_context():
            while not done.is_set():
                redis.flushdb()
                done.wait(0.02)

    threads = [threading.Thread(target=sign_up_then_read, args=(p,)) for p in people]
    helpers = [threading.Thread(target=keep_reading), threading.Thread(target=keep_flushing)]
    for thread in threads + helpers:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    for thread in helpers:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads + helpers), "the burst did not finish in time"
    assert returned["confirmed"] == 15
    assert problems == []
    final = item(organizer, ACTIVITIES, activity["id"])
    assert (final["confirmed_count"], final["waitlist_count"]) == (15, 15)


# --- the caller's own rows survive other people's sign-ups and bookings (`cache.only_own_rows_changed`) ---

@contextlib.contextmanager
def statements(app):
    """The SQL statements run (by any request) inside the block."""
    seen = []
    with sql_sent(app, seen.append):
        yield seen


def own_rows_asked(seen, table):
    """The statements among `seen` that read the caller's own rows of `table` (`my_registrations_for`,
    `my_bookings_for`: by user, among the page's items)."""
    return [s for s in seen if s.lstrip().startswith("SELECT") and f"{table}.user_id = " in s
            and "IN (" in s and "FROM activities" not in s and "FROM shifts" not in s]


def test_my_own_rows_stay_cached_through_other_peoples_sign_ups_and_bookings(organizer, residents, clean_app):
    """A sign-up or booking changes only its author's own rows: everyone else's stay in the cache (the
    pages, whose place counts changed, are computed again)."""
    activity = create_activity(organizer, capacity=1)
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3)])
    reader, first, second = residents(3)
    assert reader.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    book(reader, shift)
    with statements(clean_app) as seen:
        for path in (ACTIVITIES, SHIFTS):
            reader.get(path)  # the reader's own rows are read and cached
    assert len(own_rows_asked(seen, "registrations")) == len(own_rows_asked(seen, "bookings")) == 1
    assert first.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    book(first, shift)
    with statements(clean_app) as seen:
        mine = item(reader, ACTIVITIES, activity["id"])["my_registration"]
        booking = item(reader, SHIFTS, shift["id"])["my_booking"]
    assert (mine["status"], booking["status"]) == ("confirmed", "booked")
    assert own_rows_asked(seen, "registrations") == own_rows_asked(seen, "bookings") == []
    assert any("FROM activities" in s for s in seen)  # the page itself was computed again
    # The author's own rows are read again: their sign-up shows (waitlisted behind the first).
    assert item(first, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 1
    assert second.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    assert item(second, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 2


def test_a_place_in_the_waitlist_moves_up_at_once_when_someone_ahead_leaves(organizer, residents):
    """A cancellation moves other people's own rows (a promotion, the waitlist's positions): everyone's
    cached rows are retired, whoever cancelled."""
    activity = create_activity(organizer, capacity=1)
    people = residents(4)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    for person in people[:3]:
        assert person.post(path, json={}).status_code == 201
    last = people[2]
    assert item(last, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 2
    assert people[3].post(path, json={}).status_code == 201  # behind the last: changes nothing of theirs
    assert item(last, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 2
    assert people[1].delete(f"{path}/me").status_code == 200  # the first in the waitlist gives up
    assert item(last, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 1
    assert people[0].delete(f"{path}/me").status_code == 200  # the confirmed one gives up: the last moves up
    assert item(last, ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] is None
    assert item(people[3], ACTIVITIES, activity["id"])["my_registration"]["waitlist_position"] == 1


def test_my_own_rows_are_read_again_for_a_page_that_shows_other_items(organizer, residents):
    """Own rows cached for a page are used only for a page of the same items: someone else's booking
    fills a shift, the next one (which the caller booked) joins the page of shifts with a free place."""
    site = create_site(organizer)
    full_soon = create_shift(organizer, site, roles=[("测温", 1)], starts_at=local(days=1, hour=8))
    mine = create_shift(organizer, site, roles=[("测温", 2)], starts_at=local(days=2, hour=8))
    reader, other = residents(2)
    book(reader, mine)
    page = f"{SHIFTS}?available=true&page_size=1"
    assert [i["id"] for i in reader.get(page).get_json()["items"]] == [full_soon["id"]]
    book(other, full_soon)
    shown = reader.get(page).get_json()["items"]
    assert [i["id"] for i in shown] == [mine["id"]]
    assert shown[0]["my_booking"]["status"] == "booked"


def test_a_sign_up_that_takes_no_place_shows_at_once(organizer, residents):
    """An approval sign-up (`pending`) changes no place count, only the caller's own row: it shows."""
    activity = create_activity(organizer, signup_mode="approval")
    (person,) = residents(1)
    assert item(person, ACTIVITIES, activity["id"])["my_registration"] is None
    assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    assert item(person, ACTIVITIES, activity["id"])["my_registration"]["status"] == "pending"


def test_bumps_owed_by_several_commits_add_up_to_the_widest(clean_app):
    """A commit that changed only one user's own rows and another, in flight at the same time, that may
    have changed anyone's: what is paid retires everyone's own rows, not only the first user's."""
    keys = ("cache:activities:version", "cache:activities:own-version", "cache:activities:user-version:7")
    with clean_app.app_context():
        for bumps in ({"activities": None}, {"activities": frozenset({7})}):  # every version exists
            cache._owe(bumps)
            cache._pay_owed_bumps()
        before = redis.mget(keys)
        cache._owe({"activities": frozenset({7})})
        cache._owe({"activities": None})
        cache._owe({"activities": frozenset({8})})
        assert cache._pay_owed_bumps()
        after = redis.mget(keys)
        assert cache._pay_owed_bumps()  # nothing left owed
    assert [a != b for a, b in zip(after, before)] == [True, True, False]  # user 7's own version kept
