"""One blueprint per domain, registered on the flask-smorest Api, and the checks every request
body passes before a view reads it.

Bodies: a request that carries a body (POST, PUT, PATCH, DELETE) must send it as `application/json`
(`; charset=utf-8` allowed), else 415 `unsupported_media_type`: a cross-site form or `text/plain`
post cannot reach a view. A request without a body may omit `Content-Type` (`POST /publish` and the
like); one that names another type is refused all the same. JSON nested deeper than
`MAX_JSON_DEPTH` is 400 `malformed_body`, and a body over `MAX_CONTENT_LENGTH` 413.
"""

import json
import re
import sys

from flask import request
from werkzeug.routing import IntegerConverter

from server.api import (
    activities,
    auth,
    checkin,
    communities,
    console_logins,
    draw,  # noqa: F401 (routes on the activities blueprint)
    health,
    hours,  # noqa: F401 (routes on the shifts blueprint)
    me,
    notices,  # noqa: F401 (routes on the activities blueprint)
    offers,  # noqa: F401 (routes on the activities blueprint)
    qualifications,
    shifts,
    stats,
    subscriptions,
    swaps,
    users,
    vacancy_alerts,
)
from server.errors import DomainError
from server.schemas.fields import INT_MAX

BLUEPRINTS = [
    health.blp,
    auth.blp,
    me.blp,
    communities.blp,
    users.blp,
    activities.blp,
    shifts.blp,
    swaps.blp,
    subscriptions.blp,
    checkin.blp,
    console_logins.blp,
    stats.blp,
    qualifications.blp,
    vacancy_alerts.blp,
]
API_PREFIX = "/api/"


BODY_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive 32-bit row id; anything larger is an unknown route (404), not a DB error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=INT_MAX)


def _json_depth(value):
    """How deeply `value` (parsed JSON) nests lists and objects, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return deepest


# The types a cross-site page can post without a CORS preflight: refused even with an empty body, so a
# cookie-authenticated console never acts on a forged form.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


_LONG_DIGIT_RUN = re.compile(rb"\d{%d,}" % (sys.get_int_max_str_digits() or 4300))


def check_request_body():
    """Refuse a body that is not JSON (415) or that nests too deeply (400), before any view runs."""
    if request.method not in BODY_METHODS or not request.path.startswith(API_PREFIX):
        return  # the console's forms are checked by CSRF (server/web)
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if not has_body and request.mimetype not in FORM_TYPES:
        return  # nothing to parse (some clients label an empty body application/octet-stream)
    if request.mimetype != "application/json":
        raise DomainError("unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）")
    body = request.get_data(cache=True)
    # Python refuses to read an integer of more digits than `sys.get_int_max_str_digits()` (a ValueError the
    # JSON parser does not turn into a decode error): a body with so long a run of digits is read here first.
    if _LONG_DIGIT_RUN.search(body):
        try:
            json.loads(body)
        except (json.JSONDecodeError, RecursionError):
            pass  # not JSON (the parser answers malformed_body), or too deep (answered below)
        except ValueError:
            raise DomainError("malformed_body", "JSON 中的数字位数过多") from None
    # Only a body with many brackets can nest deeply: check those (json raises RecursionError past ~1000).
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH:
        try:
            too_deep = _json_depth(json.loads(body)) > MAX_JSON_DEPTH
        except RecursionError:
            too_deep = True
        except ValueError:
            return  # not JSON at all: the parser answers malformed_body
        if too_deep:
            raise DomainError("malformed_body", f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")


def register_blueprints(app, api):
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": INT_MAX})
    app.before_request(check_request_body)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
