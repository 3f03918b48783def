"""WeChat server API emulator: a real HTTP server for tests and local runs.

It answers the part of https://api.weixin.qq.com this project uses (tokens, login,
phone number, subscribe messages, mini-program codes, text checks, checksession)
with the success shapes, errcodes and token rules summarised in docs/wechat.md, and adds
test-only control endpoints under ``/__emulator/`` to mint codes, record subscription
accepts, inject faults, move the clock and read what was sent.

    python scripts/wechat_emulator.py --host 127.0.0.1 --port 8061 --appid wx... --secret ...

In tests: ``server = EmulatorServer().start()``, point the WeChat client at
``server.url`` and drive the fake with ``EmulatorClient(server.url)``.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import math
import os
import re
import secrets
import string
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

import requests
from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

DEFAULT_APPID = "wx0000000000demo"
DEFAULT_SECRET = "demo-secret"
CONTROL_PREFIX = "/__emulator/"

CODE_TTL = 300  # login and phone codes are valid 5 minutes
TOKEN_TTL = 7200
TOKEN_OVERLAP = 300  # WeChat keeps the previous cgi-bin token usable 5 minutes after a new fetch
STABLE_ROTATE_BEFORE = 300  # normal-mode stable_token rotates 5 minutes before expiry
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_GAP = 30
ACTIVE_WINDOW = 7200  # msg_sec_check wants a visit in the last 2 hours
DAY = 86400

WECHAT_PATHS = frozenset({
    "/cgi-bin/token",
    "/cgi-bin/stable_token",
    "/sns/jscode2session",
    "/wxa/checksession",
    "/wxa/business/getuserphonenumber",
    "/cgi-bin/message/subscribe/send",
    "/wxa/getwxacodeunlimit",
    "/wxa/msg_sec_check",
})

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40129: "invalid scene",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    40226: "code blocked",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
    61010: "code is expired",
    87009: "invalid signature",
    87014: "risky content",
}

# The image every mini-program code request answers: a 430x430 JPEG that looks like a WeChat code
# and says it is the emulator's (scripts/wechat_emulator_code.jpg), so pages that show a code look
# like the real thing in local runs and screenshots. It does not encode the scene.
QR_JPEG = (Path(__file__).resolve().parent / "wechat_emulator_code.jpg").read_bytes()

# --- value rules for subscribe message data (docs/wechat.md, "Subscribe messages") ---------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_HAS_CJK = re.compile(f"[{_CJK}]")
_DATE = r"\d{4}(?:年(?:0?[1-9]|1[0-2])月(?:0?[1-9]|[12]\d|3[01])日|[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01]))"
_CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
_MOMENT = rf"(?:{_DATE}(?:\s*{_CLOCK})?|{_CLOCK})"
_TIME_VALUE = re.compile(rf"{_MOMENT}(?:\s*~\s*{_MOMENT})?", re.ASCII)
_SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+")


def _is_symbol(c: str) -> bool:
    return not c.isalnum() and not c.isspace()


def _valid_name(v: str) -> bool:
    if re.search("[0-9]", v):  # names are letters or symbols only
        return False
    if _HAS_CJK.search(v):  # pure or mixed Chinese counts as Chinese
        return len(v) <= 10
    return len(v) <= 20 and all(c.isalpha() or c == " " or _is_symbol(c) for c in v)


VALUE_RULES = {
    "thing": lambda v: len(v) <= 20,
    "number": lambda v: bool(re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", v)) and sum(c.isdigit() for c in v) <= 32,
    "letter": lambda v: bool(re.fullmatch(r"[A-Za-z]{1,32}", v)),
    "symbol": lambda v: len(v) <= 5 and all(_is_symbol(c) for c in v),
    "character_string": lambda v: len(v) <= 32 and not _HAS_CJK.search(v),
    "time": lambda v: bool(_TIME_VALUE.fullmatch(v)),
    "date": lambda v: bool(_TIME_VALUE.fullmatch(v)),
    "amount": lambda v: bool(re.fullmatch(r"[¥￥$€£]?[0-9]{1,10}(?:\.[0-9]{1,2})?元?", v)),
    "phone_number": lambda v: len(v) <= 17 and all(c in string.digits or _is_symbol(c) for c in v),
    "car_number": lambda v: len(v) <= 8 and bool(re.fullmatch(f"[{_CJK}]?[A-Za-z0-9]+[{_CJK}]?", v)),
    "name": _valid_name,
    "phrase": lambda v: len(v) <= 5 and bool(re.fullmatch(f"[{_CJK}]+", v)),
}


def invalid_data_key(data) -> str | None:
    """Return the first data key whose value breaks its type rule ("" for a bad data object)."""
    if not isinstance(data, dict) or not data:
        return ""
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value.strip():
            return key
        rule = VALUE_RULES.get(key.rstrip(string.digits))
        if rule is not None and not rule(value):  # unknown types (enum, site...) only need a value
            return key
    return None


# --- errors and helpers ----------------------------------------------------------------


class ApiError(Exception):
    """A WeChat error answer: HTTP 200 with errcode and errmsg."""

    def __init__(self, errcode: int, errmsg: str | None = None):
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "emulated error")


class ControlError(Exception):
    """A bad request to a control endpoint (HTTP 400)."""


def _rid() -> str:
    # Real request ids look like 668f2aa4-51c08c03-3d141241: hex time, then two random words.
    return f"{int(time.time()):08x}-{secrets.randbits(32):08x}-{secrets.randbits(32):08x}"


def error_response(errcode: int, errmsg: str | None = None) -> Response:
    """The WeChat error body; clients must match errcode, so errmsg carries a rid suffix."""
    msg = errmsg or ERRMSG.get(errcode, "emulated error")
    return jsonify(errcode=errcode, errmsg=f"{msg} rid: {_rid()}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)  # JSON true is not a number


def _is_number(v) -> bool:
    return _is_int(v) or isinstance(v, float)


def _random_openid() -> str:
    alphabet = string.ascii_letters + string.digits + "_-"
    return "o" + "".join(secrets.choice(alphabet) for _ in range(27))


def _random_code() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def _session_key() -> str:
    return base64.b64encode(secrets.token_bytes(16)).decode()


def _json_body(*, empty: int = 44002, invalid: int = 47001) -> dict:
    """Parse the body as UTF-8 JSON whatever the Content-Type says (wechatpy sends none)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ApiError(empty)
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:  # also covers UnicodeDecodeError
        raise ApiError(invalid) from None
    if not isinstance(body, dict):
        raise ApiError(invalid)
    return body


