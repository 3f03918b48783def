"""An organizer moves a volunteer to another post or shift, or releases their booking after the cutoff:
the rules, the notices, authorization and bad input over HTTP, and two moves racing for a last place."""

from datetime import datetime, timedelta, timezone

from conftest import race
from factories import book, create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog


def now():
    return datetime.now(timezone.utc)


def roles(session, shift):
    return {r["name"]: r["booked"] for r in session.get(f"/api/v1/shifts/{shift['id']}").get_json()["roles"]}


def move(session, booking_id, shift, post_index=0):
    return session.post(f"/api/v1/shift-bookings/{booking_id}/move",
                        json={"shift_id": shift["id"], "role_id": shift["roles"][post_index]["id"]})


def booked(session, shift, post_index=0):
    response = book(session, shift, post_index)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# --- moving --------------------------------------------------------------------------------------------


def test_move_to_another_post_of_the_same_shift_keeps_the_booking_and_moves_the_reminders(
        organizer, residents, messages):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 1), ("测温", 1)])
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, shift)
    response = move(organizer, booking_id, shift, 1)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["id"], response.get_json()["role"]["name"]) == (booking_id, "测温")
    assert roles(organizer, shift) == {"登记": 0, "测温": 1}
    assert {m["payload"]["post"] for m in messages("shift_reminder", "pending")} == {"测温"}
    changed = messages("schedule_changed")
    assert [(m["user_id"], m["payload"]["post"]) for m in changed] == [(volunteer.user["id"], "测温")]
    # Moving to the post already held changes nothing.
    assert move(organizer, booking_id, shift, 1).status_code == 200
    assert len(messages("schedule_changed")) == 1


def test_move_to_another_shift_books_the_target_and_frees_the_old_place(organizer, residents, messages):
    site = create_site(organizer)
    first = create_shift(organizer, site, starts_at=local(days=3, hour=8))
    second = create_shift(organizer, site, starts_at=local(days=4, hour=8))
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, first)
    response = move(organizer, booking_id, second)
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert moved["shift_id"] == second["id"] and moved["status"] == "booked"
    assert roles(organizer, first) == {"卡口值守": 0} and roles(organizer, second) == {"卡口值守": 1}
    mine = volunteer.get("/api/v1/me/shifts").get_json()["items"]
    assert [b["shift_id"] for b in mine] == [second["id"]]
    pending = messages("shift_reminder", "pending")
    assert {m["ref"] for m in pending} == {("booking", moved["id"])}
    assert messages("schedule_changed")[0]["payload"]["shift_id"] == second["id"]
    # And back again: the cancelled row on the first shift is reused.
    back = move(organizer, moved["id"], first)
    assert back.status_code == 200 and back.get_json()["id"] == booking_id


def test_move_into_a_full_post_is_refused_and_changes_nothing(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 1), ("测温", 1)])
    first, second = residents(2)
    booking_id = booked(first, shift, 0)
    booked(second, shift, 1)
    response = move(organizer, booking_id, shift, 1)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    assert "约满" in response.get_json()["message"]
    assert roles(organizer, shift) == {"登记": 1, "测温": 1}


def test_move_checks_the_schedule_without_the_booking_moved(organizer, residents):
    site, other_site = create_site(organizer), create_site(organizer, name="南门卡口")
    morning = create_shift(organizer, site, starts_at=local(days=3, hour=8), hours=4)
    overlapping = create_shift(organizer, site, starts_at=local(days=3, hour=10), hours=4)
    elsewhere = create_shift(organizer, other_site, starts_at=local(days=3, hour=13), hours=4)
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, morning)
    # The moved booking itself never clashes with its target.
    assert move(organizer, booking_id, overlapping).status_code == 200
    moved_id = volunteer.get("/api/v1/me/shifts").get_json()["items"][0]["id"]
    # Another booking of theirs does.
    booked(volunteer, create_shift(organizer, other_site, starts_at=local(days=3, hour=6), hours=2))
    response = move(organizer, moved_id, elsewhere)
    assert response.status_code == 200, response.get_json()
    clash = create_shift(organizer, site, starts_at=local(days=3, hour=5), hours=2)
    response = move(organizer, response.get_json()["id"], clash)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_overlap")
    assert response.get_json()["message"].startswith("居民0与其已预约的")


def test_move_respects_the_daily_limit(organizer, residents):
    site = create_site(organizer)
    (volunteer,) = residents(1)
    booked(volunteer, create_shift(organizer, site, starts_at=local(days=3, hour=0), hours=8))
    short = create_shift(organizer, site, starts_at=local(days=5, hour=9), hours=2)
    booking_id = booked(volunteer, short)
    long_one = create_shift(organizer, site, starts_at=local(days=3, hour=9), hours=4)  # 8 + 4 > 10 hours
    response = move(organizer, booking_id, long_one)
    assert (response.status_code, response.get_json()["error"]) == (409, "daily_limit_exceeded")
    assert roles(organizer, short) == {"卡口值守": 1} and roles(organizer, long_one) == {"卡口值守": 0}


