"""The duty roster page (排班表) and the booking actions (调岗, 释放) in the console: in a real browser
(vacancies red, the print stylesheet, the XLSX export) and with the test client (authorization, bad
input, the move and release forms)."""

import re
from datetime import datetime, timedelta, timezone

from factories import book, create_shift, create_site, local
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog

from console.conftest import console_client

TOMORROW = local(days=1).date().isoformat()


def scanned_ticket(emulator):
    """The ticket of the last console login code the emulator drew: what a phone would scan."""
    codes = [c for c in emulator.codes() if c["page"] == "packageOrganizer/pages/console-login/index"]
    return codes[-1]["scene"]


def csrf_of(client, path="/console/duty-roster"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def plan_day(organizer, residents, emulator=None):
    """Tomorrow: 北门卡口 08:00 with 登记 (2 places, one booked) and 测温 (1, booked); 南门卡口 14:00 unbooked."""
    north = create_site(organizer, name="北门卡口")
    south = create_site(organizer, name="南门卡口", address="南门路 1 号")
    morning = create_shift(organizer, north, starts_at=local(days=1, hour=8), roles=[("登记", 2), ("测温", 1)])
    afternoon = create_shift(organizer, south, starts_at=local(days=1, hour=14), roles=[("卡口值守", 2)])
    first, second = residents(2)
    first.patch("/api/v1/me", json={"real_name": "张三"})
    second.patch("/api/v1/me", json={"real_name": "李四"})
    if emulator is not None:
        for person, phone in ((first, "13912345678"), (second, "13687654321")):
            person.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code(phone)["code"]})
    bookings = [book(first, morning, 0).get_json()["id"], book(second, morning, 1).get_json()["id"]]
    return morning, afternoon, bookings


def test_duty_roster_shows_vacancies_in_red_prints_without_the_sidebar_and_exports(
        console_login, organizer, residents, shot, clean_app, emulator):
    plan_day(organizer, residents, emulator)
    page = console_login("demo-organizer")
    page.goto(f"/console/duty-roster?date={TOMORROW}")
    expect(page.locator("h1.page-title")).to_contain_text(TOMORROW)
    expect(page.locator(".duty-site h3").first).to_contain_text("北门卡口")
    expect(page.locator(".duty-table")).to_have_count(2)
    vacancies = page.locator("tr.vacant")
    expect(vacancies).to_have_count(2)  # 登记 1 left, 南门 2 left
    expect(vacancies.first).to_contain_text("空缺 1 人")
    red = vacancies.first.locator("td.vacancy").evaluate("td => getComputedStyle(td).color")
    assert red == "rgb(185, 28, 28)", red
    expect(page.locator("table.duty-table").first).to_contain_text("张三")
    expect(page.locator("table.duty-table").first).to_contain_text("139****5678")
    expect(page.locator("table.duty-table").first).not_to_contain_text("13912345678")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    shot(page, "duty-roster")

    page.emulate_media(media="print")
    expect(page.locator("aside.sidebar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator(".booking-actions").first).to_be_hidden()
    expect(page.locator("tr.vacant").first).to_be_visible()
    expect(page.locator(".signature-line")).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "排班表" in download.suggested_filename
    with clean_app.app_context():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).one()
        assert audit.detail["kind"] == "duty_roster" and audit.detail["format"] == "xlsx"


def test_an_organizer_moves_and_releases_from_the_roster(console_login, organizer, residents):
    morning, afternoon, (first_booking, _) = plan_day(organizer, residents)
    page = console_login("demo-organizer")
    page.goto(f"/console/duty-roster?date={TOMORROW}")
    row = page.locator("tr", has_text="张三")
    row.get_by_role("link", name="调岗").click()
    expect(page.locator("h1.page-title")).to_contain_text("张三")
    target = page.locator(".move-targets tr", has_text="南门卡口")
    target.get_by_role("button", name="调到这里").click()
    expect(page.locator("#messages")).to_contain_text("已将张三调至 南门卡口")
    assert page.url.endswith(f"/console/duty-roster?date={TOMORROW}")
    expect(page.locator(".duty-site", has_text="南门卡口")).to_contain_text("张三")

    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has_text="李四")
    row.locator("input[name=reason]").fill("临时有事，由组织者释放")
    row.get_by_role("button", name="释放").click()
    expect(page.locator("#messages")).to_contain_text("已释放李四")
    expect(page.locator(".duty-site", has_text="北门卡口")).not_to_contain_text("李四")


