"""Sending due messages, at most once each, from any number of scheduler processes.

Messages are claimed in small batches (`claim_batch`, at most CLAIM_BATCH): `pending` → `sending` in
one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two schedulers never claim the same row;
SQLite's database lock serialises the claim). In that same transaction each claimed message is
decided as before (`decide_claimed`): expired, skipped, or kept with one subscription credit taken
(`reminders.take_credits`, set-based). That transaction commits before WeChat is called. Then the
kept messages are sent, SEND_THREADS at a time (each sending thread has its own WeChat client and
HTTP session), and every outcome of the batch is recorded in one transaction (`record_outcomes`).
A claimed message is never claimed again, so no two schedulers, and no restart, send it twice.

Stopping:
- SIGTERM (`stop` set): the sends in flight finish and are recorded; the batch's messages not yet
  handed to WeChat go back to `pending` with their credit and attempt returned (known: never sent).
- SIGKILL, or a crash, between the claim's commit and the outcomes' commit: the batch's kept
  messages stay `sending`, whether they reached WeChat or not (nobody can tell). They are never
  sent again: `expire_stale_claims` marks them `unknown` (credit stays spent), as soon as their
  claimer's heartbeat (`server.scheduler.status`) is stale, or STALE_CLAIM after the claim when no
  heartbeat of it is known (no Redis, or Redis lost it). A kill therefore leaves at most one batch
  (CLAIM_BATCH messages) undelivered-or-unknown; every other message is sent once.

Before the credit is taken:
- a reminder (`activity_reminder`, `shift_reminder`) whose event has started (the `starts_at` it
  would announce) is `expired`: "starts soon" would be false, so it is not sent and the user's
  credit is not used. This holds for a first claim and for a retry alike. Notices (a waitlist
  promotion, an organizer's cancellation) never expire: what they say stays true and the person
  needs to know it, however late;
- a deleted account, or a user without a credit for the template, gives `skipped`. When one user
  has several messages of a template in a batch and fewer credits, the oldest due get them;
- a message that cannot be rendered (template settings that ask for a value its payload lacks) is
  `failed` with the reason, and the rest of its batch goes on (`_unrenderable`).

The outcome of a send (the adapter tells a failure that may have reached WeChat from one that cannot
have: `WeChatError.may_have_arrived`):
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

An outcome is written only to a row this scheduler still holds (`claimed_by` it, `sending`, or
`unknown` if its claim was wrongly taken for dead while it was only slow: its own answer is better
knowledge). Lock order: the batch's outbox rows, then the credit rows in (user, template) order.
"""

import contextvars
import logging
import threading
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from server.extensions import db
from server.metrics import OUTBOX_MESSAGES, WECHAT_LATENCY
from server.models import REMINDER_KINDS, OutboxMessage, User
from server.models.base import utcnow
from server.services.reminders import clear_credits, return_credits, take_credits
from server.services.templates import render_message
from server.wechat import WeChatError, WeChatRejected, new_service

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# A batch is what a SIGKILL can leave in `sending` (then `unknown`): keep it small.
CLAIM_BATCH = 32
# Sends in flight at once per scheduler (one WeChat client and HTTP session per sending thread).
SEND_THREADS = 4

_TABLE = OutboxMessage.__table__


@dataclass
class Claimed:
    """A claimed message, as the claim returned it, and what is decided for it."""

    id: int
    kind: str
    user_id: int
    payload: dict
    attempts: int
    due_at: datetime
    # Set while deciding (kept messages) and after sending:
    openid: str | None = None
    template_id: str | None = None
    data: dict | None = None
    page: str | None = None
    status: str | None = None  # the final (or retry) status; None while still to be sent
    error: str | None = None
    msgid: str | None = None
    sent_at: datetime | None = None
    retry_at: datetime | None = None
    errcode: str = ""
    refund: bool = False  # the credit taken at the claim goes back to the user
    clear: bool = False  # 43101: WeChat says the user has no sends left


