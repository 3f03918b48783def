"""The console marks attendance that was scanned offline and uploaded later (离线补传) on the duty
roster, a shift's page and an activity's roster (with the test client)."""

from datetime import datetime, timedelta, timezone

from factories import SHANGHAI, book, create_activity, create_shift, create_site, soon

from server.services import checkin_tokens

from console.conftest import console_client


def test_duty_roster_shift_page_and_roster_mark_offline_uploads(clean_app, login, emulator, organizer, residents,
                                                                 move_shift, move_activity):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    site = create_site(organizer)
    live, late = residents(2)
    shift = create_shift(organizer, site)
    live_booking = book(live, shift).get_json()
    late_booking = book(late, shift).get_json()
    move_shift(shift["id"], now - timedelta(hours=1), now + timedelta(hours=3))
    scanned = now - timedelta(minutes=30)
    with clean_app.app_context():
        old_token = checkin_tokens.make_token("s", site["id"], now=scanned.timestamp())[0]
    current = organizer.get(f"/api/v1/sites/{site['id']}/checkin-code").get_json()["token"]
    assert live.post(f"/api/v1/shift-bookings/{live_booking['id']}/check-in", json={"token": current}).status_code == 200
    body = {"token": old_token, "recorded_at": scanned.isoformat()}
    assert late.post(f"/api/v1/shift-bookings/{late_booking['id']}/check-in", json=body).status_code == 200

    activity = create_activity(organizer, starts_at=soon())
    late.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    move_activity(activity["id"], now - timedelta(minutes=40))
    with clean_app.app_context():
        activity_token = checkin_tokens.make_token("a", activity["id"], now=scanned.timestamp())[0]
    body = {"token": activity_token, "recorded_at": scanned.isoformat()}
    assert late.post(f"/api/v1/activities/{activity['id']}/check-in", json=body).status_code == 200

    client = console_client(clean_app, login, emulator, "demo-organizer")
    today = (now - timedelta(hours=1)).astimezone(SHANGHAI).date().isoformat()
    duty = client.get(f"/console/duty-roster?date={today}").get_data(as_text=True)
    assert duty.count("离线补传") == 1
    page = client.get(f"/console/shifts/{shift['id']}").get_data(as_text=True)
    assert page.count("（离线补传）") == 1
    roster = client.get(f"/console/activities/{activity['id']}/roster").get_data(as_text=True)
    assert roster.count("离线补传") == 1