# --- the test client: rules, authorization, bad input --------------------------------------------------


def test_an_organizer_of_another_community_sees_none_of_it(clean_app, organizer, other_organizer, residents,
                                                           login, emulator):
    morning, _, (booking_id, _) = plan_day(organizer, residents)
    haizhu = morning["site"]["community"]["id"]
    client = console_client(clean_app, login, emulator, "o-dachong-organizer")
    own = client.get(f"/console/duty-roster?date={TOMORROW}")
    assert own.status_code == 200
    assert "张三" not in own.get_data(as_text=True) and "北门卡口" not in own.get_data(as_text=True)
    assert client.get(f"/console/duty-roster?date={TOMORROW}&community_id={haizhu}").status_code == 403
    response = client.get(f"/console/duty-roster/export?date={TOMORROW}&community_id={haizhu}&format=xlsx")
    assert response.status_code == 403
    assert client.get(f"/console/bookings/{booking_id}").status_code == 403
    token = csrf_of(client)
    response = client.post(f"/console/bookings/{booking_id}/move", data={
        "csrf_token": token, "shift_id": morning["id"], "role_id": morning["roles"][1]["id"]})
    assert response.status_code == 403
    response = client.post(f"/console/bookings/{booking_id}/release", data={"csrf_token": token, "reason": "x"})
    assert response.status_code == 403
    assert "张三" in organizer.get(f"/api/v1/shifts/{morning['id']}/roster").get_data(as_text=True)


def test_bad_input_gives_clean_answers(clean_app, organizer, residents, login, emulator):
    plan_day(organizer, residents)
    client = console_client(clean_app, login, emulator, "demo-organizer")
    for query in ("date=9999-99-99", "date=abc", "date=1900-01-01", "community_id=99999999999999",
                  "community_id=-1", "community_id=abc"):
        response = client.get(f"/console/duty-roster?{query}")
        assert response.status_code == 422, query
        assert "field-error" in response.get_data(as_text=True), query
    assert client.get("/console/duty-roster?community_id=2147483647").status_code == 422  # no such community
    assert client.get("/console/duty-roster").status_code == 200  # today, default
    assert client.get("/console/duty-roster/export?date=9999-99-99").status_code == 422
    assert client.get(f"/console/bookings/{2**40}").status_code == 404
    assert client.get("/console/bookings/99999").status_code == 404


def test_the_move_and_release_forms_refuse_with_chinese_errors(clean_app, organizer, residents, login, emulator,
                                                              move_shift):
    morning, afternoon, (first_booking, second_booking) = plan_day(organizer, residents)
    client = console_client(clean_app, login, emulator, "demo-organizer")
    token = csrf_of(client)
    # A full post: refused, nothing moved.
    response = client.post(f"/console/bookings/{first_booking}/move", data={
        "csrf_token": token, "shift_id": morning["id"], "role_id": morning["roles"][1]["id"]})
    assert response.status_code == 409
    assert "已约满" in response.get_data(as_text=True)
    # Bad ids.
    response = client.post(f"/console/bookings/{first_booking}/move", data={
        "csrf_token": token, "shift_id": "abc", "role_id": str(2**40)})
    assert response.status_code == 422
    assert "不是有效的整数" in response.get_data(as_text=True)
    # Release: a reason is required, also after the cutoff.
    now = datetime.now(timezone.utc)
    move_shift(morning["id"], now + timedelta(minutes=60), now + timedelta(hours=4))  # inside the 120-minute cutoff
    response = client.post(f"/console/bookings/{second_booking}/release", data={"csrf_token": token, "reason": " "})
    assert response.status_code == 422
    assert "请填写释放原因" in response.get_data(as_text=True)
    response = client.post(f"/console/bookings/{second_booking}/release",
                           data={"csrf_token": token, "reason": "身体不适", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/duty-roster")
    # No CSRF token: refused.
    response = client.post(f"/console/bookings/{first_booking}/release", data={"reason": "x"})
    assert response.status_code == 400
