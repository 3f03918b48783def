"""Signing in to the web console by scanning a mini-program code, and the console's sessions.

Rules:
- A browser asks for a ticket (`start_login`): 22 random URL-safe characters, the `scene` of the
  mini-program code it shows. It lives `TICKET_SECONDS` in Redis with the browser's address and user
  agent, which the phone shows before anyone confirms.
- A logged-in mini-program user confirms it (organizers and admins only) or rejects it (anyone). The
  first decision wins (`SET NX`); a second one is `console_login_decided`.
- The browser that asked, and only it (the ticket is kept in its signed session cookie), claims a
  confirmed ticket once (`GETDEL`): that ends the ticket and opens a console session. The login is
  audited (`console_login`).
- A console session lives in Redis and ends after `CONSOLE_SESSION_HOURS` without a request (each
  request renews it), when its user ends all of them from the mini-program, or when the user is no
  longer an organizer or admin (`session_user`).

Keys: `console:ticket:<ticket>` (JSON), `console:decision:<ticket>` (JSON), `console:session:<id>`
(hash), `console:user-sessions:<user id>` (set of session ids).
"""

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from ua_parser import parse as parse_user_agent

from server.errors import DomainError, Forbidden
from server.extensions import db, redis
from server.models import User
from server.models.base import utcnow
from server.services.users import record_audit

TICKET_SECONDS = 120
# A decided ticket stays this long for its browser to claim (it polls every 2 seconds).
DECISION_SECONDS = 60
MAX_USER_AGENT = 512


def _ticket_key(ticket):
    return f"console:ticket:{ticket}"


def _decision_key(ticket):
    return f"console:decision:{ticket}"


def _session_key(session_id):
    return f"console:session:{session_id}"


def _user_sessions_key(user_id):
    return f"console:user-sessions:{user_id}"


def browser_label(user_agent):
    """A short label of a user agent: `Chrome 156 · Windows`; `未知浏览器` when it names nothing known."""
    result = parse_user_agent(user_agent or "")
    parts = []
    if result.user_agent and result.user_agent.family != "Other":
        parts.append(" ".join(p for p in (result.user_agent.family, result.user_agent.major) if p))
    if result.os and result.os.family != "Other":
        parts.append(result.os.family)
    return " · ".join(parts) or "未知浏览器"


@dataclass(frozen=True)
class ConsoleLogin:
    """A ticket as the phone sees it (`ConsoleLoginSchema`)."""

    ticket: str
    status: str  # pending, confirmed or rejected
    requested_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str
    browser: str


def start_login(ip, user_agent):
    """A new ticket for a browser at `ip` with `user_agent`."""
    ticket = secrets.token_urlsafe(16)
    now = utcnow()
    record = {"requested_at": now.isoformat(), "ip": ip, "user_agent": (user_agent or "")[:MAX_USER_AGENT]}
    redis.set(_ticket_key(ticket), json.dumps(record), ex=TICKET_SECONDS)
    return ticket


def _load(ticket):
    """The ticket's record and decision (None while pending). Unknown, expired or used: 404."""
    raw, decision = redis.mget(_ticket_key(ticket), _decision_key(ticket))
    if raw is None:
        raise DomainError("console_login_not_found")
    return json.loads(raw), (json.loads(decision) if decision else None)


def _view(ticket, record, decision):
    requested_at = datetime.fromisoformat(record["requested_at"]).astimezone(timezone.utc)
    return ConsoleLogin(
        ticket=ticket,
        status=decision["status"] if decision else "pending",
        requested_at=requested_at,
        expires_at=requested_at + timedelta(seconds=TICKET_SECONDS),
        ip=record["ip"],
        user_agent=record["user_agent"],
        browser=browser_label(record["user_agent"]),
    )


def get_login(ticket):
    """The ticket as the phone shows it before deciding."""
    return _view(ticket, *_load(ticket))


def may_use_console(user):
    return user.is_admin or bool(user.organizer_scopes)


def decide(ticket, user, confirm):
    """Confirm (organizers and admins only) or reject the ticket as `user`. The first decision wins."""
    if confirm and not may_use_console(user):
        raise Forbidden("forbidden", "只有社区工作者或管理员可以登录管理后台")
    record, _ = _load(ticket)
    decision = {"status": "confirmed" if confirm else "rejected", "user_id": user.id}
    if not redis.set(_decision_key(ticket), json.dumps(decision), nx=True, ex=DECISION_SECONDS):
        raise DomainError("console_login_decided")
    # The browser may still be polling when the ticket itself would have expired.
    redis.expire(_ticket_key(ticket), DECISION_SECONDS)
    return _view(ticket, record, decision)


