"""On-site check-in: a site's GCJ-02 point and radius, the location a self check-in and check-out
send (the radius edge, the accuracy rule, offline scans), manual check-in with a reason, nearest
first, and bad input. The concurrent test runs real clients against one booking at the radius edge."""

import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from conftest import race
from factories import book, create_shift, create_site
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, Booking
from server.services import checkin_tokens
from server.services.geo import EARTH_RADIUS_M, distance_m

SITE = (22.5431, 114.0579)  # 市民中心, GCJ-02


def now():
    return datetime.now(timezone.utc).replace(microsecond=0)


def north_of(point, metres):
    """The point `metres` due north of `point` (a meridian is a great circle: exact)."""
    return point[0] + math.degrees(metres / EARTH_RADIUS_M), point[1]


def at(metres, accuracy=5.0, point=SITE):
    lat, lng = north_of(point, metres)
    return {"latitude": lat, "longitude": lng, "accuracy": accuracy}


@pytest.fixture
def on_site(organizer, resident, move_shift):
    """`on_site(radius=200, located=True)`: the resident's booking on a shift under way at a new site
    (with SITE's point unless `located` is False); returns `(site, booking, token)`."""

    def make(radius=200, located=True, volunteer=None, **site_fields):
        fields = {"latitude": SITE[0], "longitude": SITE[1], "checkin_radius_m": radius} if located else {}
        site = create_site(organizer, **fields, **site_fields)
        booking = book(volunteer or resident, create_shift(organizer, site)).get_json()
        move_shift(booking["shift_id"], now() - timedelta(minutes=30), now() + timedelta(hours=3))
        token = organizer.get(f"/api/v1/sites/{site['id']}/checkin-code").get_json()["token"]
        return site, booking, token

    return make


def check(session, booking, action, token, location=None, **extra):
    body = {"token": token, **extra}
    if location is not None:
        body["location"] = location
    return session.post(f"/api/v1/shift-bookings/{booking['id']}/{action}", json=body)


def error_of(response):
    return response.status_code, response.get_json().get("error")


def row(clean_app, booking):
    with clean_app.app_context():
        return db.session.get(Booking, booking["id"])


# --- the site's point and radius -----------------------------------------------------------------------


def test_site_point_and_radius_are_read_and_edited(organizer, client):
    site = create_site(organizer, latitude=SITE[0], longitude=SITE[1], checkin_radius_m=150)
    assert (site["latitude"], site["longitude"], site["checkin_radius_m"]) == (SITE[0], SITE[1], 150)
    plain = create_site(organizer, name="南门卡口")
    assert (plain["latitude"], plain["longitude"], plain["checkin_radius_m"]) == (None, None, 200)
    listed = {s["id"]: s for s in client.get("/api/v1/sites").get_json()["items"]}
    assert listed[site["id"]]["latitude"] == SITE[0]
    # Moving the point, then removing it (both null), keeps the radius.
    moved = organizer.patch(f"/api/v1/sites/{site['id']}", json={"latitude": 22.55, "longitude": 114.06})
    assert (moved.get_json()["latitude"], moved.get_json()["checkin_radius_m"]) == (22.55, 150)
    cleared = organizer.patch(f"/api/v1/sites/{site['id']}", json={"latitude": None, "longitude": None})
    assert (cleared.get_json()["latitude"], cleared.get_json()["longitude"]) == (None, None)


def test_site_point_is_both_or_neither(organizer):
    site = create_site(organizer)
    body = {"community_id": site["community"]["id"], "name": "西门", "kind": "checkpoint", "latitude": 22.5}
    response = organizer.post("/api/v1/sites", json=body)
    assert error_of(response) == (422, "validation_failed")
    assert "longitude" in response.get_json()["errors"]
    response = organizer.patch(f"/api/v1/sites/{site['id']}", json={"longitude": 114.0})
    assert "latitude" in response.get_json()["errors"]
    located = create_site(organizer, name="东门", latitude=SITE[0], longitude=SITE[1])
    response = organizer.patch(f"/api/v1/sites/{located['id']}", json={"latitude": None})
    assert error_of(response) == (422, "validation_failed")
    # A failed request changes nothing.
    listed = {s["id"]: s for s in organizer.get("/api/v1/sites").get_json()["items"]}
    assert (listed[site["id"]]["longitude"], listed[located["id"]]["latitude"]) == (None, SITE[0])


