"""The invariants of the shift domain's fast paths: the full-post marks, the one-row read of the caller's
bookings, and the one-query overlap, rest and fatigue check (one rule for SQL and Python)."""

import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from conftest import TEST_DATABASE_URL, race
from factories import book, create_shift, create_site, local
from sqlalchemy import event, select

from server.extensions import db
from server.models import Booking, Shift, ShiftPost, User
from server.services import cache
from server.services.bookings import FATIGUE_WINDOW, busiest_window, near, overlaps


def now():
    return datetime.now(timezone.utc)


def mark_of(app, shift, person, post_index=0):
    """What a booking of the shift's post by `person` reads first (`cache.read_post_mark`): the post's full
    mark at the shift's current marks version (None: none, or retired), and whether they are a holder."""
    with app.app_context():
        read = cache.read_post_mark(shift["id"], shift["roles"][post_index]["id"], person.user["id"])
        return read.full, read.holder


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
    """A shift whose only post (capacity 1) is held: the booking that filled it marked it full."""
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1)])
    holder, second = residents(2)
    assert book(holder, shift).status_code == 201
    assert mark_of(clean_app, shift, second) == ({"name": "测温", "starts_at": mark_of(clean_app, shift, second)[0]
                                                  ["starts_at"]}, False)
    assert mark_of(clean_app, shift, holder)[1] is True
    response = book(second, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    post_id = shift["roles"][0]["id"]
    return SimpleNamespace(shift=shift, post_id=post_id, holder=holder, second=second)


def test_the_mark_answers_a_full_post_without_reading_the_database(full_post, clean_app):
    # Proof that the fast path is taken: a change made behind the cache's back is not seen ...
    raise_capacity_behind_the_cache(clean_app, full_post.post_id, 2)
    response = book(full_post.second, full_post.shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")
    # ... until a committed change to the post bumps the shift's marks version.
    set_capacity(clean_app, full_post.post_id, 3)
    assert book(full_post.second, full_post.shift).status_code == 201


def test_a_mark_survives_bookings_elsewhere_and_never_refuses_a_holder(organizer, residents, clean_app):
    # The marks have a version per shift: bookings of other posts and other shifts retire nothing.
    # Someone who books another post of the shift holds a booking on it: a tap of theirs on the full
    # post is answered by the full path (`already_booked`), never `role_full` from the mark.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1), ("登记", 3)])
    other = create_shift(organizer, create_site(organizer, name="南门卡口"))
    holder, late, elsewhere = residents(3)
    assert book(holder, shift).status_code == 201
    raise_capacity_behind_the_cache(clean_app, shift["roles"][0]["id"], 2)  # only the mark says full now
    assert book(late, shift, 1).status_code == 201
    assert book(elsewhere, other).status_code == 201
    assert mark_of(clean_app, shift, elsewhere)[0] is not None
    response = book(elsewhere, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "role_full")  # from the mark
    response = book(late, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "already_booked")
    response = book(holder, shift)
    assert response.status_code == 200  # their own booking, again


def cancel_the_holders_booking(full_post, organizer, clean_app):
    assert full_post.holder.delete(f"/api/v1/shifts/{full_post.shift['id']}/bookings/me").status_code == 200


def holders_booking_id(full_post):
    return full_post.holder.get(f"/api/v1/shifts/{full_post.shift['id']}").get_json()["my_booking"]["id"]


def release_the_holders_booking(full_post, organizer, clean_app):
    url = f"/api/v1/shift-bookings/{holders_booking_id(full_post)}/release"
    assert organizer.post(url, json={"reason": "临时调整"}).status_code == 200


def move_the_holders_booking_to_another_shift(full_post, organizer, clean_app):
    other = create_shift(organizer, create_site(organizer, name="东门卡口"))
    target = {"shift_id": other["id"], "role_id": other["roles"][0]["id"]}
    assert organizer.post(f"/api/v1/shift-bookings/{holders_booking_id(full_post)}/move", json=target).status_code == 200


def raise_the_posts_capacity(full_post, organizer, clean_app):
    set_capacity(clean_app, full_post.post_id, 2)


def move_the_shift_to_start_now(full_post, organizer, clean_app):
    # A shift cannot be moved into the past: move it to start in a moment, and let the moment pass.
    starts_at = now() + timedelta(seconds=1)
    times = {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=3)).isoformat()}
    assert organizer.patch(f"/api/v1/shifts/{full_post.shift['id']}", json=times).status_code == 200
    time.sleep(max((starts_at - now()).total_seconds(), 0) + 0.1)


def cancel_the_shift(full_post, organizer, clean_app):
    assert organizer.post(f"/api/v1/shifts/{full_post.shift['id']}/cancel", json={"reason": "撤点"}).status_code == 200


