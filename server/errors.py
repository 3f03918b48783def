"""The catalogue of error ids, the domain errors raised by id, and the one handler that turns every
error into the contract's JSON body.

Body: `{"error": "<snake_case id>", "message": "<human text>", "errors": {field: [messages]}}`,
`errors` only for validation failures. The mini-program branches on `error`, never on `message`.

Every id the service can answer is declared once, in `CATALOGUE`, with its HTTP status and default
Chinese message. Raise by id: `DomainError("capacity_full")` takes both from the catalogue, and a
raise may pass a more specific message: `DomainError("capacity_full", "本场名额已满")`. When the app
is testing, the handler refuses (raises `UncataloguedError`) an id that is not in the catalogue or a
status the catalogue does not give it; `tests/test_error_catalogue.py` checks the same statically.
"""

import logging
from typing import NamedTuple

import redis.exceptions
from flask import current_app
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ErrorSpec(NamedTuple):
    """One catalogue entry: the HTTP status, the default Chinese message, and what it means (English)."""

    status: int
    message: str
    meaning: str
    # A few ids were released answering a second status too; kept for released clients.
    also: tuple = ()


# Sections in the order docs/api.md lists them.
_GENERAL = {
    "bad_request": ErrorSpec(400, "请求格式有误", "The request could not be read (other than a malformed JSON body)."),
    "malformed_body": ErrorSpec(400, "请求体不是有效的 JSON", "The body is not valid JSON (or not UTF-8), or nests lists and objects more than 32 deep."),
    "not_authenticated": ErrorSpec(401, "请先登录", "No bearer token was sent."),
    "token_invalid": ErrorSpec(
        401, "登录凭证无效，请重新登录", "The token is forged or unreadable, or its account has been deleted."
    ),
    "token_expired": ErrorSpec(401, "登录已过期，请重新登录", "The token has expired: log in again."),
    "token_revoked": ErrorSpec(401, "已退出登录，请重新登录", "The token was revoked by logout."),
    "forbidden": ErrorSpec(403, "没有权限", "The caller's roles do not allow this (the message says which role)."),
    "not_found": ErrorSpec(404, "未找到", "No such route, or a path id out of range."),
    "method_not_allowed": ErrorSpec(405, "不支持该请求方法", "The route exists but not with this method (`Allow` lists them)."),
    "conflict": ErrorSpec(
        409,
        "与当前状态冲突",
        "The write raced another one (a database constraint refused it, or a sign-up lost the race); "
        "nothing changed: retry.",
    ),
    "payload_too_large": ErrorSpec(413, "请求体过大", "The body is larger than the server accepts."),
    "unsupported_media_type": ErrorSpec(
        415, "不支持的内容类型", "A body was sent without `Content-Type: application/json` (or a bodiless request named another type)."
    ),
    "validation_failed": ErrorSpec(
        422, "输入有误", "A field is missing, unknown or invalid; `errors` maps each field to its messages."
    ),
    "rate_limited": ErrorSpec(
        429, "请求过于频繁，请稍后再试", "Too many logins (`RATE_LIMIT_LOGIN`), or swaps offered by phone number "
        "(`RATE_LIMIT_SWAP_PHONE`), from this address; see `Retry-After`."
    ),
    "internal_error": ErrorSpec(500, "服务器内部错误", "A bug: the server logged it. Nothing changed."),
    "dependency_unavailable": ErrorSpec(
        503,
        "依赖服务不可用",
        "The database or Redis is down or unreachable (the message names which): retry later. Any request "
        "that needs the part answers it. `GET /health` also answers it for the schedulers and the outbox.",
    ),
}
_NOT_FOUND = {
    "user_not_found": ErrorSpec(404, "用户不存在", "No such user, or the account was deleted."),
    "community_not_found": ErrorSpec(404, "社区不存在", "No such community."),
    "activity_not_found": ErrorSpec(404, "活动不存在", "No such activity, or the caller may not see it (a draft)."),
    "draw_not_found": ErrorSpec(404, "该活动不是抽签活动", "The activity allocates its places without a lottery: it has no draw."),
    "registration_not_found": ErrorSpec(404, "没有找到报名记录", "The caller (or the named person) has no such sign-up."),
    "site_not_found": ErrorSpec(404, "站点不存在", "No such duty site."),
    "shift_not_found": ErrorSpec(404, "班次不存在", "No such shift."),
    "booking_not_found": ErrorSpec(404, "没有找到该预约", "No such booking, or the caller holds none on this shift."),

    "membership_not_found": ErrorSpec(
        404, "该居民不是本社区的成员或申请人", "The user does not claim (or hold) membership of this community."
    ),
}
_WECHAT = {
    "wechat_code_invalid": ErrorSpec(
        401, "登录凭证无效或已使用，请重新登录", "The `wx.login` code is unknown, expired or used (WeChat 40029, 40163)."
    ),
    "wechat_login_blocked": ErrorSpec(
        403, "微信判定该账号存在风险，暂时无法登录", "WeChat blocked this user's login as high-risk (40226)."
    ),
    "phone_code_invalid": ErrorSpec(
        422, "手机号授权凭证无效或已过期，请重新授权", "The getPhoneNumber code is unknown, expired or used (40029)."
    ),
    "wechat_rate_limited": ErrorSpec(
        429, "微信接口调用过于频繁，请稍后再试", "WeChat's per-minute or daily quota was hit (45009, 45011)."
    ),
    "wechat_rejected": ErrorSpec(502, "微信拒绝了该请求", "WeChat refused the request itself (e.g. 40169 for a code image)."),
    "wechat_unavailable": ErrorSpec(
        503, "微信服务暂时不可用，请稍后再试", "WeChat timed out, could not be reached, or answered -1 or an unknown errcode."
    ),

    "content_risky": ErrorSpec(
        422,
        "内容含有不当信息，未通过微信内容安全检测，请修改后再提交",
        "WeChat's content check (msgSecCheck) judged the text risky; `errors` names the fields. Nothing was saved.",
    ),
}
_ACTIVITIES = {
    "activity_not_open": ErrorSpec(409, "活动未发布、已取消或已结束", "The activity is not published, or is cancelled or over."),
    "activity_not_draft": ErrorSpec(409, "只有草稿可以发布", "Only a draft can be published."),
    "not_eligible": ErrorSpec(
        403,
        "不符合报名条件",
        "The activity or shift post is for party members, or the activity for residents of its community "
        "only (a confirmed membership: a claimed one does not count).",
    ),
    "signup_not_open": ErrorSpec(409, "报名尚未开始", "Sign-up has not opened yet."),
    "signup_closed": ErrorSpec(409, "报名已截止", "Sign-up has closed."),
    "capacity_full": ErrorSpec(409, "名额已满", "No place left and the activity keeps no waitlist."),
    "signup_rejected": ErrorSpec(
        409,
        "你在本活动的报名未通过审核，不能再次报名",
        "An organizer rejected the caller's sign-up for this activity (报名审核); it cannot be made again.",
    ),
    "offer_expired": ErrorSpec(
        409,
        "名额保留已过期，已顺延给下一位候补",
        "The offer's deadline (`offer_expires_at`) has passed, even if the sweeper has not run yet: the offer "
        "is now `expired` and the place has passed to the next on the waitlist.",
    ),
    "no_offer": ErrorSpec(
        409, "你在本活动没有待确认的名额", "The caller has no offered place on this activity to accept or decline."
    ),
    "not_pending": ErrorSpec(
        409,
        "该报名已不在待审核状态",
        "The sign-up is no longer pending approval (its owner gave it up, or another organizer decided it).",
    ),
    "signup_mode_locked": ErrorSpec(
        409,
        "活动发布后不能更改报名方式或抽签时间",
        "`signup_mode` and `draw_at` are fixed once the activity is published (a lottery's entrants rely on them).",
    ),
    "walk_in_duplicate": ErrorSpec(
        409,
        "该手机号已在本活动报名",
        "A walk-in (代报名) with this phone, or a user whose bound phone it is, already holds a place or waitlist spot.",
    ),
    "capacity_below_confirmed": ErrorSpec(
        409, "容量不能低于已确认的名额", "An edit would set capacity below the places already confirmed."
    ),
    "questions_locked": ErrorSpec(
        409,
        "已有人报名，报名问题不能再修改",
        "An edit would change an activity's sign-up questions after someone signed up (answers are keyed by them).",
    ),
    "cancel_cutoff_passed": ErrorSpec(
        409, "已过取消的截止时间",
        "Too late to cancel the sign-up or booking (`SHIFT_CANCEL_CUTOFF_MINUTES` for shifts; a booking can then "
        "be offered as a swap, 换班).",
    ),
    "checkin_token_invalid": ErrorSpec(
        409,
        "签到码无效或已过期",
        "The scanned check-in token is unknown, expired or for another activity or site. "
        "`GET /checkin-codes/{token}.jpg` answers it with 404 (for join codes too).",
        also=(404,),
    ),
    "registration_not_confirmed": ErrorSpec(
        409,
        "候补中的报名不能签到",
        "Only a confirmed place checks in: not a waitlisted sign-up, an offer not yet accepted, a pending "
        "sign-up or a lottery entry (the message says which).",
    ),

    "join_code_invalid": ErrorSpec(
        409,
        "社区居民确认码无效或已过期，请重新扫码",
        "The scanned community join code is unknown, expired, or not a join code (`POST /me/community/join`).",
    ),

    "community_archived": ErrorSpec(
        409,
        "该社区已撤销归档，不能再添加活动、站点或成员",
        "The community is archived: it keeps its history but takes no new activities, sites or members "
        "(creating one there, choosing it in `PATCH /me`, its join code).",
    ),
    "community_code_taken": ErrorSpec(409, "社区编码已存在", "Another community already has this code."),
    "community_csv_invalid": ErrorSpec(
        422,
        "社区名单有误，未导入任何社区",
        "The communities CSV was refused as a whole, nothing created: `errors` maps `line N` (or `file`) "
        "to what is wrong there (duplicate code, empty name, unreadable encoding, missing column).",
    ),
}
_SHIFTS = {
    "site_archived": ErrorSpec(
        409, "该站点已归档，不能再添加班次", "The site is archived: it keeps its shifts but takes no new ones and shows no check-in code."
    ),
    "site_has_shifts": ErrorSpec(
        409, "该站点还有未结束的班次，请先取消这些班次再归档", "A site with open shifts that have not ended cannot be archived."
    ),
    "shift_not_open": ErrorSpec(409, "该班次已取消", "The shift was cancelled."),
    "shift_exists": ErrorSpec(409, "该站点在这个时段已有班次", "The site already has a shift at these times."),
    "shift_started": ErrorSpec(409, "班次已开始", "The shift has started: it can no longer be booked."),
    "shift_ended": ErrorSpec(409, "班次已结束", "The shift is over: the organizer can no longer cancel it."),
    "shift_not_started": ErrorSpec(409, "班次开始后才能进行此操作", "A no-show can only be marked, and a shift's hours confirmed, once the shift has started."),
    "role_full": ErrorSpec(409, "该岗位已约满", "The post (`role_id`) has no place left."),
    "already_booked": ErrorSpec(409, "你已预约了该班次的其他岗位", "The caller holds another post on this shift."),
    "shift_overlap": ErrorSpec(409, "与你已预约的班次时间冲突", "The caller holds a shift at overlapping times, at any site."),
    "daily_limit_exceeded": ErrorSpec(
        409,
        "超过24小时内值守时长上限",
        "The booking would put more than `MAX_SHIFT_MINUTES_PER_DAY` minutes of the caller's shifts inside some "
        "24 hours (a sliding window, not a calendar day).",
    ),
    "booking_not_active": ErrorSpec(409, "该预约已取消或已标记缺勤", "The booking was cancelled or marked no-show."),
    "checkin_window_closed": ErrorSpec(
        409,
        "不在可签到或签退的时间内",
        "A check-in outside its window (a shift: from shortly before the start to the end; an activity: "
        "`ACTIVITY_CHECKIN_EARLY_MINUTES` before the start to `ACTIVITY_CHECKIN_LATE_MINUTES` after the end), "
        "or a check-out too late.",
    ),
    "not_checked_in": ErrorSpec(409, "还没有签到，不能签退", "Check-out before check-in."),
    "already_checked_in": ErrorSpec(409, "已签到，不能标记缺勤", "A checked-in booking cannot be marked no-show."),

    "rest_too_short": ErrorSpec(
        409,
        "两个班次之间的休息时间不足",
        "The booking would leave less than `MIN_REST_MINUTES_BETWEEN_SHIFTS` between two of the caller's shifts.",
    ),
    "schedule_change_refused": ErrorSpec(
        409,
        "调整后部分已报名或已预约的人员将不符合规则",
        "Moving a shift (or setting it party-members-only), or narrowing an activity's audience, would break "
        "the rules of people already booked or registered; the message names up to 3 of them and counts the "
        "rest. Nothing changed.",
    ),
}