def test_move_refuses_started_target_checked_in_booking_and_a_second_booking(organizer, residents, move_shift):
    site = create_site(organizer)
    first = create_shift(organizer, site, starts_at=local(days=3, hour=8))
    second = create_shift(organizer, site, starts_at=local(days=4, hour=8))
    a, b = residents(2)
    booking_a = booked(a, first)
    booked(a, second)
    response = move(organizer, booking_a, second)
    assert (response.status_code, response.get_json()["error"]) == (409, "already_booked")
    started = create_shift(organizer, site, starts_at=local(days=6, hour=8))
    move_shift(started["id"], now() - timedelta(minutes=10), now() + timedelta(hours=3))
    response = move(organizer, booking_a, started)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_started")
    # A post of another shift is refused on `role_id`.
    response = organizer.post(f"/api/v1/shift-bookings/{booking_a}/move",
                              json={"shift_id": first["id"], "role_id": second["roles"][0]["id"]})
    assert response.status_code == 422 and "role_id" in response.get_json()["errors"]
    # A checked-in volunteer stays where they are.
    now_shift = create_shift(organizer, site, starts_at=local(days=8, hour=8))
    booking_b = booked(b, now_shift)
    move_shift(now_shift["id"], now() - timedelta(minutes=5), now() + timedelta(hours=3))
    assert organizer.post(f"/api/v1/shift-bookings/{booking_b}/check-in", json={"reason": "现场登记"}).status_code == 200
    response = move(organizer, booking_b, second)
    assert (response.status_code, response.get_json()["error"]) == (409, "already_checked_in")


# --- releasing -----------------------------------------------------------------------------------------


def test_organizer_releases_after_the_cutoff_with_a_reason(organizer, residents, move_shift, messages, clean_app):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 1)])
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, shift)
    move_shift(shift["id"], now() + timedelta(minutes=60), now() + timedelta(hours=4))  # inside the cutoff
    response = volunteer.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert response.get_json()["error"] == "cancel_cutoff_passed"
    # The volunteer cannot release it either.
    response = volunteer.post(f"/api/v1/shift-bookings/{booking_id}/release", json={"reason": "有事"})
    assert response.status_code == 403
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 201}):
        response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/release", json=body)
        assert response.status_code == 422, body
        message = response.get_json()["errors"]["reason"][0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert roles(organizer, shift) == {"登记": 1}
    response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/release", json={"reason": "临时调往核酸点"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    assert roles(organizer, shift) == {"登记": 0}
    notices = messages("cancelled_by_organizer")
    assert [(n["user_id"], n["payload"]["reason"]) for n in notices] == [(volunteer.user["id"], "临时调往核酸点")]
    assert messages("shift_reminder", "pending") == []
    with clean_app.app_context():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.release")).one()
        assert audit.detail["after_cutoff"] is True and audit.detail["reason"] == "临时调往核酸点"
    # Released once: again is 409, and the freed place can be booked.
    response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/release", json={"reason": "再次"})
    assert (response.status_code, response.get_json()["error"]) == (409, "booking_not_active")


def test_release_after_the_shift_ended_is_refused(organizer, residents, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, shift)
    move_shift(shift["id"], now() - timedelta(hours=5), now() - timedelta(hours=1))
    response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/release", json={"reason": "补登"})
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_ended")


# --- authorization and bad input ---------------------------------------------------------------------


def test_an_organizer_of_another_community_may_not_move_or_release(organizer, other_organizer, residents, admin):
    site = create_site(organizer)
    shift = create_shift(organizer, site, roles=[("登记", 2), ("测温", 2)])
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, shift)
    for session in (other_organizer, volunteer):
        assert move(session, booking_id, shift, 1).status_code == 403
        assert session.post(f"/api/v1/shift-bookings/{booking_id}/release", json={"reason": "x"}).status_code == 403
    # Nor move a volunteer of theirs into the first community's shift.
    theirs = create_shift(other_organizer, create_site(other_organizer, community="dachong"))
    other_volunteer = residents(2)[1]
    other_booking = booked(other_volunteer, theirs)
    assert move(other_organizer, other_booking, shift).status_code == 403
    assert roles(organizer, shift) == {"登记": 1, "测温": 0}
    # Admins may.
    assert move(admin, booking_id, shift, 1).status_code == 200


def test_bad_input_is_a_clean_4xx(organizer, residents):
    shift = create_shift(organizer, create_site(organizer))
    (volunteer,) = residents(1)
    booking_id = booked(volunteer, shift)
    huge = 2**40
    assert organizer.post(f"/api/v1/shift-bookings/{huge}/move", json={"shift_id": 1, "role_id": 1}).status_code == 404
    assert organizer.post("/api/v1/shift-bookings/999999/release", json={"reason": "x"}).status_code == 404
    for body in ({"shift_id": huge, "role_id": 1}, {"shift_id": "1", "role_id": 1}, {}, {"shift_id": 1.5, "role_id": 1}):
        response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/move", json=body)
        assert response.status_code == 422, body
    response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/move", json={"shift_id": 999999, "role_id": 1})
    assert (response.status_code, response.get_json()["error"]) == (404, "shift_not_found")


# --- concurrency ---------------------------------------------------------------------------------------


def test_two_moves_into_the_last_place_leave_exactly_one(organizer, residents, live_server):
    site = create_site(organizer)
    target = create_shift(organizer, site, starts_at=local(days=5, hour=8), roles=[("测温", 2)])
    people = residents(5)
    booked(people[0], target)  # one place left
    for round_number in range(2):
        sources = [create_shift(organizer, site, starts_at=local(days=6 + round_number, hour=8 + i * 5), hours=4)
                   for i in range(2)]
        movers = people[1 + 2 * round_number: 3 + 2 * round_number]
        booking_ids = [booked(person, source) for person, source in zip(movers, sources)]
        body = {"shift_id": target["id"], "role_id": target["roles"][0]["id"]}
        results = race(live_server, [("POST", f"/api/v1/shift-bookings/{b}/move", organizer.headers, body)
                                     for b in booking_ids])
        statuses = sorted(status for status, _ in results)
        if round_number == 0:
            assert statuses == [200, 409], results
            assert [body["error"] for status, body in results if status == 409] == ["role_full"]
        else:  # the post is full now: both refused
            assert statuses == [409, 409], results
        assert roles(organizer, target) == {"测温": 2}
        free = [roles(organizer, s)["卡口值守"] for s in sources]
        assert sum(free) == (1 if round_number == 0 else 2)
