"""The rules of time around shifts and activities: a running shift ended early keeps the minutes worked;
the fatigue limit over any 24 hours and the rest between shifts; moves that would break a booked
person's rules are refused and accepted ones are announced (`schedule_changed`); a cancelled
activity's registrations are cancelled; check-in only around the activity's time; nothing starts in
the past."""

from datetime import datetime, timedelta, timezone

import pytest
from factories import book, community_id, create_activity, create_shift, create_site, local, soon

from server.extensions import db
from server.models import User
from server.services.dispatch import send_due_messages


def now():
    return datetime.now(timezone.utc)


def error_of(response):
    return response.status_code, (response.get_json() or {}).get("error")


@pytest.fixture
def make_party_member(clean_app):
    def grant(session):
        with clean_app.app_context():
            db.session.get(User, session.user["id"]).is_party_member = True
            db.session.commit()

    return grant


# --- item 4: cancelling a running shift -------------------------------------------------------------


def test_cancelling_a_running_shift_credits_the_minutes_of_those_checked_in(organizer, residents, move_shift,
                                                                            messages):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3)])
    worker, absent, done = residents(3)
    bookings = {name: book(session, shift).get_json() for name, session in
                (("worker", worker), ("absent", absent), ("done", done))}
    move_shift(shift["id"], now() - timedelta(minutes=60), now() + timedelta(hours=3))
    url = "/api/v1/shift-bookings/{}"
    for name in ("worker", "done"):
        at = (now() - timedelta(minutes=50)).isoformat()
        assert organizer.post(url.format(bookings[name]["id"]) + "/check-in", json={"at": at, "reason": "补签"}).status_code == 200
    finished = organizer.post(url.format(bookings["done"]["id"]) + "/check-out",
                              json={"at": (now() - timedelta(minutes=20)).isoformat()}).get_json()
    assert finished["minutes_worked"] == 30

    response = organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "临时撤点"})
    assert response.status_code == 200
    ended = response.get_json()
    assert ended["status"] == "cancelled"
    assert abs(datetime.fromisoformat(ended["ends_at"]) - now()) < timedelta(minutes=1)  # ended early, now

    # The volunteer on duty was checked out at the cancellation; checking out again answers that. Their
    # worked minutes count once the organizer confirms the (cancelled, so ended) shift's hours.
    again = organizer.post(url.format(bookings["worker"]["id"]) + "/check-out", json={})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["checked_out_at"] and 49 <= again.get_json()["minutes_worked"] <= 51
    assert organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").get_json()["confirmed"] == 2
    assert 49 <= worker.get("/api/v1/me/hours").get_json()["total_minutes"] <= 51
    # A finished check-out stands as it was.
    assert done.get("/api/v1/me/hours").get_json()["total_minutes"] == 30
    # Who never came is released and told; those at the site are not sent a cancellation.
    assert [b["id"] for b in absent.get("/api/v1/me/shifts").get_json()["items"]] == []
    told = messages("cancelled_by_organizer")
    assert [m["user_id"] for m in told] == [absent.user["id"]]


def test_cancelling_a_shift_that_has_not_started_tells_everyone_booked(organizer, residents, messages):
    shift = create_shift(organizer, create_site(organizer))
    first, second = residents(2)
    book(first, shift), book(second, shift)
    original_end = shift["ends_at"]
    ended = organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "台风"}).get_json()
    assert ended["ends_at"] == original_end
    assert sorted(m["user_id"] for m in messages("cancelled_by_organizer")) == sorted(
        [first.user["id"], second.user["id"]])


# --- item 5: the fatigue limit over any 24 hours, and rest ---------------------------------------------


def test_a_night_then_a_morning_shift_is_over_the_limit_of_any_24_hours(organizer, resident):
    # 22:00-06:00 then 06:00-14:00: 16 hours in a row, on two calendar days.
    site = create_site(organizer)
    night = create_shift(organizer, site, starts_at=local(days=5, hour=22), hours=8)
    morning = create_shift(organizer, site, starts_at=local(days=6, hour=6), hours=8)
    assert book(resident, night).status_code == 201
    response = book(resident, morning)
    assert error_of(response) == (409, "daily_limit_exceeded")
    assert "24 小时" in response.get_json()["message"]