def _peek_json():
    try:
        return json.loads(request.get_data(cache=True).decode("utf-8"))
    except ValueError:
        return None


# --- state -------------------------------------------------------------------------------


@dataclass
class Token:
    value: str
    family: str  # "cgi" (cgi-bin/token) or "stable" (cgi-bin/stable_token)
    expires_at: float
    invalid_after: float | None = None  # set when replaced, forced out or invalidated


class EmulatorState:
    """Everything one emulator remembers; all access goes through ``lock``."""

    def __init__(self, appid: str, secret: str, template_ids=None, pages=None):
        self.appid = appid
        self.secret = secret
        self.template_ids = None if template_ids is None else frozenset(template_ids)
        self.pages = None if pages is None else frozenset(p.lstrip("/") for p in pages)
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.offset = 0.0
            self.tokens: dict[str, Token] = {}
            self.stable_current: Token | None = None
            self.force_refreshes: list[float] = []
            self.users: dict[str, dict] = {}  # openid -> unionid, session_key, active_at
            self.login_codes: dict[str, dict] = {}
            self.phone_codes: dict[str, dict] = {}
            self.credits: dict[tuple[str, str], int] = {}
            self.messages: list[dict] = []
            self.codes: list[dict] = []
            self.calls: list[dict] = []
            self.faults: dict[str, deque] = {}
            self.texts: dict[str, tuple[str, int]] = {}

    def now(self) -> float:
        return time.time() + self.offset

    def user(self, openid: str) -> dict:
        return self.users.setdefault(openid, {"unionid": None, "session_key": None, "active_at": None})

    def check_credentials(self, grant_type, appid, secret, expected_grant="client_credential") -> None:
        if grant_type != expected_grant:
            raise ApiError(40002)
        if not appid:
            raise ApiError(41002)
        if appid != self.appid:
            raise ApiError(40013)
        if not secret:
            raise ApiError(41004)
        if secret != self.secret:
            raise ApiError(40125)

    def _new_token(self, family: str, now: float) -> Token:
        token = Token(secrets.token_urlsafe(102), family, now + TOKEN_TTL)
        self.tokens[token.value] = token
        return token

    def issue_cgi_token(self) -> dict:
        with self.lock:
            now = self.now()
            for old in self.tokens.values():
                if old.family == "cgi" and (old.invalid_after is None or old.invalid_after > now + TOKEN_OVERLAP):
                    old.invalid_after = now + TOKEN_OVERLAP
            return {"access_token": self._new_token("cgi", now).value, "expires_in": TOKEN_TTL}

    def issue_stable_token(self, force: bool) -> dict:
        with self.lock:
            now = self.now()
            current = self.stable_current
            if force:
                recent = [t for t in self.force_refreshes if now - t < DAY]
                if len(recent) >= FORCE_REFRESH_PER_DAY or (recent and now - recent[-1] < FORCE_REFRESH_GAP):
                    raise ApiError(45009)
                self.force_refreshes = recent + [now]
                if current is not None:
                    current.invalid_after = now
            elif current is not None and self.token_error(current.value, now) is None \
                    and now < current.expires_at - STABLE_ROTATE_BEFORE:
                # Normal mode is idempotent: every caller gets the same token.
                return {"access_token": current.value, "expires_in": math.ceil(current.expires_at - now)}
            self.stable_current = self._new_token("stable", now)
            return {"access_token": self.stable_current.value, "expires_in": TOKEN_TTL}

    def token_error(self, value: str | None, now: float | None = None) -> int | None:
        """The errcode a call with this access_token gets, or None when it is good."""
        if not value:
            return 41001
        with self.lock:
            now = self.now() if now is None else now
            token = self.tokens.get(value)
            if token is None or (token.invalid_after is not None and now >= token.invalid_after):
                return 40001
            if now >= token.expires_at:
                return 42001
        return None

    def take_fault(self, path: str) -> dict | None:
        with self.lock:
            queue = self.faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                queue.popleft()
            return fault

    def take_code(self, codes: dict, code, used_errcode: int) -> dict:
        """Consume a single-use 5-minute code or raise the matching errcode."""
        entry = codes.get(code) if isinstance(code, str) else None
        if entry is None or self.now() - entry["minted_at"] > CODE_TTL:
            raise ApiError(40029)
        if entry["used"]:
            raise ApiError(used_errcode)
        entry["used"] = True
        return entry


