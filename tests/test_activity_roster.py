"""Rosters: JSON with counts, CSV with BOM and XLSX with Chinese headers, every export audited."""

import csv
import io

import openpyxl
from factories import create_activity
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog


def roster(organizer, activity, fmt="json"):
    return organizer.get(f"/api/v1/activities/{activity['id']}/roster?format={fmt}")


def fill(activity, people):
    for index, person in enumerate(people):
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": index % 2, "remark": "带孩子"})


def test_json_roster_counts_agree_with_items(organizer, residents, emulator):
    activity = create_activity(organizer, capacity=3)
    people = residents(4)
    for person in people:
        person.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code("13912345678")["code"]})
    fill(activity, people)
    people[0].delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    body = roster(organizer, activity).get_json()
    statuses = [item["status"] for item in body["items"]]
    assert body["counts"] == {
        "confirmed": statuses.count("confirmed"),
        "waitlisted": statuses.count("waitlisted"),
        "cancelled": 1,
        **dict.fromkeys(("offered", "pending", "entered", "expired", "rejected", "not_drawn"), 0),
        "checked_in": 0,
        "places": body["activity"]["confirmed_count"],
    }
    assert statuses == sorted(statuses, key=["confirmed", "waitlisted", "cancelled"].index)
    item = body["items"][0]
    assert set(item) >= {"registration_id", "user", "status", "companions", "remark", "registered_at", "checked_in_at"}
    assert item["user"]["phone_masked"] == "139****5678"
    assert item["user"]["phone"] is None  # JSON rosters never show full numbers: reveal one at a time


def test_csv_export_has_bom_and_chinese_headers(organizer, residents):
    activity = create_activity(organizer, title="亲子绘本会")
    fill(activity, residents(2))
    response = roster(organizer, activity, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''%E4%BA%B2" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["序号", "姓名", "昵称", "手机号", "状态"]
    assert [row[1] for row in rows[1:]] == ["居民0", "居民1"]
    assert rows[1][4] == "已确认"


def test_xlsx_export_opens_with_the_same_rows(organizer, residents):
    activity = create_activity(organizer)
    fill(activity, residents(3))
    response = roster(organizer, activity, "xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    start = [row[0] for row in rows].index("序号")  # below the title block
    assert len(rows) - start == 4
    assert rows[start + 1][1] == "居民0"


def test_every_export_is_audited(organizer, residents, clean_app):
    activity = create_activity(organizer)
    fill(activity, residents(1))
    roster(organizer, activity, "csv")
    roster(organizer, activity, "xlsx")
    roster(organizer, activity, "json")
    with clean_app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "roster.export")).all()
        assert [(r.actor_id, r.target_type, r.target_id, r.detail["format"], r.detail["rows"]) for r in rows] == [
            (organizer.user["id"], "activity", activity["id"], "csv", 1),
            (organizer.user["id"], "activity", activity["id"], "xlsx", 1),
        ]


def test_unknown_format_is_422(organizer):
    activity = create_activity(organizer)
    assert roster(organizer, activity, "pdf").status_code == 422


def test_residents_see_no_other_persons_data(organizer, residents):
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    fill(activity, [first, second])
    seen = second.get(f"/api/v1/activities/{activity['id']}").get_data(as_text=True)
    assert "居民0" not in seen
    assert "13800" not in seen
    assert roster(second, activity).status_code == 403


def test_files_label_every_status_in_chinese_with_waitlist_positions(organizer, residents):
    activity = create_activity(organizer, capacity=1, title="社区义诊")
    people = residents(4)
    for person in people:
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    people[3].delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    response = roster(organizer, activity, "csv")
    assert "filename*=UTF-8''" + "%E7%A4%BE%E5%8C%BA%E4%B9%89%E8%AF%8A-%E6%8A%A5%E5%90%8D%E5%90%8D%E5%8D%95.csv" in (
        response.headers["Content-Disposition"]
    )  # 社区义诊-报名名单.csv
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "姓名", "昵称", "手机号", "状态", "候补顺位", "同行人数", "备注", "报名时间", "签到时间"]
    assert [(row[0], row[1], row[4], row[5]) for row in rows[1:]] == [
        ("1", "居民0", "已确认", ""),
        ("2", "居民1", "候补", "1"),
        ("3", "居民2", "候补", "2"),
        ("4", "居民3", "已取消", ""),
    ]
    body = roster(organizer, activity).get_json()
    assert [item["waitlist_position"] for item in body["items"]] == [None, 1, 2, None]
