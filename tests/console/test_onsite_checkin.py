"""On-site check-in in the console: the site form's GCJ-02 point and radius (both or neither, bounds,
Chinese errors), and 代签到 (manual check-in with a reason, audited) on the duty roster, whose rows
then say how each check-in was made. In a real browser and with the test client."""

import re
from datetime import datetime, timedelta, timezone

from factories import book, create_shift, create_site, local
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, Booking, Site

from console.conftest import console_client


def now():
    return datetime.now(timezone.utc)


def csrf_of(client, path="/console/sites"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_an_organizer_sets_a_sites_point_and_radius(console_login, shot, clean_app):
    page = console_login("demo-organizer")
    page.goto("/console/sites/new")
    expect(page.locator(".site-location")).to_contain_text("坐标拾取器")
    expect(page.locator(".site-location")).to_contain_text("GCJ-02")
    page.get_by_label("站点名称").fill("市民中心卡口")
    page.get_by_label("类型").select_option(label="卡口")
    page.get_by_label("纬度").fill("22.5431")
    page.get_by_label("经度").fill("114.0579")
    page.get_by_label("签到范围（米）").fill("150")
    shot(page, "site-form-location")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已添加站点：市民中心卡口")
    expect(page.locator("tr", has_text="市民中心卡口")).to_contain_text("已标注 · 150 米内")
    with clean_app.app_context():
        site = db.session.scalars(select(Site).where(Site.name == "市民中心卡口")).one()
        assert (site.latitude, site.longitude, site.checkin_radius_m) == (22.5431, 114.0579, 150)
        site_id = site.id
    # Editing: clearing both removes the point.
    page.goto(f"/console/sites/{site_id}/edit")
    expect(page.get_by_label("纬度")).to_have_value("22.5431")
    page.get_by_label("纬度").fill("")
    page.get_by_label("经度").fill("")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已保存站点")
    with clean_app.app_context():
        site = db.session.get(Site, site_id)
        assert (site.latitude, site.longitude, site.checkin_radius_m) == (None, None, 150)


def test_bad_points_re_render_with_chinese_errors_and_save_nothing(clean_app, seeded, login, emulator):
    desk = console_client(clean_app, login, emulator, "demo-organizer")
    csrf = csrf_of(desk)
    base = {"csrf_token": csrf, "name": "北门", "kind": "checkpoint", "community_id": "1"}
    cases = [
        ({"latitude": "22.5"}, "longitude"),
        ({"longitude": "114.0"}, "latitude"),
        ({"latitude": "91", "longitude": "114"}, "latitude"),
        ({"latitude": "22.5", "longitude": "东经114度"}, "longitude"),
        ({"latitude": "nan", "longitude": "114"}, "latitude"),
        ({"latitude": "1e999", "longitude": "114"}, "latitude"),
        ({"latitude": "9" * 400, "longitude": "114"}, "latitude"),
        ({"latitude": "22.5", "longitude": "114", "checkin_radius_m": "10"}, "checkin_radius_m"),
        ({"latitude": "22.5", "longitude": "114", "checkin_radius_m": "5000"}, "checkin_radius_m"),
        ({"latitude": "22.5", "longitude": "114", "checkin_radius_m": "两百"}, "checkin_radius_m"),
    ]
    with clean_app.app_context():
        before = db.session.query(Site).count()
    for form, field in cases:
        response = desk.post("/console/sites/new", data={**base, **form})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (form, response.status_code)
        assert f'data-field="{field}"' in html, (form, field)
        assert re.search(r'class="field-error"[^>]*>[^<]*[\u4e00-\u9fff]', html), form
    with clean_app.app_context():
        assert db.session.query(Site).count() == before


def _under_way(organizer, residents, move_shift):
    site = create_site(organizer, name="北门卡口", latitude=22.5431, longitude=114.0579)
    shift = create_shift(organizer, site, starts_at=local(days=1, hour=8), roles=[("登记", 2)])
    first, second = residents(2)
    first.patch("/api/v1/me", json={"real_name": "张三"})
    second.patch("/api/v1/me", json={"real_name": "李四"})
    bookings = [book(first, shift).get_json()["id"], book(second, shift).get_json()["id"]]
    starts_at = now() - timedelta(minutes=20)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=4))
    return shift, bookings, starts_at


def test_an_organizer_checks_a_volunteer_in_by_hand_with_a_reason(
        console_login, organizer, residents, move_shift, shot, clean_app):
    shift, (first, second), starts_at = _under_way(organizer, residents, move_shift)
    day = (starts_at + timedelta(hours=8)).date().isoformat()  # the local (UTC+8) date of the shift
    page = console_login("demo-organizer")
    page.goto(f"/console/duty-roster?date={day}")
    row = page.locator("tr", has_text="张三")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator(".manual-checkin-form input[name=reason]").fill("手机没电，现场核实身份")
    row.get_by_role("button", name="代签到").click()
    expect(page.locator("#messages")).to_contain_text("已为张三代为签到")
    row = page.locator("tr", has_text="张三")
    expect(row).to_contain_text("已签到")
    expect(row).to_contain_text("组织者代签：手机没电，现场核实身份")
    expect(page.locator("tr", has_text="李四").get_by_role("button", name="代签到")).to_be_visible()
    shot(page, "duty-roster-manual-checkin")
    with clean_app.app_context():
        booking = db.session.get(Booking, first)
        assert (booking.checkin_method, booking.checkin_reason) == ("manual", "手机没电，现场核实身份")
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "booking.check_in_manual")).one()
        assert audit.target_id == first
    page.goto(f"/console/shifts/{shift['id']}")
    expect(page.locator("#shift-bookings tr", has_text="张三")).to_contain_text("组织者代签")


def test_the_manual_check_in_form_refuses_without_a_reason(clean_app, organizer, residents, move_shift, login,
                                                           emulator):
    shift, (first, _), _ = _under_way(organizer, residents, move_shift)
    desk = console_client(clean_app, login, emulator, "demo-organizer")
    csrf = csrf_of(desk)
    for reason in ("", "   ", "长" * 201):
        response = desk.post(f"/console/bookings/{first}/check-in", data={"csrf_token": csrf, "reason": reason})
        assert response.status_code == 422, reason
        assert re.search(r"原因", response.get_data(as_text=True))
    with clean_app.app_context():
        assert db.session.get(Booking, first).checked_in_at is None
    # Not a 5xx for a booking that does not exist.
    response = desk.post("/console/bookings/999999/check-in", data={"csrf_token": csrf, "reason": "补签"})
    assert response.status_code == 404


def test_no_manual_check_in_before_the_check_in_opens(clean_app, organizer, residents, login, emulator):
    site = create_site(organizer, name="北门卡口")
    shift = create_shift(organizer, site, starts_at=local(days=2, hour=8))
    (person,) = residents(1)
    booking_id = book(person, shift).get_json()["id"]
    desk = console_client(clean_app, login, emulator, "demo-organizer")
    html = desk.get(f"/console/shifts/{shift['id']}").get_data(as_text=True)
    assert "代签到" not in html
    response = desk.post(f"/console/bookings/{booking_id}/check-in", data={"csrf_token": csrf_of(desk), "reason": "x"})
    assert response.status_code == 409
    assert "签到" in response.get_data(as_text=True)
