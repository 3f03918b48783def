"""Statistics (统计) and the year report (年度报告): the figures of `GET /api/v1/stats`, with charts.

`/console/stats?from=&to=&community_id=`: a period (default: this local year) and a scope (an
organizer's communities, or one of them; admins: 全街道 or any community). Headline figures as cards,
then charts, each with a table of the same numbers under it: activities and 人次 by month, by
category and by community (each community row drills down to its activities in the period);
volunteer hours by month and by site kind; the fill rate by site kind; the top volunteers.

`/console/report?year=&community_id=`: the year on one A4 page as a 街道 publishes it (title,
captions, tables, charts), and `/console/report.xlsx` the same tables as a workbook (audited).

Every number is `compute_stats`' (through `server.services.stats_report`), the function the API
calls, so the page, the report, the workbook and the API agree. Charts are ECharts (vendored): the
options are built here from those numbers, embedded in the page as JSON and drawn by `charts.js`
with the SVG renderer and no animation, so they print.
"""

from datetime import date

from flask import Blueprint, g, render_template, request

from server.api.files import download
from server.errors import ValidationFailed
from server.extensions import db
from server.schemas import fields
from server.schemas.common import Schema
from server.schemas.stats import StatsArgsSchema
from server.services import stats_report
from server.services.communities import managed_communities
from server.localtime import local_today
from server.web.auth import console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, parse_form

bp = Blueprint("stats", __name__)

PALETTE = ["#c8161d", "#e6a23c", "#2f6fb0", "#15803d", "#7c3aed", "#0e7490", "#9ca3af"]


class ReportArgsSchema(Schema):
    """The report's year and scope."""

    year = fields.Integer(required=True, validate=fields.Range(min=fields.EARLIEST_DATE.year,
                                                               max=fields.LATEST_DATE.year))
    community_id = fields.Id()


# --- charts ---------------------------------------------------------------------------------------


def _data(values, labelled):
    """Series data: each value, labelled on the chart unless it is zero or null (or `labelled` is off)."""
    return [{"value": v, "label": {"show": bool(labelled and v)}} for v in values]


