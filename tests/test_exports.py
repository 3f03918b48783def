"""Roster files an office can use, whatever people typed: safe sheet names, no control characters,
no formulas (OWASP CSV injection), real date-times, a title block, print setup and a 签名 column.
Every file is read back with openpyxl or csv: real files, no mocks."""

import csv
import io
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from factories import book, community_id, create_activity, create_shift, create_site, local
from openpyxl import Workbook

from server.models import Activity, Registration, Site, User


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return openpyxl.load_workbook(io.BytesIO(response.data))


def header_row(sheet, first_header):
    """The number of the table's header row (below the title block)."""
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == first_header:
            return row[0].row
    raise AssertionError(f"no header row starting with {first_header}")


def table(sheet, first_header):
    """The header and data rows of the table, as values."""
    start = header_row(sheet, first_header)
    return [list(r) for r in sheet.iter_rows(min_row=start, values_only=True)]


def csv_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def sheet_xml(response):
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.fixture
def stored(clean_app):
    """`stored(Model, row_id, **values)`: text as it may already be stored (typed before any input rule,
    or by an older client), written directly in the database."""
    from sqlalchemy import update

    from server.extensions import db

    def write(model, row_id, **values):
        with clean_app.app_context():
            db.session.execute(update(model).where(model.id == row_id).values(**values))
            db.session.commit()

    return write


def duty_url(client, day, fmt):
    return f"/api/v1/rosters/shifts?date={day.date().isoformat()}&community_id={community_id(client, 'haizhu')}" \
           f"&format={fmt}"