def test_shifts_with_a_day_between_them_are_within_the_limit(organizer, resident):
    site = create_site(organizer)
    first = create_shift(organizer, site, starts_at=local(days=5, hour=6), hours=8)
    second = create_shift(organizer, site, starts_at=local(days=6, hour=6), hours=8)
    assert book(resident, first).status_code == 201
    assert book(resident, second).status_code == 201


def test_rest_between_shifts_is_enforced_when_set(organizer, resident, clean_app, monkeypatch):
    monkeypatch.setitem(clean_app.config, "MIN_REST_MINUTES_BETWEEN_SHIFTS", 8 * 60)
    site = create_site(organizer)
    morning = create_shift(organizer, site, starts_at=local(days=5, hour=6), hours=4)
    evening = create_shift(organizer, site, starts_at=local(days=5, hour=16), hours=2)  # 6 hours' rest
    next_day = create_shift(organizer, site, starts_at=local(days=5, hour=20), hours=2)  # 10 hours after morning
    assert book(resident, morning).status_code == 201
    response = book(resident, evening)
    assert error_of(response) == (409, "rest_too_short")
    assert "480" in response.get_json()["message"]
    assert book(resident, next_day).status_code == 201


def test_rest_is_off_by_default(organizer, resident):
    site = create_site(organizer)
    assert book(resident, create_shift(organizer, site, starts_at=local(days=5, hour=6), hours=2)).status_code == 201
    assert book(resident, create_shift(organizer, site, starts_at=local(days=5, hour=8), hours=2)).status_code == 201


# --- item 6: moves that break a booked person's rules, and moves announced -------------------------


def test_moving_a_shift_onto_a_volunteers_other_shift_is_refused_naming_them(organizer, residents):
    site = create_site(organizer)
    (volunteer,) = residents(1)
    held = create_shift(organizer, site, starts_at=local(days=5, hour=14))
    moving = create_shift(organizer, site, starts_at=local(days=5, hour=8))
    assert (book(volunteer, held).status_code, book(volunteer, moving).status_code) == (201, 201)
    times = {"starts_at": local(days=5, hour=12).isoformat(), "ends_at": local(days=5, hour=16).isoformat()}
    response = organizer.patch(f"/api/v1/shifts/{moving['id']}", json=times)
    assert error_of(response) == (409, "schedule_change_refused")
    assert "居民0" in response.get_json()["message"]
    unchanged = organizer.get(f"/api/v1/shifts/{moving['id']}").get_json()
    assert (unchanged["starts_at"], unchanged["ends_at"]) == (moving["starts_at"], moving["ends_at"])


def test_moving_a_shift_past_a_volunteers_fatigue_limit_is_refused(organizer, resident):
    site = create_site(organizer)
    night = create_shift(organizer, site, starts_at=local(days=5, hour=22), hours=8)
    later = create_shift(organizer, site, starts_at=local(days=7, hour=6), hours=8)
    assert (book(resident, night).status_code, book(resident, later).status_code) == (201, 201)
    times = {"starts_at": local(days=6, hour=6).isoformat(), "ends_at": local(days=6, hour=14).isoformat()}
    assert error_of(organizer.patch(f"/api/v1/shifts/{later['id']}", json=times)) == (409, "schedule_change_refused")


def test_reserving_a_booked_shift_for_party_members_is_refused_naming_who_is_not(organizer, residents,
                                                                               make_party_member):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 6)])
    people = residents(5)
    for person in people:
        book(person, shift)
    make_party_member(people[0])
    response = organizer.patch(f"/api/v1/shifts/{shift['id']}", json={"party_members_only": True})
    assert error_of(response) == (409, "schedule_change_refused")
    message = response.get_json()["message"]
    assert "居民0" not in message and "居民1" in message and "等 4 人" in message
    assert organizer.get(f"/api/v1/shifts/{shift['id']}").get_json()["party_members_only"] is False


