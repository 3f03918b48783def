"""Public list pages are cached, and every change they show invalidates them before the response."""

from factories import book, create_activity, create_shift, create_site
from sqlalchemy import update

from server.extensions import db
from server.models import Activity


def listed(session_or_client, path="/api/v1/activities"):
    return session_or_client.get(path).get_json()["items"]


def test_a_page_is_served_from_the_cache(organizer, client, clean_app):
    activity = create_activity(organizer, title="原标题")
    assert listed(client)[0]["title"] == "原标题"
    with clean_app.app_context():  # behind the app's back: no commit hook sees this
        db.session.execute(update(Activity).where(Activity.id == activity["id"]).values(title="悄悄改"))
        db.session.commit()
    assert listed(client)[0]["title"] == "原标题"
    organizer.patch(f"/api/v1/activities/{activity['id']}", json={"venue": "新场地"})
    assert listed(client)[0]["title"] == "悄悄改"


def test_the_place_count_is_fresh_as_soon_as_a_sign_up_returns(organizer, residents, client):
    activity = create_activity(organizer, capacity=3)
    listed(client)
    for expected, person in enumerate(residents(3), start=1):
        assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
        assert listed(client)[0]["confirmed_count"] == expected


def test_my_registration_is_the_callers_own(organizer, residents):
    activity = create_activity(organizer)
    signed_up, other = residents(2)
    signed_up.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert listed(signed_up)[0]["my_registration"]["status"] == "confirmed"
    assert listed(other)[0]["my_registration"] is None
    assert listed(signed_up)[0]["my_registration"]["status"] == "confirmed"


def test_shift_pages_show_bookings_at_once(organizer, residents, client):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 2)])
    assert listed(client, "/api/v1/shifts")[0]["roles"][0]["booked"] == 0
    first, second = residents(2)
    book(first, shift)
    assert listed(client, "/api/v1/shifts")[0]["roles"][0]["booked"] == 1
    assert listed(first, "/api/v1/shifts")[0]["my_booking"]["status"] == "booked"
    assert listed(second, "/api/v1/shifts")[0]["my_booking"] is None
    first.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert listed(client, "/api/v1/shifts")[0]["roles"][0]["booked"] == 0
