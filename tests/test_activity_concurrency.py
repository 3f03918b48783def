"""Flash crowds: many real HTTP clients at once never overbook, and the waitlist keeps its order.

Runs on SQLite by default and on PostgreSQL in CI (TEST_DATABASE_URL), where requests really run in
parallel on separate connections.
"""

from conftest import race
from factories import create_activity
from sqlalchemy import select

from server.extensions import db
from server.models import Registration


def test_fifty_clients_racing_for_five_places(organizer, residents, live_server, clean_app):
    activity = create_activity(organizer, capacity=5)
    people = residents(50)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    results = race(live_server, [("POST", path, p.headers, {}) for p in people])

    assert [status for status, _ in results] == [201] * 50
    statuses = [body["status"] for _, body in results]
    assert statuses.count("confirmed") == 5
    assert statuses.count("waitlisted") == 45
    assert sorted(body["waitlist_position"] for _, body in results if body["status"] == "waitlisted") == list(
        range(1, 46)
    )

    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert roster["activity"]["confirmed_count"] == 5
    assert roster["activity"]["waitlist_count"] == 45
    assert (roster["counts"]["confirmed"], roster["counts"]["waitlisted"], roster["counts"]["places"]) == (5, 45, 5)

    with clean_app.app_context():
        rows = db.session.scalars(
            select(Registration).where(Registration.activity_id == activity["id"]).order_by(
                Registration.registered_at, Registration.id
            )
        ).all()
        # Places went to the first five to sign up; the waitlist follows sign-up order.
        assert [r.status for r in rows] == ["confirmed"] * 5 + ["waitlisted"] * 45
    waitlist = [item for item in roster["items"] if item["status"] == "waitlisted"]
    assert [item["waitlist_position"] for item in waitlist] == list(range(1, 46))


def test_each_waitlisted_sign_up_is_told_its_place_in_the_final_order(organizer, residents, live_server):
    """`take_places_and_record`: a sign-up's registration time is read under the activity's row lock, so
    the `waitlist_position` each racing sign-up returns is exactly where the waitlist order
    (`registered_at`, `id`) puts it afterwards, and every confirmed place went to someone ahead of
    the whole waitlist."""
    activity = create_activity(organizer, capacity=3)
    people = residents(40)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    results = race(live_server, [("POST", path, p.headers, {}) for p in people])
    assert {status for status, _ in results} == {201}
    told = {body["id"]: body["waitlist_position"] for _, body in results if body["status"] == "waitlisted"}
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    waitlist = {item["registration_id"]: item["waitlist_position"] for item in roster["items"]
                if item["status"] == "waitlisted"}
    assert len(told) == 37 and told == waitlist
    confirmed_at = [item["registered_at"] for item in roster["items"] if item["status"] == "confirmed"]
    waitlisted_at = [item["registered_at"] for item in roster["items"] if item["status"] == "waitlisted"]
    assert len(confirmed_at) == 3 and max(confirmed_at) <= min(waitlisted_at)


def test_racing_families_never_exceed_capacity(organizer, residents, live_server):
    activity = create_activity(organizer, capacity=7)
    people = residents(30)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    results = race(live_server, [("POST", path, p.headers, {"companions": i % 3}) for i, p in enumerate(people)])
    assert {status for status, _ in results} == {201}
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    places = sum(1 + item["companions"] for item in roster["items"] if item["status"] == "confirmed")
    assert places == roster["activity"]["confirmed_count"] <= 7
    # First fit: whatever is left over is too small for everyone still waiting.
    free = 7 - places
    assert all(1 + item["companions"] > free for item in roster["items"] if item["status"] == "waitlisted")


def test_double_taps_at_the_same_instant_make_one_registration(organizer, residents, live_server):
    activity = create_activity(organizer, capacity=3)
    people = residents(10)
    path = f"/api/v1/activities/{activity['id']}/registrations"
    results = race(live_server, [("POST", path, p.headers, {}) for p in people for _ in range(2)])
    assert sorted(status for status, _ in results) == [200] * 10 + [201] * 10
    for index in range(10):
        (_, first), (_, second) = results[2 * index], results[2 * index + 1]
        assert first["id"] == second["id"]
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert len(roster["items"]) == 10
    assert roster["counts"]["confirmed"] == 3
    # The second tap's place was counted and its INSERT refused in one statement: both undone.
    assert (roster["activity"]["confirmed_count"], roster["activity"]["waitlist_count"]) == (3, 7)


def test_cancellations_racing_sign_ups_keep_counts_exact(organizer, residents, live_server):
    activity = create_activity(organizer, capacity=5)
    people = residents(20)
    holders, newcomers = people[:5], people[5:]
    path = f"/api/v1/activities/{activity['id']}/registrations"
    for holder in holders:
        holder.post(path, json={})
    requests_to_send = [("DELETE", path + "/me", h.headers, None) for h in holders]
    requests_to_send += [("POST", path, n.headers, {}) for n in newcomers]
    results = race(live_server, requests_to_send)
    assert {status for status, _ in results} <= {200, 201}
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert roster["counts"] == {**roster["counts"], "confirmed": 5, "cancelled": 5, "waitlisted": 10, "places": 5}
    assert roster["activity"]["confirmed_count"] == 5
