"""Sending due messages, at most once each, from any number of scheduler processes.

Each message is claimed on its own: `pending` → `sending` in a committed transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's database lock serialises the claim), with its
subscription credit taken in that same transaction. Only then is WeChat called, and the outcome is
recorded in a second transaction. A claimed message is never claimed again, so no two schedulers,
and no restart, send it twice. A scheduler stopped with SIGTERM finishes the message in hand first;
one killed outright leaves at most the message it was sending in `sending`, which
`expire_stale_claims` later marks `unknown` rather than risk a second copy.

Before the credit is taken:
- a reminder (`activity_reminder`, `shift_reminder`) whose event has started (the `starts_at` it
  would announce) is `expired`: "starts soon" would be false, so it is not sent and the user's
  credit is not used. This holds for a first claim and for a retry alike. Notices (a waitlist
  promotion, an organizer's cancellation) never expire: what they say stays true and the person
  needs to know it, however late;
- a deleted account, or a user without a credit for the template, gives `skipped`.

The outcome of a send:
- `sent`: WeChat answered a msgid.
- `unknown`: the request may have reached WeChat but no answer came back: a read timeout, the
  connection dropped after the request was written, an HTTP 5xx without an errcode (a gateway
  between us and WeChat may have forwarded it), or an answer that cannot be read. WeChat may have
  delivered it, so it is never retried (at most once) and the credit stays spent.
- not delivered, known: WeChat answered with an errcode (`-1` system busy, `45009`/`45011` quota,
  token errors after the one refresh), an HTTP 4xx, or the request never left (the connection was
  refused or timed out while connecting, or the access-token fetch before it failed). The credit is
  refunded and the message retried with backoff (`pending`), up to `REMINDER_MAX_ATTEMPTS`
  (`failed`). `43101` is `skipped` and zeroes the credit; a message WeChat refuses itself (`47003`
  and the like) is `failed` at once.
"""

import logging
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import bindparam, select, update
from wechatpy.exceptions import WeChatClientException

from server.extensions import db
from server.metrics import OUTBOX_MESSAGES, WECHAT_LATENCY
from server.models import REMINDER_KINDS, OutboxMessage, SubscriptionCredit
from server.models.base import utcnow
from server.services.reminders import clear_credits, openid_of, use_credit
from server.services.templates import render_message
from server.wechat import WeChatError, WeChatRejected, wechat

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
SEND_PATH = "cgi-bin/message/subscribe/send"
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def _claim_statement(skip_locked):
    table = OutboxMessage.__table__
    due = (
        select(table.c.id)
        .where(table.c.status == "pending", table.c.due_at <= bindparam("b_now"))
        .order_by(table.c.due_at, table.c.id)
        .limit(1)
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    return (
        update(table)
        .where(table.c.id == due.scalar_subquery(), table.c.status == "pending")
        .values(status="sending", claimed_by=bindparam("b_worker"), claimed_at=bindparam("b_now"),
                attempts=table.c.attempts + 1)
        .returning(table.c.id)
    )


# PostgreSQL skips rows another scheduler has locked; SQLite's database lock serialises claims.
_CLAIM = {"postgresql": _claim_statement(skip_locked=True), "sqlite": _claim_statement(skip_locked=False)}


def _claim_next(worker_id, now):
    """Claim the oldest due message for this worker and return its id (None when nothing is due)."""
    statement = _CLAIM[db.session.get_bind().dialect.name]
    return db.session.execute(statement, {"b_now": now, "b_worker": worker_id}).scalar_one_or_none()


def _finish(message, status, error=None, **fields):
    message.status = status
    message.last_error = error
    for name, value in fields.items():
        setattr(message, name, value)


def _refund(message, template_id):
    db.session.execute(
        update(SubscriptionCredit)
        .where(SubscriptionCredit.user_id == message.user_id, SubscriptionCredit.template_id == template_id)
        .values(remaining=SubscriptionCredit.remaining + 1)
        .execution_options(synchronize_session=False)
    )


def _causes(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def delivery_unknown(error):
    """Whether WeChat may have received (and delivered) the send that raised `error`.

    An errcode is WeChat's own answer: not delivered. Otherwise the cause that the adapter wrapped
    tells: a request that never left (refused or timed-out connection, or the token fetch before the
    send failed) is not delivered; a read timeout, a dropped connection, an HTTP 5xx or an unreadable
    answer to the send itself is unknown.
    """
    if getattr(error, "errcode", None) is not None:
        return False
    for cause in _causes(error):
        if isinstance(cause, WeChatClientException) and cause.response is not None:
            sent_to = cause.response.request.url if cause.response.request is not None else ""
            if SEND_PATH not in sent_to:
                return False  # the access-token fetch failed: the send was never made
            return cause.response.status_code >= 500
        if isinstance(cause, requests.RequestException):
            sent_to = cause.request.url if cause.request is not None else ""
            if SEND_PATH not in (sent_to or ""):
                return False
            if isinstance(cause, requests.ConnectTimeout):
                return False
            if isinstance(cause, requests.ConnectionError) and not isinstance(cause, requests.ReadTimeout):
                # urllib3 names a connection that could not be opened NewConnectionError.
                return "NewConnectionError" not in repr(cause.args)
            return True  # ReadTimeout, ChunkedEncodingError, ...
    return True  # nothing tells the request never left: assume it may have


def _record_failure(message, template_id, error):
    """Retry later (busy, quota, token trouble, never sent) or give up (WeChat refused the message
    itself); a send whose outcome is unknown is never retried and keeps its credit spent."""
    if delivery_unknown(error):
        _finish(message, "unknown", f"delivery unknown, not retried: {error.errmsg}")
        return
    if error.errcode == 43101:
        clear_credits(message.user_id, template_id)
        _finish(message, "skipped", "43101: the user has no subscription left for this template")
        return
    _refund(message, template_id)  # WeChat did not deliver, so the user's send is not used up
    reason = f"{error.errcode}: {error.errmsg}"
    if isinstance(error, WeChatRejected):
        _finish(message, "failed", reason)  # 47003 and the like: the same message would fail again
        return
    if message.attempts >= current_app.config["REMINDER_MAX_ATTEMPTS"]:
        _finish(message, "failed", f"gave up after {message.attempts} attempts; last: {reason}")
        return
    delay = min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), RETRY_MAX_SECONDS)
    _finish(message, "pending", reason, due_at=utcnow() + timedelta(seconds=delay), claimed_by=None)


