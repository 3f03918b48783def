"""An activity's roster in the console and its API twins: walk-ins (代报名) through the sign-up's own
capacity rules, cancelling on someone's behalf (the waitlist moves; audited), check-in by hand,
exports, and what retention does to a walk-in's personal data.
"""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from factories import create_activity, soon
from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import race
from server.extensions import db
from server.models import Activity, AuditLog, Registration
from server.models.base import utcnow



def registrations_of(app, activity_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Registration).where(Registration.activity_id == activity_id).order_by(Registration.id)
        ).all()
        return [(r.user_id, r.walk_in_name, r.walk_in_phone, r.status, r.companions) for r in rows]


def walk_in(console, activity, **values):
    data = {"name": "王阿姨", "phone": "13800001111", "companions": "0", "remark": ""}
    data.update(values)
    return console.post(f"/console/activities/{activity['id']}/roster/walk-ins", data)


def field_error(response, field):
    match = re.search(rf'<div class="field-error" data-field="{field}">([^<]+)</div>', response.get_data(as_text=True))
    return match.group(1) if match else None


# --- walk-ins -----------------------------------------------------------------------------------


def test_a_walk_in_takes_places_like_a_sign_up_and_is_on_every_roster(desk, organizer, resident, clean_app):
    activity = create_activity(organizer, capacity=3, title="插花课")
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    console = desk()
    response = walk_in(console, activity, companions="1", remark="腿脚不便")
    assert response.status_code == 302
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "已为王阿姨代报名：已确认名额" in html
    assert "138****1111" in html and "13800001111" not in html  # masked on screen
    assert "代报名" in html
    # Full: the next one waits (the activity keeps a waitlist).
    response = walk_in(console, activity, name="李伯", phone="")
    assert response.status_code == 302
    assert "名额已满，已进入候补" in console.get(response.headers["Location"]).get_data(as_text=True)
    assert registrations_of(clean_app, activity["id"])[1:] == [
        (None, "王阿姨", "13800001111", "confirmed", 1),
        (None, "李伯", None, "waitlisted", 0),
    ]
    # The API's roster shows them (masked), and the exports (full number for the community's organizer).
    body = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    wang = next(item for item in body["items"] if item["user"]["real_name"] == "王阿姨")
    assert wang["walk_in"] is True and wang["user"]["id"] is None and wang["user"]["phone_masked"] == "138****1111"
    assert wang["registered_by"] and wang["reminder_credits"] == 0
    assert body["counts"]["places"] == 3 and body["counts"]["waitlisted"] == 1
    rows = list(csv.reader(io.StringIO(
        organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv").data.decode("utf-8-sig"))))
    start = [row[0] for row in rows].index("序号")
    assert ["王阿姨", "代报名", "13800001111", "已确认"] in [row[1:5] for row in rows[start + 1:]]
    # Searching by name or by phone finds the walk-in; by status too.
    roster = f"/console/activities/{activity['id']}/roster"
    assert "王阿姨" in console.get(f"{roster}?q=1111").get_data(as_text=True)  # the last four digits (尾号)
    assert "王阿姨" in console.get(f"{roster}?q=13800001111").get_data(as_text=True)  # the whole number
    # Any other part of the number finds nobody: the hidden middle digits cannot be found out by trying.
    for part in ("0000", "00001", "138000", "3800001111"):
        assert "王阿姨" not in console.get(f"{roster}?q={part}").get_data(as_text=True), part
    html = console.get(f"/console/activities/{activity['id']}/roster?status=waitlisted").get_data(as_text=True)
    assert "李伯" in html and "王阿姨" not in html
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditLog.action == "registration.walk_in")) == 2


def test_without_a_waitlist_a_walk_in_that_does_not_fit_is_refused(desk, organizer, clean_app):
    activity = create_activity(organizer, capacity=2, waitlist_enabled=False)
    console = desk()
    assert walk_in(console, activity, companions="1").status_code == 302
    response = walk_in(console, activity, name="李伯", phone="")
    assert response.status_code == 409
    assert "名额已满" in response.get_data(as_text=True)
    assert 'value="李伯"' in response.get_data(as_text=True)  # the form keeps what was typed
    assert len(registrations_of(clean_app, activity["id"])) == 1


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": ""}, "name"),
        ({"name": "很" * 51}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "1380000111x"}, "phone"),
        ({"companions": "-1"}, "companions"),
        ({"companions": "11"}, "companions"),
        ({"companions": "两个"}, "companions"),
        ({"remark": "长" * 201}, "remark"),
    ],
)
def test_bad_walk_in_forms_rerender_with_chinese_errors_and_save_nothing(desk, organizer, clean_app, values, field):
    activity = create_activity(organizer)
    response = walk_in(desk(), activity, **values)
    assert response.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", field_error(response, field) or "")
    assert registrations_of(clean_app, activity["id"]) == []


