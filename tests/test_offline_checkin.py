"""Check-in and check-out scanned offline and uploaded later with the device time (`recorded_at`):
accepted only if the token was valid then and the time is plausible; stored at that time, marked
delayed, credited from the recorded times; a retried upload answers the same."""

from datetime import datetime, timedelta, timezone

import pytest
from factories import book, create_activity, create_shift, create_site, soon

from server.config import UnsafeSettings, check_settings
from server.extensions import db
from server.models import Booking
from server.services import checkin_tokens


def now():
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def token_at(clean_app):
    """`token_at(kind, object_id, moment)`: the token a code showed at `moment` (aware datetime)."""

    def make(kind, object_id, moment):
        with clean_app.app_context():
            return checkin_tokens.make_token(kind, object_id, now=moment.timestamp())[0]

    return make


@pytest.fixture
def validity(clean_app):
    """`validity(kind, object_id, token)`: `(valid_from, valid_until)` of a token as aware datetimes."""

    def read(kind, object_id, token):
        with clean_app.app_context():
            start, end = checkin_tokens.token_validity(kind, object_id, token)
        return datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(end, timezone.utc)

    return read


@pytest.fixture
def booked(organizer, resident, move_shift):
    """`booked(starts_at, hours=4)`: the resident's booking on a shift at a new site, moved to these
    times; returns `(site, booking)`."""

    def make(starts_at, hours=4):
        site = create_site(organizer)
        booking = book(resident, create_shift(organizer, site)).get_json()
        move_shift(booking["shift_id"], starts_at, starts_at + timedelta(hours=hours))
        return site, booking

    return make


def check(session, booking, action, token, recorded_at, **extra):
    body = {"token": token, "recorded_at": recorded_at.isoformat(), **extra}
    return session.post(f"/api/v1/shift-bookings/{booking['id']}/{action}", json=body)


def stored(clean_app, booking):
    with clean_app.app_context():
        row = db.session.get(Booking, booking["id"])
        return row.checked_in_at, row.checked_in_uploaded_at, row.checked_out_at, row.checked_out_uploaded_at


def error_of(response):
    return response.status_code, response.get_json().get("error")


# --- shifts: accepted --------------------------------------------------------------------------------


def test_offline_check_in_is_stored_at_the_scan_time_and_marked_delayed(resident, booked, token_at, clean_app):
    site, booking = booked(now() - timedelta(hours=1))
    scanned = now() - timedelta(minutes=40)
    response = check(resident, booking, "check-in", token_at("s", site["id"], scanned), scanned)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert datetime.fromisoformat(body["checked_in_at"]) == scanned
    uploaded = datetime.fromisoformat(body["checked_in_uploaded_at"])
    assert abs((uploaded - now()).total_seconds()) < 60
    checked_in_at, uploaded_at, _, _ = stored(clean_app, booking)
    assert (checked_in_at, uploaded_at is not None) == (scanned, True)


def test_live_check_in_is_not_marked_delayed(organizer, resident, booked):
    site, booking = booked(now() - timedelta(minutes=30))
    token = organizer.get(f"/api/v1/sites/{site['id']}/checkin-code").get_json()["token"]
    body = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"token": token}).get_json()
    assert body["checked_in_at"] and body["checked_in_uploaded_at"] is None


def test_hours_are_credited_from_the_recorded_times(organizer, resident, booked, token_at, clean_app):
    starts_at = now() - timedelta(hours=6)
    site, booking = booked(starts_at)  # 4 hours, ended 2 hours ago
    came, left = starts_at + timedelta(minutes=10), starts_at + timedelta(hours=4, minutes=30)
    assert check(resident, booking, "check-in", token_at("s", site["id"], came), came).status_code == 200
    response = check(resident, booking, "check-out", token_at("s", site["id"], left), left)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    # 10 minutes late, left 30 minutes after the end: 230 of the 240 minutes were worked, and count
    # once an organizer confirms them (issue 18).
    assert (body["minutes_worked"], datetime.fromisoformat(body["checked_out_at"])) == (230, left)
    assert body["checked_out_uploaded_at"] is not None
    assert organizer.post(f"/api/v1/shifts/{booking['shift_id']}/hours/confirm").status_code == 200
    assert resident.get("/api/v1/me").get_json()["volunteer_minutes"] == 230
    assert resident.get("/api/v1/me/hours").get_json()["total_minutes"] == 230


