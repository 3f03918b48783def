"""Signing in to the console by scanning a mini-program code, and `console_login_required`.

The browser's own state lives in Flask's signed session cookie (`console_session`: HttpOnly, Secure
outside development, SameSite=Lax, path /console): the ticket it asked for, then its console session
id. The session itself, and its idle expiry, are in Redis (`services.console_logins`).
"""

from functools import wraps
from urllib.parse import unquote, urlsplit

import requests
from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for

from server.api.ratelimit import rate_limited
from server.api.security import load_caller
from server.errors import DomainError, NotAuthenticated
from server.extensions import db
from server.services import console_logins, users
from server.wechat import wechat

bp = Blueprint("auth", __name__)

# htmx stops polling on this status (its documented "stop polling" response).
HTMX_STOP_POLLING = 286
LOGIN_PAGE = "packageOrganizer/pages/console-login/index"
# What the emulator's scan offers on the login page (scripts/run's demo accounts).
EMULATOR_ACCOUNTS = (("demo-organizer", "海珠社区 社区工作者（demo-organizer）"), ("demo-admin", "街道管理员（demo-admin）"))


def _redirect(url):
    """A redirect that htmx follows as a full page load too."""
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _safe_next(target, inside="/console/"):
    """Only a path inside the console (under `inside`): never another site. Control characters and
    backslashes are refused too: browsers drop or read them as `/` (`/console/\\..`), and a line break
    cannot go into a Location header at all."""
    if not target or any(ch < " " or ch in "\x7f\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(inside) or target.startswith("//"):
        return None
    if ".." in unquote(parts.path).split("/"):  # `/console/../x` (or %2e%2e) is read as `/x`
        return None
    return target


def console_login_required(view):
    """The caller signed in to the console and still an organizer or admin: `g.user`. Else to the login page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session_id = session.get("console_sid")
        user_id = console_logins.session_user_id(session_id) if session_id else None
        user = None
        if user_id is not None:
            try:
                user = load_caller(user_id)
            except NotAuthenticated:
                user = None
        if user is None or not console_logins.may_use_console(user):
            if session_id:
                console_logins.end_session(session_id)
                flash("登录已过期或已退出，请重新扫码登录", "warning")
            session.pop("console_sid", None)
            return _redirect(url_for("console.auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
        g.user_id, g.user = user.id, user
        return view(*args, **kwargs)

    return wrapper


def emulator_offered():
    """Whether the login page offers the emulator's scan: only in development against a non-WeChat host."""
    base = current_app.config["WECHAT_API_BASE_URL"]
    return current_app.config["APP_ENV"] == "development" and "api.weixin.qq.com" not in base


@bp.route("/login")
def login():
    if session.get("console_sid") and console_logins.session_user_id(session["console_sid"]):
        return redirect(url_for("console.dashboard.index"))
    ticket = console_logins.start_login(request.remote_addr, request.headers.get("User-Agent"))
    session["console_ticket"] = ticket
    if _safe_next(request.args.get("next")):
        session["console_next"] = request.args["next"]
    return render_template(
        "console/login.html",
        seconds=console_logins.TICKET_SECONDS,
        emulator=emulator_offered(),
        emulator_accounts=EMULATOR_ACCOUNTS,
    )


@bp.route("/login/code.jpg")
@rate_limited("RATE_LIMIT_LOGIN")
def login_code():
    """The mini-program code of this browser's ticket (getwxacodeunlimit, scene = ticket). Limited per
    client address like the API's login: each one is a call to WeChat, which has a daily quota."""
    ticket = session.get("console_ticket")
    if not ticket:
        raise DomainError("console_login_not_found")
    image = wechat().get_unlimited_code(
        scene=ticket, page=LOGIN_PAGE, env_version=current_app.config["WECHAT_ENV_VERSION"]
    )
    response = make_response(image)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/status")
def login_status():
    """Polled every 2 seconds by the login page: waiting, rejected, expired, or in (HX-Redirect)."""
    ticket = session.get("console_ticket")
    status, session_id = console_logins.claim(ticket) if ticket else ("expired", None)
    if status == "confirmed":
        db.session.commit()  # the audit entry
        session.pop("console_ticket", None)
        session["console_sid"] = session_id
        session.permanent = True
        return _redirect(_safe_next(session.pop("console_next", None)) or url_for("console.dashboard.index"))
    if status == "pending":
        return render_template("console/_login_status.html", status=status)
    session.pop("console_ticket", None)
    return render_template("console/_login_status.html", status=status), HTMX_STOP_POLLING


@bp.route("/login/emulate", methods=["POST"])
def login_emulate():
    """Development only: do what the phone does, as a demo account of the emulator (mint a `wx.login`
    code, log in with it through the WeChat adapter, confirm this browser's ticket)."""
    if not emulator_offered():
        raise DomainError("not_found", status=404)
    ticket = session.get("console_ticket")
    openid = request.form.get("openid", "")
    if not ticket or openid not in dict(EMULATOR_ACCOUNTS):
        raise DomainError("console_login_not_found")
    base = current_app.config["WECHAT_API_BASE_URL"].rstrip("/")
    try:
        minted = requests.post(f"{base}/__emulator/login-codes", json={"openid": openid}, timeout=5)
        minted.raise_for_status()
        code = minted.json()["code"]
    except (requests.RequestException, ValueError, KeyError):
        raise DomainError("wechat_unavailable") from None
    user = users.login_with_code(code)
    db.session.commit()
    console_logins.decide(ticket, user, confirm=True)
    return login_status()


@bp.route("/logout", methods=["POST"])
def logout():
    if session.get("console_sid"):
        console_logins.end_session(session["console_sid"])
    session.clear()
    flash("已退出登录", "success")
    return redirect(url_for("console.auth.login"))