def reserve_the_shift_for_party_members(full_post, organizer, clean_app):
    with clean_app.app_context():  # the holder must be a party member, or the change is refused
        db.session.get(User, full_post.holder.user["id"]).is_party_member = True
        db.session.commit()
    response = organizer.patch(f"/api/v1/shifts/{full_post.shift['id']}", json={"party_members_only": True})
    assert response.status_code == 200


@pytest.mark.parametrize("change, expected", [
    (cancel_the_holders_booking, (201, None)),
    (release_the_holders_booking, (201, None)),
    (move_the_holders_booking_to_another_shift, (201, None)),
    (raise_the_posts_capacity, (201, None)),
    (move_the_shift_to_start_now, (409, "shift_started")),
    (cancel_the_shift, (409, "shift_not_open")),
    (reserve_the_shift_for_party_members, (403, "not_eligible")),
], ids=lambda value: getattr(value, "__name__", None))
def test_the_mark_is_never_trusted_after_a_committed_change_to_the_shift(full_post, organizer, clean_app, change,
                                                                          expected):
    # A mark that ignored the shift's marks version would still answer role_full here.
    change(full_post, organizer, clean_app)
    response = book(full_post.second, full_post.shift)
    assert (response.status_code, (response.get_json() or {}).get("error")) == expected


def test_a_move_to_another_post_of_the_shift_retires_the_full_mark(organizer, residents, clean_app):
    # A move inside one shift keeps the booking `booked` (no ORM change tells the cache a place was
    # freed): its Core write gives the place back and retires the shift's marks itself.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1), ("登记", 2)])
    holder, second = residents(2)
    booking = book(holder, shift).get_json()
    assert mark_of(clean_app, shift, second)[0] is not None
    target = {"shift_id": shift["id"], "role_id": shift["roles"][1]["id"]}
    assert organizer.post(f"/api/v1/shift-bookings/{booking['id']}/move", json=target).status_code == 200
    response = book(second, shift)
    assert response.status_code == 201, response.get_json()


def test_the_mark_answers_only_for_its_own_shift(full_post, organizer, clean_app):
    other = create_shift(organizer, create_site(organizer, name="南门卡口"))
    assert book(full_post.second, full_post.shift).get_json()["error"] == "role_full"
    assert mark_of(clean_app, full_post.shift, full_post.second)[0] is not None
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
    organizer.post(url + "/check-in", json={"at": (now() - timedelta(minutes=20)).isoformat(), "reason": "补签"})
    checked_out = organizer.post(url + "/check-out", json={}).get_json()
    assert checked_out["minutes_worked"] > 0 and checked_out["hours_status"] == "pending"  # counted once confirmed
    assert mine() == (checked_out, checked_out)


@pytest.mark.parametrize("margin", [timedelta(0), timedelta(minutes=30), FATIGUE_WINDOW])
def test_overlap_rest_and_window_rules_agree_in_sql_and_in_python(organizer, clean_app, margin):
    # `check_schedule` finds a volunteer's other shifts within max(24 hours, the rest) in SQL and then
    # tells overlaps, too-short rests and the 24-hour windows apart with the same rule in Python; both
    # must decide every edge the same way.
    site = create_site(organizer)
    base = local(days=5, hour=10).astimezone(timezone.utc)
    hour, tick = timedelta(hours=1), timedelta(microseconds=1)
    spans = [  # (start, end) relative to the probe [base, base + 4h)
        (-3 * hour, -hour), (-2 * hour, 0 * hour), (-2 * hour, tick), (-hour, 2 * hour), (0 * hour, 4 * hour),
        (hour, 2 * hour), (hour, 6 * hour), (4 * hour - tick, 5 * hour), (4 * hour, 6 * hour), (-hour, 5 * hour),
        (-11 * hour, -10 * hour), (13 * hour, 14 * hour), (14 * hour, 15 * hour), (-10 * hour - tick, -9 * hour),
        (-hour - margin, -margin), (-hour - margin, -margin + tick), (4 * hour + margin, 5 * hour + margin),
        (4 * hour + margin - tick, 5 * hour + margin), (-30 * hour - margin, -28 * hour - margin),
        (30 * hour + margin, 31 * hour + margin),
    ]
    spans = list(dict.fromkeys(spans))  # with no margin, some edges coincide (one shift per site and times)
    with clean_app.app_context():
        shifts = [Shift(site_id=site["id"], starts_at=base + start, ends_at=base + end) for start, end in spans]
        db.session.add_all(shifts)
        db.session.commit()
        probe = SimpleNamespace(starts_at=base, ends_at=base + 4 * hour)
        in_sql = set(db.session.scalars(select(Shift.id).where(overlaps(Shift.starts_at, Shift.ends_at, probe))))
        in_python = {s.id for s in shifts if overlaps(s.starts_at, s.ends_at, probe)}
        assert in_sql == in_python
        assert 0 < len(in_python) < len(shifts)
        in_sql = set(db.session.scalars(select(Shift.id).where(near(Shift.starts_at, Shift.ends_at, probe, margin))))
        in_python = {s.id for s in shifts if near(s.starts_at, s.ends_at, probe, margin)}
        assert in_sql == in_python
        assert 0 < len(in_python) < len(shifts)