def test_an_accepted_shift_move_tells_every_booked_volunteer(organizer, residents, messages, clean_app, emulator):
    shift = create_shift(organizer, create_site(organizer, address="南山大道1号"), roles=[("测温", 3)])
    first, second = residents(2)
    book(first, shift), book(second, shift)
    times = {"starts_at": local(days=4, hour=8).isoformat(), "ends_at": local(days=4, hour=12).isoformat()}
    assert organizer.patch(f"/api/v1/shifts/{shift['id']}", json=times).status_code == 200
    changed = messages("schedule_changed")
    assert sorted(m["user_id"] for m in changed) == sorted([first.user["id"], second.user["id"]])
    assert {m["payload"]["starts_at"] for m in changed} == {local(days=4, hour=8).astimezone(timezone.utc).isoformat()}
    # Through the credit ledger: the first accepted the template, the second did not.
    template = "tmpl-schedule-changed"
    emulator.accept_subscription("o-resident-0000", template)
    assert first.post("/api/v1/me/subscriptions", json={"accepted": [template]}).status_code == 200
    with clean_app.app_context():
        outcome = send_due_messages("test-worker", 100)
        db.session.remove()
    assert outcome.get("sent") == 1 and outcome.get("skipped") == 1, outcome
    sent = [m for m in emulator.messages() if m["template_id"] == template]
    assert len(sent) == 1


def test_notes_edits_tell_nobody(organizer, resident, messages):
    shift = create_shift(organizer, create_site(organizer))
    book(resident, shift)
    assert organizer.patch(f"/api/v1/shifts/{shift['id']}", json={"notes": "带好口罩"}).status_code == 200
    assert messages("schedule_changed") == []


def test_moving_or_relocating_an_activity_tells_confirmed_registrants(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    confirmed, waitlisted = residents(2)
    for person in (confirmed, waitlisted):
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    url = f"/api/v1/activities/{activity['id']}"
    assert organizer.patch(url, json={"title": "新标题"}).status_code == 200
    assert messages("schedule_changed") == []
    assert organizer.patch(url, json={"venue": "二楼会议室"}).status_code == 200
    moved = {"starts_at": local(days=4, hour=15).isoformat(), "ends_at": local(days=4, hour=17).isoformat()}
    assert organizer.patch(url, json=moved).status_code == 200
    changed = messages("schedule_changed")
    assert [m["user_id"] for m in changed] == [confirmed.user["id"]] * 2
    assert changed[0]["payload"]["venue"] == "二楼会议室"


def test_narrowing_an_activitys_audience_is_refused_while_registrants_do_not_fit(organizer, residents, client,
                                                                                 make_party_member, login):
    activity = create_activity(organizer)
    member, other = residents(2)
    make_party_member(member)
    outsider = login("o-outsider")
    outsider.patch("/api/v1/me", json={"community_id": community_id(client, "dachong"), "real_name": "外社区居民"})
    haizhu = community_id(client, "haizhu")
    for resident in (member, other):  # confirmed residents of the activity's community
        confirm = organizer.post(f"/api/v1/communities/{haizhu}/members/{resident.user['id']}/confirm")
        assert confirm.status_code == 200
    for person in (member, other, outsider):
        assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    url = f"/api/v1/activities/{activity['id']}"
    response = organizer.patch(url, json={"audience": "party_members"})
    assert error_of(response) == (409, "schedule_change_refused")
    assert "居民1" in response.get_json()["message"] and "居民0" not in response.get_json()["message"]
    response = organizer.patch(url, json={"audience": "community_residents"})
    assert error_of(response) == (409, "schedule_change_refused")
    assert "外社区居民" in response.get_json()["message"] and "居民1" not in response.get_json()["message"]
    assert organizer.get(url).get_json()["audience"] == "all"


# --- item 8: a cancelled activity's registrations, and the check-in window ---------------------------


def test_cancelling_an_activity_cancels_its_registrations_and_keeps_the_notice(organizer, residents, messages):
    activity = create_activity(organizer, starts_at=soon(), capacity=1)
    confirmed, waitlisted = residents(2)
    registration = confirmed.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    waitlisted.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "场地维修"}).status_code == 200
    for person in (confirmed, waitlisted):
        assert person.get("/api/v1/me/registrations").get_json()["items"] == []
        mine = person.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]
        assert mine is None
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert error_of(response) == (409, "activity_not_open")
    notices = messages("cancelled_by_organizer")
    assert sorted(m["user_id"] for m in notices) == sorted([confirmed.user["id"], waitlisted.user["id"]])
    assert {m["status"] for m in notices} == {"pending"}


def test_check_in_is_refused_days_before_the_activity(organizer, resident):
    activity = create_activity(organizer, starts_at=local(days=3))
    registration = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    token = organizer.get(f"/api/v1/activities/{activity['id']}/checkin-code").get_json()["token"]
    response = resident.post(f"/api/v1/activities/{activity['id']}/check-in", json={"token": token})
    assert error_of(response) == (409, "checkin_window_closed")
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert error_of(response) == (409, "checkin_window_closed")
    assert resident.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]["checked_in_at"] is None


