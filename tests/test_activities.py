"""Activities over HTTP: publishing, browsing, sign-up rules, waitlists, cancellation."""

from datetime import timedelta, timezone

import pytest
from factories import activity_body, community_id, create_activity, local

from server.extensions import db
from server.models import Activity, User
from server.models.base import utcnow
from server.services.registrations import cancel_future_registrations


def register(session, activity, **body):
    return session.post(f"/api/v1/activities/{activity['id']}/registrations", json=body)


def get_activity(session, activity):
    return session.get(f"/api/v1/activities/{activity['id']}").get_json()


# --- publishing and browsing -------------------------------------------------------------------


def test_organizer_creates_a_draft_invisible_to_residents(organizer, resident, client):
    activity = create_activity(organizer, publish=False)
    assert activity["status"] == "draft"
    assert activity["community"]["code"] == "haizhu"
    assert resident.get(f"/api/v1/activities/{activity['id']}").status_code == 404
    assert client.get(f"/api/v1/activities/{activity['id']}").status_code == 404
    assert organizer.get(f"/api/v1/activities/{activity['id']}").status_code == 200
    assert activity["id"] not in [a["id"] for a in client.get("/api/v1/activities").get_json()["items"]]


def test_signing_up_for_a_draft_is_404(organizer, resident):
    activity = create_activity(organizer, publish=False)
    assert register(resident, activity).status_code == 404


def test_publish_makes_it_listed_and_publishing_twice_is_409(organizer, client):
    activity = create_activity(organizer)
    assert activity["status"] == "published"
    listed = client.get("/api/v1/activities").get_json()["items"]
    assert [a["id"] for a in listed] == [activity["id"]]
    again = organizer.post(f"/api/v1/activities/{activity['id']}/publish")
    assert (again.status_code, again.get_json()["error"]) == (409, "activity_not_draft")


def test_times_are_shown_with_the_app_timezone_offset(organizer):
    activity = create_activity(organizer, starts_at=local(days=3, hour=9, minute=30))
    assert activity["starts_at"].endswith("+08:00")
    assert "T09:30:00" in activity["starts_at"]


def test_times_without_offset_are_read_as_app_timezone(organizer, client):
    body = activity_body(community_id(client, "haizhu"))
    body["starts_at"] = local(days=4, hour=14).replace(tzinfo=None).isoformat()
    body["ends_at"] = local(days=4, hour=16).replace(tzinfo=None).isoformat()
    activity = organizer.post("/api/v1/activities", json=body).get_json()
    assert activity["starts_at"] == local(days=4, hour=14).isoformat()


def test_times_in_another_offset_are_converted(organizer, client):
    body = activity_body(community_id(client, "haizhu"))
    utc_start = local(days=4, hour=14).astimezone(timezone.utc)
    body["starts_at"] = utc_start.isoformat()
    body["ends_at"] = (utc_start + timedelta(hours=1)).isoformat()
    activity = organizer.post("/api/v1/activities", json=body).get_json()
    assert activity["starts_at"] == local(days=4, hour=14).isoformat()


def test_create_rejects_end_before_start(organizer, client):
    body = activity_body(community_id(client, "haizhu"), ends_at=local(days=2))
    response = organizer.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert "ends_at" in response.get_json()["errors"]


def test_create_rejects_bad_category_and_capacity(organizer, client):
    body = activity_body(community_id(client, "haizhu"), category="party", capacity=0)
    errors = organizer.post("/api/v1/activities", json=body).get_json()["errors"]
    assert {"category", "capacity"} <= set(errors)


def test_create_in_unknown_community_is_422(organizer):
    response = organizer.post("/api/v1/activities", json=activity_body(4242))
    assert response.status_code == 422
    assert "community_id" in response.get_json()["errors"]


def test_list_is_soonest_first_and_filters(organizer, other_organizer, client):
    later = create_activity(organizer, title="嘉年华", category="culture", starts_at=local(days=9))
    sooner = create_activity(organizer, title="党课", starts_at=local(days=2))
    elsewhere = create_activity(other_organizer, community="dachong", title="青年学堂", category="youth")
    ids = lambda query: [a["id"] for a in client.get("/api/v1/activities" + query).get_json()["items"]]  # noqa: E731
    assert ids("") == [sooner["id"], elsewhere["id"], later["id"]]
    assert ids(f"?community_id={community_id(client, 'dachong')}") == [elsewhere["id"]]
    assert ids("?category=culture") == [later["id"]]
    assert ids("?q=嘉年") == [later["id"]]
    day = local(days=9).date().isoformat()
    assert ids(f"?from={day}&to={day}") == [later["id"]]