def test_the_busiest_window_is_found_among_the_shift_edges():
    # `busiest_window` tries only windows that start at a shift's start or end at a shift's end; a
    # brute force over every minute must never find a busier 24 hours holding part of the probe.
    base = datetime(2026, 12, 1, tzinfo=timezone.utc)
    hour = timedelta(hours=1)

    def span(start, end):
        return SimpleNamespace(starts_at=base + start * hour, ends_at=base + end * hour)

    cases = [
        (span(22, 30), [span(30, 38)]),  # the night then the morning: 16 hours in a row
        (span(30, 38), [span(22, 30)]),
        (span(10, 14), [span(-8, 0), span(20, 28), span(33, 40)]),
        (span(0, 8), [span(-20, -18), span(23, 31)]),
        (span(5, 6), []),
    ]
    for probe, others in cases:
        found, _ = busiest_window(probe, others)
        brute = 0
        for minute in range(-48 * 60, 48 * 60):
            start = base + timedelta(minutes=minute)
            window = SimpleNamespace(starts_at=start, ends_at=start + FATIGUE_WINDOW)
            if not overlaps(probe.starts_at, probe.ends_at, window):
                continue
            inside = sum(
                max((min(s.ends_at, window.ends_at) - max(s.starts_at, window.starts_at)).total_seconds(), 0) / 60
                for s in [probe, *others]
            )
            brute = max(brute, inside)
        assert found == brute


def test_the_mark_stops_answering_when_the_shift_starts(organizer, residents, clean_app):
    # Only time changes here, and time bumps no version: the mark itself must know when the shift starts.
    holder, second = residents(2)
    site = create_site(organizer)
    starts_at = now() + timedelta(seconds=4)  # time enough to fill the post on a busy machine
    shift = create_shift(organizer, site, starts_at=starts_at, roles=[("测温", 1)])
    assert book(holder, shift).status_code == 201
    assert book(second, shift).get_json()["error"] == "role_full"
    assert mark_of(clean_app, shift, second)[0] is not None
    time.sleep(max((starts_at - now()).total_seconds(), 0) + 0.1)
    response = book(second, shift)
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_started")


# --- the place taken last (`bookings._take_place_last`) ------------------------------------------------


def test_the_place_is_taken_by_the_last_statement_before_the_commit(organizer, resident, clean_app):
    # The post's row lock, which every booking of the post queues on, is held from the conditional
    # UPDATE to the commit: nothing else may run in between (a write moved after it would lengthen
    # every racer's wait).
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    seen = []
    with clean_app.app_context():
        engine = db.engine

    def statement(conn, cursor, text, params, context, executemany):
        seen.append(" ".join(text.split()).split(" ")[0:2])

    def commit(conn):
        seen.append(["COMMIT"])

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        assert book(resident, shift).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    writes = [words for words in seen if words[0] in ("INSERT", "UPDATE", "DELETE", "COMMIT")]
    assert writes[-2:] == [["UPDATE", "shift_roles"], ["COMMIT"]], writes
    assert ["INSERT", "INTO"] in writes[:-2]  # the booking's row and its reminders went out before it


def test_a_racer_refused_by_the_update_leaves_no_booking_and_no_reminder(organizer, residents, live_server,
                                                                        clean_app, messages):
    # Racers that passed every check before the post filled are refused by the conditional UPDATE after
    # their booking's row and reminders were written: the rollback must take them back. Half of them
    # had cancelled a booking of this shift before, whose row a booking reuses: it must stay cancelled.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3), ("登记", 20)])
    racers = residents(24)
    for person in racers[:12]:
        assert book(person, shift, 1).status_code == 201
        assert person.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    before = {m["id"] for m in messages(kind="shift_reminder")}
    path = f"/api/v1/shifts/{shift['id']}/bookings"
    post_id = shift["roles"][0]["id"]
    results = race(live_server, [("POST", path, p.headers, {"role_id": post_id}) for p in racers])
    assert sorted(status for status, _ in results) == [201] * 3 + [409] * 21
    winners = {body["id"] for status, body in results if status == 201}
    losers = {person.user["id"] for person, (status, _) in zip(racers, results) if status == 409}
    with clean_app.app_context():
        rows = db.session.execute(select(Booking.id, Booking.user_id, Booking.status, Booking.post_id)
                                  .where(Booking.shift_id == shift["id"])).all()
        assert db.session.get(ShiftPost, post_id).booked == 3
    assert {row.id for row in rows if row.status == "booked"} == winners
    left = {row.user_id: (row.status, row.post_id) for row in rows if row.user_id in losers}
    had_cancelled = {person.user["id"] for person in racers[:12]}
    assert left == {user_id: ("cancelled", shift["roles"][1]["id"]) for user_id in losers & had_cancelled}
    live = [m for m in messages(kind="shift_reminder") if m["id"] not in before and m["status"] == "pending"]
    assert live and {m["ref"][1] for m in live} == winners  # only the winners have live reminders