def test_the_same_phone_cannot_take_two_places(desk, organizer, clean_app):
    activity = create_activity(organizer)
    console = desk()
    assert walk_in(console, activity).status_code == 302
    response = walk_in(console, activity, name="王阿姨的女儿")
    assert response.status_code == 409 and "该手机号已在本活动报名" in response.get_data(as_text=True)
    assert len(registrations_of(clean_app, activity["id"])) == 1


def test_walk_ins_follow_the_sign_up_window(desk, organizer, clean_app):
    draft = create_activity(organizer, publish=False)
    console = desk()
    assert walk_in(console, draft).status_code == 409  # not published
    assert registrations_of(clean_app, draft["id"]) == []


def test_the_api_twin_registers_a_walk_in(organizer, resident, other_organizer, clean_app):
    activity = create_activity(organizer, capacity=1)
    path = f"/api/v1/activities/{activity['id']}/walk-ins"
    response = organizer.post(path, json={"name": "赵奶奶", "phone": "020-12345678", "companions": 0})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["walk_in"], body["user"]["real_name"]) == ("confirmed", True, "赵奶奶")
    assert body["user"]["phone"] is None and body["user"]["phone_masked"].endswith("5678")
    body = organizer.post(path, json={"name": "钱爷爷"}).get_json()
    assert (body["status"], body["waitlist_position"]) == ("waitlisted", 1)
    assert organizer.post(path, json={"name": ""}).get_json()["error"] == "validation_failed"
    assert organizer.post(path, json={"name": "x", "companions": "1"}).status_code == 422
    assert resident.post(path, json={"name": "孙"}).status_code == 403
    assert other_organizer.post(path, json={"name": "孙"}).status_code == 403
    assert organizer.post("/api/v1/activities/999999/walk-ins", json={"name": "孙"}).status_code == 404


# --- cancelling on someone's behalf --------------------------------------------------------------


def test_cancel_on_behalf_moves_the_waitlist_and_is_audited(desk, organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    mine = first.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    second.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    console = desk()
    url = f"/console/activities/{activity['id']}/roster/{mine['id']}/cancel"
    response = console.post(url, {"reason": ""})
    assert response.status_code == 422 and field_error(response, "reason")
    assert [r[3] for r in registrations_of(clean_app, activity["id"])] == ["confirmed", "waitlisted"]
    assert console.post(url, {"reason": "本人电话告知不来了"}).status_code == 302
    assert [r[3] for r in registrations_of(clean_app, activity["id"])] == ["cancelled", "confirmed"]
    assert [m["user_id"] for m in messages("cancelled_by_organizer")] == [first.user["id"]]
    assert [m["user_id"] for m in messages("waitlist_promoted")] == [second.user["id"]]
    with clean_app.app_context():
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "registration.cancel"))
        assert audit.target_id == mine["id"] and audit.detail["reason"] == "本人电话告知不来了"
    # Twice: it is no longer active.
    response = console.post(url, {"reason": "再取消一次"})
    assert response.status_code == 404


def test_the_api_twin_cancels_on_behalf(organizer, resident, other_organizer, clean_app):
    activity = create_activity(organizer, capacity=1)
    walk = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins", json={"name": "周阿姨"}).get_json()
    mine = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    assert mine["status"] == "waitlisted"
    path = f"/api/v1/activities/{activity['id']}/roster/{walk['registration_id']}/cancel"
    assert other_organizer.post(path, json={"reason": "x"}).status_code == 403
    assert resident.post(path, json={"reason": "x"}).status_code == 403
    assert organizer.post(path, json={}).status_code == 422
    response = organizer.post(path, json={"reason": "身体不适"})
    assert response.status_code == 200 and response.get_json() == {"status": "cancelled"}
    assert resident.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]["status"] == "confirmed"
    assert organizer.post(path, json={"reason": "身体不适"}).get_json()["error"] == "registration_not_found"


# --- check-in, exports, retention -------------------------------------------------------------------


def test_check_in_a_walk_in_by_hand(desk, organizer, clean_app):
    activity = create_activity(organizer, starts_at=soon(20))
    console = desk()
    assert walk_in(console, activity).status_code == 302
    registration_id = next(
        r.id for r in _rows(clean_app, activity["id"])
    )
    response = console.post(f"/console/activities/{activity['id']}/roster/{registration_id}/check-in")
    assert response.status_code == 302
    html = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "已签到" in html
    with clean_app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is not None