def test_the_same_upload_sent_twice_answers_the_same(resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=5))
    came, left = now() - timedelta(hours=4, minutes=50), now() - timedelta(hours=1)
    first_in = check(resident, booking, "check-in", token_at("s", site["id"], came), came)
    again_in = check(resident, booking, "check-in", token_at("s", site["id"], came), came)
    assert (first_in.status_code, again_in.status_code) == (200, 200)
    assert again_in.get_json()["checked_in_at"] == first_in.get_json()["checked_in_at"]
    first_out = check(resident, booking, "check-out", token_at("s", site["id"], left), left)
    again_out = check(resident, booking, "check-out", token_at("s", site["id"], left), left)
    assert (first_out.status_code, again_out.status_code) == (200, 200)
    assert again_out.get_json() == first_out.get_json()
    assert first_out.get_json()["minutes_worked"] > 0 and first_out.get_json()["hours_status"] == "pending"


def test_the_shift_window_is_applied_at_the_recorded_time(organizer, resident, booked, token_at):
    starts_at = now() - timedelta(hours=5)
    site, booking = booked(starts_at)  # ended an hour ago: a live check-in now is too late
    live = organizer.get(f"/api/v1/sites/{site['id']}/checkin-code").get_json()["token"]
    late = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"token": live})
    assert error_of(late) == (409, "checkin_window_closed")
    too_early = starts_at - timedelta(minutes=61)
    response = check(resident, booking, "check-in", token_at("s", site["id"], too_early), too_early)
    assert error_of(response) == (409, "checkin_window_closed")
    just_in_time = starts_at - timedelta(minutes=60)
    response = check(resident, booking, "check-in", token_at("s", site["id"], just_in_time), just_in_time)
    assert response.status_code == 200, response.get_json()


def test_an_offline_check_out_too_late_after_the_end_is_refused(resident, booked, token_at, clean_app):
    starts_at = now() - timedelta(hours=7)
    site, booking = booked(starts_at)  # ended 3 hours ago; check-out allowed until 2 hours after the end
    came = starts_at + timedelta(minutes=5)
    check(resident, booking, "check-in", token_at("s", site["id"], came), came)
    late = starts_at + timedelta(hours=6, minutes=1)
    assert error_of(check(resident, booking, "check-out", token_at("s", site["id"], late), late)) == (
        409, "checkin_window_closed")
    assert stored(clean_app, booking)[2:] == (None, None)  # nothing changed
    assert resident.get("/api/v1/me").get_json()["volunteer_minutes"] == 0
    last = starts_at + timedelta(hours=6)
    assert check(resident, booking, "check-out", token_at("s", site["id"], last), last).status_code == 200


# --- shifts: refused, nothing changed ----------------------------------------------------------------


def test_a_token_expired_at_the_recorded_time_is_refused(resident, booked, token_at, validity, clean_app):
    site, booking = booked(now() - timedelta(hours=3))
    shown = now() - timedelta(hours=2)
    token = token_at("s", site["id"], shown)
    valid_from, valid_until = validity("s", site["id"], token)
    response = check(resident, booking, "check-in", token, valid_until)
    assert error_of(response) == (409, "checkin_token_expired")
    assert "过期" in response.get_json()["message"]
    assert stored(clean_app, booking) == (None, None, None, None)
    last_second = valid_until - timedelta(seconds=1)
    response = check(resident, booking, "check-in", token, last_second)
    assert response.status_code == 200, response.get_json()
    assert datetime.fromisoformat(response.get_json()["checked_in_at"]) == last_second


