"""The console's shifts: the week grid, batch creation, a shift's page with edit (the move rules, stale
forms refused) and cancel; bad input and other communities' organizers refused."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from console.conftest import console_client
from factories import community_id, local
from server.extensions import db
from server.models import Shift


@pytest.fixture
def desk(clean_app, seeded, login, emulator):
    return console_client(clean_app, login, emulator, "demo-organizer")


@pytest.fixture
def site(organizer, client):
    body = {"community_id": community_id(client, "haizhu"), "name": "核酸采样点", "kind": "testing_site",
            "address": "社区文化广场"}
    response = organizer.post("/api/v1/sites", json=body)
    assert response.status_code == 201
    return response.get_json()


def next_monday():
    today = local().date()
    return today + timedelta(days=7 - today.weekday())


def shift_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Shift))


def make_shift(organizer, site, days=3, hour=8, hours=4, posts=(("登记", 2),)):
    response = organizer.post("/api/v1/shifts", json={
        "site_id": site["id"], "starts_at": local(days=days, hour=hour).isoformat(),
        "ends_at": local(days=days, hour=hour + hours).isoformat(),
        "roles": [{"name": name, "capacity": capacity} for name, capacity in posts]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def batch_form(desk, site, **overrides):
    monday = next_monday()
    form = {
        "csrf_token": desk.csrf, "site_id": str(site["id"]), "date_from": monday.isoformat(),
        "date_to": (monday + timedelta(days=2)).isoformat(), "weekday": [str(i) for i in range(7)],
        "slot_start": ["08:00", "14:00", ""], "slot_end": ["12:00", "18:00", ""],
        "post_name": ["登记", "维持秩序", ""], "post_capacity": ["2", "3", ""], "notes": "",
    }
    form.update(overrides)
    return form


def test_batch_creation_fills_the_week_grid(desk, site, clean_app):
    response = desk.post("/console/shifts/batch", data=batch_form(desk, site))
    assert response.status_code == 302
    assert shift_count(clean_app) == 6
    html = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert html.count('class="cell vacant') == 6
    assert html.count(">0/2<") == 6 and html.count(">0/3<") == 6
    # The previous week has none of them; the links lead there and back.
    previous = (next_monday() - timedelta(days=7)).isoformat()
    assert f"week={previous}" in html
    assert "class=\"cell" not in desk.get(f"/console/shifts?site={site['id']}&week={previous}").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, fields",
    [
        ({"site_id": ""}, ["site_id"]),
        ({"site_id": "abc"}, ["site_id"]),
        ({"date_from": "", "date_to": "2026-13-40"}, ["date_from", "date_to"]),
        ({"date_to": "2020-01-01"}, ["date_to"]),
        ({"weekday": []}, ["weekday"]),
        ({"slot_start": ["", ""], "slot_end": ["", ""]}, ["slots"]),
        ({"slot_start": ["08:00", "25:00"], "slot_end": ["", "18:00"]}, ["slot.0.end", "slot.1.start"]),
        ({"slot_start": ["08:00", "10:00"], "slot_end": ["12:00", "14:00"]}, ["slots"]),
        ({"post_name": ["", ""], "post_capacity": ["", ""]}, ["roles"]),
        ({"post_name": ["登记", "维持秩序"], "post_capacity": ["abc", "0"]}, ["post.0.capacity", "post.1.capacity"]),
        ({"post_name": ["", "维持秩序"], "post_capacity": ["2", "3"]}, ["post.0.name"]),
        ({"post_name": ["登记", "登记"], "post_capacity": ["2", "3"]}, ["roles"]),
        ({"notes": "备" * 1001}, ["notes"]),
    ],
)
def test_bad_batch_input_re_renders_with_chinese_field_errors(desk, site, clean_app, overrides, fields):
    response = desk.post("/console/shifts/batch", data=batch_form(desk, site, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name in fields:
        match = re.search(rf'data-field="{re.escape(name)}">([^<]+)<', html)
        assert match and re.search(r"[\u4e00-\u9fff]", match.group(1)), (name, html[html.find("alert"):][:300])
    assert shift_count(clean_app) == 0


def test_a_batch_in_the_past_or_clashing_saves_nothing(desk, site, organizer, clean_app):
    yesterday = (local().date() - timedelta(days=1)).isoformat()
    response = desk.post("/console/shifts/batch", data=batch_form(desk, site, date_from=yesterday, date_to=yesterday))
    assert response.status_code == 422 and 'data-field="dates"' in response.get_data(as_text=True)
    monday = next_monday()
    existing = make_shift(organizer, site, days=(monday - local().date()).days + 1, hour=14)
    response = desk.post("/console/shifts/batch", data=batch_form(desk, site))
    assert response.status_code == 409 and "已有相同时段的班次" in response.get_data(as_text=True)
    assert shift_count(clean_app) == 1
    assert existing["id"]


def test_editing_a_shift_applies_the_rules_and_refuses_a_stale_form(desk, site, organizer, resident, clean_app):
    shift = make_shift(organizer, site)
    html = desk.get(f"/console/shifts/{shift['id']}").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]*)"', html).group(1)
    starts = local(days=3, hour=8).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": desk.csrf, "version": version, "starts_at": starts, "party_members_only__present": "1",
            "ends_at": local(days=3, hour=12).strftime("%Y-%m-%dT%H:%M")}

    for bad, field in (({"ends_at": local(days=3, hour=7).strftime("%Y-%m-%dT%H:%M")}, "ends_at"),
                       ({"ends_at": "明天"}, "ends_at"), ({"starts_at": "", "ends_at": ""}, "starts_at"),
                       ({"notes": "备" * 1001}, "notes")):
        response = desk.post(f"/console/shifts/{shift['id']}/edit", data={**form, **bad})
        assert response.status_code == 422, bad
        if field:
            assert f'data-field="{field}"' in response.get_data(as_text=True)

    # The move rules: a booked volunteer who is not a party member keeps the shift open to all.
    assert resident.post(f"/api/v1/shifts/{shift['id']}/bookings",
                         json={"role_id": shift["roles"][0]["id"]}).status_code == 201
    response = desk.post(f"/console/shifts/{shift['id']}/edit",
                         data={**form, "ends_at": local(days=3, hour=12).strftime("%Y-%m-%dT%H:%M"),
                               "party_members_only": "true"})
    assert response.status_code == 409 and "非党员" in response.get_data(as_text=True)

    new_end = local(days=3, hour=13)
    response = desk.post(f"/console/shifts/{shift['id']}/edit",
                         data={**form, "ends_at": new_end.strftime("%Y-%m-%dT%H:%M"), "notes": "请带好工作证"})
    assert response.status_code == 302
    # The form opened before that save is stale now: refused, nothing saved.
    response = desk.post(f"/console/shifts/{shift['id']}/edit",
                         data={**form, "ends_at": local(days=3, hour=11).strftime("%Y-%m-%dT%H:%M"), "notes": "旧"})
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in response.get_data(as_text=True)
    with clean_app.app_context():
        row = db.session.get(Shift, shift["id"])
        assert row.ends_at == new_end and row.notes == "请带好工作证" and not row.party_members_only


def test_cancelling_needs_a_reason(desk, site, organizer, clean_app):
    shift = make_shift(organizer, site)
    url = f"/console/shifts/{shift['id']}/cancel"
    for reason in ("", "因" * 201):
        response = desk.post(url, data={"csrf_token": desk.csrf, "reason": reason})
        assert response.status_code == 422
        assert re.search(r'data-field="reason">[^<]*[\u4e00-\u9fff]', response.get_data(as_text=True))
    with clean_app.app_context():
        assert db.session.get(Shift, shift["id"]).status == "open"
    assert desk.post(url, data={"csrf_token": desk.csrf, "reason": "天气原因"}).status_code == 302
    assert desk.post(url, data={"csrf_token": desk.csrf, "reason": "再次"}).status_code == 409
    html = desk.get(f"/console/shifts?site={site['id']}&week={local(days=3).date().isoformat()}").get_data(as_text=True)
    assert "cancelled" in html and "已取消" in html
    with clean_app.app_context():
        row = db.session.get(Shift, shift["id"])
        assert row.status == "cancelled" and row.cancel_reason == "天气原因"


def test_another_communitys_organizer_gets_403_or_404_everywhere(
    site, organizer, other_organizer, clean_app, login, emulator
):
    shift = make_shift(organizer, site)
    outsider = console_client(clean_app, login, emulator, "o-dachong-organizer")
    sid, shid = site["id"], shift["id"]
    for url in (f"/console/shifts?site={sid}", f"/console/shifts/{shid}", "/console/shifts/999999",
                "/console/shifts?site=999999"):
        assert outsider.get(url).status_code in (403, 404), url
    assert "核酸采样点" not in outsider.get("/console/shifts").get_data(as_text=True)
    assert f'<option value="{sid}"' not in outsider.get("/console/shifts/batch").get_data(as_text=True)
    ends = local(days=3, hour=13).strftime("%Y-%m-%dT%H:%M")
    for url, data in (
        (f"/console/shifts/{shid}/edit", {"ends_at": ends, "version": ""}),
        (f"/console/shifts/{shid}/cancel", {"reason": "越权"}),
        ("/console/shifts/batch", batch_form(outsider, site)),
    ):
        response = outsider.post(url, data={**data, "csrf_token": outsider.csrf})
        assert response.status_code in (403, 404), (url, response.status_code)
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Shift)) == 1
        row = db.session.get(Shift, shid)
        assert row.status == "open" and row.ends_at == local(days=3, hour=12)


def test_planning_a_week_in_the_grid(console_login, site, resident, shot, clean_app):
    page = console_login("demo-organizer")
    page.get_by_role("link", name="排班", exact=True).click()
    expect(page.locator("table.week-grid")).to_contain_text("本周没有班次")
    page.get_by_role("link", name="批量创建班次").first.click()
    monday = next_monday()
    page.get_by_label("站点").select_option(label="核酸采样点（海珠社区）")
    page.get_by_label("开始日期").fill(monday.isoformat())
    page.get_by_label("结束日期").fill((monday + timedelta(days=4)).isoformat())
    page.get_by_label("周六").uncheck()
    page.get_by_label("周日").uncheck()
    page.get_by_label("时段1开始").fill("08:00")
    page.get_by_label("时段1结束").fill("12:00")
    page.get_by_label("时段2开始").fill("14:00")
    page.get_by_label("时段2结束").fill("18:00")
    for row, (name, capacity) in enumerate((("登记", "2"), ("维持秩序", "3"), ("测温", "1")), start=1):
        page.get_by_label(f"岗位{row}名称").fill(name)
        page.get_by_label(f"岗位{row}名额").fill(capacity)
    page.get_by_role("button", name="创建班次").click()

    expect(page.locator("#messages")).to_contain_text("已创建 10 个班次")
    grid = page.locator("table.week-grid")
    expect(grid.locator("td.cell")).to_have_count(10)
    expect(grid.locator("td.cell.vacant")).to_have_count(10)  # nobody booked yet: every cell red
    first = grid.locator(f'td.cell[data-day="{monday.isoformat()}"]').first
    expect(first).to_contain_text("登记0/2")
    expect(first).to_contain_text("维持秩序0/3")
    expect(first.locator(".post-vacant").first).to_have_css("color", "rgb(185, 28, 28)")
    expect(grid.locator("td.cell", has_text="测温0/1")).to_have_count(10)

    # A volunteer books one post; the shift's page lists them with the phone masked.
    shift_id = int(first.locator("a.cell-link").get_attribute("data-shift-id"))
    with clean_app.app_context():
        post = db.session.get(Shift, shift_id).posts[0]
        post_id = post.id
    assert resident.post(f"/api/v1/shifts/{shift_id}/bookings", json={"role_id": post_id}).status_code == 201
    page.reload()
    expect(first).to_contain_text("登记1/2")
    shot(page, "shifts")
    first.locator("a.cell-link").click()
    bookings = page.locator("#shift-bookings")
    expect(bookings).to_contain_text("李小梅")
    expect(bookings).to_contain_text("138****0001")
    expect(bookings).not_to_contain_text("13800000001")
    expect(page.locator("table.posts tr.vacant")).to_have_count(3)
    shot(page, "shift")