def claim(ticket):
    """What the browser that asked for `ticket` learns when it polls: `("pending", None)`,
    `("rejected", None)`, `("expired", None)` or `("confirmed", session_id)`. A confirmed ticket is
    claimed once: the session is opened and the ticket ends; the login is audited (the caller commits).
    """
    try:
        record, decision = _load(ticket)
    except DomainError:
        return "expired", None
    if decision is None:
        return "pending", None
    if decision["status"] == "rejected":
        redis.delete(_ticket_key(ticket), _decision_key(ticket))
        return "rejected", None
    if redis.getdel(_decision_key(ticket)) is None:
        return "expired", None  # claimed by a concurrent poll of the same browser
    redis.delete(_ticket_key(ticket))
    user = db.session.get(User, decision["user_id"])
    if user is None or user.deleted_at is not None or not may_use_console(user):
        return "rejected", None
    session_id = _open_session(user, record)
    record_audit(user, "console_login", "user", user.id, ip=record["ip"], browser=browser_label(record["user_agent"]))
    return "confirmed", session_id


def _session_seconds():
    return current_app.config["CONSOLE_SESSION_HOURS"] * 3600


def _open_session(user, record):
    session_id = secrets.token_urlsafe(24)
    now = utcnow().isoformat()
    seconds = _session_seconds()
    with redis.pipeline() as pipe:
        pipe.hset(
            _session_key(session_id),
            mapping={
                "user_id": user.id,
                "created_at": now,
                "last_seen_at": now,
                "ip": record["ip"] or "",
                "browser": browser_label(record["user_agent"]),
            },
        )
        pipe.expire(_session_key(session_id), seconds)
        pipe.sadd(_user_sessions_key(user.id), session_id)
        pipe.expire(_user_sessions_key(user.id), seconds)
        pipe.execute()
    return session_id


def session_user_id(session_id):
    """The user id of a live console session, renewing it (idle expiry); None when it has ended."""
    key = _session_key(session_id)
    user_id = redis.hget(key, "user_id")
    if user_id is None:
        return None
    seconds = _session_seconds()
    with redis.pipeline() as pipe:
        pipe.hset(key, "last_seen_at", utcnow().isoformat())
        pipe.expire(key, seconds)
        pipe.expire(_user_sessions_key(int(user_id)), seconds)
        pipe.execute()
    return int(user_id)


def end_session(session_id):
    """Sign one browser out."""
    user_id = redis.hget(_session_key(session_id), "user_id")
    redis.delete(_session_key(session_id))
    if user_id is not None:
        redis.srem(_user_sessions_key(int(user_id)), session_id)


@dataclass(frozen=True)
class ConsoleSession:
    id: str
    created_at: datetime
    last_seen_at: datetime
    ip: str | None
    browser: str


def _decode(value):
    return value.decode() if isinstance(value, bytes) else value


def list_sessions(user):
    """The live console sessions of `user`, newest first (sessions that expired are dropped)."""
    sessions = []
    for raw_id in redis.smembers(_user_sessions_key(user.id)):
        session_id = _decode(raw_id)
        fields = {_decode(k): _decode(v) for k, v in redis.hgetall(_session_key(session_id)).items()}
        if not fields:
            redis.srem(_user_sessions_key(user.id), session_id)
            continue
        sessions.append(
            ConsoleSession(
                id=session_id[:8],
                created_at=datetime.fromisoformat(fields["created_at"]),
                last_seen_at=datetime.fromisoformat(fields["last_seen_at"]),
                ip=fields.get("ip") or None,
                browser=fields.get("browser") or "",
            )
        )
    return sorted(sessions, key=lambda s: s.created_at, reverse=True)


def end_all_sessions(user):
    """Sign every browser of `user` out of the console ("退出电脑端登录")."""
    key = _user_sessions_key(user.id)
    session_ids = [_decode(raw) for raw in redis.smembers(key)]
    redis.delete(key, *(_session_key(s) for s in session_ids))
    if session_ids:
        record_audit(user, "console_logout_all", "user", user.id, sessions=len(session_ids))
