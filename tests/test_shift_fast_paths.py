"""The invariants of the shift domain's fast paths: the full-post memo, the one-row read of the caller's
bookings, and the one-query overlap and daily-limit check (one rule for SQL and Python)."""

import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from factories import book, create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.localtime import local_date_bounds
from server.models import Shift, ShiftPost
from server.services import cache
from server.services.bookings import counts_toward_day, overlaps


def now():
    return datetime.now(timezone.utc)


def memo_of(app, post_id):
    """What the full-post memo holds for the post at the current shifts-cache version (None: nothing)."""
    with app.app_context():
        return cache.remembered("shifts", f"full-post:{post_id}")[1]


def set_capacity(app, post_id, capacity):
    """A committed change to a post, through the ORM like any service write."""
    with app.app_context():
        db.session.get(ShiftPost, post_id).capacity = capacity
        db.session.commit()


def raise_capacity_behind_the_cache(app, post_id, capacity):
    """A change no service makes: a Core UPDATE that does not bump the shifts-cache version."""
    with app.app_context():
        db.session.execute(ShiftPost.__table__.update().where(ShiftPost.id == post_id).values(capacity=capacity))
        db.session.commit()


@pytest.fixture
def full_post(organizer, residents, clean_app):
    """A shift whose only post (capacity 1) is held; a second volunteer was refused twice, so the memo is set."""
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    holder, second = residents(2)
    assert book(holder, shift).status_code == 201
    for _ in range(2):
        response = book(second, shift)
        assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    post_id = shift["roles"][0]["id"]
    assert memo_of(clean_app, post_id)["holders"] == [holder.user["id"]]
    return SimpleNamespace(shift=shift, post_id=post_id, holder=holder, second=second)