def test_a_time_before_the_token_was_made_is_refused(resident, booked, token_at, validity):
    site, booking = booked(now() - timedelta(hours=3))
    token = token_at("s", site["id"], now() - timedelta(hours=2))
    valid_from, _ = validity("s", site["id"], token)
    response = check(resident, booking, "check-in", token, valid_from - timedelta(seconds=1))
    assert error_of(response) == (409, "recorded_at_before_token")
    assert check(resident, booking, "check-in", token, valid_from).status_code == 200


def test_a_time_in_the_future_is_refused_beyond_two_minutes_of_clock_error(resident, booked, token_at, clean_app):
    site, booking = booked(now() - timedelta(minutes=30))
    ahead = now() + timedelta(minutes=3)
    response = check(resident, booking, "check-in", token_at("s", site["id"], ahead), ahead)
    assert error_of(response) == (409, "recorded_at_in_future")
    assert "手机时间" in response.get_json()["message"]
    assert stored(clean_app, booking) == (None, None, None, None)
    # A clock a little ahead is taken as now: never stored in the future.
    slightly = now() + timedelta(seconds=90)
    response = check(resident, booking, "check-in", token_at("s", site["id"], now()), slightly)
    assert response.status_code == 200, response.get_json()
    assert datetime.fromisoformat(response.get_json()["checked_in_at"]) <= datetime.now(timezone.utc)


def test_a_scan_older_than_the_bound_is_refused(resident, booked, token_at, clean_app):
    site, booking = booked(now() - timedelta(hours=26), hours=8)
    old = now() - timedelta(hours=24, minutes=1)
    response = check(resident, booking, "check-in", token_at("s", site["id"], old), old)
    assert error_of(response) == (409, "recorded_at_too_old")
    assert "24 小时" in response.get_json()["message"]
    assert stored(clean_app, booking) == (None, None, None, None)
    recent = now() - timedelta(hours=23, minutes=59)
    assert check(resident, booking, "check-in", token_at("s", site["id"], recent), recent).status_code == 200


def test_the_bound_is_a_setting(make_app, login, seeded):
    with pytest.raises(UnsafeSettings, match="OFFLINE_CHECKIN_MAX_HOURS"):
        check_settings({**make_app().config, "OFFLINE_CHECKIN_MAX_HOURS": 0})
    app = make_app(OFFLINE_CHECKIN_MAX_HOURS=2)
    with app.app_context():
        token, _ = checkin_tokens.make_token("s", 1, now=(now() - timedelta(hours=3)).timestamp())
        with pytest.raises(Exception) as refused:
            checkin_tokens.check_offline_scan("s", 1, token, now() - timedelta(hours=3), now())
    assert (refused.value.error, refused.value.message) == ("recorded_at_too_old", "离线签到已超过 2 小时，无法补传，请联系组织者补签")


def test_a_forged_or_other_sites_token_is_refused(organizer, resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=1))
    other = create_site(organizer, name="南门卡口")
    scanned = now() - timedelta(minutes=30)
    genuine = token_at("s", site["id"], scanned)
    for token in (token_at("s", other["id"], scanned), genuine[:-1] + ("A" if genuine[-1] != "A" else "B"), None):
        body = {"recorded_at": scanned.isoformat(), **({"token": token} if token else {})}
        response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json=body)
        assert error_of(response) == (409, "checkin_token_invalid")


def test_an_organizer_uploading_a_scan_follows_the_same_rules(organizer, resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=1))
    scanned = now() - timedelta(minutes=30)
    both = check(organizer, booking, "check-in", token_at("s", site["id"], scanned), scanned, at=scanned.isoformat())
    assert error_of(both) == (422, "validation_failed") and "recorded_at" in both.get_json()["errors"]
    expired = check(organizer, booking, "check-in", token_at("s", site["id"], now() - timedelta(hours=2)), scanned)
    assert error_of(expired) == (409, "checkin_token_expired")


