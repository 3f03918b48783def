"""At most once across processes: real `python -m server.scheduler` processes, one of two killed in
the middle of a batch; the emulator receives no message twice, and every message but the killed one's
batch exactly once. One stopped with SIGTERM leaves nothing behind."""

import signal
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from conftest import TEST_REDIS_URL
from processes import SCHEDULER, service_env, spawn
from sqlalchemy import func, select

from server.extensions import db
from server.models import OutboxMessage, SubscriptionCredit, User
from server.models.base import utcnow
from server.services.dispatch import CLAIM_BATCH, SEND_THREADS, STALE_CLAIM, expire_stale_claims

MESSAGES = 300
USERS = 10
SEND_PATH = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def due_messages(clean_app, emulator):
    """MESSAGES due promotion notices spread over USERS people, all with credits at WeChat and with us."""
    openids = [f"o-scheduler-{n:02d}" for n in range(USERS)]
    starts_at = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    with clean_app.app_context():
        users = [User(openid=openid, nickname=openid) for openid in openids]
        db.session.add_all(users)
        db.session.flush()
        per_user = MESSAGES // USERS
        for user in users:
            db.session.add(SubscriptionCredit(user_id=user.id, template_id="tmpl-waitlist-promoted", remaining=per_user))
            emulator.mint_login_code(openid=user.openid)
            emulator.accept_subscription(user.openid, "tmpl-waitlist-promoted", count=per_user)
        due = datetime.now(timezone.utc) - timedelta(seconds=1)
        for n in range(MESSAGES):
            payload = {"activity_id": n, "title": f"第{n:03d}号提醒", "starts_at": starts_at, "venue": "党群服务中心"}
            db.session.add(OutboxMessage(kind="waitlist_promoted", user_id=users[n % USERS].id, payload=payload,
                                         due_at=due))
        db.session.commit()
    return {f"第{n:03d}号提醒" for n in range(MESSAGES)}


@pytest.fixture
def start_scheduler(database_url, emulator_server, tmp_path):
    """`start_scheduler()`: a real scheduler process on the test database and the emulator."""
    started = []
    env = service_env(database_url, TEST_REDIS_URL or "", emulator_server.url, WECHAT_TIMEOUT_SECONDS=10,
                      SCHEDULER_TICK_SECONDS=1)

    def start():
        log_path = tmp_path / f"scheduler-{len(started)}.log"
        process = spawn(SCHEDULER, env, str(log_path))
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(condition, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(app):
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        db.session.remove()
    return dict(rows)


def received_titles(emulator):
    return Counter(m["data"]["thing1"]["value"] for m in emulator.messages())


def ticking(process):
    """Whether the scheduler process is up: its stop signals are handled (it logs this right after)."""
    return "ticking every" in process.log_path.read_text()


def finish_with_two_schedulers(clean_app, start_scheduler):
    second, third = start_scheduler(), start_scheduler()
    # Nothing pending nor in a batch in hand (a stop now would put that batch's unsent back to pending).
    wait_for(lambda: not {"pending", "sending"} & set(statuses(clean_app)), what="the pending messages to be sent")
    # One may have sent everything before the other finished starting: a SIGTERM then would meet Python's
    # default handler (exit -15, nothing claimed, nothing lost), not the scheduler's own.
    wait_for(lambda: ticking(second) and ticking(third), what="both schedulers to be up")
    for process in (second, third):
        process.send_signal(signal.SIGTERM)
    for process in (second, third):
        assert process.wait(timeout=20) == 0


def claims_of(app, status="sending"):
    """`{worker id: {title}}` of the messages in `status`."""
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.claimed_by, OutboxMessage.payload).where(
            OutboxMessage.status == status)).all()
        db.session.remove()
    found = {}
    for worker, payload in rows:
        found.setdefault(worker, set()).add(payload["title"])
    return found


def test_two_schedulers_one_killed_mid_batch_each_message_at_most_once_and_the_rest_all_sent(
    clean_app, emulator, due_messages, start_scheduler
):
    """Two schedulers send; the one whose send stalls inside WeChat is SIGKILLed. Its batch stays
    `sending` (some of it may have reached WeChat, nobody can tell), then becomes `unknown` (at once
    when its heartbeat goes stale, with Redis shared; else after STALE_CLAIM). Every other message is
    received exactly once; none of the batch is received twice."""
    schedulers = {process.pid: process for process in (start_scheduler(), start_scheduler())}
    wait_for(lambda: len(emulator.messages()) >= 30, what="the schedulers to be sending")
    # The next sends, one per sending thread of both, stall inside WeChat for 3 s: one scheduler is
    # killed while waiting for them, and the other cannot have sent everything meanwhile.
    emulator.inject_fault(SEND_PATH, delay=3, times=2 * SEND_THREADS)
    wait_for(lambda: any(c["path"] == SEND_PATH for c in emulator.calls()[-8:]) and claims_of(clean_app),
             what="a send in flight")
    time.sleep(0.5)
    with clean_app.app_context():  # the stalled one: the oldest claim still sending
        victim_id = db.session.scalar(select(OutboxMessage.claimed_by).where(OutboxMessage.status == "sending")
                                      .order_by(OutboxMessage.claimed_at).limit(1))
        db.session.remove()
    victim = schedulers[int(victim_id.rsplit(":", 1)[1])]
    victim.kill()
    victim.wait(timeout=10)
    left = claims_of(clean_app).get(victim_id, set())
    assert 1 <= len(left) <= CLAIM_BATCH
    assert statuses(clean_app).get("pending", 0) > 0, "the kill came too late to test anything"

    # The survivor sends everything else, and (Redis shared) marks the dead one's batch unknown.
    wait_for(lambda: statuses(clean_app).get("pending", 0) == 0, what="the pending messages to be sent")
    if TEST_REDIS_URL:
        wait_for(lambda: statuses(clean_app).get("sending", 0) == 0, timeout=40, what="the dead claims to be found")
    else:  # each process has its own in-memory Redis: no heartbeat is shared, STALE_CLAIM decides
        with clean_app.app_context():
            assert expire_stale_claims(now=utcnow() + STALE_CLAIM + timedelta(seconds=1)) == len(left)
            db.session.remove()
    time.sleep(3.5)  # let the stalled request finish inside the emulator

    received = received_titles(emulator)
    assert [title for title, count in received.items() if count != 1] == [], "a message was received twice"
    assert due_messages - left <= set(received), "a message the killed scheduler did not hold was not sent"
    assert claims_of(clean_app, "unknown") == {victim_id: left}
    assert statuses(clean_app) == {"sent": MESSAGES - len(left), "unknown": len(left)}
    with clean_app.app_context():
        last_errors = set(db.session.scalars(select(OutboxMessage.last_error).where(OutboxMessage.status == "unknown")))
        db.session.remove()
    assert last_errors == {"delivery unknown: the scheduler stopped while sending"}
    for process in schedulers.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0


def test_a_scheduler_stopped_with_sigterm_finishes_its_message_and_nothing_is_lost(
    clean_app, emulator, due_messages, start_scheduler
):
    first = start_scheduler()
    wait_for(lambda: len(emulator.messages()) >= 30, what="the first scheduler to be sending")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=20) == 0
    after_stop = statuses(clean_app)
    assert after_stop.get("sending", 0) == 0
    assert after_stop["pending"] > 0, "the stop came too late to test anything"

    finish_with_two_schedulers(clean_app, start_scheduler)
    received = received_titles(emulator)
    assert set(received) == due_messages
    assert [title for title, count in received.items() if count != 1] == []
    assert statuses(clean_app) == {"sent": MESSAGES}