# --- sheet names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["青年学堂[第3期]", "讲座：健康/养生\\问答*?", "'引号开头的标题'", "很" * 60])
def test_activity_xlsx_export_survives_any_title(organizer, residents, title):
    activity = create_activity(organizer, title=title)
    residents(1)[0].post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    book_ = workbook(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=xlsx"))
    name = book_.active.title
    assert not set(name) & set("[]:*?/\\") and 0 < len(name) <= 31 and name[0] != "'" and name[-1] != "'"
    assert book_.active["A1"].value == title  # the title block keeps the title as it was typed


def test_site_with_a_slash_exports_its_shift_and_duty_rosters(organizer, client):
    site = create_site(organizer, name="南山大道/桂庙路卡口")
    day = local(days=2, hour=8)
    shift = create_shift(organizer, site, starts_at=day)
    book_ = workbook(organizer.get(f"/api/v1/shifts/{shift['id']}/roster?format=xlsx"))
    assert "/" not in book_.active.title
    response = organizer.get(f"/api/v1/shifts/{shift['id']}/roster?format=csv")
    assert response.status_code == 200
    assert "/" not in response.headers["Content-Disposition"].split("filename*=UTF-8''")[1]
    workbook(organizer.get(duty_url(client, day, "xlsx")))


def test_sheet_titles_are_unique_in_a_workbook():
    from server.services.exports import sheet_title

    book_ = Workbook()
    taken = []
    for _ in range(3):
        title = sheet_title("南山大道/桂庙路卡口" + "很" * 40, taken)
        book_.create_sheet(title)
        taken.append(title)
    assert len(set(taken)) == 3 and all(len(t) <= 31 for t in taken)
    assert sheet_title("", []) and sheet_title("\u0007", []) != "\u0007"


# --- control characters and formulas --------------------------------------------------------------------


def test_control_characters_do_not_break_any_roster(organizer, residents, client, stored):
    activity = create_activity(organizer, title="周末党课")
    day = local(days=2, hour=8)
    shift = create_shift(organizer, create_site(organizer), starts_at=day)
    person = residents(1)[0]
    registration = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    assert book(person, shift).status_code == 201
    stored(User, person.user["id"], nickname="小\u0007明", real_name="王\u0001五")
    stored(Registration, registration["id"], remark="带\u000b孩子")
    stored(Activity, activity["id"], title="周末\u0007党课")
    stored(Site, shift["site"]["id"], name="北门\u0007卡口")

    rows = table(workbook(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=xlsx")).active, "序号")
    assert rows[1][1:3] == ["王五", "小明"] and rows[1][7] == "带孩子"
    rows = table(workbook(organizer.get(f"/api/v1/shifts/{shift['id']}/roster?format=xlsx")).active, "站点")
    assert rows[1][0] == "北门卡口" and rows[1][3] == "王五"
    rows = table(workbook(organizer.get(duty_url(client, day, "xlsx"))).active, "站点")
    assert rows[1][3] == "王五"
    assert organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv").status_code == 200


FORMULAS = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_neutralised_in_xlsx_and_csv(organizer, residents, stored, text):
    activity = create_activity(organizer)
    person = residents(1)[0]
    registration = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    stored(User, person.user["id"], real_name=text, nickname=text)
    stored(Registration, registration["id"], remark=text)
    expected = "'" + text

    row = csv_rows(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv"))[1]
    assert (row[1], row[2], row[7]) == (expected, expected, expected)

    response = organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=xlsx")
    sheet = workbook(response).active
    start = header_row(sheet, "序号") + 1
    for column in ("B", "C", "H"):
        cell = sheet[f"{column}{start}"]
        assert (cell.value, cell.data_type) == (expected.replace("\r", "\n"), "s")  # XML reads CR as LF
    assert "<f>" not in sheet_xml(response)  # no formula anywhere in the file


def test_neutralise_leaves_numbers_and_ordinary_text_alone():
    from server.services.exports import neutralise

    assert neutralise(-5) == -5
    assert neutralise("居民 -1") == "居民 -1"
    assert neutralise("-") == "'-"
    assert neutralise("a\u0007b\x00c\ufffe") == "abc"


# --- an office's file -----------------------------------------------------------------------------------


def test_xlsx_times_are_real_date_times_and_csv_keeps_local_text(organizer, residents):
    activity = create_activity(organizer)
    residents(1)[0].post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    registered_at = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()["items"][0]["registered_at"]
    local_time = datetime.fromisoformat(registered_at).replace(tzinfo=None, second=0, microsecond=0)

    sheet = workbook(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=xlsx")).active
    cell = sheet[f"I{header_row(sheet, '序号') + 1}"]
    assert isinstance(cell.value, datetime) and cell.is_date
    assert cell.number_format == "yyyy-mm-dd hh:mm"
    assert cell.value.replace(second=0, microsecond=0) == local_time

    row = csv_rows(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv"))[1]
    assert row[8] == local_time.strftime("%Y-%m-%d %H:%M")


def test_xlsx_opens_with_a_title_block(organizer, residents):
    starts_at = local(days=3, hour=9, minute=30)
    activity = create_activity(organizer, title="青年学堂", venue="海珠社区党群服务中心", starts_at=starts_at)
    sheet = workbook(organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=xlsx")).active
    block = [sheet.cell(row=r, column=1).value for r in range(1, header_row(sheet, "序号"))]
    assert block[0] == "青年学堂"
    text = "\n".join(str(line) for line in block if line)
    assert f"活动时间：{starts_at:%Y-%m-%d %H:%M}-11:30" in text
    assert "活动地点：海珠社区党群服务中心" in text
    assert "导出时间：" in text and "导出人：" in text
    assert sheet.freeze_panes == f"A{header_row(sheet, '序号') + 1}"


def test_shift_roster_title_block_names_the_site_time_and_address(organizer):
    starts_at = local(days=2, hour=8)
    shift = create_shift(organizer, create_site(organizer, name="北门卡口", address="北门路 1 号"), starts_at=starts_at)
    sheet = workbook(organizer.get(f"/api/v1/shifts/{shift['id']}/roster?format=xlsx")).active
    text = "\n".join(str(sheet.cell(row=r, column=1).value or "") for r in range(1, header_row(sheet, "站点")))
    assert "北门卡口" in text and f"{starts_at:%Y-%m-%d %H:%M}-12:00" in text and "北门路 1 号" in text


def test_duty_roster_prints_landscape_fitted_to_width_with_its_header_on_every_page(organizer, client):
    day = local(days=2, hour=8)
    create_shift(organizer, create_site(organizer), starts_at=day)
    sheet = workbook(organizer.get(duty_url(client, day, "xlsx"))).active
    header = header_row(sheet, "站点")
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${header}:${header}"


def test_sign_in_sheets_have_a_blank_signature_column(organizer, residents, client):
    activity = create_activity(organizer)
    day = local(days=2, hour=8)
    shift = create_shift(organizer, create_site(organizer), starts_at=day)
    person = residents(1)[0]
    person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    book(person, shift)
    for url, first in [(f"/api/v1/activities/{activity['id']}/roster?format=xlsx", "序号"),
                       (f"/api/v1/shifts/{shift['id']}/roster?format=xlsx", "站点"),
                       (duty_url(client, day, "xlsx"), "站点")]:
        rows = table(workbook(organizer.get(url)).active, first)
        assert rows[0][-1] == "签名", url
        assert len(rows) > 1 and all(row[-1] is None for row in rows[1:]), url


def test_hours_report_xlsx_has_real_dates_and_times(organizer, residents, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    booking = book(residents(1)[0], shift).get_json()
    starts_at = datetime.now(timezone.utc) - timedelta(hours=6)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=4))
    url = f"/api/v1/shift-bookings/{booking['id']}"
    organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "补签"})
    organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(hours=2)).isoformat()})
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    day, start_day = local().date().isoformat(), (local() - timedelta(days=1)).date().isoformat()
    sheet = workbook(organizer.get(f"/api/v1/rosters/hours?from={start_day}&to={day}&format=xlsx")).active
    row = header_row(sheet, "姓名") + 1
    assert sheet[f"D{row}"].is_date and sheet[f"D{row}"].number_format == "yyyy-mm-dd"
    assert sheet[f"E{row}"].is_date and sheet[f"E{row}"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet[f"G{row}"].value == 2
    assert sheet[f"I{row}"].is_date  # 确认时间
