"""The statistics page (统计) and the year report (年度报告) in the console: charts drawn, tables equal
to `compute_stats` and to `GET /api/v1/stats` for the same period, the report's print layout and
captions, the XLSX workbook (one sheet per table, audited); authorization and bad input."""

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from factories import SHANGHAI, book, community_id, create_activity, create_shift, create_site, soon
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User
from server.services.stats import compute_stats
from server.services.stats_report import approx, headlines

YEAR = datetime.now(SHANGHAI).year
PERIOD = (date(YEAR, 1, 1), date(YEAR, 12, 31))
API_PERIOD = f"from={YEAR}-01-01&to={YEAR}-12-31"

# (category, month, [(resident index, companions)], resident indexes checked in)
ACTIVITIES = [
    ("party_lesson", 2, [(0, 1), (1, 0), (2, 0)], [0, 1]),
    ("youth", 3, [(1, 0), (2, 2), (3, 0)], [1, 2, 3]),
    ("women_children", 5, [(0, 2), (4, 0)], [0]),
    ("party_lesson", 7, [(3, 0), (4, 0), (5, 1)], [3, 4, 5]),
    ("culture", 9, [(0, 0), (5, 0)], [0, 5]),
]


def history(organizer, other_organizer, residents, move_activity, move_shift, emulator):
    """A small year: activities of 海珠社区 in five months (companions, check-ins), one of 大冲社区,
    shifts at a checkpoint and a service centre with volunteers checked in and out."""
    people = residents(6)
    for index, person in enumerate(people):
        person.patch("/api/v1/me", json={"real_name": f"志愿者{index}"})
    for category, month, registrants, checked_in in ACTIVITIES:
        activity = create_activity(organizer, title=f"{month}月活动", category=category, starts_at=soon(30), capacity=6)
        registration_ids = {}
        for index, companions in registrants:
            response = people[index].post(f"/api/v1/activities/{activity['id']}/registrations",
                                          json={"companions": companions})
            assert response.status_code == 201, response.get_json()
            registration_ids[index] = response.get_json()["id"]
        for index in checked_in:
            response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration_ids[index]}/check-in")
            assert response.status_code == 200, response.get_json()
        move_activity(activity["id"], datetime(YEAR, month, 12, 9, 30, tzinfo=SHANGHAI))
    other = create_activity(other_organizer, community="dachong", title="大冲活动", category="elderly",
                            starts_at=soon(30), capacity=4)
    move_activity(other["id"], datetime(YEAR, 4, 8, 9, 30, tzinfo=SHANGHAI))

    now = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    plans = [
        (create_site(organizer), [(3, [0, 1, 2]), (6, [1, 2])]),
        (create_site(organizer, name="党群服务中心值班", kind="service_center"), [(8, [3, 4])]),
    ]
    for site, shifts in plans:
        for month, volunteers in shifts:
            shift = create_shift(organizer, site, roles=[("值守", 4)])
            booking_ids = [book(people[index], shift).get_json()["id"] for index in volunteers]
            starts_at = now - timedelta(hours=3)
            move_shift(shift["id"], starts_at, starts_at + timedelta(hours=2))
            for offset, booking_id in enumerate(booking_ids):
                for action, minutes in (("check-in", 0), ("check-out", 60 + 30 * offset)):
                    response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/{action}",
                                              json={"at": (starts_at + timedelta(minutes=minutes)).isoformat(),
                                                    "reason": "补签"})
                    assert response.status_code == 200, response.get_json()
            # Only confirmed hours count (issue 18).
            assert organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").status_code == 200
            moved = datetime(YEAR, month, 20, 8, tzinfo=SHANGHAI)
            move_shift(shift["id"], moved, moved + timedelta(hours=2))
    return people


def expected(app, openid, group_by, community=None):
    """compute_stats for the user `openid` over this year: what the page must show."""
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.openid == openid))
        return compute_stats(actor, *PERIOD, community_id=community, group_by=group_by)


def shown(value, kind):
    """A figure as the page shows it (independent of the page's own formatting code)."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value / 60:.1f}"
    return str(value)


def table_rows(sheet, first_header):
    """The rows of a sheet's table, under its header row (the one starting with `first_header`)."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(index for index, row in enumerate(rows) if row[0] == first_header)
    return rows[start + 1:]


def kind_of(figure):
    return {"fill_rate": "rate", "no_show_rate": "rate", "volunteer_minutes": "hours"}.get(figure, "count")


def table_cells(page, group_by):
    """`{row key: {figure: text}}` of a statistics table in the page."""
    return page.locator(f"table[data-table='{group_by}']").evaluate(
        """table => Object.fromEntries([...table.querySelectorAll('tr[data-key]')].map(row => [row.dataset.key,
             Object.fromEntries([...row.querySelectorAll('td[data-figure]')].map(td => [td.dataset.figure,
               td.textContent.trim()]))]))"""
    )


