"""Phones (PIPL): JSON rosters show masked numbers only, to everyone; an organizer of the community
reveals one person's number with an explicit, audited action; file exports keep full numbers for them."""

import csv
import io
from datetime import datetime, timedelta, timezone

from factories import book, community_id, create_activity, create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog


def bind_phone(person, emulator, phone):
    assert person.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code(phone)["code"]}).status_code == 200


def reveals(app):
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "phone.reveal").order_by(AuditLog.id))
        return [(r.actor_id, r.target_type, r.target_id, r.detail) for r in rows]


def test_every_json_roster_masks_phones_even_for_the_communitys_organizer(organizer, residents, emulator, client,
                                                                          move_shift):
    person = residents(1)[0]
    bind_phone(person, emulator, "13912345678")
    activity = create_activity(organizer)
    person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    user = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()["items"][0]["user"]
    assert (user["phone"], user["phone_masked"]) == (None, "139****5678")

    day = local(days=2, hour=8)
    shift = create_shift(organizer, create_site(organizer), starts_at=day)
    booking = book(person, shift).get_json()
    volunteer = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()["roles"][0]["volunteers"][0]
    assert (volunteer["user"]["phone"], volunteer["user"]["phone_masked"]) == (None, "139****5678")
    haizhu = community_id(client, "haizhu")
    duty = organizer.get(f"/api/v1/rosters/shifts?date={day.date().isoformat()}&community_id={haizhu}").get_json()
    volunteer = duty["shifts"][0]["roles"][0]["volunteers"][0]
    assert (volunteer["user"]["phone"], volunteer["user"]["phone_masked"]) == (None, "139****5678")

    starts_at = datetime.now(timezone.utc) - timedelta(hours=6)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=4))
    organizer.post(f"/api/v1/shift-bookings/{booking['id']}/check-in", json={"at": starts_at.isoformat(), "reason": "补签"})
    organizer.post(f"/api/v1/shift-bookings/{booking['id']}/check-out",
                   json={"at": (starts_at + timedelta(hours=1)).isoformat()})
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")  # only confirmed hours are reported
    span = f"from={(local() - timedelta(days=1)).date().isoformat()}&to={local().date().isoformat()}"
    [row] = organizer.get(f"/api/v1/rosters/hours?{span}").get_json()["items"]
    assert (row["phone"], row["phone_masked"]) == (None, "139****5678")
    # The files keep full numbers for the community's own organizers.
    rows = list(csv.reader(io.StringIO(
        organizer.get(f"/api/v1/rosters/hours?{span}&format=csv").data.decode("utf-8-sig"))))
    assert rows[1][-1] == "13912345678"
    rows = list(csv.reader(io.StringIO(
        organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv").data.decode("utf-8-sig"))))
    assert rows[1][3] == "13912345678"


def test_organizer_reveals_a_registrants_phone_and_the_reveal_is_audited(organizer, residents, emulator, clean_app):
    person = residents(1)[0]
    bind_phone(person, emulator, "13912345678")
    activity = create_activity(organizer)
    registration = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/phone")
    assert (response.status_code, response.get_json()) == (200, {"phone": "13912345678"})
    assert reveals(clean_app) == [(organizer.user["id"], "user", person.user["id"],
                                   {"activity_id": activity["id"], "registration_id": registration["id"]})]


def test_organizer_reveals_a_volunteers_phone_and_the_reveal_is_audited(organizer, residents, emulator, clean_app):
    person = residents(1)[0]
    bind_phone(person, emulator, "13912340000")
    shift = create_shift(organizer, create_site(organizer))
    booking = book(person, shift).get_json()
    response = organizer.post(f"/api/v1/shift-bookings/{booking['id']}/phone")
    assert (response.status_code, response.get_json()) == (200, {"phone": "13912340000"})
    assert reveals(clean_app) == [(organizer.user["id"], "user", person.user["id"],
                                   {"booking_id": booking["id"], "shift_id": shift["id"]})]


def test_a_person_without_a_phone_reveals_null(organizer, residents):
    activity = create_activity(organizer)
    registration = residents(1)[0].post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/phone")
    assert (response.status_code, response.get_json()) == (200, {"phone": None})


def test_a_registration_of_another_activity_is_404(organizer, residents, clean_app):
    first, second = create_activity(organizer), create_activity(organizer, title="另一场")
    registration = residents(1)[0].post(f"/api/v1/activities/{first['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{second['id']}/roster/{registration['id']}/phone")
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")
    assert reveals(clean_app) == []


def test_a_cancelled_booking_is_not_on_a_roster_and_is_404(organizer, residents, clean_app):
    person = residents(1)[0]
    shift = create_shift(organizer, create_site(organizer))
    booking = book(person, shift).get_json()
    assert person.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    response = organizer.post(f"/api/v1/shift-bookings/{booking['id']}/phone")
    assert (response.status_code, response.get_json()["error"]) == (404, "booking_not_found")
    assert organizer.post("/api/v1/shift-bookings/999999/phone").status_code == 404
    assert reveals(clean_app) == []