_CONSOLE = {
    "console_login_not_found": ErrorSpec(
        404, "二维码已过期或已使用，请在电脑上刷新二维码", "No such console login ticket: unknown, expired (2 minutes) or already used."
    ),
    "console_login_decided": ErrorSpec(409, "该登录请求已处理", "The console login was already confirmed or rejected."),
    "stale_form": ErrorSpec(
        409, "该记录已被他人修改，请刷新后重试", "Console: the record changed after the form was opened; nothing was saved."
    ),
    "csrf_failed": ErrorSpec(
        400, "页面已过期，请刷新后重试", "Console: the form's CSRF token is missing, expired or wrong; nothing was saved."
    ),
}

_OFFLINE_CHECKIN = {
    "recorded_at_in_future": ErrorSpec(
        409,
        "记录的扫码时间晚于当前时间，请检查手机时间后重新扫码",
        "An offline check-in's `recorded_at` is more than 2 minutes ahead of the server's clock.",
    ),
    "recorded_at_too_old": ErrorSpec(
        409,
        "离线签到已超过补传期限，无法补传，请联系组织者补签",
        "An offline check-in's `recorded_at` is more than `OFFLINE_CHECKIN_MAX_HOURS` (default 24) ago.",
    ),
    "recorded_at_before_token": ErrorSpec(
        409,
        "记录的扫码时间早于签到码生成的时间，请检查手机时间后重新扫码",
        "An offline check-in's `recorded_at` is before the scanned token was made (a wrong device clock).",
    ),
    "checkin_token_expired": ErrorSpec(
        409,
        "扫码时签到码已过期，无法补传，请联系组织者补签",
        "The scanned token is genuine but had expired at the offline check-in's `recorded_at` (a screenshot "
        "of an old code, or a wrong device clock).",
    ),
}