def test_list_leaves_out_ended_activities_unless_asked(organizer, client, move_activity):
    past = create_activity(organizer)
    move_activity(past["id"], local(days=-3))
    assert client.get("/api/v1/activities").get_json()["total"] == 0
    old = client.get(f"/api/v1/activities?from={local(days=-4).date().isoformat()}").get_json()["items"]
    assert [(a["id"], a["status"]) for a in old] == [(past["id"], "finished")]


def test_list_is_paginated(organizer, client):
    for day in range(1, 4):
        create_activity(organizer, starts_at=local(days=day))
    page = client.get("/api/v1/activities?page=2&page_size=2").get_json()
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (3, 2, 2, 1)
    assert client.get("/api/v1/activities?page_size=101").status_code == 422
    assert client.get("/api/v1/activities?page=0").status_code == 422


def test_organizer_lists_own_drafts_but_residents_cannot(organizer, resident, client):
    draft = create_activity(organizer, publish=False)
    haizhu = community_id(client, "haizhu")
    drafts = organizer.get(f"/api/v1/activities?status=draft&community_id={haizhu}").get_json()["items"]
    assert [a["id"] for a in drafts] == [draft["id"]]
    assert resident.get(f"/api/v1/activities?status=draft&community_id={haizhu}").status_code == 403


# --- signing up --------------------------------------------------------------------------------


def test_sign_up_confirms_and_double_tap_returns_the_same(organizer, resident):
    activity = create_activity(organizer)
    first = register(resident, activity)
    assert first.status_code == 201
    assert first.get_json()["status"] == "confirmed"
    assert first.get_json()["waitlist_position"] is None
    second = register(resident, activity)
    assert second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    assert get_activity(resident, activity)["confirmed_count"] == 1
    assert get_activity(resident, activity)["my_registration"]["id"] == first.get_json()["id"]


def test_full_activity_waitlists_in_order(organizer, residents):
    activity = create_activity(organizer, capacity=2)
    people = residents(4)
    statuses = [register(p, activity).get_json() for p in people]
    assert [s["status"] for s in statuses] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [s["waitlist_position"] for s in statuses] == [None, None, 1, 2]
    counts = get_activity(people[0], activity)
    assert (counts["confirmed_count"], counts["waitlist_count"]) == (2, 2)


def test_full_activity_without_waitlist_is_409_and_changes_nothing(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1, waitlist_enabled=False)
    first, second = residents(2)
    register(first, activity)
    response = register(second, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "capacity_full")
    assert get_activity(second, activity)["my_registration"] is None
    assert get_activity(second, activity)["waitlist_count"] == 0


def test_companions_take_places(organizer, residents):
    activity = create_activity(organizer, capacity=3)
    family, single, late = residents(3)
    assert register(family, activity, companions=2).get_json()["status"] == "confirmed"
    assert register(single, activity).get_json()["status"] == "waitlisted"
    assert get_activity(late, activity)["confirmed_count"] == 3


def test_more_companions_than_capacity_is_422(organizer, resident):
    activity = create_activity(organizer, capacity=2)
    response = register(resident, activity, companions=2)
    assert response.status_code == 422
    assert "companions" in response.get_json()["errors"]


def test_party_members_only_refuses_residents(organizer, resident, seeded, login):
    activity = create_activity(organizer, audience="party_members")
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (403, "not_eligible")
    assert register(login("demo-party-member"), activity).status_code == 201


def test_community_residents_only_refuses_other_communities(organizer, resident, client):
    activity = create_activity(organizer, audience="community_residents")
    resident.patch("/api/v1/me", json={"community_id": community_id(client, "dachong")})
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (403, "not_eligible")
    # Claiming the community back is not enough (see test_memberships.py): its organizer confirms it.
    resident.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu")})
    assert register(resident, activity).status_code == 403
    haizhu = community_id(client, "haizhu")
    confirm = organizer.post(f"/api/v1/communities/{haizhu}/members/{resident.user['id']}/confirm")
    assert confirm.status_code == 200
    assert register(resident, activity).status_code == 201