def send_next(worker_id):
    """Claim, send and record one due message. Returns its final status, or None if nothing was due."""
    message_id = _claim_next(worker_id, utcnow())
    if message_id is None:
        db.session.commit()
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if _has_started(message):
        return _commit_finished(message, "expired", "the event had started: a reminder would come too late")
    openid = openid_of(message.user_id)
    template_id, data, page = render_message(message.kind, message.payload)
    if openid is None:
        return _commit_finished(message, "skipped", "the account was deleted")
    if not use_credit(message.user_id, template_id):
        return _commit_finished(message, "skipped", "no subscription credit: the user did not accept this template")
    db.session.commit()  # the claim and the credit are durable before WeChat is called

    errcode = ""
    try:
        with WECHAT_LATENCY.labels("subscribe_send").time():
            msgid = wechat().send_subscribe_message(
                openid, template_id, data, page=page, miniprogram_state=current_app.config["WECHAT_MINIPROGRAM_STATE"]
            )
    except WeChatError as error:
        log.info("message %s not sent: %s", message_id, error)
        errcode = "" if error.errcode is None else str(error.errcode)
        _record_failure(message, template_id, error)
    except Exception:  # e.g. a 200 answer that is not JSON: the send may have worked
        log.exception("message %s: unreadable outcome, not retried", message_id)
        _finish(message, "unknown", "delivery unknown, not retried: unreadable answer")
    else:
        _finish(message, "sent", msgid=str(msgid), sent_at=utcnow())
    status = message.status
    db.session.commit()
    OUTBOX_MESSAGES.labels(status, errcode).inc()
    return status


def _has_started(message):
    """A reminder whose event has started (the start it would announce is past)."""
    if message.kind not in REMINDER_KINDS:
        return False
    starts_at = (message.payload or {}).get("starts_at")
    return starts_at is not None and datetime.fromisoformat(starts_at) <= utcnow()


def _commit_finished(message, status, error):
    _finish(message, status, error)
    db.session.commit()
    OUTBOX_MESSAGES.labels(status, "").inc()
    return status


def send_due_messages(worker_id, limit, stop=None):
    """Send due messages one by one until none is due, `limit` were handled, or `stop` is set.

    Returns `{status: count}`.
    """
    counts = {}
    for _ in range(limit):
        if stop is not None and stop.is_set():
            break
        status = send_next(worker_id)
        if status is None:
            break
        counts[status] = counts.get(status, 0) + 1
    return counts


def expire_stale_claims(now=None):
    """Messages left in `sending` by a scheduler that died mid-send: WeChat may or may not have them,
    so they are marked `unknown` (never sent twice). Returns how many."""
    cutoff = (now or utcnow()) - STALE_CLAIM
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)
        .values(status="unknown", last_error="delivery unknown: the scheduler stopped while sending")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
