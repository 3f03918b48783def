"""Races on hours as a record, with real concurrent clients (PostgreSQL in CI): a shift's hours
confirmed twice at once and corrected meanwhile count each figure once; one query gets one answer;
a volunteer's double tap makes one query."""

from datetime import datetime, timedelta, timezone

from conftest import race
from factories import book, create_shift, create_site
from sqlalchemy import select

from server.extensions import db
from server.models import Booking, HoursChange, HoursQuery, User


def ended_shift(organizer, residents, move_shift, count):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 20)])
    people = residents(count)
    bookings = [book(person, shift).get_json() for person in people]
    starts_at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=4)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=3))
    for index, booking in enumerate(bookings):
        url = f"/api/v1/shift-bookings/{booking['id']}"
        assert organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "现场登记"}).status_code == 200
        out = organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(minutes=60 + index)).isoformat()})
        assert out.status_code == 200
    return shift, people, bookings


def assert_totals_agree(app, people):
    """Each volunteer's `volunteer_minutes` is the sum of their confirmed figures; one confirm row per booking."""
    with app.app_context():
        for person in people:
            user = db.session.get(User, person.user["id"])
            bookings = db.session.scalars(select(Booking).where(Booking.user_id == user.id)).all()
            confirmed = sum(b.minutes_credited for b in bookings if b.hours_status in ("confirmed", "corrected"))
            assert user.volunteer_minutes == confirmed
            for booking in bookings:
                confirms = db.session.scalars(select(HoursChange).where(
                    HoursChange.booking_id == booking.id, HoursChange.kind == "confirm")).all()
                assert len(confirms) <= 1


def test_two_confirmations_and_a_correction_at_once(live_server, clean_app, organizer, admin, residents, move_shift):
    shift, people, bookings = ended_shift(organizer, residents, move_shift, 6)
    confirm = f"/api/v1/shifts/{shift['id']}/hours/confirm"
    correct = f"/api/v1/shift-bookings/{bookings[0]['id']}/hours/correct"
    answers = race(live_server, [
        ("POST", confirm, organizer.headers, None),
        ("POST", confirm, admin.headers, None),
        ("POST", correct, organizer.headers, {"minutes": 200, "reason": "补记"}),
    ])
    assert [status for status, _ in answers] == [200, 200, 200]
    # Between them, the two confirmations confirmed every booking the correction did not settle first.
    confirmed = answers[0][1]["confirmed"] + answers[1][1]["confirmed"]
    assert confirmed in (5, 6)
    assert_totals_agree(clean_app, people)
    assert people[0].get("/api/v1/me").get_json()["volunteer_minutes"] == 200
    assert [p.get("/api/v1/me").get_json()["volunteer_minutes"] for p in people[1:]] == [61, 62, 63, 64, 65]


def test_one_query_gets_one_answer(live_server, clean_app, organizer, admin, residents, move_shift):
    shift, [person], [booking] = ended_shift(organizer, residents, move_shift, 1)
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    query = person.post(f"/api/v1/shift-bookings/{booking['id']}/hours/query", json={"text": "少算了"}).get_json()
    path = f"/api/v1/hours/queries/{query['id']}/answer"
    answers = race(live_server, [
        ("POST", path, organizer.headers, {"answer": "已更正", "minutes": 90}),
        ("POST", path, admin.headers, {"answer": "已更正为两小时", "minutes": 120}),
    ])
    assert sorted(status for status, _ in answers) == [200, 409]
    assert [body["error"] for status, body in answers if status == 409] == ["hours_query_answered"]
    winner = next(body for status, body in answers if status == 200)
    expected = 90 if winner["answer"] == "已更正" else 120
    assert person.get("/api/v1/me").get_json()["volunteer_minutes"] == expected
    assert_totals_agree(clean_app, [person])


def test_a_double_tap_makes_one_query(live_server, clean_app, organizer, residents, move_shift):
    _, [person], [booking] = ended_shift(organizer, residents, move_shift, 1)
    path = f"/api/v1/shift-bookings/{booking['id']}/hours/query"
    answers = race(live_server, [("POST", path, person.headers, {"text": "少算了"})] * 2)
    assert sorted(status for status, _ in answers) == [201, 409]
    with clean_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(HoursQuery)) == 1