def _claim_statement(postgresql, size):
    due = (
        select(_TABLE.c.id)
        .where(_TABLE.c.status == "pending", _TABLE.c.due_at <= bindparam("b_now"))
        .order_by(_TABLE.c.due_at, _TABLE.c.id)
        .limit(size)
    )
    if postgresql:
        due = due.with_for_update(skip_locked=True)
    # A CTE, evaluated once: as `id IN (subquery)` PostgreSQL may rescan the locking subquery inside a
    # join and claim more than `size` rows.
    due = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    return (
        update(_TABLE)
        .where(_TABLE.c.id == due.c.id, _TABLE.c.status == "pending")
        .values(status="sending", claimed_by=bindparam("b_worker"), claimed_at=bindparam("b_now"),
                attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.id, _TABLE.c.kind, _TABLE.c.user_id, _TABLE.c.payload, _TABLE.c.attempts,
                   _TABLE.c.due_at)
    )


def claim_batch(worker_id, now, size):
    """Claim up to `size` of the oldest due messages for this worker, oldest first.

    Invariant: a row goes from `pending` to `sending` once, in one statement that skips rows another
    transaction has locked (PostgreSQL) or holds the database lock (SQLite): no two schedulers ever
    claim the same message, and a claimed message is never claimed again (tests/test_dispatch.py,
    `test_two_schedulers_batch_claims_never_overlap`).
    """
    statement = _claim_statement(db.session.get_bind().dialect.name == "postgresql", size)
    rows = db.session.execute(statement, {"b_now": now, "b_worker": worker_id}).all()
    claimed = [Claimed(id=r.id, kind=r.kind, user_id=r.user_id, payload=r.payload or {}, attempts=r.attempts,
                       due_at=r.due_at) for r in rows]
    claimed.sort(key=lambda m: (m.due_at, m.id))  # RETURNING keeps no order
    return claimed


def decide_claimed(claimed, now):
    """In the claim's transaction: mark each claimed message expired or skipped as a one-by-one claim
    would, take one credit for each of the others (the oldest due first when a user's credits run
    short), and record the expired and skipped ones. Returns the messages to send.

    Invariant: a message is sent only with a credit taken for it in the transaction that claimed it;
    a credit is never taken for an expired or skipped message (tests/test_dispatch.py,
    `test_a_batch_decides_expired_skipped_and_credits_as_one_by_one`).
    """
    openids = dict(db.session.execute(
        select(User.id, User.openid).where(User.id.in_({m.user_id for m in claimed}))
    ).all())
    wanting = []
    for message in claimed:
        try:
            if _has_started(message, now):
                message.status, message.error = "expired", "the event had started: a reminder would come too late"
                continue
            message.openid = openids.get(message.user_id)
            if message.openid is None:
                message.status, message.error = "skipped", "the account was deleted"
                continue
            message.template_id, message.data, message.page = render_message(message.kind, message.payload)
        except Exception as error:  # a template's settings or a payload it cannot read: see `_unrenderable`
            _unrenderable(message, error)
            continue
        wanting.append(message)
    taken = take_credits([(m.user_id, m.template_id) for m in wanting])
    to_send = []
    for message in wanting:
        key = (message.user_id, message.template_id)
        if taken.get(key, 0) > 0:
            taken[key] -= 1
            to_send.append(message)
        else:
            message.status = "skipped"
            message.error = "no subscription credit: the user did not accept this template"
    _write_finished([m for m in claimed if m.status is not None])
    return to_send


def _unrenderable(message, error):
    """`message` cannot be read or rendered (e.g. `WECHAT_TEMPLATE_<KIND>_FIELDS` maps a time field to
    a value its payload lacks): `failed` at once with the reason, no credit taken, never retried.
    Raising instead would roll the claim back, and the same message, due first, would fail every
    later batch with it: one bad message would stop every message of every kind."""
    log.error("message %s (%s) cannot be rendered, failed: %r", message.id, message.kind, error)
    message.status = "failed"
    message.error = f"cannot be rendered: {error!r}"[:500]


def _write_finished(messages):
    """Record the expired, skipped and unrenderable (failed) messages decided at the claim (still ours:
    the claim's transaction)."""
    if messages:
        db.session.execute(
            update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), last_error=bindparam("b_error")),
            [{"b_id": m.id, "b_status": m.status, "b_error": m.error} for m in messages],
        )


