"""The audit log (admins): exports, phone reveals, role grants, console logins.

`GET /console/audit`: entries newest first, filtered by kind of action, actor (part of a name, a full
phone number, or `#id`) and a date range, paged. Organizers get 403 (`services.audit_log` decides).
"""

from datetime import date

from flask import Blueprint, g, render_template, request

from server.services import audit_log
from server.services.people import clean_search
from server.web.auth import console_login_required
from server.web.paging import paginate

bp = Blueprint("audit", __name__)

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _date_arg(args, name, errors):
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        errors[name] = ["日期格式应为 YYYY-MM-DD"]
        return None
    if not EARLIEST <= value <= LATEST:
        errors[name] = ["日期须在 2000-01-01 至 2100-12-31 之间"]
        return None
    return value


def _filters(args):
    """`(filters, errors)` from the query string; a bad filter is left out."""
    errors = {}
    filters = {"actor_search": clean_search(args.get("actor", ""))}
    group = args.get("action", "").strip()
    if group:
        if group in audit_log.ACTION_GROUPS:
            filters["group"] = group
        else:
            errors["action"] = ["请选择列表中的操作类型"]
    filters["date_from"] = _date_arg(args, "date_from", errors)
    filters["date_to"] = _date_arg(args, "date_to", errors)
    if filters["date_from"] and filters["date_to"] and filters["date_from"] > filters["date_to"]:
        errors["date_to"] = ["结束日期不能早于开始日期"]
        filters["date_to"] = None
    return filters, errors


@bp.route("/audit")
@console_login_required
def index():
    audit_log.require_admin(g.user)
    filters, errors = _filters(request.args)
    page = paginate(audit_log.audit_statement(g.user, **filters))
    page.items = audit_log.describe(page.items)
    return (
        render_template(
            "console/audit.html",
            page=page,
            filters=filters,
            errors=errors,
            groups=[(key, label) for key, (label, _actions, _contains) in audit_log.ACTION_GROUPS.items()],
        ),
        422 if errors else 200,
    )
