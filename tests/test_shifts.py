"""Volunteer shifts over HTTP: sites, planning, booking rules, cancellation, check-in/out and hours."""

from datetime import datetime, timedelta, timezone

import pytest
from factories import book, community_id, create_shift, create_site, local

from server.services import checkin_tokens


def now():
    return datetime.now(timezone.utc)


def get_shift(session, shift):
    return session.get(f"/api/v1/shifts/{shift['id']}").get_json()


# --- sites and planning --------------------------------------------------------------------------------


def test_organizer_adds_and_edits_sites(organizer, client):
    site = create_site(organizer, kind="testing_site", name="文化广场核酸采样点")
    assert (site["kind"], site["community"]["code"]) == ("testing_site", "haizhu")
    response = organizer.patch(f"/api/v1/sites/{site['id']}", json={"address": "文化广场东侧"})
    assert response.get_json()["address"] == "文化广场东侧"
    listed = client.get(f"/api/v1/sites?kind=testing_site&community_id={community_id(client, 'haizhu')}").get_json()
    assert [s["id"] for s in listed["items"]] == [site["id"]]
    assert client.get("/api/v1/sites?kind=checkpoint").get_json()["total"] == 0


def test_site_with_unknown_kind_is_422(organizer, client):
    body = {"community_id": community_id(client, "haizhu"), "name": "x", "kind": "hospital"}
    assert organizer.post("/api/v1/sites", json=body).status_code == 422


def test_shift_has_posts_each_with_capacity(organizer, client):
    site = create_site(organizer)
    shift = create_shift(organizer, site, roles=[("登记", 2), ("维持秩序", 3)])
    assert [(r["name"], r["capacity"], r["booked"]) for r in shift["roles"]] == [("登记", 2, 0), ("维持秩序", 3, 0)]
    assert shift["status"] == "open"
    assert shift["my_booking"] is None
    listed = client.get(f"/api/v1/shifts?site_id={site['id']}").get_json()["items"]
    assert [s["id"] for s in listed] == [shift["id"]]


def test_shift_with_duplicate_post_names_is_422(organizer):
    site = create_site(organizer)
    body = {"site_id": site["id"], "starts_at": local(days=2, hour=8).isoformat(),
            "ends_at": local(days=2, hour=12).isoformat(), "roles": [{"name": "测温", "capacity": 1}] * 2}
    assert organizer.post("/api/v1/shifts", json=body).status_code == 422


def test_batch_creates_one_shift_per_date_and_slot(organizer, client):
    site = create_site(organizer)
    dates = [local(days=d).date().isoformat() for d in (1, 2, 3)]
    body = {"site_id": site["id"], "dates": dates, "slots": [{"start": "08:00", "end": "12:00"},
            {"start": "22:00", "end": "06:00"}], "roles": [{"name": "卡口值守", "capacity": 2}]}
    response = organizer.post("/api/v1/shifts/batch", json=body)
    assert response.status_code == 201
    items = response.get_json()["items"]
    assert len(items) == 6
    night = [s for s in items if "T22:00:00" in s["starts_at"]][0]
    assert night["ends_at"].startswith(local(days=2).date().isoformat()) or "T06:00:00+08:00" in night["ends_at"]
    assert datetime.fromisoformat(night["ends_at"]) - datetime.fromisoformat(night["starts_at"]) == timedelta(hours=8)
    assert client.get(f"/api/v1/shifts?site_id={site['id']}").get_json()["total"] == 6


def test_batch_is_all_or_none(organizer, client):
    site = create_site(organizer)
    create_shift(organizer, site, starts_at=local(days=2, hour=8), hours=4)
    body = {"site_id": site["id"], "dates": [local(days=d).date().isoformat() for d in (1, 2, 3)],
            "slots": [{"start": "08:00", "end": "12:00"}], "roles": [{"name": "卡口值守", "capacity": 2}]}
    response = organizer.post("/api/v1/shifts/batch", json=body)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_exists")
    assert client.get(f"/api/v1/shifts?site_id={site['id']}").get_json()["total"] == 1


