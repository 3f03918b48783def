"""Volunteer hours by date range and person, with the official system's columns; export.

`/console/hours?from=&to=&q=&community_id=&page=`: the rows of `shift_rosters.hours_report` (the
official volunteer system's columns, `shift_rosters.HOURS_HEADERS`) for the organizer's communities
(admins: all), grouped per person with a subtotal, searched by name, paged by person. The default range
is this month. Exports are the API's files (`shift_rosters.export_hours_report`, XLSX or CSV, audited),
one community at a time.
"""

from datetime import timedelta

from flask import Blueprint, g, render_template, request

from server.api.files import download, inline_pdf
from server.errors import ValidationFailed
from server.extensions import db
from server.localtime import local_today
from server.schemas.shifts import HoursReportArgsSchema
from server.services import hours_record, shift_rosters
from server.web import forms
from server.web.duty_roster import scope_communities
from server.web.forms import FormErrors, domain_error_as_form_errors, parse_form
from server.web.auth import console_login_required
from server.web.paging import paginate_list

bp = Blueprint("hours", __name__)

# The page's columns: per person (name, number, phone), then per service as the export states it.
PAGE_HEADERS = ["姓名", "志愿者编号", "手机号", "服务项目/站点", "服务日期", "开始时间", "结束时间", "服务时长（小时）",
                "确认人", "确认时间"]

MAX_RANGE_DAYS = 366


def this_month():
    """The first and last day of the current local month."""
    today = local_today()
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _args(formats=("json",)):
    """`from`, `to` (default: this month) and `community_id` read with the API's schema; raises FormErrors."""
    first, last = this_month()
    extra = {}
    if not request.args.get("from", "").strip():
        extra["from"] = first.isoformat()
    if not request.args.get("to", "").strip():
        extra["to"] = last.isoformat()
    args = parse_form(HoursReportArgsSchema(), request.args, extra=extra, only=("from", "to", "community_id", "format"))
    if args["date_to"] < args["date_from"]:
        raise FormErrors({"to": ["结束日期不能早于开始日期"]})
    if (args["date_to"] - args["date_from"]).days >= MAX_RANGE_DAYS:
        raise FormErrors({"to": [f"日期范围不能超过 {MAX_RANGE_DAYS} 天"]})
    if args["format"] not in formats:
        raise FormErrors({"format": ["不支持的导出格式"]})
    return args


def people(items, query=""):
    """The report's rows per person (rows of one person are adjacent: the report orders them by name),
    each `{"name", "phone_masked", "community", "rows", "minutes", "hours"}`; `query` keeps names (or
    masked phones) containing it."""
    query = query.strip().lower()
    grouped = []
    for item in items:
        key = (item["community"], item["user_id"])
        if not grouped or grouped[-1]["key"] != key:
            grouped.append({"key": key, "user_id": item["user_id"], "name": item["name"] or "",
                            "phone_masked": item["phone_masked"] or "", "volunteer_number": item["volunteer_number"] or "",
                            "community": item["community"], "rows": [], "minutes": 0})
        grouped[-1]["rows"].append(item)
        grouped[-1]["minutes"] += item["minutes"]
    for person in grouped:
        person["hours"] = round(person["minutes"] / 60, 2)
    if query:
        grouped = [p for p in grouped if query in p["name"].lower() or query in p["phone_masked"]]
    return grouped


@bp.route("/hours")
@console_login_required
def index():
    communities = scope_communities(g.user)
    errors, items, status = {}, [], 200
    first, last = this_month()
    date_from, date_to, chosen = first, last, None
    try:
        args = _args()
        date_from, date_to, chosen = args["date_from"], args["date_to"], args.get("community_id")
        ids = [chosen] if chosen is not None else [c.id for c in communities]
        for community_id in ids:
            report = shift_rosters.hours_report(g.user, community_id, date_from, date_to)  # Forbidden: another's
            items.extend({**item, "community": report.community.name} for item in report.items)
    except FormErrors as exc:
        errors, status = exc.errors, 422
    except ValidationFailed as exc:
        errors, status = domain_error_as_form_errors(exc), 422
    query = request.args.get("q", "")[:50]
    persons = people(items, query)
    page = paginate_list(persons)
    exportable = chosen is not None or (not g.user.is_admin and len(communities) == 1)
    return render_template(
        "console/hours.html",
        page=page,
        errors=errors,
        date_from=request.args.get("from") or date_from.isoformat(),
        date_to=request.args.get("to") or date_to.isoformat(),
        query=query,
        community_id=chosen,
        community_options=[(c.id, c.name) for c in communities],
        several=len({p["community"] for p in persons}) > 1 or len(communities) > 1,
        headers=PAGE_HEADERS,
        summary={"people": len(persons), "shifts": sum(len(p["rows"]) for p in persons),
                 "hours": round(sum(p["minutes"] for p in persons) / 60, 2)},
        exportable=exportable and not errors,
        export_args={"from": date_from.isoformat(), "to": date_to.isoformat(),
                     **({"community_id": chosen} if chosen is not None else {})},
    ), status


@bp.route("/hours/export")
@console_login_required
def export():
    """The hours report of one community as XLSX or CSV (`format`), with full phones for its own
    organizers; audited."""
    args = _args(formats=("xlsx", "csv"))
    fmt = args["format"]
    file = shift_rosters.export_hours_report(g.user, fmt, args.get("community_id"), args["date_from"], args["date_to"])
    db.session.commit()
    return download(file.body, fmt, file.filename)


@bp.route("/hours/proof")
@console_login_required
def proof():
    """A person's proof of volunteer service (志愿服务证明) for the chosen period: the services in the
    communities the organizer organizes; audited (`hours.proof`)."""
    args = _args()
    user_id = forms.text_to_int(request.args.get("user_id", ""))
    if not isinstance(user_id, int) or user_id <= 0:
        raise FormErrors({"user_id": ["请选择志愿者"]})
    pdf, filename = hours_record.proof_for(g.user, user_id, args["date_from"], args["date_to"])
    db.session.commit()
    return inline_pdf(pdf, filename, "proof")


@bp.errorhandler(FormErrors)
def _bad_export_args(exc):
    from server.web import render_error

    message = "；".join(m for messages in exc.errors.values() for m in messages)
    return render_error(422, f"参数有误：{message}")