def test_the_memo_answers_a_full_post_without_reading_the_database(full_post, clean_app):
    # Proof that the fast path is taken: a change made behind the cache's back is not seen ...
    raise_capacity_behind_the_cache(clean_app, full_post.post_id, 2)
    response = book(full_post.second, full_post.shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    # ... until any committed change to the shifts bumps the version.
    set_capacity(clean_app, full_post.post_id, 2)
    assert book(full_post.second, full_post.shift).status_code == 201


def cancel_the_holders_booking(full_post, organizer, clean_app):
    assert full_post.holder.delete(f"/api/v1/shifts/{full_post.shift['id']}/bookings/me").status_code == 200


def raise_the_posts_capacity(full_post, organizer, clean_app):
    set_capacity(clean_app, full_post.post_id, 2)


def move_the_shift_into_the_past(full_post, organizer, clean_app):
    started = now() - timedelta(minutes=5)
    times = {"starts_at": started.isoformat(), "ends_at": (started + timedelta(hours=3)).isoformat()}
    assert organizer.patch(f"/api/v1/shifts/{full_post.shift['id']}", json=times).status_code == 200


def cancel_the_shift(full_post, organizer, clean_app):
    assert organizer.post(f"/api/v1/shifts/{full_post.shift['id']}/cancel", json={"reason": "撤点"}).status_code == 200


def reserve_the_shift_for_party_members(full_post, organizer, clean_app):
    response = organizer.patch(f"/api/v1/shifts/{full_post.shift['id']}", json={"party_members_only": True})
    assert response.status_code == 200


@pytest.mark.parametrize("change, expected", [
    (cancel_the_holders_booking, (201, None)),
    (raise_the_posts_capacity, (201, None)),
    (move_the_shift_into_the_past, (409, "shift_started")),
    (cancel_the_shift, (409, "shift_not_open")),
    (reserve_the_shift_for_party_members, (403, "not_eligible")),
], ids=lambda value: getattr(value, "__name__", None))
def test_the_memo_is_never_consulted_after_a_committed_change_to_the_shift(full_post, organizer, clean_app, change,
                                                                            expected):
    # A memo that ignored the shifts-cache version would still answer role_full here.
    change(full_post, organizer, clean_app)
    response = book(full_post.second, full_post.shift)
    assert (response.status_code, (response.get_json() or {}).get("error")) == expected


def test_the_memo_answers_only_for_its_own_shift(full_post, organizer, clean_app):
    other = create_shift(organizer, create_site(organizer, name="南门卡口"))
    assert book(full_post.second, full_post.shift).get_json()["error"] == "role_full"  # remembered again
    assert memo_of(clean_app, full_post.post_id) is not None
    response = full_post.second.post(f"/api/v1/shifts/{other['id']}/bookings", json={"role_id": full_post.post_id})
    assert response.status_code == 422  # the post is not one of that shift's: the full path says so
    assert "role_id" in response.get_json()["errors"]


def test_the_callers_booking_read_in_one_row_matches_the_booking_itself(organizer, resident, move_shift, client):
    # `my_booking` on shift pages comes from one Core query (`my_bookings_for`); the booking's own
    # responses dump the ORM row. Both must say the same, whatever has happened to the booking.
    site = create_site(organizer)
    shift = create_shift(organizer, site, roles=[("登记", 2), ("测温", 2)])
    booked = book(resident, shift, 1).get_json()

    def mine():
        one = resident.get(f"/api/v1/shifts/{shift['id']}").get_json()["my_booking"]
        listed = resident.get(f"/api/v1/shifts?site_id={site['id']}").get_json()["items"]
        return one, listed[0]["my_booking"] if listed else one

    assert mine() == (booked, booked)
    move_shift(shift["id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
    url = f"/api/v1/shift-bookings/{booked['id']}"
    organizer.post(url + "/check-in", json={"at": (now() - timedelta(minutes=20)).isoformat()})
    checked_out = organizer.post(url + "/check-out", json={}).get_json()
    assert checked_out["minutes_credited"] > 0
    assert mine() == (checked_out, checked_out)


def test_overlap_and_day_rules_agree_in_sql_and_in_python(organizer, clean_app):
    # `check_schedule` finds a volunteer's other shifts with these rules in SQL and then tells overlaps
    # from same-day shifts with them in Python; both must decide every edge the same way.
    site = create_site(organizer)
    base = local(days=5, hour=10).astimezone(timezone.utc)
    hour, tick = timedelta(hours=1), timedelta(microseconds=1)
    spans = [  # (start, end) relative to the probe [base, base + 4h)
        (-3 * hour, -hour), (-2 * hour, 0 * hour), (-2 * hour, tick), (-hour, 2 * hour), (0 * hour, 4 * hour),
        (hour, 2 * hour), (hour, 6 * hour), (4 * hour - tick, 5 * hour), (4 * hour, 6 * hour), (-hour, 5 * hour),
        (-11 * hour, -10 * hour), (13 * hour, 14 * hour), (14 * hour, 15 * hour), (-10 * hour - tick, -9 * hour),
    ]
    with clean_app.app_context():
        day_start, day_end = local_date_bounds(local(days=5).date())
        shifts = [Shift(site_id=site["id"], starts_at=base + start, ends_at=base + end) for start, end in spans]
        db.session.add_all(shifts)
        db.session.commit()
        probe = SimpleNamespace(starts_at=base, ends_at=base + 4 * hour)
        in_sql = set(db.session.scalars(select(Shift.id).where(overlaps(Shift.starts_at, Shift.ends_at, probe))))
        in_python = {s.id for s in shifts if overlaps(s.starts_at, s.ends_at, probe)}
        assert in_sql == in_python
        assert 0 < len(in_python) < len(shifts)
        on_day = counts_toward_day(Shift.starts_at, day_start, day_end)
        in_sql = set(db.session.scalars(select(Shift.id).where(on_day)))
        in_python = {s.id for s in shifts if counts_toward_day(s.starts_at, day_start, day_end)}
        assert in_sql == in_python
        assert 0 < len(in_python) < len(shifts)


def test_the_memo_stops_answering_when_the_shift_starts(organizer, residents, clean_app):
    # Only time changes here, and time bumps no version: the memo itself must know when the shift starts.
    holder, second = residents(2)
    site = create_site(organizer)
    starts_at = now() + timedelta(seconds=4)  # time enough to fill the post on a busy machine
    shift = create_shift(organizer, site, starts_at=starts_at, roles=[("测温", 1)])
    assert book(holder, shift).status_code == 201
    assert book(second, shift).get_json()["error"] == "role_full"
    assert memo_of(clean_app, shift["roles"][0]["id"]) is not None
    time.sleep(max((starts_at - now()).total_seconds(), 0) + 0.1)
    response = book(second, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_started")