def test_batch_with_overlapping_slots_or_too_many_is_422(organizer):
    site = create_site(organizer)
    posts = [{"name": "测温", "capacity": 1}]
    overlapping = {"site_id": site["id"], "dates": [local(days=1).date().isoformat()],
                   "slots": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}], "roles": posts}
    assert organizer.post("/api/v1/shifts/batch", json=overlapping).status_code == 422
    too_many = {"site_id": site["id"], "dates": [local(days=d).date().isoformat() for d in range(1, 42)],
                "slots": [{"start": f"{h:02d}:00", "end": f"{h:02d}:30"} for h in range(6)], "roles": posts}
    assert organizer.post("/api/v1/shifts/batch", json=too_many).status_code == 422
    bad_time = {**overlapping, "slots": [{"start": "8am", "end": "12:00"}]}
    assert organizer.post("/api/v1/shifts/batch", json=bad_time).status_code == 422


def test_available_filter_hides_full_shifts(organizer, residents, client):
    site = create_site(organizer)
    full = create_shift(organizer, site, starts_at=local(days=2, hour=8), roles=[("测温", 1)])
    free = create_shift(organizer, site, starts_at=local(days=2, hour=14), roles=[("测温", 1)])
    book(residents(1)[0], full)
    ids = [s["id"] for s in client.get(f"/api/v1/shifts?site_id={site['id']}&available=true").get_json()["items"]]
    assert ids == [free["id"]]
    day = local(days=2).date().isoformat()
    assert client.get(f"/api/v1/shifts?date={day}").get_json()["total"] == 2


# --- booking rules ---------------------------------------------------------------------------------------


def test_booking_a_post_and_double_tap(organizer, resident):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 2), ("维持秩序", 3)])
    first = book(resident, shift, 1)
    assert first.status_code == 201
    assert (first.get_json()["status"], first.get_json()["role"]["name"]) == ("booked", "维持秩序")
    again = book(resident, shift, 1)
    assert (again.status_code, again.get_json()["id"]) == (200, first.get_json()["id"])
    assert [r["booked"] for r in get_shift(resident, shift)["roles"]] == [0, 1]
    assert get_shift(resident, shift)["my_booking"]["id"] == first.get_json()["id"]


def test_booking_rejects_another_post_on_the_same_shift(organizer, resident):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 2), ("维持秩序", 3)])
    book(resident, shift, 0)
    response = book(resident, shift, 1)
    assert (response.status_code, response.get_json()["error"]) == (409, "already_booked")
    assert [r["booked"] for r in get_shift(resident, shift)["roles"]] == [1, 0]


