"""Flash crowds on shifts, with real concurrent HTTP clients (parallel on PostgreSQL in CI)."""

import threading
import time

from conftest import race
from factories import create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.models import Booking, ShiftPost


def test_thirty_racing_for_the_last_place_leave_exactly_one_booking(organizer, residents, live_server):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3)])
    post_id = shift["roles"][0]["id"]
    holders = residents(32)
    for holder in holders[:2]:
        assert holder.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": post_id}).status_code == 201
    racers = holders[2:]
    path = f"/api/v1/shifts/{shift['id']}/bookings"
    results = race(live_server, [("POST", path, p.headers, {"role_id": post_id}) for p in racers])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 29
    assert {body["error"] for status, body in results if status == 409} == {"role_full"}
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    assert roster["roles"][0]["booked"] == 3
    assert len(roster["roles"][0]["volunteers"]) == 3


def test_one_person_booking_overlapping_shifts_at_once_gets_at_most_one(organizer, resident, live_server):
    sites = [create_site(organizer, name=f"卡口{i}") for i in range(6)]
    shifts = [create_shift(organizer, site, starts_at=local(days=2, hour=8 + i % 2), hours=3)
              for i, site in enumerate(sites)]
    results = race(live_server, [
        ("POST", f"/api/v1/shifts/{s['id']}/bookings", resident.headers, {"role_id": s["roles"][0]["id"]})
        for s in shifts
    ])
    assert sorted(status for status, _ in results) == [201] + [409] * 5
    assert {body["error"] for status, body in results if status == 409} == {"shift_overlap"}
    assert resident.get("/api/v1/me/shifts").get_json()["total"] == 1


def test_racing_bookings_respect_the_daily_limit(organizer, resident, live_server):
    site = create_site(organizer)
    # Four separate 4-hour shifts on one day: only two fit in 600 minutes.
    shifts = [create_shift(organizer, site, starts_at=local(days=2, hour=hour), hours=4) for hour in (0, 5, 10, 15)]
    results = race(live_server, [
        ("POST", f"/api/v1/shifts/{s['id']}/bookings", resident.headers, {"role_id": s["roles"][0]["id"]})
        for s in shifts
    ])
    assert sorted(status for status, _ in results) == [201, 201, 409, 409]
    assert resident.get("/api/v1/me/shifts").get_json()["total"] == 2


def test_double_taps_cancelling_give_back_one_place(organizer, residents, live_server):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    people = residents(2)
    for person in people:
        person.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": shift["roles"][0]["id"]})
    path = f"/api/v1/shifts/{shift['id']}/bookings/me"
    results = race(live_server, [("DELETE", path, people[0].headers, None)] * 4)
    assert sorted(status for status, _ in results) == [200, 404, 404, 404]
    assert organizer.get(f"/api/v1/shifts/{shift['id']}").get_json()["roles"][0]["booked"] == 1


def test_a_move_racing_a_booking_never_leaves_a_volunteer_in_two_places(organizer, residents, live_server):
    # The move locks the booked volunteers' rows before checking them; a booking locks its volunteer first.
    # Whichever goes second sees the other: the volunteer never ends up holding overlapping shifts.
    volunteers = residents(4)
    for round_number, volunteer in enumerate(volunteers):
        moving = create_shift(organizer, create_site(organizer, name=f"南门{round_number}"),
                              starts_at=local(days=2 + round_number, hour=8))
        other = create_shift(organizer, create_site(organizer, name=f"北门{round_number}"),
                             starts_at=local(days=2 + round_number, hour=14))
        book_path = f"/api/v1/shifts/{moving['id']}/bookings"
        assert volunteer.post(book_path, json={"role_id": moving["roles"][0]["id"]}).status_code == 201
        times = {"starts_at": other["starts_at"], "ends_at": other["ends_at"]}
        results = race(live_server, [
            ("PATCH", f"/api/v1/shifts/{moving['id']}", organizer.headers, times),
            ("POST", f"/api/v1/shifts/{other['id']}/bookings", volunteer.headers, {"role_id": other["roles"][0]["id"]}),
        ])
        outcome = [(status, (body or {}).get("error")) for status, body in results]
        assert outcome in (
            [(200, None), (409, "shift_overlap")], [(409, "schedule_change_refused"), (201, None)]
        ), outcome


def test_losing_redis_data_mid_burst_never_overbooks_loses_a_booking_or_hides_a_freed_place(
    organizer, residents, live_server, clean_app
):
    # The full-post marks (`bookings.refuse_full_post`) live in Redis; PostgreSQL decides. Redis's data
    # is wiped again and again while 30 people race for 6 places, and while places are freed and taken
    # again: the post never overfills, every 201 is a booking in the database, and a place freed by a
    # cancellation that has returned is given to the next person who asks, never refused from a mark.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 6)])
    people = residents(30)
    path = f"/api/v1/shifts/{shift['id']}/bookings"
    post_id = shift["roles"][0]["id"]
    redis = clean_app.extensions["redis"]
    stop = threading.Event()

    def wipe():
        while not stop.is_set():
            redis.flushdb()
            time.sleep(0.002)

    wiper = threading.Thread(target=wipe, daemon=True)
    wiper.start()
    try:
        results = race(live_server, [("POST", path, p.headers, {"role_id": post_id}) for p in people])
        assert sorted(status for status, _ in results) == [201] * 6 + [409] * 24, results
        assert {body["error"] for status, body in results if status == 409} == {"role_full"}
        holders = [p for p, (status, _) in zip(people, results) if status == 201]
        waiting = [p for p, (status, _) in zip(people, results) if status == 409]
        accepted = {body["id"] for status, body in results if status == 201}
        for giver, taker, late in zip(holders, waiting[0::2], waiting[1::2]):
            assert late.post(path, json={"role_id": post_id}).get_json()["error"] == "role_full"  # still full
            assert giver.delete(f"{path}/me").status_code == 200
            response = taker.post(path, json={"role_id": post_id})
            assert response.status_code == 201, response.get_json()  # the freed place, at once
            accepted = accepted - {booking_id(clean_app, shift, giver)} | {response.get_json()["id"]}
            assert late.post(path, json={"role_id": post_id}).get_json()["error"] == "role_full"
    finally:
        stop.set()
        wiper.join(timeout=10)
    with clean_app.app_context():
        booked = db.session.scalars(
            select(Booking.id).where(Booking.shift_id == shift["id"], Booking.status == "booked")).all()
        assert db.session.get(ShiftPost, post_id).booked == 6
    assert set(booked) == accepted


def booking_id(app, shift, person):
    with app.app_context():
        return db.session.scalar(
            select(Booking.id).where(Booking.shift_id == shift["id"], Booking.user_id == person.user["id"]))
