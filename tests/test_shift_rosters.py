"""Shift rosters, the day's duty roster (排班表) and the hours export; phones and audit."""

import csv
import io
from datetime import datetime, timedelta, timezone

import openpyxl
from factories import book, community_id, create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog


def with_phones(people, emulator):
    for index, person in enumerate(people):
        code = emulator.mint_phone_code(f"1391234{index:04d}")["code"]
        assert person.post("/api/v1/auth/phone", json={"code": code}).status_code == 200
    return people


def test_shift_roster_lists_volunteers_per_post(organizer, residents, emulator):
    shift = create_shift(organizer, create_site(organizer), roles=[("登记", 2), ("维持秩序", 3)])
    first, second = with_phones(residents(2), emulator)
    book(first, shift, 0)
    book(second, shift, 1)
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()
    posts = {post["name"]: post for post in roster["roles"]}
    assert [v["user"]["real_name"] for v in posts["登记"]["volunteers"]] == ["居民0"]
    volunteer = posts["维持秩序"]["volunteers"][0]
    assert volunteer["user"]["phone"] is None  # JSON rosters never show full numbers: reveal one at a time
    assert volunteer["user"]["phone_masked"] == "139****0001"
    assert set(volunteer) >= {"booking_id", "status", "checked_in_at", "checked_out_at", "minutes_credited"}


def test_admin_outside_the_community_sees_phones_masked(organizer, admin, residents, emulator):
    shift = create_shift(organizer, create_site(organizer))
    book(with_phones(residents(1), emulator)[0], shift)
    volunteer = admin.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()["roles"][0]["volunteers"][0]
    assert (volunteer["user"]["phone"], volunteer["user"]["phone_masked"]) == (None, "139****0000")
    csv_text = admin.get(f"/api/v1/shifts/{shift['id']}/roster?format=csv").data.decode("utf-8-sig")
    assert "13912340000" not in csv_text and "139****0000" in csv_text