# --- the app -------------------------------------------------------------------------------


def create_emulator_app(appid: str, secret: str, *, template_ids=None, pages=None) -> Flask:
    """Build an emulator app; ``template_ids``/``pages`` of None accept any value."""
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # WeChat answers in raw UTF-8
    state = EmulatorState(appid, secret, template_ids, pages)
    app.extensions["wechat_emulator"] = state

    app.register_error_handler(ApiError, lambda e: error_response(e.errcode, e.errmsg))
    app.register_error_handler(ControlError, lambda e: (jsonify(error="bad_request", message=str(e)), 400))
    app.register_error_handler(404, lambda e: (jsonify(error="not_found", path=request.path), 404))

    @app.errorhandler(405)
    def wrong_method(e):
        """WeChat answers a wrong method with HTTP 200 and 43001/43002."""
        if request.path.startswith(CONTROL_PREFIX):
            return jsonify(error="method_not_allowed", path=request.path), 405
        return error_response(43002 if request.method == "GET" else 43001)

    @app.before_request
    def record_and_apply_faults():
        """Log every WeChat call, then play the next queued fault for its path."""
        if request.path.startswith(CONTROL_PREFIX):
            return None
        with state.lock:
            state.calls.append({
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "body": _peek_json() if request.method == "POST" else None,
                "at": state.now(),
            })
        fault = state.take_fault(request.path)
        if fault is None:
            return None
        if fault["delay"]:
            time.sleep(fault["delay"])  # outside the lock: other calls keep flowing
        if fault["http_status"]:
            status = fault["http_status"]
            html = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
            return Response(html, status=status, mimetype="text/html")
        if fault["errcode"] is not None:
            return error_response(fault["errcode"])
        return None

    def needs_token(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            errcode = state.token_error(request.args.get("access_token"))
            if errcode:
                raise ApiError(errcode)
            return view(*args, **kwargs)
        return wrapper

    # --- WeChat endpoints ---

    @app.get("/cgi-bin/token")
    def cgi_token():
        """Issue an access token; the previous cgi-bin token dies 5 minutes later."""
        args = request.args
        state.check_credentials(args.get("grant_type"), args.get("appid"), args.get("secret"))
        return jsonify(state.issue_cgi_token())

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        """Issue a stable token: the same one while valid, a new one on force_refresh."""
        body = _json_body()
        state.check_credentials(body.get("grant_type"), body.get("appid"), body.get("secret"))
        return jsonify(state.issue_stable_token(body.get("force_refresh") is True))

    @app.get("/sns/jscode2session")
    def jscode2session():
        """Exchange a wx.login code; the access_token wechatpy adds is ignored."""
        args = request.args
        js_code = args.get("js_code")
        state.check_credentials(args.get("grant_type"), args.get("appid"), args.get("secret"),
                                expected_grant="authorization_code")
        if not js_code:
            raise ApiError(41008)
        with state.lock:
            entry = state.take_code(state.login_codes, js_code, used_errcode=40163)
            user = state.user(entry["openid"])
            user["session_key"] = entry["session_key"]  # a login replaces the previous session_key
            user["active_at"] = state.now()
            result = {"openid": entry["openid"], "session_key": entry["session_key"]}
            if user["unionid"]:
                result["unionid"] = user["unionid"]
        return jsonify(result)

    @app.get("/wxa/checksession")
    @needs_token
    def checksession():
        """Check hmac_sha256(session_key, "") against the user's latest session_key."""
        args = request.args
        with state.lock:
            user = state.users.get(args.get("openid", ""))
            if user is None:
                raise ApiError(40003)
            key = user["session_key"]
        expected = hmac.new(key.encode(), b"", "sha256").hexdigest() if key else ""
        if args.get("sig_method") != "hmac_sha256" or not key \
                or not hmac.compare_digest(expected, args.get("signature", "")):
            raise ApiError(87009)
        return jsonify(errcode=0, errmsg="ok")

    @app.post("/wxa/business/getuserphonenumber")
    @needs_token
    def get_phone_number():
        """Exchange a getPhoneNumber button code for the phone number."""
        body = _json_body()
        with state.lock:
            entry = state.take_code(state.phone_codes, body.get("code"), used_errcode=40029)
            now = int(state.now())
        country, phone = entry["country_code"], entry["phone"]
        return jsonify({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": phone if country == 86 else f"+{country}{phone}",
                "purePhoneNumber": phone,
                "countryCode": country,
                "watermark": {"timestamp": now, "appid": state.appid},
            },
        })

    @app.post("/cgi-bin/message/subscribe/send")
    @needs_token
    def subscribe_send():
        """Send a one-time subscribe message, spending one accepted credit."""
        body = _json_body()
        touser, template_id, page = body.get("touser"), body.get("template_id"), body.get("page")
        with state.lock:
            if not isinstance(touser, str) or touser not in state.users:
                raise ApiError(40003)
            if not isinstance(template_id, str) or not template_id or \
                    (state.template_ids is not None and template_id not in state.template_ids):
                raise ApiError(40037)
            if page is not None and (not isinstance(page, str) or (
                    state.pages is not None and page.split("?")[0].lstrip("/") not in state.pages)):
                raise ApiError(41030)
            bad_key = invalid_data_key(body.get("data"))
            if bad_key is not None:
                raise ApiError(47003, f"argument invalid! data.{bad_key}.value invalid" if bad_key
                               else "argument invalid! data invalid")
            for field, allowed in (("miniprogram_state", {"developer", "trial", "formal"}),
                                   ("lang", {"zh_CN", "en_US", "zh_HK", "zh_TW"})):
                if field in body and body[field] not in allowed:
                    raise ApiError(47003, f"argument invalid! {field} invalid")
            # Checked last so that a malformed message never spends the user's credit.
            if state.credits.get((touser, template_id), 0) <= 0:
                raise ApiError(43101)
            state.credits[(touser, template_id)] -= 1
            msgid = 2**53 + 1 + secrets.randbelow(2**63 - 2**53 - 1)  # int64 beyond float precision
            state.messages.append({
                "msgid": msgid, "touser": touser, "template_id": template_id, "page": page,
                "data": body["data"], "miniprogram_state": body.get("miniprogram_state"),
                "lang": body.get("lang"), "received_at": state.now(),
            })
        return jsonify(errcode=0, errmsg="ok", msgid=msgid)

    @app.post("/wxa/getwxacodeunlimit")
    @needs_token
    def wxacode_unlimit():
        """Generate an unlimited mini-program code as JPEG bytes."""
        body = _json_body(empty=40169, invalid=40169)
        scene, page = body.get("scene"), body.get("page") or None
        if not isinstance(scene, str) or not 1 <= len(scene) <= 32:
            raise ApiError(40169)
        if not _SCENE.fullmatch(scene):
            raise ApiError(40129)
        if page is not None:
            if not isinstance(page, str) or page.startswith("/") or "?" in page:
                raise ApiError(41030)
            if body.get("check_path", True) is not False and state.pages is not None and page not in state.pages:
                raise ApiError(41030)
        width = body.get("width", 430)
        if not _is_number(width) or not 280 <= width <= 1280:
            raise ApiError(40097)
        if body.get("env_version", "release") not in ("release", "trial", "develop"):
            raise ApiError(40097)
        with state.lock:
            state.codes.append({"scene": scene, "page": page, "width": width,
                                "check_path": body.get("check_path", True),
                                "env_version": body.get("env_version", "release"), "at": state.now()})
        return Response(QR_JPEG, mimetype="image/jpeg")

    @app.post("/wxa/msg_sec_check")
    @needs_token
    def msg_sec_check():
        """Check user text; v2 puts the verdict in result.suggest, v1 answers 87014."""
        body = _json_body()
        content = body.get("content")
        if not isinstance(content, str):
            raise ApiError(47001)
        if body.get("version") not in (2, "2"):
            suggest, _, _ = _text_verdict(state, content)
            if suggest == "risky":
                raise ApiError(87014)
            return jsonify(errcode=0, errmsg="ok")
        openid, scene = body.get("openid"), body.get("scene")
        with state.lock:
            user = state.users.get(openid) if isinstance(openid, str) else None
            if user is None:
                raise ApiError(40003)
            if not _is_int(scene) or scene not in (1, 2, 3, 4):
                raise ApiError(40129)
            if user["active_at"] is None or state.now() - user["active_at"] > ACTIVE_WINDOW:
                raise ApiError(61010)
        texts = [content] + [body[k] for k in ("title", "nickname", "signature") if isinstance(body.get(k), str)]
        suggest, label, keyword = _text_verdict(state, "\n".join(texts))
        keyword_detail = {"strategy": "keyword", "errcode": 0}
        if keyword:
            keyword_detail.update(suggest=suggest, label=label, level=90, keyword=keyword)
        return jsonify({
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": label},
            "detail": [
                {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90},
                keyword_detail,
            ],
            "trace_id": _rid(),
        })

    _register_control_routes(app, state)
    return app


