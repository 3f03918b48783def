"""Test data built through the API, the way clients build it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(days=0, hour=10, minute=0):
    """An aware datetime `days` from today at `hour:minute` Shanghai time."""
    today = datetime.now(SHANGHAI).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=SHANGHAI)


def local_today():
    """Today's date in Shanghai (the app's APP_TIMEZONE): what the service calls today."""
    return datetime.now(SHANGHAI).date()


def soon(minutes=30):
    """An aware datetime `minutes` from now (Shanghai time): inside an activity's check-in window."""
    return datetime.now(SHANGHAI).replace(microsecond=0) + timedelta(minutes=minutes)


def community_id(client, code):
    items = client.get("/api/v1/communities").get_json()["items"]
    return next(c["id"] for c in items if c["code"] == code)


def activity_body(community, **overrides):
    starts_at = overrides.pop("starts_at", local(days=3))
    body = {
        "community_id": community,
        "title": "周末党课",
        "description": "学习交流",
        "category": "party_lesson",
        "venue": "党群服务中心",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "capacity": 5,
    }
    body.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in overrides.items()})
    return body


def create_activity(organizer, community="haizhu", publish=True, **overrides):
    """Create (and publish) an activity as `organizer`; returns its JSON."""
    body = activity_body(community_id(organizer.client, community), **overrides)
    response = organizer.post("/api/v1/activities", json=body)
    assert response.status_code == 201, response.get_json()
    activity = response.get_json()
    if publish:
        response = organizer.post(f"/api/v1/activities/{activity['id']}/publish")
        assert response.status_code == 200, response.get_json()
        activity = response.get_json()
    return activity


def create_site(organizer, community="haizhu", **overrides):
    body = {"community_id": community_id(organizer.client, community), "name": "北门卡口", "kind": "checkpoint",
            "address": "北门路口", "grid": "第一网格"}
    body.update(overrides)
    response = organizer.post("/api/v1/sites", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def create_shift(organizer, site, starts_at=None, hours=4, roles=None, **overrides):
    """A shift at `site` (default: in 3 days at 08:00 for `hours`) with posts `roles` [(name, capacity)]
    (`roles`: the posts, named as in the wire format)."""
    starts_at = starts_at or local(days=3, hour=8)
    body = {
        "site_id": site["id"],
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=hours)).isoformat(),
        "roles": [{"name": name, "capacity": capacity} for name, capacity in (roles or [("卡口值守", 2)])],
    }
    body.update(overrides)
    response = organizer.post("/api/v1/shifts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def book(session, shift, post_index=0):
    """Book the shift's post number `post_index` (the wire calls posts roles)."""
    return session.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": shift["roles"][post_index]["id"]})


def open_hours_query(booking_id, text="时长有疑问"):
    """An open hours query (申诉) on a booking, written directly (inside an app context): for walks over
    every console route, which need a row for `<query_id>`. Returns its id."""
    from server.extensions import db
    from server.models import Booking, HoursQuery

    booking = db.session.get(Booking, booking_id)
    query = HoursQuery(booking_id=booking.id, user_id=booking.user_id, text=text, status="open")
    db.session.add(query)
    db.session.commit()
    return query.id