_SWAPS = {
    "swap_not_found": ErrorSpec(
        404, "没有找到该换班信息",
        "No such swap, or it is offered by name to someone else (the caller may not know it exists).",
    ),
    "swap_person_not_found": ErrorSpec(
        404, "没有找到使用该手机号的志愿者",
        "No live account has the phone number the giver typed; nothing else about anyone is said.",
    ),
    "swap_exists": ErrorSpec(409, "该预约已发起换班", "The booking already has an open or pending offer (one per booking)."),
    "swap_taken": ErrorSpec(409, "已有其他志愿者接班", "Someone else claimed or took the offered booking first."),
    "swap_closed": ErrorSpec(
        409, "该换班已结束", "The offer was withdrawn or rejected, or its booking, shift or an account went away.",
    ),
    "swap_expired": ErrorSpec(
        409, "班次已开始，换班已结束", "The shift has started (or the giver checked in): the offer is over."
    ),
    "swap_own": ErrorSpec(409, "这是你自己发起的换班", "The giver cannot take their own offer."),
    "swap_not_pending": ErrorSpec(
        409, "该换班不在待审核状态",
        "Only a claim waiting for approval is approved or rejected (it was withdrawn, ended or decided).",
    ),
}

_ONSITE_CHECKIN = {
    "location_required": ErrorSpec(
        422,
        "请允许获取位置后再签到",
        "A self check-in or check-out at a site with coordinates came without `location` (the phone's "
        "GCJ-02 position and its accuracy).",
    ),
    "too_far_from_site": ErrorSpec(
        409,
        "您不在值守点附近，请到达值守点后再签到",
        "The location is farther from the site than its `checkin_radius_m`, even allowing for the reported "
        "accuracy (up to `CHECKIN_MAX_ACCURACY_M`); the message says how far and the radius.",
    ),
    "location_inaccurate": ErrorSpec(
        409,
        "定位不够准确，请到室外开阔处重新定位后再签到",
        "A live self check-in reported an accuracy worse than `CHECKIN_MAX_ACCURACY_M`: retry in the open.",
    ),
}

