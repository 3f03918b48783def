"""Whatever a client sends, the console answers it without a server error (5xx).

The walk reads the routes from the app, as `test_authz_walk.py` does, and sends every console page and
action, as the organizer who owns the rows they name, query strings and form values a hand-edited URL
or a forged form can carry: NUL bytes, numbers too large for any column (or a float's range), digits
`int()` does not read ("²"), years 1 and 9999, non-UTF-8 bytes, very long text and repeated keys.
A new route is walked without being listed here.
"""

import re

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Booking, Registration

from factories import book, create_activity, create_shift, create_site, local, open_hours_query
from console.conftest import console_client, csrf_of
from console.test_authz_walk import SKIPPED_ENDPOINTS

HOSTILE = (
    "a\x00b",
    "99999999999999999999",
    "2147483648",
    "9999999999",
    "-1",
    "0",
    "1e400",
    "²",
    "١٢",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "23:59:60",
    "x" * 5000,
    "//evil.example/",
    "/console/\r\nSet-Cookie: a=b",
    "<script>alert(1)</script>",
    "NaN",
)
# Every name a console page reads from its query string or a form.
KEYS = (
    "page", "next", "q", "site", "week", "date", "from", "to", "community_id", "community", "status", "tab",
    "format", "kind", "archived", "party", "action", "actor", "date_from", "date_to", "category", "shift_id",
    "role_id", "post_id", "site_id", "reason", "name", "phone", "companions", "remark", "title", "starts_at",
    "ends_at", "signup_opens_at", "signup_closes_at", "capacity", "cancel_cutoff_minutes", "audience",
    "waitlist_enabled", "description", "version", "weekday", "slot_start", "slot_end", "post_name",
    "post_capacity", "notes", "party_members_only", "address", "grid", "was", "venue", "openid",
)
# Sent to a few keys at a time too (the others left out), so that an earlier refusal hides few of them.
ONE_AT_A_TIME = ("a\x00b", "99999999999999999999", "²", "0001-01-01", "9999-12-31T23:59", "/console/\r\nX: y")
CHUNKS = [KEYS[i : i + 6] for i in range(0, len(KEYS), 6)]
# Bytes no UTF-8 decoder reads, and a key sent many times.
RAW = ("q=%ff%fe&page=%ff&date=%c0%80&site=%ed%a0%80&next=%ff&from=%ff&name=%ff&reason=%ff",
       "&".join(["page=2", "page=x", "site=1", "site=%ff", "date=2024-01-01", "date=x"] * 100))


@pytest.fixture
def own_rows(organizer, resident, login, clean_app):
    """Rows of 海珠社区, whose organizer (demo-organizer) walks the console."""
    activity = create_activity(organizer, title="海珠活动", capacity=5)
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    site = create_site(organizer, name="海珠卡口")
    shift = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    party_member = login("demo-party-member")
    assert book(party_member, shift).status_code == 201
    with clean_app.app_context():
        booking_id = db.session.scalar(select(Booking.id).where(Booking.shift_id == shift["id"]))
        registration_id = db.session.scalar(select(Registration.id).where(Registration.activity_id == activity["id"]))
        query_id = open_hours_query(booking_id)
    swap = party_member.post(f"/api/v1/shift-bookings/{booking_id}/swap", json={})  # 换班, offered to anyone
    assert swap.status_code == 201, swap.get_json()
    return {
        "swap_id": swap.get_json()["id"],
        "activity_id": activity["id"], "registration_id": registration_id, "site_id": site["id"],
        "shift_id": shift["id"], "post_id": shift["roles"][0]["id"], "role_id": shift["roles"][0]["id"],
        "booking_id": booking_id, "user_id": resident.user["id"], "query_id": query_id,
        "qualification_id": organizer.post(f"/api/v1/communities/{site['community']['id']}/qualifications",
                                           json={"name": "海珠培训"}).get_json()["id"],
    }


@pytest.fixture
def owner(seeded, clean_app, emulator, login):
    return console_client(clean_app, login, emulator, "demo-organizer")


def paths(app, rows, method):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or rule.endpoint.startswith(SKIPPED_ENDPOINTS):
            continue
        if method not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(rows[name]), path)
        yield path