_SEVERITY = {"pass": 0, "review": 1, "risky": 2}


def _text_verdict(state: EmulatorState, text: str) -> tuple[str, int, str | None]:
    """The worst marked text found in ``text``: (suggest, label, marked text)."""
    verdict = ("pass", 100, None)
    with state.lock:
        for marked, (suggest, label) in state.texts.items():
            if marked in text and _SEVERITY[suggest] > _SEVERITY[verdict[0]]:
                verdict = (suggest, label, marked)
    return verdict


def _control_body() -> dict:
    try:
        body = json.loads(request.get_data(cache=True).decode("utf-8") or "{}")
    except ValueError:
        raise ControlError("body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _require_str(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ControlError(f"{key} must be a non-empty string")
    return value


def _register_control_routes(app: Flask, state: EmulatorState) -> None:
    """Test-only endpoints under /__emulator/ (never recorded in calls)."""

    @app.get("/__emulator/status")
    def control_status():
        """Report the appid and emulator clock (a readiness probe)."""
        return jsonify(appid=state.appid, now=state.now())

    @app.post("/__emulator/login-codes")
    def control_login_code():
        """Mint a wx.login code; the session_key is the one jscode2session will return."""
        body = _control_body()
        openid = _require_str(body, "openid") if body.get("openid") is not None else _random_openid()
        with state.lock:
            user = state.user(openid)
            if body.get("unionid"):
                user["unionid"] = _require_str(body, "unionid")
            code, session_key = _random_code(), _session_key()
            state.login_codes[code] = {"openid": openid, "session_key": session_key,
                                       "minted_at": state.now(), "used": False}
            result = {"code": code, "openid": openid, "session_key": session_key}
            if user["unionid"]:
                result["unionid"] = user["unionid"]
        return jsonify(result)

    @app.post("/__emulator/phone-codes")
    def control_phone_code():
        """Mint a getPhoneNumber button code for a phone number."""
        body = _control_body()
        phone = _require_str(body, "phone")
        try:
            country_code = int(body.get("country_code", 86))
        except (TypeError, ValueError):
            raise ControlError("country_code must be a number") from None
        code = secrets.token_hex(32)
        with state.lock:
            state.phone_codes[code] = {"phone": phone, "country_code": country_code,
                                       "minted_at": state.now(), "used": False}
        return jsonify(code=code)

    @app.post("/__emulator/subscriptions")
    def control_accept_subscription():
        """Simulate the user accepting a template in wx.requestSubscribeMessage."""
        body = _control_body()
        openid, template_id = _require_str(body, "openid"), _require_str(body, "template_id")
        count = body.get("count", 1)
        if not _is_int(count) or count < 1:
            raise ControlError("count must be a positive integer")
        if state.template_ids is not None and template_id not in state.template_ids:
            raise ControlError(f"unknown template_id {template_id!r}")  # the client would fail too
        with state.lock:
            state.user(openid)
            key = (openid, template_id)
            state.credits[key] = state.credits.get(key, 0) + count
            return jsonify(openid=openid, template_id=template_id, remaining=state.credits[key])

    @app.get("/__emulator/subscriptions")
    def control_subscriptions():
        """List remaining credits, optionally filtered by openid and template_id."""
        openid, template_id = request.args.get("openid"), request.args.get("template_id")
        with state.lock:
            items = [{"openid": o, "template_id": t, "remaining": n} for (o, t), n in state.credits.items()
                     if openid in (None, o) and template_id in (None, t)]
        return jsonify(items=items)

    @app.get("/__emulator/messages")
    def control_messages():
        """List accepted subscribe messages in order, optionally filtered."""
        touser, template_id = request.args.get("touser"), request.args.get("template_id")
        with state.lock:
            items = [m for m in state.messages
                     if touser in (None, m["touser"]) and template_id in (None, m["template_id"])]
        return jsonify(items=items)

    @app.post("/__emulator/faults")
    def control_fault():
        """Queue a failure for the next call(s) to a WeChat path."""
        body = _control_body()
        path = "/" + _require_str(body, "path").lstrip("/")
        if path not in WECHAT_PATHS:
            raise ControlError(f"unknown WeChat path {path!r}")
        errcode, times = body.get("errcode"), body.get("times", 1)
        delay, http_status = body.get("delay") or 0, body.get("http_status")
        if errcode is None and not delay and http_status is None:
            raise ControlError("give errcode, delay or http_status")
        if errcode is not None and not _is_int(errcode):
            raise ControlError("errcode must be an integer")
        if not _is_int(times) or times < 1:
            raise ControlError("times must be a positive integer")
        if not _is_number(delay) or not 0 <= delay <= 60:
            raise ControlError("delay must be 0..60 seconds")
        if http_status is not None and (not _is_int(http_status) or not 400 <= http_status <= 599):
            raise ControlError("http_status must be 400..599")
        fault = {"path": path, "errcode": errcode, "delay": delay, "http_status": http_status, "remaining": times}
        with state.lock:
            state.faults.setdefault(path, deque()).append(fault)
            return jsonify(dict(fault, pending=sum(f["remaining"] for f in state.faults[path])))

    @app.post("/__emulator/tokens/invalidate")
    def control_invalidate_tokens():
        """Make every issued access token invalid now (next use gets 40001)."""
        with state.lock:
            now = state.now()
            live = [t for t in state.tokens.values() if t.invalid_after is None or t.invalid_after > now]
            for token in live:
                token.invalid_after = now
        return jsonify(invalidated=len(live))

    @app.post("/__emulator/clock")
    def control_clock():
        """Move the emulator clock forward by ``advance`` seconds."""
        advance = _control_body().get("advance")
        if not _is_number(advance) or advance < 0:
            raise ControlError("advance must be a number of seconds >= 0")
        with state.lock:
            state.offset += advance
            return jsonify(now=state.now())

    @app.get("/__emulator/calls")
    def control_calls():
        """List WeChat API calls received (and generated mini-program codes) in order."""
        path = request.args.get("path")
        with state.lock:
            items = [c for c in state.calls if path in (None, c["path"])]
            return jsonify(items=items, codes=list(state.codes))

    @app.post("/__emulator/active")
    def control_mark_active():
        """Record a recent visit by an openid (msg_sec_check needs one)."""
        openid = _require_str(_control_body(), "openid")
        with state.lock:
            state.user(openid)["active_at"] = state.now()
            return jsonify(openid=openid, active_at=state.users[openid]["active_at"])

    @app.post("/__emulator/texts")
    def control_mark_text():
        """Make msg_sec_check flag any content containing ``text``."""
        body = _control_body()
        text, suggest = _require_str(body, "text"), body.get("suggest")
        if suggest not in _SEVERITY:
            raise ControlError("suggest must be pass, review or risky")
        label = body.get("label")
        if label is None:
            label = 100 if suggest == "pass" else 21000
        if not _is_int(label):
            raise ControlError("label must be an integer")
        with state.lock:
            state.texts[text] = (suggest, label)
        return jsonify(text=text, suggest=suggest, label=label)

    @app.post("/__emulator/reset")
    def control_reset():
        """Forget all tokens, users, codes, credits, messages, calls, faults and clock moves."""
        state.reset()
        return jsonify(ok=True)


# --- running it ----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # background servers in tests stay silent
        pass


class EmulatorServer:
    """Serves an emulator app over HTTP, in a background thread or in the foreground."""

    def __init__(self, appid: str = DEFAULT_APPID, secret: str = DEFAULT_SECRET,
                 host: str = "127.0.0.1", port: int = 0, *, template_ids=None, pages=None, quiet: bool = True):
        self.appid, self.secret, self.host, self.port = appid, secret, host, port
        self.app = create_emulator_app(appid, secret, template_ids=template_ids, pages=pages)
        self._quiet = quiet
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def bind(self) -> None:
        if self._server is None:
            handler = _QuietHandler if self._quiet else None
            self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)

    def start(self) -> "EmulatorServer":
        """Bind (port 0 picks a free port) and serve in a daemon thread."""
        self.bind()
        self._thread = threading.Thread(target=self._server.serve_forever, name="wechat-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until interrupted."""
        self.bind()
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server is None:
            return
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
        self._server = self._thread = None

    def client(self) -> "EmulatorClient":
        return EmulatorClient(self.url)

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class EmulatorError(RuntimeError):
    """A control endpoint refused a request."""


class EmulatorClient:
    """Drives a running emulator's control endpoints over HTTP."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None):
        res = requests.request(method, f"{self.base_url}{CONTROL_PREFIX}{path}", json=body,
                               params={k: v for k, v in (params or {}).items() if v is not None},
                               timeout=self.timeout)
        if res.status_code >= 400:
            raise EmulatorError(f"{method} {path}: HTTP {res.status_code} {res.text.strip()}")
        return res.json()

    def status(self) -> dict:
        return self._call("GET", "status")

    def mint_login_code(self, openid: str | None = None, unionid: str | None = None) -> dict:
        """-> {code, openid, session_key[, unionid]}"""
        body = {k: v for k, v in (("openid", openid), ("unionid", unionid)) if v is not None}
        return self._call("POST", "login-codes", body)

    def mint_phone_code(self, phone: str, country_code: int | None = None) -> dict:
        """-> {code}"""
        body = {"phone": phone} if country_code is None else {"phone": phone, "country_code": country_code}
        return self._call("POST", "phone-codes", body)

    def accept_subscription(self, openid: str, template_id: str, count: int = 1) -> dict:
        """-> {openid, template_id, remaining}"""
        return self._call("POST", "subscriptions", {"openid": openid, "template_id": template_id, "count": count})

    def subscriptions(self, openid: str | None = None, template_id: str | None = None) -> list[dict]:
        return self._call("GET", "subscriptions", params={"openid": openid, "template_id": template_id})["items"]

    def remaining_credits(self, openid: str, template_id: str) -> int:
        items = self.subscriptions(openid, template_id)
        return items[0]["remaining"] if items else 0

    def messages(self, touser: str | None = None, template_id: str | None = None) -> list[dict]:
        return self._call("GET", "messages", params={"touser": touser, "template_id": template_id})["items"]

    def inject_fault(self, path: str, errcode: int | None = None, times: int = 1,
                     delay: float | None = None, http_status: int | None = None) -> dict:
        body = {"path": path, "errcode": errcode, "times": times, "delay": delay, "http_status": http_status}
        return self._call("POST", "faults", {k: v for k, v in body.items() if v is not None})

    def invalidate_tokens(self) -> dict:
        return self._call("POST", "tokens/invalidate")

    def advance_clock(self, seconds: float) -> dict:
        """-> {now}"""
        return self._call("POST", "clock", {"advance": seconds})

    def calls(self, path: str | None = None) -> list[dict]:
        return self._call("GET", "calls", params={"path": path})["items"]

    def codes(self) -> list[dict]:
        return self._call("GET", "calls")["codes"]

    def mark_active(self, openid: str) -> dict:
        return self._call("POST", "active", {"openid": openid})

    def mark_text(self, text: str, suggest: str, label: int | None = None) -> dict:
        body = {"text": text, "suggest": suggest}
        if label is not None:
            body["label"] = label
        return self._call("POST", "texts", body)

    def reset(self) -> dict:
        return self._call("POST", "reset")


_TEMPLATE_ENV = ("WECHAT_TEMPLATE_ACTIVITY_REMINDER", "WECHAT_TEMPLATE_SHIFT_REMINDER",
                 "WECHAT_TEMPLATE_WAITLIST_PROMOTED", "WECHAT_TEMPLATE_CANCELLED_BY_ORGANIZER",
                 "WECHAT_TEMPLATE_SCHEDULE_CHANGED", "WECHAT_TEMPLATE_NOTICE", "WECHAT_TEMPLATE_SIGNUP_RESULT",
                 "WECHAT_TEMPLATE_SHIFT_SWAP", "WECHAT_TEMPLATE_SHIFT_VACANCY")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Run the WeChat API emulator in the foreground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WECHAT_EMULATOR_PORT", "8061")))
    parser.add_argument("--appid", default=os.environ.get("WECHAT_APPID", DEFAULT_APPID))
    parser.add_argument("--secret", default=os.environ.get("WECHAT_SECRET", DEFAULT_SECRET))
    parser.add_argument("--template-id", action="append", dest="template_ids",
                        help="accepted template id (repeatable; default: WECHAT_TEMPLATE_* if set, else any)")
    parser.add_argument("--page", action="append", dest="pages",
                        help="known mini-program page (repeatable; default: any)")
    args = parser.parse_args(argv)
    template_ids = args.template_ids or [os.environ[k] for k in _TEMPLATE_ENV if os.environ.get(k)] or None
    server = EmulatorServer(args.appid, args.secret, args.host, args.port,
                            template_ids=template_ids, pages=args.pages, quiet=False)
    server.bind()
    print(f"WeChat emulator for {args.appid} listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
