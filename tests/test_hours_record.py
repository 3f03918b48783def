"""Volunteer hours as a record (志愿服务记录): the credited-hours rule, confirmation, corrections with
history, queries (申诉) and answers, the same confirmed figures everywhere, the export's columns, the
proof of service, and who may do what."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from factories import book, create_shift, create_site, local
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, HoursChange, HoursQuery, User
from server.services import hours_record
from test_attendance_record import pdf_text


def rule(unit=1, rounding="down", minimum=0, cap=0):
    return {"unit": unit, "rounding": rounding, "minimum": minimum, "cap": cap}


@pytest.mark.parametrize("worked, the_rule, credited", [
    (230, rule(), 230),
    (230, rule(unit=15), 225),  # down
    (230, rule(unit=15, rounding="up"), 240),
    (232, rule(unit=15, rounding="nearest"), 225),
    (233, rule(unit=15, rounding="nearest"), 240),  # 232.5 and above: half up
    (25, rule(minimum=30), 0),  # below the minimum: nothing
    (30, rule(minimum=30), 30),
    (29, rule(unit=30, rounding="up", minimum=30), 30),  # rounded first, then the minimum
    (600, rule(cap=480), 480),
    (0, rule(unit=15, rounding="up"), 0),
])
def test_the_rule(app, worked, the_rule, credited):
    with app.app_context():
        assert hours_record.credit(worked, the_rule) == credited


def test_the_rule_comes_from_the_settings(make_app):
    app = make_app(HOURS_ROUNDING_UNIT_MINUTES=30, HOURS_ROUNDING="up", HOURS_MINIMUM_MINUTES=60, HOURS_CAP_MINUTES=240)
    with app.app_context():
        assert hours_record.rule() == rule(30, "up", 60, 240)
        assert [hours_record.credit(m) for m in (25, 45, 61, 500)] == [0, 60, 90, 240]


def test_the_settings_are_checked():
    from server.config import UnsafeSettings, check_settings, load_settings

    config = {**load_settings(), "APP_ENV": "development", "HOURS_ROUNDING": "sideways", "HOURS_ROUNDING_UNIT_MINUTES": 0,
              "HOURS_CAP_MINUTES": -1}
    with pytest.raises(UnsafeSettings) as info:
        check_settings(config)
    assert {p.split()[0].split("=")[0] for p in info.value.problems} >= {
        "HOURS_ROUNDING", "HOURS_ROUNDING_UNIT_MINUTES", "HOURS_CAP_MINUTES"}


@pytest.fixture
def served(organizer, residents, move_shift):
    """`served(n, minutes)`: n residents checked in and out by the organizer of one shift that ended an hour
    ago; returns (shift, [(session, booking)])."""

    def make(count=2, minutes=(150, 95)):
        shift = create_shift(organizer, create_site(organizer), roles=[("测温", 10)])
        people = residents(count)
        bookings = [book(person, shift).get_json() for person in people]
        starts_at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=4)
        move_shift(shift["id"], starts_at, starts_at + timedelta(hours=3))
        for booking, worked in zip(bookings, minutes):
            url = f"/api/v1/shift-bookings/{booking['id']}"
            assert organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "现场登记"}).status_code == 200
            response = organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(minutes=worked)).isoformat()})
            assert response.get_json()["hours_status"] == "pending"
        return shift, list(zip(people, bookings))

    return make


def day_range():
    return (local() - timedelta(days=1)).date().isoformat(), local().date().isoformat()


def test_confirmation_counts_the_figures_once(organizer, served, clean_app):
    shift, people = served()
    (first, first_booking), (second, _) = people
    before = first.get("/api/v1/me/hours").get_json()
    assert (before["total_minutes"], before["pending_minutes"]) == (0, 150)
    assert before["items"][0]["status"] == "pending"
    result = organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").get_json()
    assert result == {"shift_id": shift["id"], "confirmed": 2, "minutes": 245, "not_checked_out": 0}
    again = organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").get_json()
    assert again["confirmed"] == 0
    assert first.get("/api/v1/me").get_json()["volunteer_minutes"] == 150
    assert second.get("/api/v1/me").get_json()["volunteer_minutes"] == 95
    history = first.get(f"/api/v1/shift-bookings/{first_booking['id']}/hours/history").get_json()
    assert [(c["kind"], c["minutes_before"], c["minutes_after"]) for c in history["changes"]] == [("confirm", 150, 150)]
    with clean_app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hours.confirm")).detail["bookings"] == 2


def test_a_shift_is_confirmed_once_it_has_started(organizer, resident):
    shift = create_shift(organizer, create_site(organizer))
    response = organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    assert (response.status_code, response.get_json()["error"]) == (409, "shift_not_started")
    assert response.get_json()["message"] == "班次开始后才能确认时长"


def test_a_correction_keeps_the_original_and_is_audited(organizer, served, clean_app):
    shift, [(person, booking), _] = served()
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    url = f"/api/v1/shift-bookings/{booking['id']}/hours"
    assert organizer.post(url + "/correct", json={"minutes": 100}).status_code == 422  # a reason is required
    response = organizer.post(url + "/correct", json={"minutes": 180, "reason": "签退漏扫，按现场登记补记"})
    assert response.get_json() == {"booking_id": booking["id"], "minutes_worked": 150, "minutes": 180, "status": "corrected"}
    assert person.get("/api/v1/me").get_json()["volunteer_minutes"] == 180
    changes = organizer.get(url + "/history").get_json()["changes"]
    assert [(c["kind"], c["minutes_before"], c["minutes_after"], c["reason"]) for c in changes] == [
        ("confirm", 150, 150, None), ("correct", 150, 180, "签退漏扫，按现场登记补记")]
    item = person.get("/api/v1/me/hours").get_json()["items"][0]
    assert (item["minutes"], item["status"]) == (180, "corrected")
    with clean_app.app_context():
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "hours.correct"))
        assert (audit.detail["minutes_before"], audit.detail["minutes_after"]) == (150, 180)
        assert db.session.scalar(select(db.func.count()).select_from(HoursChange)) == 3


def test_a_pending_figure_corrected_counts_once(organizer, served):
    _, [(person, booking), _] = served()
    url = f"/api/v1/shift-bookings/{booking['id']}/hours"
    organizer.post(url + "/correct", json={"minutes": 120, "reason": "提前离岗"})
    organizer.post(url + "/correct", json={"minutes": 130, "reason": "复核"})
    assert person.get("/api/v1/me").get_json()["volunteer_minutes"] == 130


def test_the_three_figures_agree(organizer, served, emulator):
    shift, people = served(3, (150, 95, 61))
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    organizer.post(f"/api/v1/shift-bookings/{people[1][1]['id']}/hours/correct", json={"minutes": 120, "reason": "补记"})
    other_shift, others = served(1, (45,))  # pending: counted nowhere
    first, last = day_range()
    report = organizer.get(f"/api/v1/rosters/hours?from={first}&to={last}").get_json()["items"]
    exported = list(csv.reader(io.StringIO(
        organizer.get(f"/api/v1/rosters/hours?from={first}&to={last}&format=csv").data.decode("utf-8-sig"))))[1:]
    for person, _ in people + others:
        me = person.get("/api/v1/me").get_json()
        hours = person.get("/api/v1/me/hours").get_json()
        name = me["real_name"]
        in_report = sum(row["minutes"] for row in report if row["name"] == name)
        in_export = sum(round(float(row[6]) * 60) for row in exported if row[0] == name)
        assert me["volunteer_minutes"] == hours["total_minutes"] == in_report == in_export
    assert {row[0] for row in exported} == {p.get("/api/v1/me").get_json()["real_name"] for p, _ in people}


def test_a_query_and_its_answer(organizer, served, clean_app, emulator, messages):
    shift, [(person, booking), _] = served()
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    url = f"/api/v1/shift-bookings/{booking['id']}/hours/query"
    assert person.post(url, json={"text": ""}).status_code == 422
    response = person.post(url, json={"text": "我18:00才离开，签退漏扫了"})
    assert response.status_code == 201 and response.get_json()["status"] == "open"
    again = person.post(url, json={"text": "再问一次"})
    assert (again.status_code, again.get_json()["error"]) == (409, "hours_query_open")
    [open_query] = organizer.get("/api/v1/hours/queries").get_json()["items"]
    assert open_query["text"] == "我18:00才离开，签退漏扫了" and open_query["minutes"] == 150
    answer = organizer.post(f"/api/v1/hours/queries/{open_query['id']}/answer",
                            json={"answer": "已核实现场登记，更正为3小时", "minutes": 180})
    assert answer.status_code == 200 and answer.get_json()["answer"] == "已核实现场登记，更正为3小时"
    assert organizer.get("/api/v1/hours/queries").get_json()["items"] == []
    item = person.get("/api/v1/me/hours").get_json()["items"][0]
    assert (item["minutes"], item["status"], item["query"]["status"], item["query"]["answer"]) == (
        180, "corrected", "answered", "已核实现场登记，更正为3小时")
    assert person.get("/api/v1/me").get_json()["volunteer_minutes"] == 180
    twice = organizer.post(f"/api/v1/hours/queries/{open_query['id']}/answer", json={"answer": "再答"})
    assert (twice.status_code, twice.get_json()["error"]) == (409, "hours_query_answered")


def test_a_query_is_only_about_ones_own_figure(served, residents):
    _, [(_, booking), (other, _)] = served()
    response = other.post(f"/api/v1/shift-bookings/{booking['id']}/hours/query", json={"text": "不对"})
    assert (response.status_code, response.get_json()["error"]) == (404, "booking_not_found")
    assert other.get(f"/api/v1/shift-bookings/{booking['id']}/hours/history").status_code == 404


def test_deleting_the_account_erases_the_query_text(organizer, served, clean_app):
    _, [(person, booking), _] = served()
    person.post(f"/api/v1/shift-bookings/{booking['id']}/hours/query", json={"text": "我的时长少了"})
    person.patch("/api/v1/me", json={"volunteer_number": "SZ001"})
    assert person.delete("/api/v1/me").status_code == 204
    with clean_app.app_context():
        query = db.session.scalar(select(HoursQuery))
        assert query.text == "" and query.answer is None
        assert db.session.get(User, query.user_id).volunteer_number is None


def test_the_volunteer_number(resident):
    assert resident.patch("/api/v1/me", json={"volunteer_number": "SZ-001"}).status_code == 422
    assert resident.patch("/api/v1/me", json={"volunteer_number": "x" * 33}).status_code == 422
    assert resident.patch("/api/v1/me", json={"volunteer_number": "SZ2026001"}).get_json()["volunteer_number"] == "SZ2026001"
    assert resident.patch("/api/v1/me", json={"volunteer_number": None}).get_json()["volunteer_number"] is None


def test_the_proof_of_service(organizer, served, clean_app):
    shift, [(person, booking), (other, _)] = served()
    first, last = day_range()
    nothing = person.get(f"/api/v1/me/hours/proof.pdf?from={first}&to={last}")
    assert (nothing.status_code, nothing.get_json()["error"]) == (409, "no_confirmed_hours")
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    person.patch("/api/v1/me", json={"volunteer_number": "44030520260017"})
    mine = person.get(f"/api/v1/me/hours/proof.pdf?from={first}&to={last}")
    assert mine.status_code == 200 and mine.headers["Content-Type"] == "application/pdf"
    assert mine.data.startswith(b"%PDF") and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in mine.data
    text = pdf_text(mine.data)
    assert "志愿服务证明" in text and "居民0" in text and "44030520260017" in text
    assert "共计2.5小时" in text and "北门卡口" in text and "测温" in text and "海珠社区党群服务中心" in text
    assert person.get(f"/api/v1/me/hours/proof.pdf?from={last}&to={first}").status_code == 422
    by_organizer = organizer.get(f"/api/v1/users/{person.user['id']}/hours/proof.pdf?from={first}&to={last}")
    assert by_organizer.status_code == 200 and by_organizer.data.startswith(b"%PDF")
    refused = other.get(f"/api/v1/users/{person.user['id']}/hours/proof.pdf?from={first}&to={last}")
    assert refused.status_code == 403
    with clean_app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "hours.proof")) is not None


def test_a_long_proof_runs_over_pages(app):
    from datetime import date

    from server.services.attendance_record import render_service_proof

    rows = [(f"2026-01-{(i % 28) + 1:02d}", "北门卡口" * (1 + i % 3), "测温登记", "2.5") for i in range(70)]
    pdf = render_service_proof("王五", "SZ001", "2026年1月1日至2026年12月31日", "175", rows, "海珠党群服务中心",
                               date(2026, 12, 31), "00000001")
    assert pdf.startswith(b"%PDF") and (b"/Count 2" in pdf or b"/Count 3" in pdf)
    text = pdf_text(pdf)
    assert text.count("测温登记") == 70 and text.count("志愿服务证明") == 1 and "海珠党群服务中心" in text


def test_another_communitys_organizer_is_refused(organizer, other_organizer, served):
    shift, [(person, booking), _] = served()
    assert other_organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").status_code == 403
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    url = f"/api/v1/shift-bookings/{booking['id']}/hours"
    assert other_organizer.post(url + "/correct", json={"minutes": 1, "reason": "x"}).status_code == 403
    assert other_organizer.get(url + "/history").status_code == 404
    person.post(url + "/query", json={"text": "少算了"})
    assert other_organizer.get("/api/v1/hours/queries").get_json()["items"] == []
    [query] = organizer.get("/api/v1/hours/queries").get_json()["items"]
    assert other_organizer.post(f"/api/v1/hours/queries/{query['id']}/answer", json={"answer": "x"}).status_code == 403
    # The other organizer's proof lists only their communities' services: none here.
    first, last = day_range()
    response = other_organizer.get(f"/api/v1/users/{person.user['id']}/hours/proof.pdf?from={first}&to={last}")
    assert (response.status_code, response.get_json()["error"]) == (409, "no_confirmed_hours")


def test_figures_recorded_before_count_as_confirmed():
    """The migration's data step (8b4a3dae6ec4): checked-out bookings become confirmed as they were."""
    from pathlib import Path

    text = Path(__file__).parent.parent.joinpath(
        "server/migrations/versions/20261130_8b4a3dae6ec4_hours_record.py").read_text()
    assert "minutes_worked = minutes_credited, hours_status = 'confirmed'" in text