def _judge_failure(message, error, max_attempts, now):
    """Retry later (busy, quota, token trouble, never sent) or give up (WeChat refused the message
    itself); a send whose outcome is unknown is never retried and keeps its credit spent."""
    message.errcode = "" if error.errcode is None else str(error.errcode)
    if error.may_have_arrived:  # the adapter tells (wechat.WeChatService._post_subscribe)
        message.status, message.error = "unknown", f"delivery unknown, not retried: {error.errmsg}"
        return
    if error.errcode == 43101:
        message.status, message.clear = "skipped", True
        message.error = "43101: the user has no subscription left for this template"
        return
    message.refund = True  # WeChat did not deliver, so the user's send is not used up
    reason = f"{error.errcode}: {error.errmsg}"
    if isinstance(error, WeChatRejected):
        message.status, message.error = "failed", reason  # 47003 and the like: it would fail again
    elif message.attempts >= max_attempts:
        message.status, message.error = "failed", f"gave up after {message.attempts} attempts; last: {reason}"
    else:
        delay = min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), RETRY_MAX_SECONDS)
        message.status, message.error, message.retry_at = "pending", reason, now + timedelta(seconds=delay)


_senders = threading.local()


def _sender(app, batch):
    """This thread's WeChat client (wechat.new_service): its own HTTP session, kept alive between sends.
    On its first send of a `batch` it rereads the shared access token from Redis (`reread_token`), so
    a batch's sends use the token Redis holds as the batch starts."""
    service = getattr(_senders, "service", None)
    if service is None or _senders.app is not app:
        _senders.service, _senders.app = new_service(app), app
    if getattr(_senders, "batch", None) is not batch:
        _senders.batch = batch
        _senders.service.reread_token()
    return _senders.service


def _send_one(app, batch, message, state, max_attempts):
    """Send one kept message of `batch` from a sending thread and set its outcome on `message`."""
    try:
        with WECHAT_LATENCY.labels("subscribe_send").time():
            msgid = _sender(app, batch).send_subscribe_message(
                message.openid, message.template_id, message.data, page=message.page, miniprogram_state=state
            )
    except WeChatError as error:
        log.info("message %s not sent: %s", message.id, error)
        _judge_failure(message, error, max_attempts, utcnow())
    except Exception:  # e.g. a 200 answer that is not JSON: the send may have worked
        log.exception("message %s: unreadable outcome, not retried", message.id)
        message.status, message.error = "unknown", "delivery unknown, not retried: unreadable answer"
    else:
        message.status, message.msgid, message.sent_at = "sent", str(msgid), utcnow()


_pool_lock = threading.Lock()
_pool = None


def _sending_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="wechat-send")
        return _pool


def send_kept(messages, stop=None, heartbeat=None):
    """Send the kept messages of a committed claim, SEND_THREADS at a time: each sending thread takes
    the next message of the batch as soon as its send is done. A message not yet handed to WeChat when
    `stop` is set is released (`status` "released"). `heartbeat()` is called at least once a second
    while sends are in flight (it limits itself: `status.heartbeat`), so a live claimer never looks
    dead."""
    app = current_app._get_current_object()
    state = app.config["WECHAT_MINIPROGRAM_STATE"]
    max_attempts = app.config["REMINDER_MAX_ATTEMPTS"]
    waiting = deque(messages)
    batch = object()  # this batch, to the sending threads (`_sender`)

    def send_until_done():
        while stop is None or not stop.is_set():
            try:
                message = waiting.popleft()  # atomic: no two threads take the same message
            except IndexError:
                return
            _send_one(app, batch, message, state, max_attempts)

    pool = _sending_pool()
    # Each in a copy of this context: the tick's request id goes with the sending threads' log lines.
    running = {pool.submit(contextvars.copy_context().run, send_until_done)
               for _ in range(min(SEND_THREADS, len(messages)))}
    while running:
        _done, running = wait(running, timeout=1.0)
        if heartbeat is not None:
            heartbeat()
    for message in waiting:  # left when `stop` was set
        message.status, message.refund = "released", True