def test_check_in_closes_after_the_activity_ends(organizer, resident, move_activity, clean_app, monkeypatch):
    activity = create_activity(organizer, starts_at=soon())
    registration = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    move_activity(activity["id"], now() - timedelta(hours=4), now() - timedelta(hours=2, minutes=1))
    url = f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in"
    assert error_of(organizer.post(url)) == (409, "checkin_window_closed")
    monkeypatch.setitem(clean_app.config, "ACTIVITY_CHECKIN_LATE_MINUTES", 180)
    assert organizer.post(url).status_code == 200


# --- item 9: nothing starts in the past ---------------------------------------------------------------


def test_an_activity_cannot_be_created_or_moved_into_the_past(organizer, client):
    from factories import activity_body

    body = activity_body(community_id(client, "haizhu"), starts_at=local(days=-1))
    response = organizer.post("/api/v1/activities", json=body)
    assert error_of(response) == (422, "validation_failed")
    assert "starts_at" in response.get_json()["errors"]
    activity = create_activity(organizer)
    past = {"starts_at": local(days=-1).isoformat(), "ends_at": local(days=-1, hour=12).isoformat()}
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json=past)
    assert error_of(response) == (422, "validation_failed") and "starts_at" in response.get_json()["errors"]


def test_a_draft_whose_start_has_passed_is_not_published(organizer, move_activity):
    draft = create_activity(organizer, publish=False)
    move_activity(draft["id"], local(days=-1))
    response = organizer.post(f"/api/v1/activities/{draft['id']}/publish")
    assert error_of(response) == (422, "validation_failed")
    assert response.get_json()["errors"]["starts_at"] == ["活动开始时间已过，请先修改时间再发布"]
    assert organizer.get(f"/api/v1/activities/{draft['id']}").get_json()["status"] == "draft"


def test_a_shift_cannot_be_created_or_moved_into_the_past(organizer):
    site = create_site(organizer)
    body = {"site_id": site["id"], "starts_at": local(days=-1).isoformat(),
            "ends_at": local(days=-1, hour=14).isoformat(), "roles": [{"name": "测温", "capacity": 1}]}
    response = organizer.post("/api/v1/shifts", json=body)
    assert error_of(response) == (422, "validation_failed") and "starts_at" in response.get_json()["errors"]
    yesterday = local(days=-1).date().isoformat()
    batch = {"site_id": site["id"], "dates": [yesterday, local(days=2).date().isoformat()],
             "slots": [{"start": "08:00", "end": "12:00"}], "roles": [{"name": "测温", "capacity": 1}]}
    response = organizer.post("/api/v1/shifts/batch", json=batch)
    assert error_of(response) == (422, "validation_failed") and "dates" in response.get_json()["errors"]
    shift = create_shift(organizer, site)
    past = {"starts_at": local(days=-1).isoformat(), "ends_at": local(days=-1, hour=14).isoformat()}
    response = organizer.patch(f"/api/v1/shifts/{shift['id']}", json=past)
    assert error_of(response) == (422, "validation_failed") and "starts_at" in response.get_json()["errors"]
    assert organizer.get(f"/api/v1/shifts?site_id={site['id']}").get_json()["total"] == 1


def test_a_site_renamed_or_moved_tells_the_volunteers_of_its_coming_shifts(organizer, residents, messages):
    site = create_site(organizer, address="南山大道1号")
    coming = create_shift(organizer, site, roles=[("测温", 3)])
    first, second = residents(2)
    book(first, coming), book(second, coming)
    url = f"/api/v1/sites/{site['id']}"
    assert organizer.patch(url, json={"grid": "第二网格"}).status_code == 200  # not where anyone goes
    assert messages("schedule_changed") == []
    assert organizer.patch(url, json={"address": "南山大道88号"}).status_code == 200
    changed = messages("schedule_changed")
    assert sorted(m["user_id"] for m in changed) == sorted([first.user["id"], second.user["id"]])
    assert {m["payload"]["venue"] for m in changed} == {"南山大道88号"}
    # Their reminders carry the new address too.
    assert {m["payload"]["address"] for m in messages("shift_reminder", "pending")} == {"南山大道88号"}