def test_duty_roster_covers_all_sites_of_the_day_with_vacancies(organizer, other_organizer, residents, client):
    checkpoint = create_site(organizer)
    testing = create_site(organizer, name="核酸采样点", kind="testing_site")
    day = local(days=2)
    create_shift(organizer, checkpoint, starts_at=day.replace(hour=8), roles=[("卡口值守", 2)])
    morning = create_shift(organizer, testing, starts_at=day.replace(hour=8), roles=[("登记", 1), ("维持秩序", 2)])
    create_shift(organizer, checkpoint, starts_at=local(days=3, hour=8))  # another day
    create_shift(other_organizer, create_site(other_organizer, community="dachong"), starts_at=day.replace(hour=8))
    book(residents(1)[0], morning, 0)
    url = f"/api/v1/rosters/shifts?date={day.date().isoformat()}&community_id={community_id(client, 'haizhu')}"
    roster = organizer.get(url).get_json()
    assert roster["community"]["code"] == "haizhu"
    assert [s["site"]["name"] for s in roster["shifts"]] == ["北门卡口", "核酸采样点"]
    registering = roster["shifts"][1]["roles"][0]
    assert [v["user"]["real_name"] for v in registering["volunteers"]] == ["居民0"]

    rows = list(csv.reader(io.StringIO(organizer.get(url + "&format=csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["站点", "时段", "岗位", "姓名", "手机号", "状态", "签到时间", "签退时间", "签到方式"]
    assert ["北门卡口", "08:00-12:00", "卡口值守", "（空缺 2 人）"] == rows[1][:4]
    assert ["核酸采样点", "08:00-12:00", "登记", "居民0"] == rows[2][:4]
    assert rows[3][3] == "（空缺 2 人）"
    sheet = openpyxl.load_workbook(io.BytesIO(organizer.get(url + "&format=xlsx").data)).active
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "站点")  # below the title block
    assert list(header[:3]) == ["站点", "时段", "岗位"]


def test_duty_roster_defaults_to_the_organizers_only_community(organizer):
    assert organizer.get("/api/v1/rosters/shifts").get_json()["community"]["code"] == "haizhu"


def test_duty_roster_of_another_community_is_403(other_organizer, client):
    url = f"/api/v1/rosters/shifts?community_id={community_id(client, 'haizhu')}"
    assert other_organizer.get(url).status_code == 403


def test_hours_export_has_the_official_columns(organizer, residents, move_shift, emulator):
    site = create_site(organizer)
    shift = create_shift(organizer, site)
    volunteer = with_phones(residents(1), emulator)[0]
    booking = book(volunteer, shift).get_json()
    starts_at = datetime.now(timezone.utc) - timedelta(hours=6)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=4))
    url = f"/api/v1/shift-bookings/{booking['id']}"
    organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "忘记扫码"})
    organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(hours=3, minutes=30)).isoformat()})
    day = local().date().isoformat()
    start_day = (local() - timedelta(days=1)).date().isoformat()
    # Only confirmed hours are reported (issue 18).
    assert organizer.get(f"/api/v1/rosters/hours?from={start_day}&to={day}").get_json()["items"] == []
    volunteer.patch("/api/v1/me", json={"volunteer_number": "SZ2026001"})
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    report = organizer.get(f"/api/v1/rosters/hours?from={start_day}&to={day}").get_json()
    [row] = report["items"]
    assert (row["name"], row["phone"], row["site"], row["post"], row["minutes"], row["hours"]) == (
        "居民0", None, "北门卡口", "卡口值守", 210, 3.5)
    rows = list(csv.reader(io.StringIO(
        organizer.get(f"/api/v1/rosters/hours?from={start_day}&to={day}&format=csv").data.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "志愿者编号", "服务项目/站点", "服务日期", "开始时间", "结束时间", "服务时长（小时）",
                       "确认人", "确认时间", "手机号"]
    assert rows[1][0:3] == ["居民0", "SZ2026001", "北门卡口·卡口值守"] and rows[1][6] == "3.5"
    assert rows[1][7] and rows[1][8] and rows[1][9] == "13912340000"


def test_shift_exports_are_audited(organizer, clean_app, client):
    shift = create_shift(organizer, create_site(organizer))
    organizer.get(f"/api/v1/shifts/{shift['id']}/roster?format=xlsx")
    organizer.get("/api/v1/rosters/shifts?format=csv")
    organizer.get("/api/v1/rosters/hours?from=2026-01-01&to=2026-12-31&format=csv")
    with clean_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).all()
        assert [(r.target_type, r.detail["format"]) for r in rows] == [
            ("shift", "xlsx"), ("community", "csv"), ("community", "csv")]
        assert {r.actor_id for r in rows} == {organizer.user["id"]}


def test_unreminded_roster_keeps_booked_volunteers_without_a_reminder_left(organizer, residents, emulator, move_shift):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3)])
    subscribed, unreachable, absent = residents(3)
    emulator.accept_subscription("o-resident-0000", "tmpl-shift-reminder")
    assert subscribed.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-shift-reminder"]}).status_code == 200
    bookings = [book(person, shift).get_json() for person in (subscribed, unreachable, absent)]
    started = datetime.now(timezone.utc) - timedelta(minutes=10)
    move_shift(shift["id"], started, started + timedelta(hours=3))
    assert organizer.post(f"/api/v1/shift-bookings/{bookings[2]['id']}/no-show").status_code == 200

    everyone = organizer.get(f"/api/v1/shifts/{shift['id']}/roster").get_json()["roles"][0]["volunteers"]
    assert [(v["user"]["real_name"], v["reminder_credits"]) for v in everyone] == [("居民0", 1), ("居民1", 0), ("居民2", 0)]
    roster = organizer.get(f"/api/v1/shifts/{shift['id']}/roster?unreminded=true").get_json()
    assert [v["user"]["real_name"] for v in roster["roles"][0]["volunteers"]] == ["居民1"]
    csv_text = organizer.get(f"/api/v1/shifts/{shift['id']}/roster?unreminded=true&format=csv").data.decode("utf-8-sig")
    names = [row[3] for row in csv.reader(io.StringIO(csv_text))][1:]
    assert "居民1" in names and "居民0" not in names and "居民2" not in names