_ATTENDANCE_RECORD = {
    "not_attended": ErrorSpec(
        409, "您没有在该活动签到，暂无参加证明", "A certificate is only for an attendee who was checked in."
    ),
    "certificate_not_enabled": ErrorSpec(
        409, "该活动未开放参加证明", "The organizer has not enabled certificates (`certificate_enabled`) for this activity."
    ),
}
_REQUIREMENTS = {
    "qualification_required": ErrorSpec(
        403,
        "该岗位需要相应资格，请联系组织者",
        "The post requires a qualification (`required_qualification`) the person does not hold on the shift's "
        "day (never granted, revoked, or expired); the message names it. Booking, an organizer's move, a "
        "hand-over's taker.",
    ),
    "health_declaration_required": ErrorSpec(
        409,
        "该岗位需要填写当日健康申报，请先完成申报",
        "The post asks for a same-day health declaration (at booking, or at a volunteer's own check-in) and "
        "none was sent nor made that day: send `health_declaration` with the request.",
    ),
    "health_declaration_unwell": ErrorSpec(
        409,
        "你今天身体不适或属于风险人员，请先好好休息，暂不能参加该岗位",
        "The health declaration says unwell (temperature not normal, symptoms, or a risk person): the post "
        "that asks for it is refused that day; nothing was booked or checked in.",
    ),
    "qualification_exists": ErrorSpec(409, "本社区已有同名的资格", "The community already has a qualification of that name."),
    "qualification_not_found": ErrorSpec(404, "资格不存在", "No such qualification."),
}