def test_an_offline_check_out_before_the_check_in_is_422(resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=2))
    came = now() - timedelta(minutes=30)
    check(resident, booking, "check-in", token_at("s", site["id"], came), came)
    earlier = came - timedelta(minutes=10)
    response = check(resident, booking, "check-out", token_at("s", site["id"], earlier), earlier)
    assert error_of(response) == (422, "validation_failed")
    assert "recorded_at" in response.get_json()["errors"]


def test_recorded_at_must_be_a_time(resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=1))
    body = {"token": token_at("s", site["id"], now()), "recorded_at": "yesterday"}
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json=body)
    assert error_of(response) == (422, "validation_failed") and "recorded_at" in response.get_json()["errors"]


# --- rosters and files -------------------------------------------------------------------------------


def test_rosters_and_files_show_the_late_upload(organizer, resident, booked, token_at):
    site, booking = booked(now() - timedelta(hours=1))
    scanned = now() - timedelta(minutes=30)
    check(resident, booking, "check-in", token_at("s", site["id"], scanned), scanned)
    roster = organizer.get(f"/api/v1/shifts/{booking['shift_id']}/roster").get_json()
    volunteer = roster["roles"][0]["volunteers"][0]
    assert volunteer["checked_in_uploaded_at"] and volunteer["checked_out_uploaded_at"] is None
    sheet = organizer.get(f"/api/v1/shifts/{booking['shift_id']}/roster?format=csv").data.decode("utf-8-sig")
    assert "已预约（离线补传）" in sheet


# --- activities --------------------------------------------------------------------------------------


def test_offline_activity_check_in_at_the_recorded_time(organizer, resident, move_activity, token_at, clean_app):
    activity = create_activity(organizer, starts_at=soon())
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    starts_at = now() - timedelta(hours=5)
    move_activity(activity["id"], starts_at)  # ended 3 hours ago: closed 1 hour ago (120 minutes late)
    url = f"/api/v1/activities/{activity['id']}/check-in"
    live = organizer.get(f"/api/v1/activities/{activity['id']}/checkin-code")
    assert live.status_code == 409  # no code for a finished activity; a scan from then is all there is
    scanned = starts_at + timedelta(minutes=5)
    token = token_at("a", activity["id"], scanned)
    assert error_of(resident.post(url, json={"token": token})) == (409, "checkin_token_invalid")
    response = resident.post(url, json={"token": token, "recorded_at": scanned.isoformat()})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert datetime.fromisoformat(body["checked_in_at"]) == scanned and body["checked_in_uploaded_at"]
    again = resident.post(url, json={"token": token, "recorded_at": scanned.isoformat()})
    assert (again.status_code, again.get_json()) == (200, body)
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert roster["items"][0]["checked_in_uploaded_at"]
    sheet = organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv").data.decode("utf-8-sig")
    assert "已确认（离线补传）" in sheet


def test_offline_activity_check_in_refusals(organizer, resident, move_activity, token_at, validity):
    activity = create_activity(organizer, starts_at=soon())
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    starts_at = now() - timedelta(hours=1)
    move_activity(activity["id"], starts_at)
    url = f"/api/v1/activities/{activity['id']}/check-in"
    token = token_at("a", activity["id"], starts_at)
    _, valid_until = validity("a", activity["id"], token)
    cases = [
        (valid_until, "checkin_token_expired"),
        (now() + timedelta(minutes=5), "recorded_at_in_future"),
        (now() - timedelta(hours=25), "recorded_at_too_old"),
    ]
    for recorded_at, error in cases:
        response = resident.post(url, json={"token": token, "recorded_at": recorded_at.isoformat()})
        assert error_of(response) == (409, error)
    window_shut = starts_at - timedelta(minutes=61)  # before the check-in window opened
    early = resident.post(url, json={"token": token_at("a", activity["id"], window_shut),
                                     "recorded_at": window_shut.isoformat()})
    assert error_of(early) == (409, "checkin_window_closed")
    mine = resident.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]
    assert mine["checked_in_at"] is None