def test_sign_up_before_the_window_opens_is_409(organizer, resident):
    activity = create_activity(organizer, signup_opens_at=local(days=1))
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "signup_not_open")


def test_sign_up_after_the_window_closes_is_409(organizer, resident):
    activity = create_activity(organizer, signup_closes_at=local(days=-1), signup_opens_at=local(days=-5))
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "signup_closed")


def test_sign_up_after_the_start_is_closed(organizer, resident, move_activity):
    now = local(days=0, hour=0)
    activity = create_activity(organizer)
    move_activity(activity["id"], now - timedelta(days=1), now + timedelta(days=2))
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "signup_closed")


def test_sign_up_for_a_cancelled_activity_is_409(organizer, resident):
    activity = create_activity(organizer)
    organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "台风"})
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")


def test_sign_up_for_a_finished_activity_is_409(organizer, resident, move_activity):
    activity = create_activity(organizer)
    move_activity(activity["id"], local(days=-2))
    response = register(resident, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")


def test_sign_up_needs_login(organizer, client):
    activity = create_activity(organizer)
    assert client.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 401


def test_sign_up_for_unknown_activity_is_404(resident):
    response = resident.post("/api/v1/activities/987654/registrations", json={})
    assert (response.status_code, response.get_json()["error"]) == (404, "activity_not_found")


# --- cancelling and the waitlist ---------------------------------------------------------------


def test_cancel_promotes_the_first_waitlisted_and_records_a_notice(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    first, second, third = residents(3)
    for person in (first, second, third):
        register(person, activity)
    response = first.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert response.status_code == 200
    assert response.get_json() == {"status": "cancelled"}
    assert get_activity(second, activity)["my_registration"]["status"] == "confirmed"
    assert get_activity(third, activity)["my_registration"]["waitlist_position"] == 1
    [notice] = messages("waitlist_promoted")
    assert notice["user_id"] == second.user["id"]
    assert notice["payload"]["title"] == activity["title"]
    assert notice["status"] == "pending"


def test_promotion_skips_a_family_that_does_not_fit(organizer, residents, messages):
    activity = create_activity(organizer, capacity=3)
    holder, family, single = residents(3)
    register(holder, activity, companions=2)
    assert register(family, activity, companions=1).get_json()["waitlist_position"] == 1
    assert register(single, activity).get_json()["waitlist_position"] == 2
    organizer.patch(f"/api/v1/activities/{activity['id']}", json={"capacity": 4})
    assert get_activity(single, activity)["my_registration"]["status"] == "confirmed"
    assert get_activity(family, activity)["my_registration"]["waitlist_position"] == 1


def test_cancel_after_the_cutoff_is_409_and_keeps_the_place(organizer, resident):
    activity = create_activity(organizer, starts_at=local(days=0, hour=23, minute=59), cancel_cutoff_minutes=24 * 60)
    register(resident, activity)
    response = resident.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert (response.status_code, response.get_json()["error"]) == (409, "cancel_cutoff_passed")
    assert get_activity(resident, activity)["my_registration"]["status"] == "confirmed"


def test_waitlisted_can_leave_after_the_cutoff(organizer, residents):
    activity = create_activity(
        organizer, capacity=1, starts_at=local(days=0, hour=23, minute=59), cancel_cutoff_minutes=24 * 60
    )
    holder, waiting = residents(2)
    register(holder, activity)
    register(waiting, activity)
    assert waiting.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200


def test_cancel_without_registration_is_404(organizer, resident):
    activity = create_activity(organizer)
    response = resident.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")


def test_signing_up_again_goes_to_the_back_of_the_queue(organizer, residents):
    activity = create_activity(organizer, capacity=1)
    holder, first, second = residents(3)
    for person in (holder, first, second):
        register(person, activity)
    first.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    again = register(first, activity)
    assert again.status_code == 201
    assert again.get_json()["waitlist_position"] == 2


def test_raising_capacity_promotes_and_lowering_below_confirmed_is_409(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    people = residents(3)
    for person in people:
        register(person, activity)
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"capacity": 3})
    assert response.status_code == 200
    assert (response.get_json()["confirmed_count"], response.get_json()["waitlist_count"]) == (3, 0)
    assert len(messages("waitlist_promoted")) == 2
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"capacity": 2, "title": "改名"})
    assert (response.status_code, response.get_json()["error"]) == (409, "capacity_below_confirmed")
    unchanged = get_activity(organizer, activity)
    assert (unchanged["capacity"], unchanged["title"]) == (3, activity["title"])


