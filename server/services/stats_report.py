"""The statistics as the console shows and files them: tables, captions and the year report's XLSX.

Every number here is a figure of `server.services.stats.compute_stats` (the function behind
`GET /api/v1/stats`), read as it is; nothing is counted twice. This module only picks figures,
orders them into tables, formats them (minutes as hours, rates as percentages) and words them.

- `overview(actor, date_from, date_to, community_id)` calls `compute_stats` once per grouping (month,
  category, community when the scope has several, site kind) and returns an `Overview`: the totals,
  the top volunteers and one `Table` per grouping. Authorization is compute_stats' own (organizers
  their communities, admins any), so does its validation of the period (422 `validation_failed`).
- `approx(n)` words a number the way a report does: 3,012 → "3000余", 12,345 → "1.2万余".
  `headlines(totals)` are the report's captions ("开展党群活动364场，服务居民3000余人次").
- `export_year_report(actor, report)` is the year report as an XLSX workbook, every table on its own
  sheet with a Chinese name, audited as `roster.export` (kind `stats_report`) like every other export.
"""

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from server.extensions import db
from server.localtime import app_timezone
from server.models import Community
from server.services.exports import file_name, neutralise, person_name, sheet_title
from server.services.stats import compute_stats
from server.services.users import record_audit

# --- tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a statistics table: a figure `key` of the contract (FIGURES), its Chinese header,
    and how it shows: `count` (an integer), `rate` (a 0..1 share shown as a percentage), `hours`
    (the figure is minutes, shown as hours), `text`."""

    key: str
    header: str
    kind: str = "count"


LABEL = Column("label", "", "text")
ACTIVITIES_HELD = Column("activities_held", "活动场次")
SIGNUPS = Column("signups", "报名人数")
CONFIRMED = Column("confirmed_places", "确认名额")
PEOPLE_SERVED = Column("people_served", "服务人次")
RESIDENTS = Column("residents_reached", "服务居民（人）")
WAITLIST = Column("waitlist_unserved", "候补未获名额")
SHIFTS = Column("shifts_run", "值守班次")
CAPACITY = Column("posts_capacity", "岗位数")
FILLED = Column("posts_filled", "已排岗")
VACANCIES = Column("vacancies", "空缺")
FILL_RATE = Column("fill_rate", "岗位填充率", "rate")
HOURS = Column("volunteer_minutes", "志愿时长（小时）", "hours")
NO_SHOWS = Column("no_shows", "爽约次数")
NO_SHOW_RATE = Column("no_show_rate", "爽约率", "rate")
NEW_VOLUNTEERS = Column("new_volunteers", "新志愿者")

# Every figure of the contract, in the order the overview lists them.
ALL_FIGURES = (ACTIVITIES_HELD, SIGNUPS, CONFIRMED, PEOPLE_SERVED, RESIDENTS, WAITLIST, SHIFTS, CAPACITY,
               FILLED, FILL_RATE, VACANCIES, HOURS, NO_SHOWS, NO_SHOW_RATE, NEW_VOLUNTEERS)

# Which figures each grouping's table shows (the contract leaves the others null for that grouping).
GROUPINGS = {
    "month": ("按月", "月份", (ACTIVITIES_HELD, SIGNUPS, PEOPLE_SERVED, RESIDENTS, SHIFTS, FILL_RATE, HOURS,
                              NEW_VOLUNTEERS)),
    "category": ("按活动类别", "活动类别", (ACTIVITIES_HELD, SIGNUPS, CONFIRMED, PEOPLE_SERVED, RESIDENTS,
                                         WAITLIST)),
    "community": ("按社区", "社区", (ACTIVITIES_HELD, PEOPLE_SERVED, RESIDENTS, SHIFTS, FILL_RATE, HOURS,
                                  NO_SHOW_RATE, NEW_VOLUNTEERS)),
    "site_kind": ("按站点类型", "站点类型", (SHIFTS, CAPACITY, FILLED, VACANCIES, FILL_RATE, HOURS, NO_SHOWS,
                                        NO_SHOW_RATE)),
}


@dataclass(frozen=True)
class Table:
    """A table of figures: `rows` are the groups of one `compute_stats` answer (dicts with `key`,
    `label` and the figures), `total` its totals (dict) for the 合计 row, or None."""

    name: str
    columns: tuple
    rows: list
    total: dict | None = None
    group_by: str | None = None


def value(row, column):
    """A row's value in a column, as the table shows it: an int, a float (hours, rates 0..1), text,
    or None (the figure does not apply)."""
    raw = row.get(column.key)
    if raw is None:
        return None
    if column.kind == "hours":
        return round(raw / 60, 1)
    return raw


def display(row, column):
    """The value as text in a page: rates as `85.3%`, hours to one decimal, a null figure as `—`."""
    shown = value(row, column)
    if shown is None:
        return "—"
    if column.kind == "rate":
        return f"{shown * 100:.1f}%"
    if column.kind == "hours":
        return f"{shown:.1f}"
    return str(shown)


def _as_dict(obj):
    """A figure set (a dataclass, a mapping) as a plain dict."""
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "_asdict"):
        return obj._asdict()
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _groups(stats):
    return [_as_dict(group) for group in stats.groups]


@dataclass(frozen=True)
class Overview:
    """The figures of a period and scope as the console shows them."""

    date_from: date
    date_to: date
    community_id: int | None
    totals: dict
    top_volunteers: list
    tables: dict = field(default_factory=dict)  # grouping -> Table, in GROUPINGS order

    @property
    def top_table(self):
        return [_as_dict(person) for person in self.top_volunteers]


def overview(actor, date_from, date_to, community_id=None, by_community=True):
    """The totals, the top volunteers and a table per grouping, each from one `compute_stats` call
    (the community table only when `by_community`). Raises Forbidden, NotFound, ValidationFailed as
    compute_stats does."""
    tables = {}
    answer = None
    for group_by, (name, label_header, columns) in GROUPINGS.items():
        if group_by == "community" and not by_community:
            continue
        answer = compute_stats(actor, date_from, date_to, community_id=community_id, group_by=group_by)
        tables[group_by] = Table(name=name, columns=(Column("label", label_header, "text"), *columns),
                                 rows=_groups(answer), total=_as_dict(answer.totals), group_by=group_by)
    return Overview(date_from=date_from, date_to=date_to, community_id=community_id,
                    totals=_as_dict(answer.totals), top_volunteers=list(answer.top_volunteers), tables=tables)


# --- words ----------------------------------------------------------------------------------------


def approx(n):
    """A count worded as a report does: below 100 exact; else two significant digits, with 余 when
    something was cut: 364 → "360余", 3,012 → "3000余", 3,000 → "3000", 12,345 → "1.2万余",
    150,000 → "15万"."""
    n = int(n)
    if n < 100:
        return str(n)
    unit = 10 ** (len(str(n)) - 2)
    kept = n // unit * unit
    more = "余" if kept < n else ""
    if kept >= 10_000:
        wan = kept / 10_000
        return f"{wan:g}万{more}"
    return f"{kept}{more}"


def hours_text(minutes):
    """Volunteer minutes as hours in words: to one decimal below 100 hours, else `approx`."""
    hours = minutes / 60
    return f"{round(hours, 1):g}" if hours < 100 else approx(int(hours))


def headlines(totals):
    """The report's captions, each built from the totals' figures."""
    lines = [f"开展党群活动{totals['activities_held']}场，服务居民{approx(totals['people_served'])}人次"]
    if totals.get("signups"):
        lines.append(f"居民报名{approx(totals['signups'])}人次，{approx(totals['residents_reached'])}位居民到场参与")
    if totals.get("waitlist_unserved"):
        lines.append(f"{approx(totals['waitlist_unserved'])}人次候补未能参加，需求仍有缺口")
    if totals.get("shifts_run"):
        line = f"志愿者值守{totals['shifts_run']}个班次，累计志愿服务{hours_text(totals['volunteer_minutes'])}小时"
        if totals.get("fill_rate") is not None:
            line += f"，岗位填充率{totals['fill_rate'] * 100:.0f}%"
        lines.append(line)
    if totals.get("new_volunteers"):
        lines.append(f"新增志愿者{totals['new_volunteers']}名")
    return lines


def scope_title(communities, chosen=None):
    """Whose report it is: the chosen community; else the 街道 all the communities belong to; else
    their names (an organizer of a few), or 全街道."""
    if chosen is not None:
        return chosen.name
    subdistricts = {c.subdistrict for c in communities}
    if len(subdistricts) == 1 and None not in subdistricts and "" not in subdistricts:
        return subdistricts.pop()
    if 0 < len(communities) <= 3:
        return "、".join(c.name for c in communities)
    return "全街道"


@dataclass(frozen=True)
class YearReport:
    """A year's report: its title, captions and the overview's figures."""

    year: int
    scope: str
    overview: Overview
    community_id: int | None = None

    @property
    def title(self):
        return f"{self.scope} {self.year} 年党群服务年度报告"

    @property
    def captions(self):
        return headlines(self.overview.totals)


def year_report(actor, year, communities, community_id=None):
    """The report of local calendar `year` for one community or every community the actor may see
    (`communities`, which name the scope). Raises as compute_stats does (before any name is read)."""
    numbers = overview(actor, date(year, 1, 1), date(year, 12, 31), community_id,
                       by_community=community_id is None and len(communities) > 1)
    chosen = db.session.get(Community, community_id) if community_id is not None else None
    return YearReport(year=year, scope=scope_title(communities, chosen), overview=numbers, community_id=community_id)


# --- XLSX -----------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_FORMATS = {"rate": "0.0%", "hours": "0.0", "count": "0"}
TOP_HEADERS = ("排名", "姓名", "社区", "志愿时长（小时）")


def _width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _sheet(workbook, name, title, details, headers, rows, kinds):
    """One sheet: a title block, a blank row, the table (header frozen and repeated when printed)."""
    sheet = workbook.create_sheet(sheet_title(name, workbook.sheetnames))
    sheet.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=14)
    for offset, line in enumerate(details, start=2):
        sheet.cell(row=offset, column=1, value=neutralise(line))
    header_row = len(details) + 3
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=column, value=neutralise(header))
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for number, values in enumerate(rows, start=header_row + 1):
        for column, (cell_value, kind) in enumerate(zip(values, kinds), start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(cell_value, str):
                cell.value = neutralise(cell_value)
                cell.data_type = "s"
            else:
                cell.value = cell_value
                if cell_value is not None and kind in _FORMATS:
                    cell.number_format = _FORMATS[kind]
            cell.border = _BORDER
    for column, header in enumerate(headers, start=1):
        width = max([_width(header)] + [_width(row[column - 1]) for row in rows if row[column - 1] is not None])
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 40)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if len(headers) > 6 else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    return sheet


def year_report_xlsx(report, exported_by, exported_at):
    """The report as XLSX bytes: 总览 (every figure), one sheet per table, 志愿时长前十."""
    numbers = report.overview
    details = [f"统计期间：{numbers.date_from:%Y-%m-%d} 至 {numbers.date_to:%Y-%m-%d}",
               f"导出时间：{exported_at:%Y-%m-%d %H:%M}", f"导出人：{exported_by}"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    summary = [[column.header, value(numbers.totals, column)] for column in ALL_FIGURES]
    sheet = _sheet(workbook, "总览", report.title, [*report.captions, *details], ("指标", "数值"), summary,
                   ("text", "count"))
    for row, column in enumerate(ALL_FIGURES, start=len(report.captions) + len(details) + 4):
        if column.kind in _FORMATS and sheet.cell(row=row, column=2).value is not None:
            sheet.cell(row=row, column=2).number_format = _FORMATS[column.kind]
    for table in numbers.tables.values():
        rows = [[value(row, column) for column in table.columns] for row in table.rows]
        if table.total is not None:
            rows.append(["合计", *(value(table.total, column) for column in table.columns[1:])])
        _sheet(workbook, table.name, f"{report.title} · {table.name}", details,
               [column.header for column in table.columns], rows, [column.kind for column in table.columns])
    top = [[person["rank"], person["name"] or "—", person["community"], round(person["minutes"] / 60, 1)]
           for person in numbers.top_table]
    _sheet(workbook, "志愿时长前十", f"{report.title} · 志愿时长前十", details, TOP_HEADERS, top,
           ("count", "text", "text", "hours"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ReportFile:
    body: bytes
    filename: str


def export_year_report(actor, report):
    """The year report as an XLSX file; records the export in the audit log (flushed with the session)."""
    tables = report.overview.tables
    record_audit(actor, "roster.export", "community" if report.community_id else None, report.community_id,
                 format="xlsx", rows=sum(len(t.rows) for t in tables.values()), kind="stats_report",
                 year=report.year)
    body = year_report_xlsx(report, person_name(actor), datetime.now(app_timezone()))
    return ReportFile(body, file_name(report.title))