# --- the full-post marks' races (`cache.read_post_mark`, `bookings.refuse_full_post`) -----------------------


class Paused:
    """Holds one request's thread at a point of its own (a session commit, or a statement), until released;
    other threads pass. Instruments SQLAlchemy's events only: the code under test runs as it is."""

    def __init__(self, target, name, when=lambda *args: True):
        self.target, self.name, self.when = target, name, when
        self.thread, self.reached, self.release = None, threading.Event(), threading.Event()

    def _hold(self, *args):
        if threading.get_ident() == self.thread and not self.reached.is_set() and self.when(*args):
            self.reached.set()
            assert self.release.wait(20)

    def __enter__(self):
        event.listen(self.target, self.name, self._hold, insert=True)  # before the cache's own listeners
        return self

    def __exit__(self, *exc):
        self.release.set()
        event.remove(self.target, self.name, self._hold)

    def run(self, request):
        """Start `request()` in a thread of its own; returns its answer's holder and the thread."""
        answers = []

        def target():
            self.thread = threading.get_ident()
            answers.append(request())

        thread = threading.Thread(target=target)
        thread.start()
        assert self.reached.wait(20), "the request never reached the pause"
        return answers, thread


def cancel(person, shift):
    assert person.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200


@pytest.mark.parametrize("flush", [False, True], ids=["", "redis_flushed_meanwhile"])
def test_a_place_freed_before_the_filling_booking_writes_its_mark_is_never_refused(organizer, residents, clean_app,
                                                                                     flush):
    # The booking that takes the last place writes the post's mark after its commit. A cancellation that
    # commits and bumps the shift's marks version before that write lands must still retire the mark:
    # it carries the version read before the filling booking read anything.
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    holder, filler, taker = residents(3)
    assert book(holder, shift).status_code == 201
    with Paused(db.session, "after_commit") as pause:
        answers, thread = pause.run(lambda: book(filler, shift))  # committed, its mark not yet written
        if flush:
            clean_app.extensions["redis"].flushdb()
        cancel(holder, shift)
        pause.release.set()
        thread.join(20)
    assert answers[0].status_code == 201
    assert mark_of(clean_app, shift, taker)[0] is None  # written, but under a version no longer current
    response = book(taker, shift)
    assert response.status_code == 201, response.get_json()


def holders_read(conn, cursor, statement, *args):
    return statement.startswith("SELECT bookings.user_id")


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: SQLite's writers wait for the paused reader")
@pytest.mark.parametrize("change, person, expected", [
    ("cancel", "taker", (201, None)),
    ("book_another_post", "other", (409, "already_booked")),
], ids=["a_place_freed", "a_new_holder"])
def test_a_refusal_that_marks_a_post_full_never_hides_a_later_commit(organizer, residents, clean_app, change, person,
                                                                     expected):
    # With no mark (Redis lost it), a refusal reads the post full from the database and marks it. A
    # commit between that read and the mark's write must not be hidden by it: a cancellation bumps the
    # shift's marks version (the mark is not trusted), and a new holder's entry, written after their
    # commit, stays beside the mark (the mark never refuses them).
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 1), ("登记", 2)])
    people = dict(zip(("holder", "refused", "taker", "other"), residents(4)))
    assert book(people["holder"], shift).status_code == 201
    clean_app.extensions["redis"].flushdb()
    with clean_app.app_context():
        engine = db.engine
    with Paused(engine, "after_cursor_execute", holders_read) as pause:
        answers, thread = pause.run(lambda: book(people["refused"], shift))  # read it full, not yet marked
        if change == "cancel":
            cancel(people["holder"], shift)
        else:
            assert book(people["other"], shift, 1).status_code == 201
        pause.release.set()
        thread.join(20)
    assert (answers[0].status_code, answers[0].get_json()["error"]) == (409, "role_full")
    response = book(people[person], shift)
    assert (response.status_code, (response.get_json() or {}).get("error")) == expected
