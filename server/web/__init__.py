"""The organizers' web console (管理后台) at /console: server-rendered pages (Jinja) made interactive
with htmx, on the same services as the API.

Views parse a form (`forms.parse_form`, with the API's schemas), call the service function the API
view calls, commit, and redirect with a flash message, or re-render the form with Chinese field errors
(422) and nothing saved. Authorization is the services' own (organizers their communities, admins the
sub-district). Every POST is CSRF-checked (Flask-WTF's token); the API (bearer tokens, JSON only) is not.

`init_app` registers the `console` blueprint (one child blueprint per page family), the session
cookie's settings, the template helpers and the HTML error pages.
"""

import functools
from datetime import timedelta

from flask import Blueprint, g, make_response, render_template, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from server import errors, vendored_url
from server.errors import DomainError
from server.localtime import to_local
from server.models import mask_phone
from server.web import (
    activities, attendance, audit, auth, booking_moves, dashboard, draw, duty_roster, hours, hours_record, members,
    qualifications, roster, shifts, sites, stats, swaps,
)

console = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
for child in (auth.bp, dashboard.bp, activities.bp, roster.bp, draw.bp, sites.bp, shifts.bp, duty_roster.bp, hours.bp,
              hours_record.bp, members.bp, qualifications.bp, audit.bp, booking_moves.bp, attendance.bp, stats.bp, swaps.bp):
    console.register_blueprint(child)

# The sidebar: (endpoint, label, admins only).
NAV = (
    ("console.dashboard.index", "工作台", False),
    ("console.activities.index", "活动", False),
    ("console.sites.index", "站点", False),
    ("console.shifts.index", "排班", False),
    ("console.duty_roster.index", "排班表", False),
    ("console.hours.index", "志愿时长", False),
    ("console.hours_record.queries", "时长申诉", False),
    ("console.members.index", "居民与党员", False),
    ("console.qualifications.index", "资格", False),
    ("console.stats.index", "统计", False),
    ("console.stats.report", "年度报告", False),
    ("console.audit.index", "审计日志", True),
)


@console.before_request
def _check_csrf():
    """Every console POST carries the session's CSRF token (Flask-WTF's signed, per-session token), as
    the form's `csrf_token` or htmx's `X-CSRFToken` header. Checked here, for the console only: the
    API's bearer tokens and JSON-only bodies need none."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    try:
        validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except ValidationError:
        raise DomainError("csrf_failed") from None


def _is_htmx():
    return bool(request.headers.get("HX-Request"))


def render_error(status, message):
    """An error as an HTML page, or for htmx requests as a message shown above the page."""
    if _is_htmx():
        response = make_response(render_template("console/_messages.html", messages=[("error", message)]), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    # Without the caller: an error page needs no query (the database may be what failed).
    return make_response(render_template("console/error.html", status=status, message=message, current_user=None), status)


def _as_page(handler):
    """The API's handling of an error (its logging, status and Chinese message) shown as a console page."""

    def handle(exc):
        body, status, headers = handler(exc)
        response = render_error(status, body["message"])
        for name in ("Allow", "Retry-After"):
            if name in headers:
                response.headers[name] = headers[name]
        return response

    return handle


# Every error raised inside a console view is answered as the API answers it, shown as a page.
for _error_class, _handler in errors.HANDLERS:
    console.register_error_handler(_error_class, _as_page(_handler))


def _http_error(exc):
    """An unknown address or method under /console (no console view ran) as a page; elsewhere the API's JSON."""
    if request.path.startswith("/console/") or request.path == "/console":
        return _as_page(errors.handle_http_exception)(exc)
    return errors.handle_http_exception(exc)


def _local_datetime(value, fmt="%Y-%m-%d %H:%M"):
    return to_local(value).strftime(fmt) if value else ""


def _template_globals():
    user = g.get("user") if "user_id" in g.__dict__ else None
    return {
        "nav": [item for item in NAV if not item[2] or (user is not None and user.is_admin)],
        "current_user": user,
    }


def init_app(app):
    """Register the console on `app` (after the API: its 404 and 405 pages defer to the API's JSON)."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["APP_ENV"] != "development",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["CONSOLE_SESSION_HOURS"]),
    )
    app.add_template_global(generate_csrf, "csrf_token")
    app.register_blueprint(console)
    for status in (404, 405):
        app.register_error_handler(status, _http_error)
    app.add_template_filter(_local_datetime, "local_dt")
    app.add_template_global(functools.cache(vendored_url), "vendored")
    app.add_template_filter(mask_phone, "mask_phone")
    app.context_processor(_template_globals)
