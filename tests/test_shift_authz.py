"""The authorization walk over every organizer endpoint of shifts: as a resident, as an organizer of
another community, as the organizer, and as an admin."""

from datetime import datetime, timedelta, timezone

import pytest
from factories import book, community_id, create_shift, create_site, local

ENDPOINTS = [
    ("create site", "POST", "/api/v1/sites", "site_body"),
    ("edit site", "PATCH", "/api/v1/sites/{site}", {"address": "新地址"}),
    ("site checkin code", "GET", "/api/v1/sites/{site}/checkin-code", None),
    ("create shift", "POST", "/api/v1/shifts", "shift_body"),
    ("batch", "POST", "/api/v1/shifts/batch", "batch_body"),
    ("cancel shift", "POST", "/api/v1/shifts/{shift}/cancel", {"reason": "撤点"}),
    ("check in for someone", "POST", "/api/v1/shift-bookings/{booking}/check-in", {"reason": "现场登记"}),
    ("no-show", "POST", "/api/v1/shift-bookings/{started_booking}/no-show", None),
    ("shift roster", "GET", "/api/v1/shifts/{shift}/roster", None),
    ("shift roster xlsx", "GET", "/api/v1/shifts/{shift}/roster?format=xlsx", None),
    ("duty roster", "GET", "/api/v1/rosters/shifts?community_id={haizhu}&date={day}", None),
    ("duty roster csv", "GET", "/api/v1/rosters/shifts?community_id={haizhu}&date={day}&format=csv", None),
    ("hours", "GET", "/api/v1/rosters/hours?community_id={haizhu}&from={day}&to={day}", None),
]


@pytest.fixture
def actors(resident, organizer, other_organizer, admin):
    return {"resident": resident, "other organizer": other_organizer, "organizer": organizer, "admin": admin}


def targets(organizer, volunteer, move_shift, n, client):
    site = create_site(organizer, name=f"卡口{n}")
    shift = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    booking = book(volunteer, shift).get_json()
    started = create_shift(organizer, site, starts_at=local(days=4, hour=8))
    started_booking = book(volunteer, started).get_json()
    now = datetime.now(timezone.utc)
    move_shift(started["id"], now - timedelta(minutes=30), now + timedelta(hours=2))
    move_shift(shift["id"], now - timedelta(minutes=20), now + timedelta(hours=3, minutes=1))
    haizhu = community_id(client, "haizhu")
    day = local(days=n + 10)
    return {
        "site": site["id"], "shift": shift["id"], "booking": booking["id"],
        "started_booking": started_booking["id"], "haizhu": haizhu, "day": local().date().isoformat(),
        "site_body": {"community_id": haizhu, "name": f"新站点{n}", "kind": "other"},
        "shift_body": {"site_id": site["id"], "starts_at": day.isoformat(),
                       "ends_at": (day + timedelta(hours=2)).isoformat(), "roles": [{"name": "测温", "capacity": 1}]},
        "batch_body": {"site_id": site["id"], "dates": [day.date().isoformat()],
                       "slots": [{"start": "14:00", "end": "16:00"}], "roles": [{"name": "测温", "capacity": 1}]},
    }


def snapshot(organizer, t):
    return (organizer.get(f"/api/v1/shifts/{t['shift']}/roster").get_json(),
            organizer.get(f"/api/v1/sites?community_id={t['haizhu']}&page_size=100").get_json(),
            organizer.get(f"/api/v1/shifts?community_id={t['haizhu']}&page_size=100").get_json())


@pytest.mark.parametrize("name, method, path, body", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_organizer_endpoint_walk(actors, organizer, login, move_shift, client, name, method, path, body):
    volunteer = login("o-walk-volunteer")
    for n, (role, allowed) in enumerate([("resident", False), ("other organizer", False),
                                         ("organizer", True), ("admin", True)]):
        t = targets(organizer, volunteer, move_shift, n, client)
        payload = t[body] if isinstance(body, str) else body
        before = snapshot(organizer, t)
        session = actors[role]
        response = session.client.open(path.format(**t), method=method, headers=session.headers, json=payload)
        if allowed:
            assert response.status_code in (200, 201), (role, response.get_json())
        else:
            assert response.status_code == 403, (role, response.status_code, response.get_data(as_text=True))
            assert response.get_json()["error"] == "forbidden"
            assert snapshot(organizer, t) == before, f"{role} changed something with a refused {name}"


def test_phone_reveal_walk(actors, organizer, login, emulator, client, clean_app):
    """Only the community's own organizers reveal a volunteer's number (admins may not); a refused
    reveal writes nothing to the audit log and tells nothing of the number."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import AuditLog

    volunteer = login("o-walk-volunteer")
    code = emulator.mint_phone_code("13912340000")["code"]
    assert volunteer.post("/api/v1/auth/phone", json={"code": code}).status_code == 200
    site = create_site(organizer)
    for n, (role, allowed) in enumerate([("resident", False), ("other organizer", False), ("admin", False),
                                         ("organizer", True)]):
        shift = create_shift(organizer, site, starts_at=local(days=2 + n, hour=8))
        booking = book(volunteer, shift).get_json()
        session = actors[role]
        response = session.post(f"/api/v1/shift-bookings/{booking['id']}/phone")
        if allowed:
            assert (response.status_code, response.get_json()) == (200, {"phone": "13912340000"})
        else:
            assert (response.status_code, response.get_json()["error"]) == (403, "forbidden"), role
            assert "13912340000" not in response.get_data(as_text=True)
    with clean_app.app_context():
        reveals = db.session.scalars(select(AuditLog).where(AuditLog.action == "phone.reveal")).all()
        assert [r.actor_id for r in reveals] == [organizer.user["id"]]