_HOURS_RECORD = {
    "hours_query_not_found": ErrorSpec(404, "没有找到该申诉", "No such hours query (申诉)."),
    "hours_not_recorded": ErrorSpec(
        409, "该预约还没有签退，没有可确认的时长", "The booking was not checked out: it has no worked minutes to confirm, correct or query."
    ),
    "hours_query_open": ErrorSpec(
        409, "这条时长已有待答复的申诉，请等待组织者答复", "One open query per booking: the earlier one awaits the organizer's answer."
    ),
    "hours_query_answered": ErrorSpec(409, "该申诉已答复", "The query was answered already (perhaps by another organizer)."),
    "no_confirmed_hours": ErrorSpec(
        409, "所选期间没有已确认的志愿时长，暂不能出具证明", "No confirmed hours in the period: there is nothing to prove."
    ),
}
SECTIONS = (
    ("General", _GENERAL),
    ("Not found", _NOT_FOUND),
    ("WeChat", _WECHAT),
    ("Activities and registrations", _ACTIVITIES),
    ("Volunteer shifts", _SHIFTS),
    ("Swaps and hand-over", _SWAPS),
    ("Web console", _CONSOLE),
    ("Offline check-in", _OFFLINE_CHECKIN),
    ("On-site check-in", _ONSITE_CHECKIN),
    ("Attendance record", _ATTENDANCE_RECORD),
    ("Requirements per post", _REQUIREMENTS),
    ("Volunteer hours as a record", _HOURS_RECORD),
)
CATALOGUE = {error_id: spec for _, section in SECTIONS for error_id, spec in section.items()}

# The id of an HTTP error whose status has no id of its own (none is expected: the routes raise
# none); its message is the status's English name.
FALLBACK_ERROR_ID = "error"

# Werkzeug's own errors (unknown route, wrong method, malformed body ...) by status.
HTTP_ERROR_IDS = {
    status: (error_id, CATALOGUE[error_id].message)
    for status, error_id in {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_failed",
        429: "rate_limited",
        500: "internal_error",
    }.items()
}


class UncataloguedError(AssertionError):
    """Raised while testing when the service answers an id, or a status, the catalogue does not declare."""


def allowed_statuses(error_id):
    """The statuses the catalogue lets `error_id` answer with (empty if the id is not catalogued)."""
    spec = CATALOGUE.get(error_id)
    return (spec.status, *spec.also) if spec else ()


