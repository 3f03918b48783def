"""The hours page (志愿时长) in the console: the official system's columns per person, search, paging,
the community filter, the audited export; authorization and bad input."""

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from factories import book, community_id, create_shift, create_site, local
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog

from console.conftest import console_client


def scanned_ticket(emulator):
    codes = [c for c in emulator.codes() if c["page"] == "packageOrganizer/pages/console-login/index"]
    return codes[-1]["scene"]


def served(organizer, residents, move_shift, emulator, names=("王五", "赵六"), hours_ago=(5, 2)):
    """Each name served at 北门卡口 `hours_ago` from now for the listed hours: checked in and out by the organizer."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    site = create_site(organizer)
    people = residents(len(names))
    for index, (person, name) in enumerate(zip(people, names)):
        person.patch("/api/v1/me", json={"real_name": name})
        person.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code(f"1391234{index:04d}")["code"]})
    for offset, start_hours in enumerate(hours_ago):
        shift = create_shift(organizer, site, starts_at=local(days=3 + offset, hour=8), roles=[("测温", 50)])
        booking_ids = [book(person, shift).get_json()["id"] for person in people]  # booked while ahead
        starts_at = now - timedelta(hours=start_hours)
        move_shift(shift["id"], starts_at, starts_at + timedelta(hours=1))
        for booking_id in booking_ids:
            response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/check-in",
                                      json={"at": starts_at.isoformat(), "reason": "补签"})
            assert response.status_code == 200, response.get_json()
            response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/check-out",
                                      json={"at": (starts_at + timedelta(minutes=45)).isoformat()})
            assert response.status_code == 200, response.get_json()
        # Only confirmed hours are reported (issue 18).
        assert organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").status_code == 200
    return people


def date_range():
    today = datetime.now(timezone(timedelta(hours=8))).date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


def test_hours_page_per_person_with_search_and_export(console_login, organizer, residents, move_shift, emulator,
                                                      shot, clean_app):
    served(organizer, residents, move_shift, emulator)
    first, last = date_range()
    page = console_login("demo-organizer")
    page.goto(f"/console/hours?from={first}&to={last}")
    table = page.locator("table.hours-table")
    for header in ("姓名", "志愿者编号", "手机号", "服务项目/站点", "服务日期", "开始时间", "结束时间", "服务时长（小时）",
                   "确认人", "确认时间"):
        expect(table.locator("thead")).to_contain_text(header)
    expect(table.locator("td.person")).to_have_text(["王五", "赵六"])
    expect(table.locator("tr.subtotal").first).to_contain_text("1.50")
    expect(table).to_contain_text("139****0000")
    expect(table).not_to_contain_text("13912340000")
    shot(page, "hours")

    page.get_by_label("姓名").fill("赵")
    page.get_by_role("button", name="查询").click()
    expect(table.locator("td.person")).to_have_text(["赵六"])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "志愿时长" in download.suggested_filename
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 CSV").click()
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "姓名,志愿者编号,服务项目/站点,服务日期,开始时间,结束时间,服务时长（小时）,确认人,确认时间,手机号"
    assert "13912340001" in csv_text  # full numbers in the file, for the community's own organizer
    with clean_app.app_context():
        audits = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).all()
        assert sorted(a.detail["format"] for a in audits) == ["csv", "xlsx"]
        assert {a.detail["kind"] for a in audits} == {"hours"}


def test_hours_pages_by_person(clean_app, organizer, residents, move_shift, emulator, login):
    names = tuple(f"志愿者{index:02d}" for index in range(23))
    served(organizer, residents, move_shift, emulator, names=names, hours_ago=(3,))
    first, last = date_range()
    client = console_client(clean_app, login, emulator, "demo-organizer")
    html = client.get(f"/console/hours?from={first}&to={last}").get_data(as_text=True)
    assert "共 23 人" in html and "第 1/2 页" in html
    assert len(re.findall(r'class="person"', html)) == 20
    html = client.get(f"/console/hours?from={first}&to={last}&page=2").get_data(as_text=True)
    assert len(re.findall(r'class="person"', html)) == 3
    html = client.get(f"/console/hours?from={first}&to={last}&page=99999999999").get_data(as_text=True)
    assert "第 1/2 页" in html


def test_hours_of_another_community_are_refused(clean_app, organizer, other_organizer, residents, move_shift,
                                                emulator, login):
    served(organizer, residents, move_shift, emulator)
    first, last = date_range()
    haizhu = community_id(organizer.client, "haizhu")
    client = console_client(clean_app, login, emulator, "o-dachong-organizer")
    own = client.get(f"/console/hours?from={first}&to={last}")
    assert own.status_code == 200 and "王五" not in own.get_data(as_text=True)
    assert client.get(f"/console/hours?from={first}&to={last}&community_id={haizhu}").status_code == 403
    response = client.get(f"/console/hours/export?from={first}&to={last}&community_id={haizhu}&format=xlsx")
    assert response.status_code == 403


def test_hours_bad_input(clean_app, organizer, login, emulator):
    client = console_client(clean_app, login, emulator, "demo-organizer")
    assert client.get("/console/hours").status_code == 200  # this month
    for query in ("from=9999-99-99", "to=abc", "from=2026-12-01&to=2026-11-01", "from=2020-01-01&to=2026-01-01",
                  "community_id=99999999999999", "community_id=2147483647", "from=1800-01-01"):
        response = client.get(f"/console/hours?{query}")
        assert response.status_code == 422, query
        assert "field-error" in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert client.get("/console/hours/export?format=pdf").status_code == 422
    assert client.get("/console/hours/export?from=9999-99-99&format=csv").status_code == 422
    assert client.get("/console/hours?q=" + "长" * 500).status_code == 200