def test_the_answer_is_sent_with_the_notice_template_opening_my_hours(organizer, served, emulator, messages, clean_app):
    from server.services.templates import render_message

    shift, [(person, booking), _] = served()
    emulator.accept_subscription("o-resident-0000", "tmpl-notice")
    assert person.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-notice"]}).status_code == 200
    query = person.post(f"/api/v1/shift-bookings/{booking['id']}/hours/query", json={"text": "少算了"}).get_json()
    organizer.post(f"/api/v1/hours/queries/{query['id']}/answer", json={"answer": "已核实，按签到签退时间计入"})
    [message] = messages("notice")
    assert message["user_id"] == person.user["id"] and message["ref"] == ("hours_query", query["id"])
    with clean_app.app_context():
        _, data, page = render_message("notice", message["payload"])
    assert page == "pages/my-hours/index"
    assert "志愿时长申诉已答复" in data.values() and "已核实，按签到签退时间计入" in data.values()


def test_without_a_credit_the_answer_is_only_shown(organizer, served, messages):
    _, [(person, booking), _] = served()
    query = person.post(f"/api/v1/shift-bookings/{booking['id']}/hours/query", json={"text": "少算了"}).get_json()
    organizer.post(f"/api/v1/hours/queries/{query['id']}/answer", json={"answer": "已核实"})
    assert messages("notice") == []
    assert person.get("/api/v1/me/hours").get_json()["items"][0]["query"]["answer"] == "已核实"


def test_an_organizer_does_not_check_in_or_settle_their_own_booking(organizer, move_shift, admin, clean_app):
    """An organizer booked as a volunteer checks in like one (the site's code), never by hand; and
    their own figure is another organizer's to confirm, correct or answer."""
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 3)])
    booking = book(organizer, shift).get_json()
    starts_at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=4)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=3))
    url = f"/api/v1/shift-bookings/{booking['id']}"
    refused = organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "自己"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "checkin_token_invalid"
    assert admin.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "现场登记"}).status_code == 200
    assert admin.post(url + "/check-out", json={"at": (starts_at + timedelta(hours=2)).isoformat()}).status_code == 200
    confirmed = organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").get_json()
    assert confirmed["confirmed"] == 0  # left for another organizer
    corrected = organizer.post(url + "/hours/correct", json={"minutes": 600, "reason": "补记"})
    assert corrected.status_code == 403 and corrected.get_json()["error"] == "forbidden"
    assert admin.post(f"/api/v1/shifts/{shift['id']}/hours/confirm").get_json()["confirmed"] == 1