@pytest.mark.parametrize(
    "field, value",
    [
        ("latitude", 90.5), ("latitude", -91), ("longitude", 180.01), ("longitude", -999),
        ("latitude", "22.5"), ("latitude", True), ("latitude", [22.5]), ("latitude", 1e308),
        ("latitude", 10**400), ("checkin_radius_m", 49), ("checkin_radius_m", 2001), ("checkin_radius_m", 200.5),
        ("checkin_radius_m", "200"), ("checkin_radius_m", 10**30), ("checkin_radius_m", None),
    ],
)
def test_bad_site_point_is_422(organizer, field, value):
    site = create_site(organizer)
    body = {"latitude": SITE[0], "longitude": SITE[1], field: value}
    response = organizer.patch(f"/api/v1/sites/{site['id']}", json=body)
    assert error_of(response) == (422, "validation_failed"), (field, value)
    message = response.get_json()["errors"][field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinite_coordinates_are_422(organizer, raw):
    site = create_site(organizer)
    body = '{"latitude": %s, "longitude": 114.0}' % raw
    response = organizer.client.patch(
        f"/api/v1/sites/{site['id']}", data=body, headers={**organizer.headers, "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.get_json()
    assert organizer.get("/api/v1/sites").get_json()["items"][0]["latitude"] is None


# --- self check-in: the radius edge and the accuracy rule -------------------------------------------------


def test_check_in_exactly_at_the_radius_is_accepted(resident, on_site, clean_app):
    site, booking, token = on_site(radius=200)
    response = check(resident, booking, "check-in", token, at(200, accuracy=0))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["checkin_method"], body["checkin_distance_m"]) == ("code", 200)
    stored = row(clean_app, booking)
    assert (stored.checkin_method, stored.checkin_distance_m) == ("code", 200)


def test_check_in_just_beyond_the_radius_is_refused_saying_how_far(resident, on_site, clean_app):
    site, booking, token = on_site(radius=200)
    response = check(resident, booking, "check-in", token, at(201, accuracy=0))
    assert error_of(response) == (409, "too_far_from_site")
    assert "201 米" in response.get_json()["message"] and "200 米" in response.get_json()["message"]
    assert row(clean_app, booking).checked_in_at is None
    response = check(resident, booking, "check-in", token, at(1_234, accuracy=10))
    assert "1,234 米" in response.get_json()["message"]


def test_accuracy_gives_the_doubt_up_to_the_cap(resident, on_site, clean_app):
    site, booking, token = on_site(radius=200)
    # 250 m away, accurate to 60 m: 250 - 60 <= 200.
    response = check(resident, booking, "check-in", token, at(250, accuracy=60))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checkin_distance_m"] == 250


def test_accuracy_beyond_the_cap_counts_only_up_to_the_cap(resident, on_site):
    site, booking, token = on_site(radius=200)
    # 350 m away with 500 m of doubt: only 100 m (CHECKIN_MAX_ACCURACY_M) count: still too far.
    assert error_of(check(resident, booking, "check-in", token, at(350, accuracy=500))) == (409, "too_far_from_site")
    # Near enough but the fix is too vague: retry in the open.
    response = check(resident, booking, "check-in", token, at(150, accuracy=150))
    assert error_of(response) == (409, "location_inaccurate")
    assert "室外" in response.get_json()["message"]
    # The cap itself is accepted.
    assert check(resident, booking, "check-in", token, at(300, accuracy=100)).status_code == 200


def test_location_is_required_only_where_the_site_has_a_point(resident, on_site, residents):
    site, booking, token = on_site()
    assert error_of(check(resident, booking, "check-in", token)) == (422, "location_required")
    (other,) = residents(1)
    plain, plain_booking, plain_token = on_site(located=False, volunteer=other, name="无坐标卡口")
    response = check(other, plain_booking, "check-in", plain_token)
    assert response.status_code == 200
    assert (response.get_json()["checkin_method"], response.get_json()["checkin_distance_m"]) == ("code", None)


def test_check_out_checks_the_location_too(resident, on_site, clean_app):
    site, booking, token = on_site(radius=100)
    assert check(resident, booking, "check-in", token, at(10)).status_code == 200
    assert error_of(check(resident, booking, "check-out", token)) == (422, "location_required")
    assert error_of(check(resident, booking, "check-out", token, at(500))) == (409, "too_far_from_site")
    assert row(clean_app, booking).checked_out_at is None
    response = check(resident, booking, "check-out", token, at(40))
    assert response.status_code == 200
    assert (response.get_json()["checkin_distance_m"], response.get_json()["checkout_distance_m"]) == (10, 40)


def test_the_token_is_checked_before_the_location(resident, on_site):
    site, booking, token = on_site()
    assert error_of(check(resident, booking, "check-in", "nonsense", at(10))) == (409, "checkin_token_invalid")


# --- offline scans ----------------------------------------------------------------------------------------


def test_offline_scan_checks_the_recorded_location_but_accepts_no_fix(resident, on_site, residents, clean_app):
    site, booking, token = on_site()
    scanned = now() - timedelta(minutes=5)
    with clean_app.app_context():
        then = checkin_tokens.make_token("s", site["id"], now=scanned.timestamp())[0]
    far = check(resident, booking, "check-in", then, at(900), recorded_at=scanned.isoformat())
    assert error_of(far) == (409, "too_far_from_site")
    # No fix underground: accepted, not located (rosters say 位置未核验).
    response = check(resident, booking, "check-in", then, recorded_at=scanned.isoformat())
    assert response.status_code == 200
    stored = row(clean_app, booking)
    assert (stored.checkin_method, stored.checkin_distance_m) == ("code", None)
    assert stored.checked_in_uploaded_at is not None
    # An "offline" scan uploaded at once was made with the network at hand: judged as a live one, so
    # calling a live scan offline skips no location check.
    with clean_app.app_context():  # a code of now: the five-minute-old one may have run out on a slow run
        current = checkin_tokens.make_token("s", site["id"], now=now().timestamp())[0]
    for location in (None, at(150, accuracy=400)):
        hurried = check(resident, booking, "check-out", current, location, recorded_at=now().isoformat())
        assert error_of(hurried)[1] in ("location_required", "location_inaccurate"), hurried.get_json()
    # A vague fix of a scan that really waited cannot be retried later: accepted, not located.
    waited = (now() - timedelta(minutes=3)).isoformat()
    response = check(resident, booking, "check-out", then, at(150, accuracy=400), recorded_at=waited)
    assert response.status_code == 200, response.get_json()
    assert row(clean_app, booking).checkout_distance_m is None


# --- manual check-in ---------------------------------------------------------------------------------------


def test_manual_check_in_needs_a_reason_and_is_marked_and_audited(organizer, resident, on_site, clean_app):
    site, booking, token = on_site()
    url = f"/api/v1/shift-bookings/{booking['id']}/check-in"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "长" * 201}, {"reason": 5}):
        response = organizer.post(url, json=body)
        assert error_of(response) == (422, "validation_failed"), body
        assert "reason" in response.get_json()["errors"]
    # A volunteer cannot check themselves in by hand: without the code it is the code that is missing.
    assert error_of(resident.post(url, json={"reason": "我到了"})) == (409, "checkin_token_invalid")
    assert row(clean_app, booking).checked_in_at is None
    response = organizer.post(url, json={"reason": " 手机没电，现场核实身份 "})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["checkin_method"], response.get_json()["checkin_distance_m"]) == ("manual", None)
    stored = row(clean_app, booking)
    assert (stored.checkin_method, stored.checkin_reason) == ("manual", "手机没电，现场核实身份")
    roster = organizer.get(f"/api/v1/shifts/{booking['shift_id']}/roster").get_json()
    volunteer = roster["roles"][0]["volunteers"][0]
    assert (volunteer["checkin_method"], volunteer["checkin_reason"]) == ("manual", "手机没电，现场核实身份")
    with clean_app.app_context():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.check_in_manual")).one()
        assert (audit.target_id, audit.detail["reason"]) == (booking["id"], "手机没电，现场核实身份")