def _chart(labels, series, percent=False):
    """ECharts options: a category axis of `labels` and `series` [(name, values, type, axis)]; a
    second value axis when a series asks for axis 1. Bars carry their value; lines do not."""
    crowded = len(labels) > 12 or (sum(len(label) for label in labels) > 20 and max(map(len, labels), default=0) > 3)
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30 if crowded else 0}}
    value_axis = {"type": "value", "minInterval": 1}
    if percent:
        value_axis = {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}}
    axes = [value_axis]
    if any(axis == 1 for _name, _values, _kind, axis in series):
        axes.append({"type": "value", "minInterval": 1, "splitLine": {"show": False}})
    return {
        "animation": False,
        "color": PALETTE,
        "textStyle": {"fontFamily": "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": category,
        "yAxis": axes,
        "series": [
            {"name": name, "type": kind, "yAxisIndex": axis, "data": _data(values, kind == "bar"),
             "label": {"position": "top", **({"formatter": "{c}%"} if percent else {})}}
            for name, values, kind, axis in series
        ],
    }


def _labels(table):
    return [row["label"] for row in table.rows]


def _month_labels(table):
    """Month labels without the year when the period is inside one year (2026年3月 → 3月)."""
    years = {row["key"][:4] for row in table.rows}
    return [row["label"].split("年", 1)[1] if len(years) == 1 else row["label"] for row in table.rows]


def _values(table, column):
    return [stats_report.value(row, column) for row in table.rows]


def _percents(table, column):
    return [None if v is None else round(v * 100, 1) for v in _values(table, column)]


def charts(numbers):
    """The page's charts as `{id: ECharts options}`, every value a figure of the overview's tables."""
    found = {}
    tables = numbers.tables
    sr = stats_report
    if "month" in tables:
        month = tables["month"]
        found["chart-month-activities"] = _chart(_month_labels(month), [
            ("活动场次", _values(month, sr.ACTIVITIES_HELD), "bar", 0),
            ("服务人次", _values(month, sr.PEOPLE_SERVED), "line", 1),
        ])
        found["chart-month-hours"] = _chart(_month_labels(month), [("志愿时长（小时）", _values(month, sr.HOURS), "bar", 0)])
    if "category" in tables:
        category = tables["category"]
        found["chart-category"] = _chart(_labels(category), [
            ("活动场次", _values(category, sr.ACTIVITIES_HELD), "bar", 0),
            ("服务人次", _values(category, sr.PEOPLE_SERVED), "bar", 1),
        ])
    if "community" in tables:
        community = tables["community"]
        found["chart-community"] = _chart(_labels(community), [
            ("活动场次", _values(community, sr.ACTIVITIES_HELD), "bar", 0),
            ("服务人次", _values(community, sr.PEOPLE_SERVED), "bar", 1),
        ])
    if "site_kind" in tables:
        kinds = tables["site_kind"]
        found["chart-site-hours"] = _chart(_labels(kinds), [("志愿时长（小时）", _values(kinds, sr.HOURS), "bar", 0)])
        found["chart-site-fill"] = _chart(_labels(kinds), [("岗位填充率", _percents(kinds, sr.FILL_RATE), "bar", 0)],
                                          percent=True)
    return found


# --- the pages ------------------------------------------------------------------------------------


def this_year():
    today = local_today()
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _community_options(communities):
    return [(c.id, c.name + ("（已归档）" if c.archived_at else "")) for c in communities]


def _scope_options(user, communities):
    """The scope select's blank choice: an admin's whole sub-district, an organizer's communities."""
    return "全街道" if user.is_admin else ("全部社区" if len(communities) > 1 else None)


@bp.route("/stats")
@console_login_required
def index():
    communities = managed_communities(g.user)
    first, last = this_year()
    extra = {key: default.isoformat() for key, default in (("from", first), ("to", last))
             if not request.args.get(key, "").strip()}
    errors, numbers, status, args = {}, None, 200, {}
    try:
        args = parse_form(StatsArgsSchema(), request.args, extra=extra, only=("from", "to", "community_id"))
        community_id = args.get("community_id")
        if community_id is None and not g.user.is_admin and len(communities) == 1:
            community_id = communities[0].id
        numbers = stats_report.overview(g.user, args["date_from"], args["date_to"], community_id,
                                        by_community=community_id is None)
    except FormErrors as exc:
        errors, status = exc.errors, 422
    except ValidationFailed as exc:
        errors, status = domain_error_as_form_errors(exc), 422
    return render_template(
        "console/stats.html",
        errors=errors,
        numbers=numbers,
        charts=charts(numbers) if numbers else {},
        date_from=request.args.get("from") or first.isoformat(),
        date_to=request.args.get("to") or last.isoformat(),
        community_id=args.get("community_id") if args else request.args.get("community_id", ""),
        community_options=_community_options(communities),
        blank=_scope_options(g.user, communities),
        sr=stats_report,
    ), status


def _report_args():
    """The report's `year` (default: this year) and `community_id`; raises FormErrors."""
    extra = {} if request.args.get("year", "").strip() else {"year": local_today().year}
    return parse_form(ReportArgsSchema(), request.args, extra=extra)


def _report(args, communities):
    community_id = args.get("community_id")
    if community_id is None and not g.user.is_admin and len(communities) == 1:
        community_id = communities[0].id
    return stats_report.year_report(g.user, args["year"], communities, community_id)


@bp.route("/report")
@console_login_required
def report():
    communities = managed_communities(g.user)
    errors, result, status, args = {}, None, 200, {}
    try:
        args = _report_args()
        result = _report(args, communities)
    except FormErrors as exc:
        errors, status = exc.errors, 422
    except ValidationFailed as exc:
        errors, status = domain_error_as_form_errors(exc), 422
    return render_template(
        "console/report.html",
        errors=errors,
        report=result,
        numbers=result.overview if result else None,
        charts=charts(result.overview) if result else {},
        year=request.args.get("year") or local_today().year,
        community_id=args.get("community_id") if args else request.args.get("community_id", ""),
        community_options=_community_options(communities),
        blank=_scope_options(g.user, communities),
        sr=stats_report,
    ), status


@bp.route("/report.xlsx")
@console_login_required
def report_xlsx():
    """The year report's tables as an XLSX workbook, one sheet each; audited."""
    result = _report(_report_args(), managed_communities(g.user))
    file = stats_report.export_year_report(g.user, result)
    db.session.commit()
    return download(file.body, "xlsx", file.filename)


@bp.errorhandler(FormErrors)
def _bad_args(exc):
    from server.web import render_error

    message = "；".join(m for messages in exc.errors.values() for m in messages)
    return render_error(422, f"参数有误：{message}")