class DomainError(Exception):
    """A refusal with a stable `error` id from the catalogue.

    `DomainError(error_id)` takes the status and message from the catalogue; `message` replaces the
    catalogue's text with a more specific one, `status` must be one the catalogue gives the id.
    Subclasses fix an id (`error = ...`), or a status for every id they are raised with (`NotFound`).
    """

    error = "conflict"
    status = None
    message = None

    def __init__(self, error=None, message=None, status=None, errors=None):
        cls = type(self)
        self.error = error or cls.error
        spec = CATALOGUE.get(self.error) or CATALOGUE["conflict"]
        # A message declared on the class belongs to the class's own id, not to ids passed in.
        own_message = cls.message if self.error == cls.error else None
        self.message = message or own_message or spec.message
        self.status = status or cls.status or spec.status
        self.errors = errors
        super().__init__(f"{self.error}: {self.message}")


class NotAuthenticated(DomainError):
    status, error = 401, "not_authenticated"


class AccountDeleted(NotAuthenticated):
    """A valid token of an account that has since been deleted."""

    error, message = "token_invalid", "账号不存在或已注销，请重新登录"


class Forbidden(DomainError):
    status, error = 403, "forbidden"


class NotFound(DomainError):
    status, error = 404, "not_found"


class ValidationFailed(DomainError):
    status, error = 422, "validation_failed"