def test_an_organizer_scanning_for_their_own_booking_checks_in_as_a_volunteer(organizer, on_site, clean_app):
    site, booking, token = on_site(volunteer=organizer)
    assert error_of(check(organizer, booking, "check-in", token)) == (422, "location_required")
    response = check(organizer, booking, "check-in", token, at(20))
    assert (response.get_json()["checkin_method"], response.get_json()["checkin_distance_m"]) == ("code", 20)


def test_the_roster_file_says_how_each_check_in_was_made(organizer, resident, on_site):
    site, booking, token = on_site()
    check(resident, booking, "check-in", token, at(35))
    response = organizer.get(f"/api/v1/shifts/{booking['shift_id']}/roster?format=csv")
    text = response.get_data().decode("utf-8-sig")
    assert "签到方式" in text and "扫码（距站点 35 米）" in text


# --- nearest first ------------------------------------------------------------------------------------------


def test_shifts_near_a_point_come_nearest_first_with_their_distance(organizer, client):
    far = create_site(organizer, name="远处卡口", latitude=north_of(SITE, 3000)[0], longitude=SITE[1])
    near = create_site(organizer, name="近处卡口", latitude=north_of(SITE, 500)[0], longitude=SITE[1])
    plain = create_site(organizer, name="无坐标卡口")
    shifts = {name: create_shift(organizer, s)["id"] for name, s in (("far", far), ("near", near), ("plain", plain))}
    items = client.get(f"/api/v1/shifts?near={SITE[0]},{SITE[1]}").get_json()["items"]
    assert [i["id"] for i in items] == [shifts["near"], shifts["far"], shifts["plain"]]
    assert [i["distance_m"] for i in items] == [500, 3000, None]
    assert items[0]["site"]["latitude"] == pytest.approx(north_of(SITE, 500)[0])
    # Without `near`: soonest first, no distance.
    assert "distance_m" not in client.get("/api/v1/shifts").get_json()["items"][0]