class Walk:
    """Sends requests and keeps every one answered with a server error (or an exception)."""

    def __init__(self, client):
        self.client = client
        self.failures = {}

    def send(self, method, path, **kwargs):
        try:
            response = self.client.open(path, method=method, **kwargs)
            status = response.status_code
            target = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
            if target and not target.removeprefix("http://localhost").startswith("/console/"):
                status = f"redirected to {target!r}"  # a redirect that leaves the console
        except Exception as exc:  # a view's exception: a 500 in production
            status = repr(exc)[:200]
        if not isinstance(status, int) or status >= 500:
            sent = kwargs.get("query_string") or kwargs.get("data")
            if isinstance(sent, dict):
                sent = {key: value[:30] for key, value in sent.items() if key != "csrf_token"}
                sent = f"{next(iter(sent.values()), '')!r} in {', '.join(sent)}"
            self.failures.setdefault((method, path, str(status)), str(sent)[:120])

    def check(self):
        assert not self.failures, "\n".join(f"{m} {p}: {s} with {sent}" for (m, p, s), sent in self.failures.items())


def test_no_query_string_makes_a_page_fail(own_rows, owner, clean_app):
    walk = Walk(owner)
    for path in paths(clean_app, own_rows, "GET"):
        for value in HOSTILE:
            walk.send("GET", path, query_string={key: value for key in KEYS})
        for value in ONE_AT_A_TIME:
            for keys in CHUNKS:
                walk.send("GET", path, query_string={key: value for key in keys})
        for raw in RAW:
            walk.send("GET", path, query_string=raw)
    walk.check()


def test_no_form_makes_an_action_fail(own_rows, owner, clean_app):
    walk = Walk(owner)
    token = csrf_of(owner.get("/console/"))
    for path in paths(clean_app, own_rows, "POST"):
        for value in HOSTILE:
            walk.send("POST", path, data={"csrf_token": token, **{key: value for key in KEYS}})
        for value in ONE_AT_A_TIME:
            for keys in CHUNKS:
                walk.send("POST", path, data={"csrf_token": token, **{key: value for key in keys}})
        for raw in RAW:
            walk.send("POST", path, data=f"csrf_token={token}&{raw}",
                     content_type="application/x-www-form-urlencoded")
    walk.check()


@pytest.mark.parametrize("target", ["/console/\r\nSet-Cookie: a=b", "/console/../api/v1/me", "/console/%2e%2e/api/v1/me",
                                    "/console/\\\\evil.example", "https://evil.example/console/", "//evil.example/console/"])
def test_a_return_address_outside_the_console_or_unfit_for_a_header_is_not_followed(own_rows, owner, organizer,
                                                                                   target):
    token = csrf_of(owner.get("/console/"))
    site = create_site(organizer, name="没有班次的卡口")["id"]
    response = owner.post(f"/console/sites/{site}/archive", data={"csrf_token": token, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/console/sites"
    response = owner.post(f"/console/sites/{site}/unarchive", data={"csrf_token": token, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/console/sites"
    response = owner.post(f"/console/members/{own_rows['user_id']}/party", data={"csrf_token": token, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/console/members"
    response = owner.get(f"/console/bookings/{own_rows['booking_id']}", query_string={"next": target})
    assert response.status_code == 200 and target.replace("\\", "") not in response.get_data(as_text=True)


def test_a_week_or_batch_outside_the_dates_the_schemas_take_is_refused_in_chinese(own_rows, owner):
    for week in ("0001-01-01", "9999-12-31"):
        response = owner.get("/console/shifts", query_string={"site": own_rows["site_id"], "week": week})
        assert response.status_code == 200  # the current week instead
    token = csrf_of(owner.get("/console/"))
    response = owner.post("/console/shifts/batch", data={
        "csrf_token": token, "site_id": str(own_rows["site_id"]), "date_from": "9999-12-30", "date_to": "9999-12-31",
        "weekday": [str(i) for i in range(7)], "slot_start": "08:00", "slot_end": "12:00", "post_name": "登记",
        "post_capacity": "2"})
    assert response.status_code == 422
    assert "2000-01-01 至 2099-12-31" in response.get_data(as_text=True)


def test_a_refusal_inside_the_console_is_a_page_not_the_apis_json(desk):
    """What werkzeug or the database refuse inside a console request (here a form larger than the
    service takes: 413) is answered with the API's status and Chinese message, shown as a console page."""
    console = desk()
    response = console.post("/console/activities/new", data={"description": "长" * 300_000})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "请求体过大" in response.get_data(as_text=True)
