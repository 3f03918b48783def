"""The attendance record (`GET /me/attendance`) and the certificate of participation PDF."""

import base64
import re
import zlib
from datetime import datetime, timedelta

from factories import SHANGHAI, create_activity, soon
from sqlalchemy import update

from server.extensions import db
from server.models import Activity

THIS_YEAR = datetime.now(SHANGHAI).year


def attend(organizer, session, **overrides):
    """An activity starting soon that `session` signed up for and was checked in at; returns
    `(activity, registration)` as JSON."""
    activity = create_activity(organizer, starts_at=soon(), **overrides)
    registration = session.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert response.status_code == 200, response.get_json()
    return activity, registration


def move_to(app, activity, year):
    """Move an activity to 1 June of `year`, 10:00-12:00 Shanghai time."""
    starts_at = datetime(year, 6, 1, 10, tzinfo=SHANGHAI)
    with app.app_context():
        db.session.execute(
            update(Activity)
            .where(Activity.id == activity["id"])
            .values(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
        )
        db.session.commit()


def pdf_text(data):
    """The text a ReportLab PDF draws in its CID font (UCS-2 strings in Flate+ASCII85 content streams),
    joined without spaces: enough to check what the certificate says without a PDF library."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            content = zlib.decompress(base64.a85decode(stream[:-2]))
        else:
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            raw = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else
                {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(m.group(1), m.group(1)),
                literal,
            )
            if len(raw) % 2 == 0:
                text.append(raw.decode("utf-16-be", errors="replace"))
    return "".join(text).replace(" ", "")


def test_attendance_lists_only_checked_in_activities(organizer, resident):
    attended, registration = attend(organizer, resident, title="垃圾分类宣讲", certificate_enabled=True)
    other = create_activity(organizer, title="只报名没去", starts_at=soon())
    resident.post(f"/api/v1/activities/{other['id']}/registrations", json={})

    body = resident.get("/api/v1/me/attendance").get_json()

    assert (body["year"], body["years"], body["total"]) == (THIS_YEAR, [THIS_YEAR], 1)
    [item] = body["items"]
    assert item["registration_id"] == registration["id"]
    assert item["activity_id"] == attended["id"]
    assert item["title"] == "垃圾分类宣讲"
    assert item["venue"] == "党群服务中心"
    assert item["community"]["name"] == attended["community"]["name"]
    assert item["starts_at"] == attended["starts_at"]
    assert item["checked_in_at"].endswith("+08:00")
    assert item["certificate_available"] is True


def test_attendance_is_by_calendar_year(organizer, resident, clean_app):
    old, _ = attend(organizer, resident, title="去年的活动")
    attend(organizer, resident, title="今年的活动")
    move_to(clean_app, old, THIS_YEAR - 1)

    this_year = resident.get("/api/v1/me/attendance").get_json()
    last_year = resident.get(f"/api/v1/me/attendance?year={THIS_YEAR - 1}").get_json()

    assert [i["title"] for i in this_year["items"]] == ["今年的活动"]
    assert [i["title"] for i in last_year["items"]] == ["去年的活动"]
    assert last_year["year"] == THIS_YEAR - 1
    assert this_year["years"] == last_year["years"] == [THIS_YEAR, THIS_YEAR - 1]
    assert [i["certificate_available"] for i in this_year["items"]] == [False]


def test_attendance_is_the_callers_own(organizer, resident, residents):
    attend(organizer, resident)
    [someone_else] = residents(1)
    body = someone_else.get("/api/v1/me/attendance").get_json()
    assert (body["total"], body["items"], body["years"]) == (0, [], [])


def test_attendance_refuses_a_bad_year_and_anonymous_callers(resident, client):
    response = resident.get("/api/v1/me/attendance?year=abc")
    assert (response.status_code, response.get_json()["error"]) == (422, "validation_failed")
    response = resident.get("/api/v1/me/attendance?year=1900")
    assert (response.status_code, response.get_json()["error"]) == (422, "validation_failed")
    response = client.get("/api/v1/me/attendance")
    assert (response.status_code, response.get_json()["error"]) == (401, "not_authenticated")


def test_certificate_flag_defaults_off_and_the_organizer_can_enable_it(organizer):
    activity = create_activity(organizer)
    assert activity["certificate_enabled"] is False
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"certificate_enabled": True})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["certificate_enabled"] is True


def test_certificate_is_an_a4_pdf_naming_activity_date_person_and_centre(organizer, resident):
    resident.patch("/api/v1/me", json={"real_name": "张三"})
    activity, registration = attend(organizer, resident, title="社区义诊<志愿>", certificate_enabled=True)

    response = resident.get(f"/api/v1/me/attendance/{registration['id']}/certificate.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4 in points
    assert b"/BaseFont /STSong-Light" in data
    text = pdf_text(data)
    starts = datetime.fromisoformat(activity["starts_at"]).astimezone(SHANGHAI)
    assert "参加活动证明" in text
    assert "张三" in text
    assert "社区义诊<志愿>" in text
    assert f"{starts.year}年{starts.month}月{starts.day}日" in text
    assert f"{activity['community']['name']}党群服务中心" in text


def test_certificate_names_the_configured_issuer_and_the_nickname_without_real_name(
    organizer, resident, clean_app
):
    response = resident.patch("/api/v1/me", json={"real_name": None, "nickname": "小李"})
    assert response.status_code == 200, response.get_json()
    _, registration = attend(organizer, resident, certificate_enabled=True)
    clean_app.config["CERTIFICATE_ISSUER"] = "海珠街道党群服务中心"
    try:
        response = resident.get(f"/api/v1/me/attendance/{registration['id']}/certificate.pdf")
    finally:
        clean_app.config["CERTIFICATE_ISSUER"] = None
    text = pdf_text(response.data)
    assert "海珠街道党群服务中心" in text
    assert "小李" in text


def test_certificate_needs_the_organizers_flag(organizer, resident):
    _, registration = attend(organizer, resident)
    response = resident.get(f"/api/v1/me/attendance/{registration['id']}/certificate.pdf")
    assert response.status_code == 409
    assert response.get_json()["error"] == "certificate_not_enabled"
    assert response.get_json()["message"] == "该活动未开放参加证明"


def test_certificate_needs_a_check_in(organizer, resident):
    activity = create_activity(organizer, starts_at=soon(), certificate_enabled=True)
    registration = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    response = resident.get(f"/api/v1/me/attendance/{registration['id']}/certificate.pdf")
    assert (response.status_code, response.get_json()["error"]) == (409, "not_attended")


def test_certificate_of_another_persons_registration_is_404(organizer, resident, residents):
    _, registration = attend(organizer, resident, certificate_enabled=True)
    [someone_else] = residents(1)
    response = someone_else.get(f"/api/v1/me/attendance/{registration['id']}/certificate.pdf")
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")
    response = someone_else.get("/api/v1/me/attendance/999999/certificate.pdf")
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")