def test_organizer_cancel_notifies_everyone_registered(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    confirmed, waitlisted, cancelled = residents(3)
    for person in (confirmed, waitlisted, cancelled):
        register(person, activity)
    cancelled.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    outbox_before = len(messages())
    response = organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "台风预警"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    notices = messages("cancelled_by_organizer")
    assert sorted(n["user_id"] for n in notices) == sorted([confirmed.user["id"], waitlisted.user["id"]])
    assert all(n["payload"]["reason"] == "台风预警" for n in notices)
    assert len(messages()) == outbox_before + 2
    again = organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "x"})
    assert (again.status_code, again.get_json()["error"]) == (409, "activity_not_open")


def test_cancel_needs_a_reason(organizer):
    activity = create_activity(organizer)
    assert organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={}).status_code == 422
    assert get_activity(organizer, activity)["status"] == "published"


def test_deleting_an_account_moves_the_waitlist_up(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    holder, waiting = residents(2)
    register(holder, activity)
    register(waiting, activity)
    assert holder.delete("/api/v1/me").status_code == 204
    assert get_activity(waiting, activity)["my_registration"]["status"] == "confirmed"
    assert [n["user_id"] for n in messages("waitlist_promoted")] == [waiting.user["id"]]


def test_cancel_future_registrations_gives_up_places_not_yet_started(organizer, residents, clean_app, messages):
    """What account deletion calls by name: places in activities that have not started are given up
    (whatever the cancel cutoff) and the waitlist moves up; a place in an activity under way stays."""
    upcoming = create_activity(organizer, capacity=1, cancel_cutoff_minutes=43200)
    under_way = create_activity(organizer, title="进行中")
    holder, waiting = residents(2)
    register(holder, upcoming)
    register(waiting, upcoming)
    register(holder, under_way)
    with clean_app.app_context():
        started = db.session.get(Activity, under_way["id"])
        started.starts_at, started.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
        db.session.commit()
        cancel_future_registrations(db.session.get(User, holder.user["id"]))
        db.session.commit()
    assert get_activity(holder, upcoming)["my_registration"] is None
    assert get_activity(waiting, upcoming)["my_registration"]["status"] == "confirmed"
    assert [n["user_id"] for n in messages("waitlist_promoted")] == [waiting.user["id"]]
    assert get_activity(holder, under_way)["my_registration"]["status"] == "confirmed"


def test_my_registrations_upcoming_and_past(organizer, resident):
    upcoming = create_activity(organizer, title="下周党课")
    register(resident, upcoming)
    page = resident.get("/api/v1/me/registrations").get_json()
    assert [(r["activity"]["title"], r["status"]) for r in page["items"]] == [("下周党课", "confirmed")]
    assert resident.get("/api/v1/me/registrations?when=past").get_json()["total"] == 0
    resident.delete(f"/api/v1/activities/{upcoming['id']}/registrations/me")
    assert resident.get("/api/v1/me/registrations").get_json()["total"] == 0
    shown = resident.get("/api/v1/me/registrations?include_cancelled=true").get_json()["items"]
    assert [r["status"] for r in shown] == ["cancelled"]


@pytest.mark.parametrize("body", [{"companions": -1}, {"companions": "2"}, {"companions": 11}, {"remark": "长" * 201}])
def test_bad_registration_input_is_422(organizer, resident, body):
    activity = create_activity(organizer)
    assert register(resident, activity, **body).status_code == 422
    assert get_activity(resident, activity)["confirmed_count"] == 0


def test_my_registrations_show_where_i_am_on_the_waitlist(organizer, residents):
    activity = create_activity(organizer, capacity=1)
    first, second, third = residents(3)
    for person in (first, second, third):
        register(person, activity)

    def shown(person):
        (item,) = person.get("/api/v1/me/registrations").get_json()["items"]
        return item["status"], item["waitlist_position"]

    assert [shown(p) for p in (first, second, third)] == [("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]
    second.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert shown(third) == ("waitlisted", 1)