def assert_table_matches(page, app, openid, group_by):
    stats = expected(app, openid, group_by)
    cells = table_cells(page, group_by)
    assert set(cells) == {group.key for group in stats.groups} | {"total"}
    checked = 0
    for group in [*stats.groups, None]:
        row = cells[group.key if group else "total"]
        figures = group if group else stats.totals
        for figure, text in row.items():
            if figure == "label":
                assert text == group.label if group else text == "合计"
                continue
            assert text == shown(getattr(figures, figure), kind_of(figure)), (group_by, figure, row)
            checked += 1
    assert checked


@pytest.fixture
def year_of_history(organizer, other_organizer, residents, move_activity, move_shift, emulator):
    return history(organizer, other_organizer, residents, move_activity, move_shift, emulator)


def test_stats_page_draws_charts_and_tables_equal_compute_stats(year_of_history, console_login, clean_app, shot):
    page = console_login("demo-admin")
    page.goto("/console/stats")
    expect(page.locator("h1")).to_contain_text(f"{YEAR}-01-01 至 {YEAR}-12-31")
    expect(page.locator(".sidebar a.active")).to_have_text("统计")
    charts = page.locator(".chart")
    assert charts.count() == 6  # month ×2, category, community, site kind ×2
    for index in range(charts.count()):
        expect(charts.nth(index).locator("svg").first).to_be_attached()
    totals = expected(clean_app, "demo-admin", None).totals
    expect(page.locator(".stats-cards [data-figure='activities_held']")).to_have_text(str(totals.activities_held))
    expect(page.locator(".stats-cards [data-figure='people_served']")).to_have_text(str(totals.people_served))
    for group_by in ("month", "category", "community", "site_kind"):
        assert_table_matches(page, clean_app, "demo-admin", group_by)
    shot(page, "stats")

    # Drill down: a community's row opens its activities in the period.
    row = page.locator("table[data-table='community'] tr", has_text="海珠社区")
    row.get_by_role("link", name="查看活动").click()
    page.wait_for_url("**/console/activities?**")
    assert f"date_from={YEAR}-01-01" in page.url and f"date_to={YEAR}-12-31" in page.url and "community_id=" in page.url
    expect(page.locator("table")).to_contain_text("2月活动")
    expect(page.locator("table")).not_to_contain_text("大冲活动")

    # Printing keeps the charts and drops the sidebar and the filters.
    page.go_back()
    page.emulate_media(media="print")
    expect(page.locator(".sidebar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("#chart-month-activities svg").first).to_be_visible()


def test_stats_page_of_an_organizer_names_their_volunteers(year_of_history, console_login, clean_app):
    page = console_login("demo-organizer")
    page.goto(f"/console/stats?from={YEAR}-03-01&to={YEAR}-06-30")
    expect(page.locator("table[data-table='community']")).to_have_count(0)  # one community: no such table
    with clean_app.app_context():
        actor = db.session.scalar(select(User).where(User.openid == "demo-organizer"))
        stats = compute_stats(actor, date(YEAR, 3, 1), date(YEAR, 6, 30), group_by="month")
    assert [g.key for g in stats.groups] == [f"{YEAR}-0{m}" for m in (3, 4, 5, 6)]
    cells = table_cells(page, "month")
    for group in stats.groups:
        assert cells[group.key]["activities_held"] == str(group.activities_held)
    top = page.locator("table[data-table='top'] tbody tr")
    expect(top.first).to_contain_text(stats.top_volunteers[0].name)
    page.get_by_role("link", name="查看本期活动").click()
    page.wait_for_url(f"**/console/activities?**date_from={YEAR}-03-01**")
    expect(page.locator("table")).to_contain_text("3月活动")
    expect(page.locator("table")).not_to_contain_text("2月活动")


def test_report_prints_on_a4_with_captions_and_its_workbook_equals_the_api(year_of_history, organizer, console_login,
                                                                        clean_app, shot):
    api = organizer.get(f"/api/v1/stats?{API_PERIOD}&group_by=month").get_json()
    totals = api["totals"]
    page = console_login("demo-organizer")
    page.goto(f"/console/report?year={YEAR}")
    expect(page.locator("h1")).to_have_text(f"海珠社区 {YEAR} 年党群服务年度报告")
    caption = f"开展党群活动{totals['activities_held']}场，服务居民{approx(totals['people_served'])}人次"
    expect(page.locator(".report-captions li").first).to_have_text(caption)
    expect(page.locator(".report-figures [data-figure='people_served']")).to_have_text(str(totals["people_served"]))
    for chart in ("#chart-month-activities", "#chart-category"):
        expect(page.locator(f"{chart} svg").first).to_be_attached()
    cells = table_cells(page, "category")
    assert cells["party_lesson"]["activities_held"] == "2"

    expect(page.locator(".sidebar a.active")).to_have_text("年度报告")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    expect(page.locator(".sidebar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator(".report-captions")).to_be_visible()
    expect(page.locator("#chart-category svg").first).to_be_visible()
    assert page.locator("#chart-category svg").first.bounding_box()["width"] < 400  # scaled to half the paper
    shot(page, "report")
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 768})

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 Excel").click()
    download = download_info.value
    assert download.suggested_filename == f"海珠社区 {YEAR} 年党群服务年度报告.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert workbook.sheetnames == ["总览", "按月", "按活动类别", "按站点类型", "志愿时长前十"]
    overview = {row[0]: row[1] for row in workbook["总览"].iter_rows(values_only=True) if row[0] and len(row) > 1}
    assert overview["活动场次"] == totals["activities_held"]
    assert overview["服务人次"] == totals["people_served"]
    assert overview["岗位填充率"] == totals["fill_rate"]
    months = [row for row in workbook["按月"].iter_rows(values_only=True) if str(row[0]).startswith(f"{YEAR}年")]
    assert [(row[0], row[1]) for row in months] == [(g["label"], g["activities_held"]) for g in api["groups"]]
    top = table_rows(workbook["志愿时长前十"], "排名")
    assert [(row[1], row[2]) for row in top] == [(p["name"], p["community"]) for p in api["top_volunteers"]]
    with clean_app.app_context():
        audits = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).all()
    assert [(a.detail["kind"], a.detail["year"], a.detail["format"]) for a in audits] == [
        ("stats_report", YEAR, "xlsx")]


def test_admins_report_covers_every_community(year_of_history, desk, admin, clean_app):
    console = desk("demo-admin")
    page = console.get(f"/console/report?year={YEAR}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "大冲社区" in text and "海珠社区" in text
    assert f"全街道 {YEAR} 年党群服务年度报告" in text  # the demo's communities name no 街道
    response = console.get(f"/console/report.xlsx?year={YEAR}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["总览", "按月", "按活动类别", "按社区", "按站点类型", "志愿时长前十"]
    api = admin.get(f"/api/v1/stats?{API_PERIOD}&group_by=community").get_json()
    rows = {row[0]: row for row in workbook["按社区"].iter_rows(values_only=True)}
    for group in api["groups"]:
        assert rows[group["label"]][1] == group["activities_held"]
    assert all(person["name"] is None for person in api["top_volunteers"])
    assert {row[1] for row in table_rows(workbook["志愿时长前十"], "排名")} == {"—"}


def test_another_communitys_organizer_is_refused_its_scope(seeded, other_organizer, organizer, desk, clean_app):
    haizhu = community_id(organizer.client, "haizhu")
    console = desk("o-dachong-organizer")
    for url in (f"/console/stats?community_id={haizhu}", f"/console/report?year={YEAR}&community_id={haizhu}",
                f"/console/report.xlsx?year={YEAR}&community_id={haizhu}"):
        response = console.get(url)
        assert response.status_code == 403, url
        assert "text/html" in response.content_type
    with clean_app.app_context():
        assert db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).all() == []
    # Its own community is fine.
    assert console.get("/console/stats").status_code == 200
    assert console.get("/console/report.xlsx").status_code == 200


@pytest.mark.parametrize("url, message", [
    ("/console/stats?from=2026-12-01&to=2026-01-01", "结束日期不能早于开始日期"),
    ("/console/stats?from=2024-01-01&to=2026-01-01", "366"),
    ("/console/stats?from=%00", "不是有效的日期"),
    ("/console/stats?from=2026-13-01", ""),
    ("/console/stats?to=1-01-01", ""),
    ("/console/stats?community_id=%00", "不是有效的整数"),
    ("/console/stats?community_id=-1", ""),
    ("/console/stats?community_id=99999999999", ""),
    ("/console/report?year=1", "2000"),
    ("/console/report?year=99999", "2099"),
    ("/console/report?year=%00", "不是有效的整数"),
    ("/console/report?year=二〇二六", ""),
    ("/console/report?year=2026&community_id=x", ""),
    ("/console/report.xlsx?year=1", "2000"),
    ("/console/report.xlsx?year=%00", ""),
])
def test_bad_input_is_a_chinese_4xx_page(desk, url, message):
    response = desk("demo-organizer").get(url)
    assert 400 <= response.status_code < 500, url
    assert "text/html" in response.content_type
    body = response.get_data(as_text=True)
    assert message in body
    assert "输入有误" in body or "参数有误" in body or "field-error" in body


def test_an_unknown_community_is_404_for_admins(desk):
    console = desk("demo-admin")
    assert console.get("/console/stats?community_id=999999").status_code == 404
    assert console.get(f"/console/report?year={YEAR}&community_id=999999").status_code == 404


def test_captions_round_the_way_a_report_words_them():
    assert [approx(n) for n in (0, 7, 99, 100, 364, 1000, 1999, 3000, 3012, 9999, 10000, 12345, 150000, 153000)] == [
        "0", "7", "99", "100", "360余", "1000", "1900余", "3000", "3000余", "9900余", "1万", "1.2万余", "15万",
        "15万余",
    ]
    totals = {"activities_held": 364, "people_served": 3012, "signups": 0, "residents_reached": 0,
              "waitlist_unserved": 0, "shifts_run": 0, "volunteer_minutes": 0, "fill_rate": None, "new_volunteers": 0}
    assert headlines(totals) == ["开展党群活动364场，服务居民3000余人次"]