def test_booking_rejects_a_full_post(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    first, second = residents(2)
    book(first, shift)
    response = book(second, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    assert get_shift(second, shift)["my_booking"] is None


def test_a_full_post_still_answers_its_own_booker_and_other_posts(organizer, residents):
    # A full post is refused before the per-person checks; the caller's own booking comes first.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1), ("登记", 1)])
    first, second = residents(2)
    mine = book(first, shift)
    again = book(first, shift)
    assert (again.status_code, again.get_json()["id"]) == (200, mine.get_json()["id"])
    other_post = book(first, shift, 1)
    assert (other_post.status_code, other_post.get_json()["error"]) == (409, "already_booked")
    assert book(second, shift, 1).status_code == 201
    assert [r["booked"] for r in get_shift(second, shift)["roles"]] == [1, 1]


def test_a_full_post_is_refused_from_memory_until_a_place_comes_back(organizer, residents):
    # The first refusal remembers the full post in Redis; a cancellation must make it forget.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    holder, second, third = residents(3)
    assert book(holder, shift).status_code == 201
    for _ in range(2):  # the second refusal is answered from memory
        response = book(second, shift)
        assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    again = book(holder, shift)  # the holder's own tap still finds the booking
    assert again.status_code == 200
    assert holder.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    assert book(third, shift).status_code == 201
    response = book(second, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")


def test_booking_party_members_only_refuses_others(organizer, resident, seeded, login):
    shift = create_shift(organizer, create_site(organizer), party_members_only=True)
    response = book(resident, shift)
    assert (response.status_code, response.get_json()["error"]) == (403, "not_eligible")
    assert book(login("demo-party-member"), shift).status_code == 201


def test_booking_rejects_overlap_at_any_site(organizer, resident):
    checkpoint = create_site(organizer)
    testing = create_site(organizer, name="核酸采样点", kind="testing_site")
    book(resident, create_shift(organizer, checkpoint, starts_at=local(days=2, hour=8), hours=4))
    clash = create_shift(organizer, testing, starts_at=local(days=2, hour=11), hours=4)
    response = book(resident, clash)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_overlap")
    back_to_back = create_shift(organizer, testing, starts_at=local(days=2, hour=12), hours=2)
    assert book(resident, back_to_back).status_code == 201


def test_booking_rejects_a_started_shift(organizer, resident, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    move_shift(shift["id"], now() - timedelta(minutes=5), now() + timedelta(hours=2))
    response = book(resident, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_started")


def test_booking_rejects_more_than_the_daily_limit(organizer, resident):
    site = create_site(organizer)
    for hour in (6, 10):  # 2 x 4 h = 480 min of the 600 allowed
        assert book(resident, create_shift(organizer, site, starts_at=local(days=2, hour=hour), hours=4)).status_code == 201
    third = create_shift(organizer, site, starts_at=local(days=2, hour=14), hours=3)
    response = book(resident, third)
    assert (response.status_code, response.get_json()["error"]) == (409, "daily_limit_exceeded")
    short = create_shift(organizer, site, starts_at=local(days=2, hour=18), hours=2)
    assert book(resident, short).status_code == 201
    next_day = create_shift(organizer, site, starts_at=local(days=3, hour=8), hours=4)
    assert book(resident, next_day).status_code == 201


def test_booking_a_cancelled_shift_is_409(organizer, resident):
    shift = create_shift(organizer, create_site(organizer))
    organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "疫情解除"})
    response = book(resident, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_not_open")


def test_booking_a_post_of_another_shift_is_422(organizer, resident):
    site = create_site(organizer)
    shift = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    other = create_shift(organizer, site, starts_at=local(days=2, hour=14))
    response = resident.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": other["roles"][0]["id"]})
    assert response.status_code == 422
    assert "role_id" in response.get_json()["errors"]


def test_booking_an_unknown_shift_is_404(resident):
    response = resident.post("/api/v1/shifts/424242/bookings", json={"role_id": 1})
    assert (response.status_code, response.get_json()["error"]) == (404, "shift_not_found")


# --- cancelling -------------------------------------------------------------------------------------------


def test_cancel_booking_gives_the_place_back(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    first, second = residents(2)
    book(first, shift)
    response = first.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert (response.status_code, response.get_json()) == (200, {"status": "cancelled"})
    assert get_shift(first, shift)["roles"][0]["booked"] == 0
    assert book(second, shift).status_code == 201
    assert first.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 404


def test_booking_again_after_cancelling_reuses_the_row(organizer, resident, messages):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1), ("登记", 1)])
    first = book(resident, shift).get_json()
    assert resident.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    again = book(resident, shift, 1)
    assert again.status_code == 201
    assert (again.get_json()["id"], again.get_json()["status"], again.get_json()["role"]["name"]) == (
        first["id"], "booked", "登记")
    assert [r["booked"] for r in get_shift(resident, shift)["roles"]] == [0, 1]
    assert {m["payload"]["post"] for m in messages("shift_reminder", "pending")} == {"登记"}


def test_cancel_booking_after_the_cutoff_is_409(organizer, resident, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    book(resident, shift)
    move_shift(shift["id"], now() + timedelta(minutes=90), now() + timedelta(hours=5))  # cutoff: 120 minutes
    response = resident.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert (response.status_code, response.get_json()["error"]) == (409, "cancel_cutoff_passed")
    assert get_shift(resident, shift)["roles"][0]["booked"] == 1


def test_organizer_cancel_notifies_every_booked_volunteer(organizer, residents, messages):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 2), ("维持秩序", 2)])
    first, second, gone = residents(3)
    book(first, shift, 0)
    book(second, shift, 1)
    book(gone, shift, 1)
    gone.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    response = organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "采样点撤销"})
    assert response.get_json()["status"] == "cancelled"
    notices = messages("cancelled_by_organizer")
    assert sorted(n["user_id"] for n in notices) == sorted([first.user["id"], second.user["id"]])
    assert {n["payload"]["reason"] for n in notices} == {"采样点撤销"}
    again = organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "x"})
    assert (again.status_code, again.get_json()["error"]) == (409, "shift_not_open")
    assert len(messages("cancelled_by_organizer")) == 2