def record_outcomes(worker_id, messages):
    """Record the outcomes of one batch's sends in one transaction, refunds and 43101s included.

    Invariant: an outcome is written only to a row this worker still holds (`claimed_by` it, and
    `sending`, or `unknown` after `expire_stale_claims` took a slow claimer for dead), and its credit
    is refunded only then: a refund is never given twice, nor for a message another claim took.
    """
    if not messages:
        return
    held = set(db.session.scalars(
        select(_TABLE.c.id)
        .where(_TABLE.c.id.in_([m.id for m in messages]), _TABLE.c.claimed_by == worker_id,
               _TABLE.c.status.in_(("sending", "unknown")))
        .order_by(_TABLE.c.id)
        .with_for_update()
    ))
    mine = [m for m in messages if m.id in held]
    if len(mine) < len(messages):
        log.warning("%d outcomes not recorded: their claims were no longer this scheduler's",
                    len(messages) - len(mine))
    rows = []
    for m in mine:
        row = {"b_id": m.id, "b_status": m.status, "b_error": m.error, "b_msgid": m.msgid, "b_sent_at": m.sent_at,
               "b_due_at": m.due_at, "b_claimed_by": worker_id, "b_attempts": m.attempts}
        if m.status == "pending":  # a known failure, retried later
            row.update(b_due_at=m.retry_at, b_claimed_by=None)
        elif m.status == "released":  # stopped before it was handed to WeChat: as if never claimed
            row.update(b_status="pending", b_error=None, b_claimed_by=None, b_attempts=m.attempts - 1)
        rows.append(row)
    if rows:
        db.session.execute(
            update(_TABLE).where(_TABLE.c.id == bindparam("b_id")).values(
                status=bindparam("b_status"), last_error=bindparam("b_error"), msgid=bindparam("b_msgid"),
                sent_at=bindparam("b_sent_at"), due_at=bindparam("b_due_at"), claimed_by=bindparam("b_claimed_by"),
                attempts=bindparam("b_attempts"),
            ),
            rows,
        )
    return_credits(Counter((m.user_id, m.template_id) for m in mine if m.refund))
    for user_id, template_id in sorted({(m.user_id, m.template_id) for m in mine if m.clear}):
        clear_credits(user_id, template_id)


def send_batch(worker_id, size, stop=None, heartbeat=None):
    """Claim, decide, send and record one batch of at most `size` due messages.

    Returns `{status: count}` (empty when nothing was due); a released message counts as `pending`.
    """
    now = utcnow()
    claimed = claim_batch(worker_id, now, size)
    if not claimed:
        db.session.commit()
        return {}
    to_send = decide_claimed(claimed, now)
    db.session.commit()  # the claims and the credits are durable before WeChat is called
    send_kept(to_send, stop, heartbeat)
    record_outcomes(worker_id, to_send)
    db.session.commit()
    outcomes = Counter(("pending" if m.status == "released" else m.status, m.errcode) for m in claimed)
    counts = Counter()
    for (status, errcode), count in outcomes.items():
        counts[status] += count
        OUTBOX_MESSAGES.labels(status, errcode).inc(count)
    return dict(counts)


def _has_started(message, now):
    """A reminder whose event has started (the start it would announce is past)."""
    if message.kind not in REMINDER_KINDS:
        return False
    starts_at = message.payload.get("starts_at")
    return starts_at is not None and datetime.fromisoformat(starts_at) <= now


def send_due_messages(worker_id, limit, stop=None, heartbeat=None):
    """Send due messages, a batch (CLAIM_BATCH) at a time, until none is due, about `limit` were
    handled, or `stop` is set. `heartbeat()`: see `send_kept`.

    Returns `{status: count}`.
    """
    counts = Counter()
    handled = 0
    while handled < limit:
        if stop is not None and stop.is_set():
            break
        batch = send_batch(worker_id, min(CLAIM_BATCH, limit - handled), stop, heartbeat)
        if not batch:
            break
        counts.update(batch)
        handled += sum(batch.values())
        if heartbeat is not None:
            heartbeat()
    return dict(counts)


def expire_stale_claims(now=None, dead_workers=()):
    """Messages left in `sending` by a scheduler that died mid-batch: WeChat may or may not have them,
    so they are marked `unknown` (never sent twice; the credit stays spent). A claim is taken for dead
    STALE_CLAIM after it was made, or at once when its claimer is in `dead_workers` (their heartbeat
    is stale: `server.scheduler.status.dead_schedulers`). Returns how many."""
    now = now or utcnow()
    stale = OutboxMessage.claimed_at < now - STALE_CLAIM
    if dead_workers:
        stale = stale | OutboxMessage.claimed_by.in_(list(dead_workers))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", stale)
        .values(status="unknown", last_error="delivery unknown: the scheduler stopped while sending")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
