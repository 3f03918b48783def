"""Roster exports as CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX, each recorded in the audit log."""

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from server.localtime import to_local
from server.services.users import record_audit

FORMATS = ("json", "csv", "xlsx")


def cell(value):
    """Times as local `YYYY-MM-DD HH:MM`, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return value


def _csv_bytes(headers, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([[cell(v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_bytes(title, headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit for sheet names
    sheet.append(headers)
    for row in rows:
        sheet.append([cell(v) for v in row])
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2] + [len(str(cell(row[index - 1]))) for row in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 40)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_roster(actor, fmt, title, headers, rows, audit_target):
    """The roster as CSV or XLSX bytes; records who exported what (flushes the audit row).

    `audit_target` is `(target_type, target_id, detail_dict)`.
    """
    target_type, target_id, detail = audit_target
    record_audit(actor, "roster.export", target_type, target_id, format=fmt, rows=len(rows), **detail)
    return _csv_bytes(headers, rows) if fmt == "csv" else _xlsx_bytes(title, headers, rows)