def _rows(app, activity_id):
    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.activity_id == activity_id)).all()
        db.session.expunge_all()
        return rows


def test_console_exports_are_audited_and_have_walk_ins(desk, organizer, clean_app):
    activity = create_activity(organizer, title="编织课")
    console = desk()
    walk_in(console, activity)
    response = console.get(f"/console/activities/{activity['id']}/roster/export?format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert "王阿姨" in [cell.value for row in sheet.iter_rows() for cell in row]
    response = console.get(f"/console/activities/{activity['id']}/roster/export?format=csv")
    assert "13800001111" in response.data.decode("utf-8-sig")
    with clean_app.app_context():
        formats = db.session.scalars(select(AuditLog.detail).where(AuditLog.action.like("%export%"))).all()
        assert len(formats) == 2


def test_retention_empties_an_old_walk_ins_name_and_phone(desk, organizer, clean_app, move_activity):
    from server.services.retention import purge_personal_data

    old, recent = create_activity(organizer, title="很久以前"), create_activity(organizer, title="上周")
    console = desk()
    walk_in(console, old)
    walk_in(console, recent)
    move_activity(old["id"], utcnow() - timedelta(days=4 * 365))
    move_activity(recent["id"], utcnow() - timedelta(days=7))
    with clean_app.app_context():
        purge_personal_data()
        db.session.commit()
    assert registrations_of(clean_app, old["id"]) == [(None, None, None, "confirmed", 0)]
    assert registrations_of(clean_app, recent["id"]) == [(None, "王阿姨", "13800001111", "confirmed", 0)]
    with clean_app.app_context():
        assert db.session.get(Activity, old["id"]).confirmed_count == 1  # the count stays


# --- concurrency --------------------------------------------------------------------------------


def test_racing_walk_ins_and_sign_ups_never_overbook(organizer, residents, live_server):
    activity = create_activity(organizer, capacity=4)
    people = residents(6)
    sign_up = f"/api/v1/activities/{activity['id']}/registrations"
    walk_ins = f"/api/v1/activities/{activity['id']}/walk-ins"
    requests_to_send = [("POST", sign_up, p.headers, {}) for p in people] + [
        ("POST", walk_ins, organizer.headers, {"name": f"现场{i}", "companions": i % 2}) for i in range(6)
    ]
    results = race(live_server.url, requests_to_send)
    assert {status for status, _ in results} == {201}, results
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    places = sum(1 + item["companions"] for item in roster["items"] if item["status"] == "confirmed")
    assert places == roster["activity"]["confirmed_count"] <= 4
    assert roster["counts"]["waitlisted"] == roster["activity"]["waitlist_count"] == 12 - roster["counts"]["confirmed"]


# --- in the browser -----------------------------------------------------------------------------


def test_a_walk_in_in_the_browser_respects_capacity_and_is_exported(console_login, organizer, resident, shot, clean_app):
    activity = create_activity(organizer, capacity=3, title="社区合唱排练")
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    page = console_login("demo-organizer")
    page.goto(f"/console/activities/{activity['id']}/roster")
    expect(page.locator("#places")).to_contain_text("1/3")
    form = page.locator("#walk-in")
    form.locator("input[name=name]").fill("陈阿婆")
    form.locator("input[name=phone]").fill("13900002222")
    form.locator("input[name=companions]").fill("1")
    form.get_by_role("button", name="代报名").click()
    expect(page.locator("#messages")).to_contain_text("已为陈阿婆代报名：已确认名额")
    expect(page.locator("#places")).to_contain_text("3/3")
    row = page.locator("table.roster tbody tr", has_text="陈阿婆")
    expect(row).to_contain_text("139****2222")
    expect(row).to_contain_text("已确认")
    # Full now: the next walk-in goes to the waitlist.
    form = page.locator("#walk-in")
    form.locator("input[name=name]").fill("林伯")
    form.get_by_role("button", name="代报名").click()
    expect(page.locator("#messages")).to_contain_text("名额已满，已进入候补")
    expect(page.locator("table.roster tbody tr", has_text="林伯")).to_contain_text("候补")
    expect(page.locator("#places")).to_contain_text("3/3")
    shot(page, "roster")
    with page.expect_download() as info:
        page.locator("#export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    names = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "陈阿婆" in names and "林伯" in names