@pytest.mark.parametrize("near", ["", "22.5", "22.5,114,1", "abc,def", "nan,114", "inf,114", "91,114", "22,181",
                                  "1e999,0", "22.5;114.0", "9" * 100 + ",1"])
def test_bad_near_is_422(client, near):
    response = client.get("/api/v1/shifts", query_string={"near": near})
    assert error_of(response) == (422, "validation_failed"), near
    message = response.get_json()["errors"]["near"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


# --- bad location input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "22.5,114.0", [22.5, 114.0], {"latitude": 22.5, "longitude": 114.0},
        {"latitude": "22.5", "longitude": 114.0, "accuracy": 5}, {"latitude": 95, "longitude": 114.0, "accuracy": 5},
        {"latitude": 22.5, "longitude": 114.0, "accuracy": -1}, {"latitude": 22.5, "longitude": 114.0, "accuracy": 1e9},
        {"latitude": 10**400, "longitude": 114.0, "accuracy": 5}, {"latitude": None, "longitude": 114.0, "accuracy": 5},
        {"latitude": 22.5, "longitude": 114.0, "accuracy": 5, "altitude": 3},
    ],
)
def test_bad_location_is_422_and_changes_nothing(resident, on_site, clean_app, location):
    site, booking, token = on_site()
    response = resident.post(f"/api/v1/shift-bookings/{booking['id']}/check-in",
                             json={"token": token, "location": location})
    assert error_of(response) == (422, "validation_failed"), location
    assert row(clean_app, booking).checked_in_at is None


def test_nan_location_is_refused(resident, on_site, clean_app):
    site, booking, token = on_site()
    body = json.dumps({"token": token, "location": {"latitude": 0, "longitude": 0, "accuracy": 5}})
    body = body.replace('"latitude": 0', '"latitude": NaN')
    response = resident.client.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", data=body,
                                    headers={**resident.headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert row(clean_app, booking).checked_in_at is None


# --- concurrency ------------------------------------------------------------------------------------------------


def test_concurrent_check_ins_at_the_radius_edge_record_one(resident, on_site, live_server, clean_app):
    """Several check-ins of one booking at once, at the radius edge (some just inside, some just
    beyond): the booking is checked in once, by the first accepted one; every later request answers
    the booking as it stands (a second scan changes nothing), one beyond the edge before that is refused."""
    site, booking, token = on_site(radius=200)
    path = f"/api/v1/shift-bookings/{booking['id']}/check-in"
    inside = [{"token": token, "location": at(200 - i, accuracy=0)} for i in range(4)]
    beyond = [{"token": token, "location": at(202 + i, accuracy=0)} for i in range(2)]
    answers = race(live_server, [("POST", path, resident.headers, body) for body in inside + beyond])
    assert [status for status, _ in answers[:4]] == [200] * 4
    assert {body["checked_in_at"] for _, body in answers[:4]} == {answers[0][1]["checked_in_at"]}
    assert len({body["checkin_distance_m"] for _, body in answers[:4]}) == 1
    for status, body in answers[4:]:
        assert (status, body.get("error")) == (409, "too_far_from_site") or (
            status == 200 and body["checked_in_at"] == answers[0][1]["checked_in_at"]
        )
    stored = row(clean_app, booking)
    assert stored.checkin_distance_m in (197, 198, 199, 200)
    assert distance_m(*SITE, *north_of(SITE, 200)) == pytest.approx(200, abs=1e-6)


def test_deleting_the_account_erases_the_manual_check_in_reason(organizer, resident, on_site, clean_app):
    site, booking, token = on_site()
    organizer.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"reason": "手机没电，身份证核实"})
    assert resident.delete("/api/v1/me").status_code == 204
    stored = row(clean_app, booking)
    assert (stored.checkin_method, stored.checkin_reason, stored.checked_in_at is not None) == ("manual", None, True)