def test_deleting_an_account_frees_its_future_places(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    leaving, waiting = residents(2)
    book(leaving, shift)
    leaving.delete("/api/v1/me")
    assert book(waiting, shift).status_code == 201


# --- check-in, check-out, hours ----------------------------------------------------------------------------


def site_token(organizer, site):
    response = organizer.get(f"/api/v1/sites/{site['id']}/checkin-code")
    assert response.status_code == 200
    return response.get_json()["token"]


def test_volunteer_checks_in_and_out_by_scanning_the_site_code(organizer, resident, move_shift):
    site = create_site(organizer)
    shift = create_shift(organizer, site)
    booking = book(resident, shift).get_json()
    move_shift(shift["id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    token = site_token(organizer, site)
    assert token.startswith(f"s{site['id']}.")
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"token": token})
    assert response.status_code == 200
    assert response.get_json()["checked_in_at"]
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-out", json={"token": token})
    assert response.status_code == 200
    assert response.get_json()["checked_out_at"]
    assert response.get_json()["minutes_credited"] == 0


def test_volunteer_needs_a_valid_site_token(organizer, resident, move_shift, clean_app):
    site = create_site(organizer)
    other_site = create_site(organizer, name="南门卡口")
    booking = book(resident, create_shift(organizer, site)).get_json()
    move_shift(booking["shift_id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    with clean_app.app_context():
        yesterday, _ = checkin_tokens.make_token("s", site["id"], now=now().timestamp() - 86400)
    for token in (None, "nonsense", yesterday, site_token(organizer, other_site)):
        body = {"token": token} if token else {}
        response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json=body)
        assert (response.status_code, response.get_json()["error"]) == (409, "checkin_token_invalid")


def test_check_in_too_early_is_409(organizer, resident):
    site = create_site(organizer)
    booking = book(resident, create_shift(organizer, site)).get_json()
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in",
                             json={"token": site_token(organizer, site)})
    assert (response.status_code, response.get_json()["error"]) == (409, "checkin_window_closed")


def test_check_out_before_check_in_is_409(organizer, resident, move_shift):
    site = create_site(organizer)
    booking = book(resident, create_shift(organizer, site)).get_json()
    move_shift(booking["shift_id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-out",
                             json={"token": site_token(organizer, site)})
    assert (response.status_code, response.get_json()["error"]) == (409, "not_checked_in")


def test_minutes_credited_are_those_inside_the_window(organizer, resident, move_shift):
    site = create_site(organizer)
    booking = book(resident, create_shift(organizer, site)).get_json()
    starts_at = now() - timedelta(hours=5)
    move_shift(booking["shift_id"], starts_at, starts_at + timedelta(hours=4))
    url = f"/api/v1/shift-bookings/{booking['id']}"
    # Came 10 minutes late, left 30 minutes after the end: 230 of the 240 minutes were worked; they
    # count once the organizer confirms the shift's hours (issue 18: hours as a record).
    organizer.post(url + "/check-in", json={"at": (starts_at + timedelta(minutes=10)).isoformat(), "reason": "手机没电"})
    response = organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(hours=4, minutes=30)).isoformat()})
    assert response.status_code == 200
    assert response.get_json()["minutes_worked"] == 230
    assert response.get_json()["minutes_credited"] == 0 and response.get_json()["hours_status"] == "pending"
    assert resident.get("/api/v1/me").get_json()["volunteer_minutes"] == 0
    assert organizer.post(f"/api/v1/shifts/{booking['shift_id']}/hours/confirm").status_code == 200
    again = organizer.post(url + "/check-out", json={})
    assert again.get_json()["minutes_credited"] == 230
    assert resident.get("/api/v1/me").get_json()["volunteer_minutes"] == 230
    hours = resident.get("/api/v1/me/hours").get_json()
    assert {key: hours[key] for key in ("total_minutes", "pending_minutes", "by_month")} == {
        "total_minutes": 230, "pending_minutes": 0,
        "by_month": [{"month": starts_at.astimezone(local().tzinfo).strftime("%Y-%m"), "minutes": 230}]}
    assert [(i["minutes"], i["status"]) for i in hours["items"]] == [(230, "confirmed")]