def error_body(error, message, errors=None):
    body = {"error": error, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _answer(error, message, status, errors=None, headers=None):
    """The contract's `(body, status, headers)`; while testing, refuse what the catalogue does not declare."""
    if current_app.testing:
        if error == FALLBACK_ERROR_ID:
            if status in HTTP_ERROR_IDS:
                raise UncataloguedError(f"status {status} has its own id, {HTTP_ERROR_IDS[status][0]!r}")
        elif error not in CATALOGUE:
            raise UncataloguedError(f"error id {error!r} is not in server.errors.CATALOGUE")
        elif status not in allowed_statuses(error):
            raise UncataloguedError(
                f"error id {error!r} answered {status}; the catalogue says {allowed_statuses(error)}"
            )
    return error_body(error, message, errors), status, headers or {}


def _printable(text):
    """`text` as a string that can be sent as UTF-8 (an unpaired surrogate from the request is escaped)."""
    text = str(text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _flatten_field_messages(path, messages, flat):
    """Add `messages` (marshmallow's: a list, a string, or a dict by field name or list index) under
    `path`, nested ones under dotted paths (`roles.0.name`)."""
    if isinstance(messages, dict):
        for key, inner in messages.items():
            _flatten_field_messages(f"{path}.{_printable(key)}" if path else _printable(key), inner, flat)
    elif isinstance(messages, (list, tuple)):
        for message in messages:
            if isinstance(message, (dict, list, tuple)):
                _flatten_field_messages(path, message, flat)
            else:
                flat.setdefault(path or "_schema", []).append(_printable(message))
    else:
        flat.setdefault(path or "_schema", []).append(_printable(messages))


def _flatten_webargs_messages(messages):
    """webargs nests field errors by location (`{"json": {...}, "query": {...}}`) and marshmallow
    nests those of lists and objects; the contract's `errors` is flat: `{field: [messages]}`, a nested
    field named by its dotted path (`roles.0.name`), `_schema` for the request as a whole."""
    flat = {}
    for location_errors in messages.values():
        _flatten_field_messages("", location_errors, flat)
    return flat


def handle_http_exception(exc):
    """Turn any werkzeug HTTPException (including flask-smorest/webargs aborts) into the contract's body."""
    status = exc.code or 500
    error, message = HTTP_ERROR_IDS.get(status, (FALLBACK_ERROR_ID, exc.name))
    errors = None
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages == {"json": ["Invalid JSON body."]}:
        error, message = "malformed_body", CATALOGUE["malformed_body"].message
    elif status == 422 and messages:
        errors = _flatten_webargs_messages(messages)
    elif status == 429 and exc.description:
        message = f"{message}（{exc.description}）"
    headers = data.get("headers") or {}
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers = {**headers, "Allow": ", ".join(exc.valid_methods)}
    if status >= 500:
        log.error("server error: %s", exc, exc_info=getattr(exc, "original_exception", None) or exc)
    return _answer(error, message, status, errors, headers)


def handle_domain_error(exc):
    return _answer(exc.error, exc.message, exc.status, exc.errors)


def handle_integrity_error(exc):
    """A database constraint refused the write (a race the service did not foresee): 409, nothing changed."""
    from server.extensions import db

    db.session.rollback()
    log.warning("integrity error answered as 409: %s", exc.orig)
    return _answer("conflict", "与当前状态冲突，请刷新后重试", 409)


# SQLSTATE classes of a lost or refused connection: 08 (connection exception), 57P (the server is
# shutting down, or terminated this backend, or is starting up).
_UNAVAILABLE_SQLSTATES = ("08", "57P")
# SQLite's primary result codes for a database it cannot open or use right now.
_UNAVAILABLE_SQLITE_CODES = {5, 6, 10, 14}  # BUSY, LOCKED, IOERR, CANTOPEN


def database_unavailable(exc):
    """Whether a DBAPI error means the database could not be reached or dropped the connection
    (rather than refusing the statement)."""
    if not isinstance(exc, (OperationalError, InterfaceError)) and not exc.connection_invalidated:
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _UNAVAILABLE_SQLITE_CODES
    sqlstate = getattr(orig, "sqlstate", None)
    # psycopg gives no SQLSTATE when it could not connect at all, or the server vanished.
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def _dependency_unavailable(part):
    return _answer("dependency_unavailable", f"{CATALOGUE['dependency_unavailable'].message}: {part}", 503)


def handle_database_error(exc):
    """The database is down or dropped the connection: 503 naming it. Anything else is a bug (500)."""
    from server.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the pool replaces it
        log.warning("rollback after a database error failed", exc_info=True)
    if not database_unavailable(exc):
        return handle_unexpected(exc)
    log.error("database unavailable: %s", exc.orig)
    return _dependency_unavailable("db")


def handle_redis_error(exc):
    """Redis refused the connection or timed out (token checks, rate limits, caches need it): 503."""
    log.error("redis unavailable: %s", exc)
    return _dependency_unavailable("redis")


def handle_unexpected(exc):
    """Last resort: log it and answer a JSON 500 instead of an HTML page."""
    log.exception("unhandled error", exc_info=exc)
    return _answer(*HTTP_ERROR_IDS[500], 500)


def catalogue_markdown():
    """The catalogue as Markdown tables, one per section: the OpenAPI description and docs/api.md show it."""
    lines = []
    for title, section in SECTIONS:
        lines += ["", f"**{title}**", "", "| status | error | message | meaning |", "|---|---|---|---|"]
        for error_id, spec in section.items():
            status = " / ".join(str(s) for s in (spec.status, *spec.also))
            lines.append(f"| {status} | `{error_id}` | {spec.message} | {spec.meaning} |")
    lines += [
        "",
        f"Any other HTTP error status (none is expected) answers `{FALLBACK_ERROR_ID}` with the status's English name.",
    ]
    return "\n".join(lines[1:]) + "\n"


def close_session_quietly(_exc=None):
    """End the request's database session; a connection that died meanwhile is logged, not raised.

    The response is already made: a database that drops the connection after it (the rollback of a
    read, the return to the pool) must not turn it into an error page. Runs before Flask-SQLAlchemy's
    own teardown (teardowns run in reverse order), which then has nothing left to close.
    """
    from server.extensions import db

    try:
        db.session.remove()
    except Exception:
        log.warning("closing the database session failed (the connection is gone)", exc_info=True)


# Each kind of error and its handler, which logs what needs logging and returns `(body, status,
# headers)`. The console (`server.web`) shows the same answers as HTML pages.
HANDLERS = (
    (DomainError, handle_domain_error),
    (HTTPException, handle_http_exception),
    (IntegrityError, handle_integrity_error),
    (DBAPIError, handle_database_error),
    (redis.exceptions.ConnectionError, handle_redis_error),
    (redis.exceptions.TimeoutError, handle_redis_error),
    (Exception, handle_unexpected),
)


def init_app(app):
    """The error handlers, and the session teardown that never fails a response (after `db.init_app`)."""
    app.teardown_appcontext(close_session_quietly)
    for error_class, handler in HANDLERS:
        app.register_error_handler(error_class, handler)
