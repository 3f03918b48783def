"""Roster files: CSV for machines and XLSX for the office and its printer, each export recorded in the
audit log.

Rules, for every file:
- What people typed is made safe, not refused: characters XLSX cannot hold (C0 control characters but
  tab, LF and CR; unpaired surrogates; U+FFFE, U+FFFF) are dropped (`clean_text`), and text that
  starts like a formula (`=`, `+`, `-`, `@`, tab, CR, or the full-width `＝＋－＠`) gets a leading
  `'` (`neutralise`, the OWASP CSV-injection guidance), in CSV and XLSX alike. XLSX cells holding
  text are written as strings, never as formulas. Numbers stay numbers.
- CSV (UTF-8 with a BOM, so Excel shows Chinese) is a plain table: the header row first, times as
  local `YYYY-MM-DD HH:MM`, dates as `YYYY-MM-DD`. No title block and no 签名 column, so it can be
  read by a program or pasted elsewhere.
- XLSX is one sheet laid out for printing: a title block (the document's title, its detail lines,
  when it was exported and by whom), a blank row, then the table with its header row frozen and
  repeated on every printed page; A4 landscape fitted to the page width, page numbers in the footer.
  Times are Excel date-times in APP_TIMEZONE with the number format `yyyy-mm-dd hh:mm`, dates
  `yyyy-mm-dd`. A sign-in sheet (`Document.signatures`) ends with a blank 签名 column.
- Names: a sheet name swaps what Excel forbids (`[]:*?/\\`) for its full-width form, never starts or
  ends with `'`, fits 31 characters and is unique in its workbook (`sheet_title`); a file name swaps
  what file systems forbid (`file_name`).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from server.localtime import app_timezone, to_local
from server.services.users import record_audit

SIGNATURE_HEADER = "签名"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

# What XML 1.0 (so XLSX) cannot hold, plus DEL; tab, LF and CR stay.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_SHEET_NAME_SWAPS = str.maketrans("[]:*?/\\", "［］：＊？／＼")
_FILE_NAME_SWAPS = str.maketrans('[]:*?/\\"<>|', '［］：＊？／＼＂＜＞｜')
SHEET_NAME_LIMIT = 31  # Excel's limit


@dataclass(frozen=True)
class Document:
    """A roster as a file shows it: `title` and `details` (label, text) make the XLSX title block above
    the table; `signatures` marks a sign-in sheet (a blank 签名 column in XLSX)."""

    title: str
    headers: list
    rows: list
    details: list = field(default_factory=list)
    signatures: bool = False


@dataclass(frozen=True)
class RosterFile:
    """An exported roster: the CSV or XLSX bytes and the file's name (without its extension)."""

    body: bytes
    filename: str


def clean_text(text):
    """`text` without the characters an XLSX file cannot hold."""
    return _UNWRITABLE.sub("", text)


def neutralise(value):
    """A cell's value made safe: text cleaned, and prefixed with `'` when it would start a formula."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_title(name, taken=()):
    """A valid sheet name for `name`, unique (case-insensitively, as Excel compares) among `taken`."""
    base = clean_text(name).translate(_SHEET_NAME_SWAPS).strip().strip("'")
    if not base or base.lower() == "history":  # Excel reserves History
        base = (base + "名单").strip("'")
    taken = {t.lower() for t in taken}
    number, candidate = 1, base[:SHEET_NAME_LIMIT].rstrip("'")
    while candidate.lower() in taken:
        number += 1
        suffix = f"({number})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip("'") + suffix
    return candidate


def file_name(name):
    """A file name (without extension) any file system and browser accepts."""
    return clean_text(name).translate(_FILE_NAME_SWAPS).replace("\t", " ").replace("\r", "").replace(
        "\n", " ").strip(" .")[:100] or "名单"


def period_text(starts_at, ends_at):
    """`2026-12-01 09:30-11:30` (the same local day) or `2026-12-01 22:00 至 2026-12-02 06:00`."""
    start, end = to_local(starts_at), to_local(ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"


def person_name(user):
    """Who a file says exported it."""
    return user.real_name or user.nickname or f"用户 {user.id}"


# --- CSV ------------------------------------------------------------------------------------------------


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def _csv_bytes(document):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in document.headers])
    writer.writerows([[_csv_value(v) for v in row] for row in document.rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_CELL_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
_MAX_WIDTH = 40


def _put(sheet, row, column, value):
    """Write one value: text as a string (never a formula), times as local Excel date-times."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, datetime):
        cell.value = to_local(value).replace(tzinfo=None, second=0, microsecond=0)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell.value = neutralise(value).replace("\r\n", "\n").replace("\r", "\n")  # XML would read CR as LF
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _display_width(value):
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _xlsx_bytes(document, exported_at, exported_by):
    headers = list(document.headers) + ([SIGNATURE_HEADER] if document.signatures else [])
    columns = len(headers)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(document.title)

    lines = [*document.details, ("导出时间", f"{exported_at:%Y-%m-%d %H:%M}"), ("导出人", exported_by)]
    _put(sheet, 1, 1, document.title).font = Font(bold=True, size=14)
    for offset, (label, text) in enumerate(lines, start=2):
        _put(sheet, offset, 1, f"{label}：{text}")
    for row in range(1, len(lines) + 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    header_row = len(lines) + 3  # after the title, its lines and one blank row

    for column, header in enumerate(headers, start=1):
        cell = _put(sheet, header_row, column, header)
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEADER_FILL, _BORDER, _CELL_ALIGNMENT
    for number, values in enumerate(document.rows, start=header_row + 1):
        for column, value in enumerate(list(values) + ([None] if document.signatures else []), start=1):
            cell = _put(sheet, number, column, value)
            cell.border, cell.alignment = _BORDER, _CELL_ALIGNMENT
        if document.signatures:
            sheet.row_dimensions[number].height = 24  # room to sign by hand

    for column, header in enumerate(headers, start=1):
        width = max([_display_width(header)] + [_display_width(row[column - 1]) for row in document.rows
                                                 if column <= len(row)])
        if header == SIGNATURE_HEADER:
            width = 16
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), _MAX_WIDTH)

    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_roster(actor, fmt, document, audit_target):
    """The `Document` as CSV or XLSX bytes; records who exported what (flushes the audit row).

    `audit_target` is `(target_type, target_id, detail_dict)`.
    """
    target_type, target_id, detail = audit_target
    record_audit(actor, "roster.export", target_type, target_id, format=fmt, rows=len(document.rows), **detail)
    if fmt == "csv":
        return _csv_bytes(document)
    return _xlsx_bytes(document, datetime.now(app_timezone()), person_name(actor))