def test_volunteer_cannot_backdate_and_organizer_cannot_record_the_future(organizer, resident, move_shift):
    site = create_site(organizer)
    booking = book(resident, create_shift(organizer, site)).get_json()
    move_shift(booking["shift_id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    url = f"/api/v1/shift-bookings/{booking['id']}"
    future = (now() + timedelta(hours=1)).isoformat()
    assert organizer.post(url + "/check-in", json={"at": future, "reason": "补签"}).status_code == 422
    backdated = (now() - timedelta(minutes=29)).isoformat()
    response = resident.post(url + "/check-in", json={"token": site_token(organizer, site), "at": backdated})
    checked_in = datetime.fromisoformat(response.get_json()["checked_in_at"])
    assert checked_in > now() - timedelta(minutes=1)


def test_someone_elses_booking_cannot_be_checked_in(organizer, residents, move_shift):
    site = create_site(organizer)
    owner, stranger = residents(2)
    booking = book(owner, create_shift(organizer, site)).get_json()
    move_shift(booking["shift_id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    response = stranger.post(f"/api/v1/shift-bookings/{booking['id']}/check-in",
                             json={"token": site_token(organizer, site)})
    assert response.status_code == 403


def test_organizer_marks_a_no_show(organizer, residents, move_shift):
    site = create_site(organizer)
    absent, present = residents(2)
    shift = create_shift(organizer, site)
    booking = book(absent, shift).get_json()
    other = book(present, shift).get_json()
    url = f"/api/v1/shift-bookings/{booking['id']}/no-show"
    early = organizer.post(url)
    assert (early.status_code, early.get_json()["error"]) == (409, "shift_not_started")
    move_shift(shift["id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    response = organizer.post(url)
    assert (response.status_code, response.get_json()["status"]) == (200, "no_show")
    organizer.post(f"/api/v1/shift-bookings/{other['id']}/check-in", json={"reason": "现场登记"})
    refused = organizer.post(f"/api/v1/shift-bookings/{other['id']}/no-show")
    assert (refused.status_code, refused.get_json()["error"]) == (409, "already_checked_in")
    checkin = organizer.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"reason": "现场登记"})
    assert (checkin.status_code, checkin.get_json()["error"]) == (409, "booking_not_active")


def test_my_shifts_upcoming_and_past(organizer, resident, move_shift):
    site = create_site(organizer)
    coming = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    done = create_shift(organizer, site, starts_at=local(days=3, hour=8))
    book(resident, coming)
    book(resident, done)
    move_shift(done["id"], now() - timedelta(days=1, hours=4), now() - timedelta(days=1))
    upcoming = resident.get("/api/v1/me/shifts").get_json()["items"]
    assert [b["shift"]["id"] for b in upcoming] == [coming["id"]]
    assert upcoming[0]["shift"]["site"]["name"] == site["name"]
    past = resident.get("/api/v1/me/shifts?when=past").get_json()["items"]
    assert [b["shift"]["id"] for b in past] == [done["id"]]


@pytest.mark.parametrize("body", [{}, {"role_id": "1"}, {"role_id": None}])
def test_bad_booking_input_is_422(organizer, resident, body):
    shift = create_shift(organizer, create_site(organizer))
    assert resident.post(f"/api/v1/shifts/{shift['id']}/bookings", json=body).status_code == 422
