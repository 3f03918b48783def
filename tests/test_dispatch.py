"""Sending due messages through the WeChat adapter to the emulator: credits, fitted values, and what
each WeChat answer does to a message."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from factories import create_activity, local
from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, OutboxMessage
from server.services.dispatch import expire_stale_claims, send_due_messages
from server.config import DEFAULT_TEMPLATE_FIELDS
from server.services.templates import fit_value, message_values, render_message

LONG_TITLE = "学习贯彻党的二十大精神专题党课暨青年学堂第三期开班仪式"  # 27 characters


@pytest.fixture
def dispatch(clean_app):
    """`dispatch()`: one scheduler round in this process; returns `{status: count}`."""

    def run(limit=1000):
        with clean_app.app_context():
            try:
                return send_due_messages("test-worker", limit)
            finally:
                db.session.remove()

    return run


@pytest.fixture
def make_due(clean_app):
    """`make_due()`: every pending message becomes due now."""

    def run():
        with clean_app.app_context():
            db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(
                due_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
            db.session.commit()

    return run


def subscribe(session, emulator, *keys, count=1):
    """The user accepts templates: WeChat (the emulator) and our server both learn of it."""
    ids = [f"tmpl-{key.replace('_', '-')}" for key in keys]
    for _ in range(count):
        for template_id in ids:
            emulator.accept_subscription(session.user_openid, template_id)
        assert session.post("/api/v1/me/subscriptions", json={"accepted": ids}).status_code == 200


@pytest.fixture
def subscriber(seeded, login):
    session = login("o-subscriber")
    session.user_openid = "o-subscriber"
    return session


def sign_up_soon(organizer, session, **overrides):
    """A sign-up 30 minutes before the start: one reminder due at once."""
    starts_at = overrides.pop("starts_at", datetime.now(timezone.utc) + timedelta(minutes=30))
    activity = create_activity(organizer, starts_at=starts_at, **overrides)
    assert session.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    return activity


def credits(session, key):
    return next(i["remaining"] for i in session.get("/api/v1/me/subscriptions").get_json()["items"] if i["key"] == key)


def test_due_reminder_is_sent_once_with_fitted_values(organizer, subscriber, emulator, dispatch, messages):
    subscribe(subscriber, emulator, "activity_reminder")
    activity = sign_up_soon(organizer, subscriber, title=LONG_TITLE, venue="党群服务中心")
    assert dispatch() == {"sent": 1}
    assert dispatch() == {}
    [sent] = emulator.messages()
    assert sent["touser"] == "o-subscriber"
    assert sent["template_id"] == "tmpl-activity-reminder"
    assert sent["page"] == f"pages/activity-detail/index?id={activity['id']}"
    data = {key: value["value"] for key, value in sent["data"].items()}
    assert len(data["thing1"]) == 20 and data["thing1"].endswith("…")
    assert data["time2"] == datetime.fromisoformat(activity["starts_at"]).strftime("%Y年%m月%d日 %H:%M")
    assert data["thing3"] == "党群服务中心"
    assert credits(subscriber, "activity_reminder") == 0
    [row] = messages("activity_reminder")
    assert row["status"] == "sent" and row["attempts"] == 1


def test_reminders_not_yet_due_wait(organizer, subscriber, emulator, dispatch, messages):
    subscribe(subscriber, emulator, "activity_reminder")
    create_activity(organizer, starts_at=local(days=3))
    activity = create_activity(organizer, starts_at=local(days=3))
    subscriber.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert dispatch() == {}
    assert emulator.messages() == []
    assert {m["status"] for m in messages("activity_reminder")} == {"pending"}


def test_without_credit_the_message_is_skipped_and_never_attempted(organizer, subscriber, emulator, dispatch,
                                                                   messages):
    activity = sign_up_soon(organizer, subscriber)
    assert dispatch() == {"skipped": 1}
    assert [c for c in emulator.calls() if c["path"] == "/cgi-bin/message/subscribe/send"] == []
    assert "no subscription credit" in messages("activity_reminder")[0]["last_error"]
    unreminded = organizer.get(f"/api/v1/activities/{activity['id']}/roster?unreminded=true").get_json()["items"]
    assert [(i["user"]["id"], i["reminder_credits"]) for i in unreminded] == [(subscriber.user["id"], 0)]


def test_subscribed_people_are_not_listed_as_unreminded(organizer, subscriber, emulator):
    subscribe(subscriber, emulator, "activity_reminder", count=2)
    activity = sign_up_soon(organizer, subscriber)
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster?unreminded=true").get_json()
    assert roster["items"] == []


def test_43101_skips_and_zeroes_the_credit(organizer, subscriber, emulator, dispatch, messages):
    for _ in range(2):
        subscriber.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder"]})
    emulator.mint_login_code(openid="o-subscriber")  # known to WeChat, but it never accepted there
    sign_up_soon(organizer, subscriber)
    assert dispatch() == {"skipped": 1}
    assert messages("activity_reminder")[0]["last_error"].startswith("43101")
    assert credits(subscriber, "activity_reminder") == 0


def test_busy_wechat_is_retried_later_with_backoff(organizer, subscriber, emulator, dispatch, make_due, messages):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=-1)
    assert dispatch() == {"pending": 1}
    [row] = messages("activity_reminder", "pending")
    assert row["attempts"] == 1 and row["last_error"].startswith("-1")
    assert row["due_at"] > datetime.now(timezone.utc) + timedelta(seconds=20)
    assert credits(subscriber, "activity_reminder") == 1  # not used up by a failed send
    assert dispatch() == {}  # backing off
    make_due()
    assert dispatch() == {"sent": 1}
    assert len(emulator.messages()) == 1


def wait_for_messages(emulator, count, timeout=5):
    """The emulator's accepted messages once there are `count` (it delivers a delayed send late)."""
    deadline = time.monotonic() + timeout
    while len(emulator.messages()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return emulator.messages()


def test_a_timed_out_send_is_unknown_never_retried_and_keeps_its_credit(organizer, subscriber, emulator, dispatch,
                                                                         make_due, messages):
    subscribe(subscriber, emulator, "activity_reminder", count=2)
    sign_up_soon(organizer, subscriber)
    # WECHAT_TIMEOUT_SECONDS is 2 in tests: WeChat answers after we gave up, and delivers all the same.
    emulator.inject_fault("/cgi-bin/message/subscribe/send", delay=3)
    assert dispatch() == {"unknown": 1}
    [row] = messages("activity_reminder")
    assert row["status"] == "unknown" and row["last_error"].startswith("delivery unknown")
    assert credits(subscriber, "activity_reminder") == 1  # spent: WeChat may have used it
    assert len(wait_for_messages(emulator, 1)) == 1
    make_due()
    assert dispatch() == {}
    time.sleep(0.5)
    assert len(emulator.messages()) == 1  # delivered once, never twice


@pytest.mark.parametrize("http_status, outcome", [(502, "unknown"), (504, "unknown"), (429, "pending")])
def test_an_http_error_without_errcode(organizer, subscriber, emulator, dispatch, messages, http_status, outcome):
    """A 5xx from whatever stands between us and WeChat may come after WeChat took the message; a 4xx
    is a refusal."""
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", http_status=http_status)
    assert dispatch() == {outcome: 1}
    assert credits(subscriber, "activity_reminder") == (0 if outcome == "unknown" else 1)


def test_a_send_that_never_left_is_retried(organizer, subscriber, emulator, dispatch, make_app, messages):
    """Nothing listens where WeChat should be: the connection is refused, so nothing was delivered."""
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    unreachable = make_app(WECHAT_API_BASE_URL="http://127.0.0.1:1")
    with unreachable.app_context():
        try:
            assert send_due_messages("test-worker", 10) == {"pending": 1}
        finally:
            db.session.remove()
    assert credits(subscriber, "activity_reminder") == 1
    assert emulator.messages() == []


def _start_in_the_past(clean_app):
    """Time travel: the activity (and what its pending reminders would announce) started a minute ago."""
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    with clean_app.app_context():
        for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
            message.payload = {**message.payload, "starts_at": started.isoformat()}
        db.session.execute(update(Activity).values(starts_at=started, ends_at=started + timedelta(hours=2)))
        db.session.commit()


def test_a_reminder_claimed_after_the_start_expires_unsent(organizer, subscriber, emulator, dispatch, clean_app,
                                                           messages):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    _start_in_the_past(clean_app)  # the scheduler was down until after the start
    assert dispatch() == {"expired": 1}
    assert emulator.messages() == []
    assert credits(subscriber, "activity_reminder") == 1
    assert messages("activity_reminder")[0]["status"] == "expired"


def test_a_reminder_retried_after_the_start_expires_unsent(organizer, subscriber, emulator, dispatch, clean_app,
                                                           make_due, messages):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=-1)
    assert dispatch() == {"pending": 1}
    _start_in_the_past(clean_app)
    make_due()
    assert dispatch() == {"expired": 1}
    assert emulator.messages() == []
    assert credits(subscriber, "activity_reminder") == 1


def test_notices_do_not_expire(organizer, subscriber, emulator, dispatch, clean_app):
    """An organizer's cancellation is still news after the start: it is sent."""
    subscribe(subscriber, emulator, "cancelled_by_organizer")
    activity = sign_up_soon(organizer, subscriber)
    assert organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "取消"}).status_code < 300
    _start_in_the_past(clean_app)
    assert dispatch() == {"sent": 1}  # the reminder was voided by the cancellation
    assert [m["template_id"] for m in emulator.messages()] == ["tmpl-cancelled-by-organizer"]


def test_47003_fails_with_its_reason_and_is_not_retried(organizer, subscriber, emulator, dispatch, make_due,
                                                         messages):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=47003)
    assert dispatch() == {"failed": 1}
    make_due()
    assert dispatch() == {}
    [row] = messages("activity_reminder")
    assert row["status"] == "failed" and row["last_error"].startswith("47003")
    assert credits(subscriber, "activity_reminder") == 1


def test_an_invalid_token_is_refreshed_once(organizer, subscriber, emulator, dispatch):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.invalidate_tokens()
    assert dispatch() == {"sent": 1}


def test_attempts_are_bounded(organizer, subscriber, emulator, dispatch, make_due, messages, clean_app):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=-1, times=20)
    for _ in range(clean_app.config["REMINDER_MAX_ATTEMPTS"]):
        make_due()
        dispatch()
    [row] = messages("activity_reminder")
    assert row["status"] == "failed" and "gave up" in row["last_error"]


def test_promotion_and_cancellation_are_sent_at_once(organizer, residents, emulator, dispatch):
    activity = create_activity(organizer, capacity=1, starts_at=local(days=5))
    holder, waiting = residents(2)
    waiting.user_openid = "o-resident-0001"
    subscribe(waiting, emulator, "waitlist_promoted", "cancelled_by_organizer")
    holder.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    waiting.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    holder.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "台风橙色预警，活动取消"})
    assert dispatch() == {"sent": 2}
    sent = {m["template_id"]: {k: v["value"] for k, v in m["data"].items()} for m in emulator.messages()}
    assert sent["tmpl-waitlist-promoted"]["phrase3"] == "候补成功"
    assert sent["tmpl-cancelled-by-organizer"]["thing3"] == "台风橙色预警，活动取消"


def test_a_deleted_account_gets_nothing(organizer, subscriber, emulator, dispatch, messages):
    subscribe(subscriber, emulator, "activity_reminder", "cancelled_by_organizer")
    activity = sign_up_soon(organizer, subscriber)
    organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "取消"})
    subscriber.delete("/api/v1/me")
    assert dispatch() == {"skipped": 1}
    assert messages("cancelled_by_organizer")[0]["last_error"] == "the account was deleted"
    assert emulator.messages() == []


def test_claims_left_by_a_dead_scheduler_are_never_resent(organizer, subscriber, emulator, dispatch, clean_app,
                                                          messages):
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    with clean_app.app_context():
        db.session.execute(update(OutboxMessage).values(
            status="sending", claimed_at=datetime.now(timezone.utc) - timedelta(minutes=11)))
        db.session.commit()
        assert expire_stale_claims() == 1
    assert dispatch() == {}
    assert emulator.messages() == []
    [row] = messages("activity_reminder")
    assert (row["status"], row["last_error"]) == ("unknown", "delivery unknown: the scheduler stopped while sending")


@pytest.mark.parametrize("field, value, expected", [
    ("thing1", "一" * 25, "一" * 19 + "…"),
    ("thing2", "", "无"),
    ("phrase3", "Promoted 候补成功!", "候补成功"),
    ("name4", "王建国同志（党员先锋岗）", "王建国同志（党员先锋"),
    ("character_string5", "No.A12号", "No.A12"),
    ("number6", "第3号", "3"),
    ("date7", "2026-12-01T01:30:00+00:00", "2026年12月01日"),
    ("time8", "2026-12-01T01:30:00+00:00", "2026年12月01日 09:30"),
])
def test_values_are_fitted_to_their_field_type(clean_app, field, value, expected):
    with clean_app.app_context():
        assert fit_value(field, value) == expected


@pytest.mark.parametrize("fields", ["thing1=site,thing2=post", "thing1=site,thing2=role"])
@pytest.mark.parametrize("post_key", ["post", "role"])
def test_a_shift_message_names_the_post_under_either_name(clean_app, fields, post_key):
    """Settings and queued messages from before the post had its own word call it `role`; both still work."""
    payload = {"shift_id": 1, "site": "桂庙路卡口", post_key: "测温", "starts_at": "2026-12-01T01:30:00+00:00",
               "ends_at": "2026-12-01T05:30:00+00:00"}
    clean_app.config["WECHAT_TEMPLATE_SHIFT_REMINDER_FIELDS"] = fields
    try:
        with clean_app.app_context():
            _, data, _ = render_message("shift_reminder", payload)
            assert data == {"thing1": "桂庙路卡口", "thing2": "测温"}
            assert message_values("shift_reminder", payload)["title"] == "桂庙路卡口测温值守"
    finally:
        clean_app.config["WECHAT_TEMPLATE_SHIFT_REMINDER_FIELDS"] = DEFAULT_TEMPLATE_FIELDS["shift_reminder"]


# --- batches: the claim, the decisions at the claim, the outcomes, a stop, a dead claimer ----------


def _users_with_due(clean_app, emulator, count, credits=1, kind="waitlist_promoted", per_user=1, starts_in=None):
    """`count` users, each with `per_user` due messages of `kind` and `credits` sends of its template at
    WeChat and with us. Returns `{user_id: [message ids, oldest due first]}`."""
    from server.models import SubscriptionCredit, User

    template_id = "tmpl-" + kind.replace("_", "-")
    starts_at = datetime.now(timezone.utc) + (starts_in or timedelta(days=2))
    mine = {}
    with clean_app.app_context():
        users = [User(openid=f"o-batch-{n:03d}", nickname=f"batch{n}") for n in range(count)]
        db.session.add_all(users)
        db.session.flush()
        for n, user in enumerate(users):
            if credits:
                db.session.add(SubscriptionCredit(user_id=user.id, template_id=template_id, remaining=credits))
                emulator.accept_subscription(user.openid, template_id, count=credits)
            else:
                emulator.mint_login_code(openid=user.openid)
            rows = [OutboxMessage(kind=kind, user_id=user.id,
                                  payload={"activity_id": n, "title": f"批{n:03d}-{k}", "starts_at": starts_at.isoformat(),
                                           "venue": "党群服务中心"},
                                  due_at=datetime.now(timezone.utc) - timedelta(seconds=60 - k))
                    for k in range(per_user)]
            db.session.add_all(rows)
            db.session.flush()
            mine[user.id] = [row.id for row in rows]
        db.session.commit()
        db.session.remove()
    return mine


def _credit_left(clean_app, user_id, template_id):
    from server.models import SubscriptionCredit

    with clean_app.app_context():
        try:
            return db.session.get(SubscriptionCredit, (user_id, template_id)).remaining
        finally:
            db.session.remove()


def test_two_schedulers_batch_claims_never_overlap(clean_app, emulator):
    """Real concurrent claimers (threads, each its own connection): every due message is claimed by
    exactly one, in batches of at most the size asked; none twice."""
    import threading

    from server.services.dispatch import claim_batch

    _users_with_due(clean_app, emulator, 50, per_user=4)
    claims, errors = {}, []
    barrier = threading.Barrier(4)

    def claimer(name):
        barrier.wait()
        got = []
        try:
            with clean_app.app_context():
                while True:
                    batch = claim_batch(name, datetime.now(timezone.utc), 7)
                    db.session.commit()
                    if not batch:
                        break
                    assert len(batch) <= 7, f"a batch of 7 claimed {len(batch)}"
                    got += [m.id for m in batch]
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        claims[name] = got

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [i for got in claims.values() for i in got]
    assert len(every) == 200 and len(set(every)) == 200
    with clean_app.app_context():
        rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.claimed_by,
                                         OutboxMessage.attempts)).all()
        db.session.remove()
    owner = {i: name for name, got in claims.items() for i in got}
    assert all(r.status == "sending" and r.claimed_by == owner[r.id] and r.attempts == 1 for r in rows)


def test_a_batch_decides_expired_skipped_and_credits_as_one_by_one(clean_app, emulator, dispatch, messages):
    """One batch holding: a user with three due messages and two credits (the two oldest are sent,
    the newest skipped), a user without credit (skipped), a reminder whose event started (expired,
    its credit kept), a deleted account (skipped). Credits end exact."""
    from server.models import User

    short = _users_with_due(clean_app, emulator, 1, credits=2, per_user=3)
    [(short_user, short_ids)] = short.items()
    with clean_app.app_context():
        bare = User(openid="o-batch-bare", nickname="bare")
        gone = User(openid="o-batch-gone", nickname="gone")
        late = User(openid="o-batch-late", nickname="late")
        db.session.add_all([bare, gone, late])
        db.session.flush()
        from server.models import SubscriptionCredit

        db.session.add(SubscriptionCredit(user_id=late.id, template_id="tmpl-activity-reminder", remaining=1))
        db.session.add(SubscriptionCredit(user_id=gone.id, template_id="tmpl-waitlist-promoted", remaining=1))
        due = datetime.now(timezone.utc) - timedelta(seconds=1)
        started = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
        payload = {"activity_id": 1, "title": "党课", "starts_at": started, "venue": "党群服务中心"}
        db.session.add_all([
            OutboxMessage(kind="waitlist_promoted", user_id=bare.id, payload=payload, due_at=due),
            OutboxMessage(kind="waitlist_promoted", user_id=gone.id, payload=payload, due_at=due),
            OutboxMessage(kind="activity_reminder", user_id=late.id, payload=payload, due_at=due),
        ])
        gone.openid = None  # what deleting an account leaves
        db.session.commit()
        late_id, gone_id = late.id, gone.id
        db.session.remove()

    assert dispatch() == {"sent": 2, "skipped": 3, "expired": 1}
    by_id = {row["id"]: row for row in messages()}
    assert [by_id[i]["status"] for i in short_ids] == ["sent", "sent", "skipped"]  # the oldest due first
    assert "no subscription credit" in by_id[short_ids[2]]["last_error"]
    assert _credit_left(clean_app, short_user, "tmpl-waitlist-promoted") == 0
    assert _credit_left(clean_app, late_id, "tmpl-activity-reminder") == 1  # expired: not used
    assert _credit_left(clean_app, gone_id, "tmpl-waitlist-promoted") == 1  # deleted: not used
    assert sorted(m["data"]["thing1"]["value"] for m in emulator.messages()) == ["批000-0", "批000-1"]


def test_a_message_that_cannot_be_rendered_fails_alone(clean_app, emulator, dispatch, messages):
    """Template settings that ask for a value a payload lacks (a time field mapped to a missing key)
    and a payload whose start cannot be read: those messages fail at once with the reason and keep
    their credits, and the rest of their batch is sent. (Raising rolled the claim back, and the same
    messages, due first, stopped every later batch.)"""
    from server.models import SubscriptionCredit, User

    good = _users_with_due(clean_app, emulator, 3)
    with clean_app.app_context():
        user = User(openid="o-batch-odd", nickname="odd")
        db.session.add(user)
        db.session.flush()
        db.session.add(SubscriptionCredit(user_id=user.id, template_id="tmpl-activity-reminder", remaining=2))
        due = datetime.now(timezone.utc) - timedelta(minutes=5)  # due before the others: first in the batch
        starts = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        db.session.add_all([
            OutboxMessage(kind="activity_reminder", user_id=user.id, due_at=due,
                          payload={"activity_id": 1, "title": "党课", "starts_at": starts, "venue": "党群服务中心"}),
            OutboxMessage(kind="activity_reminder", user_id=user.id, due_at=due,
                          payload={"activity_id": 2, "title": "党课", "starts_at": "明天上午", "venue": "党群服务中心"}),
        ])
        db.session.commit()
        odd_user = user.id
        db.session.remove()
    key = "WECHAT_TEMPLATE_ACTIVITY_REMINDER_FIELDS"
    clean_app.config[key] = "thing1=title,time2=opens_at"  # `opens_at`: in no payload
    try:
        assert dispatch() == {"sent": 3, "failed": 2}
    finally:
        clean_app.config[key] = DEFAULT_TEMPLATE_FIELDS["activity_reminder"]
    odd = messages(kind="activity_reminder")
    assert [m["status"] for m in odd] == ["failed", "failed"]
    assert all(m["last_error"].startswith("cannot be rendered: ValueError") for m in odd)
    assert _credit_left(clean_app, odd_user, "tmpl-activity-reminder") == 2
    assert [m["status"] for m in messages(kind="waitlist_promoted")] == ["sent"] * 3
    assert len(emulator.messages()) == len(good) == 3
    assert dispatch() == {}  # never claimed again


def test_a_batch_records_each_outcome_on_its_own_message(clean_app, emulator, dispatch, messages):
    """Sends of one batch fail differently: each message gets its own outcome, and only the known
    non-delivery is refunded."""
    mine = _users_with_due(clean_app, emulator, 10)
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=-1, times=1)
    assert dispatch() == {"sent": 9, "pending": 1}
    rows = messages()
    [retry] = [row for row in rows if row["status"] == "pending"]
    assert retry["attempts"] == 1 and retry["last_error"].startswith("-1") and retry["claimed_by"] is None
    sent = [row for row in rows if row["status"] == "sent"]
    assert len({row["msgid"] for row in sent}) == 9 and all(row["sent_at"] for row in sent)
    left = {user_id: _credit_left(clean_app, user_id, "tmpl-waitlist-promoted") for user_id in mine}
    assert sorted(left.values()) == [0] * 9 + [1]
    assert left[retry["user_id"]] == 1
    assert len(emulator.messages()) == 9


def test_a_stop_releases_what_was_not_handed_to_wechat(clean_app, emulator, messages):
    """SIGTERM (`stop` set) before the sends: the claimed messages go back to pending as if never
    claimed, credits and attempts returned; nothing reached WeChat."""
    import threading

    from server.services.dispatch import send_batch

    mine = _users_with_due(clean_app, emulator, 5)
    stop = threading.Event()
    stop.set()
    with clean_app.app_context():
        assert send_batch("test-worker", 10, stop) == {"pending": 5}
        db.session.remove()
    assert {(row["status"], row["attempts"], row["claimed_by"]) for row in messages()} == {("pending", 0, None)}
    assert all(_credit_left(clean_app, user_id, "tmpl-waitlist-promoted") == 1 for user_id in mine)
    assert emulator.messages() == []


def test_a_dead_claimers_batch_is_marked_unknown_at_once_and_a_slow_one_keeps_its_outcomes(
    clean_app, emulator, messages
):
    """Claims of a scheduler whose heartbeat is stale become `unknown` without waiting STALE_CLAIM; a
    claimer with no heartbeat known keeps its claims; a claimer taken for dead that was only slow
    still records its sends."""
    import time as clock

    from server.scheduler.status import beat, dead_after, dead_schedulers
    from server.services.dispatch import claim_batch, decide_claimed, record_outcomes, send_kept

    _users_with_due(clean_app, emulator, 6)
    with clean_app.app_context():
        dead = claim_batch("host:dead", datetime.now(timezone.utc), 2)
        decide_claimed(dead, datetime.now(timezone.utc))
        slow = claim_batch("host:slow", datetime.now(timezone.utc), 2)
        slow_kept = decide_claimed(slow, datetime.now(timezone.utc))
        silent = claim_batch("host:silent", datetime.now(timezone.utc), 2)  # never beat: not known dead
        db.session.commit()
        beat("host:dead", clock.time() - dead_after() - 1)
        beat("host:slow", clock.time() - dead_after() - 1)
        assert sorted(dead_schedulers()) == ["host:dead", "host:slow"]
        assert expire_stale_claims(dead_workers=dead_schedulers()) == 4
        send_kept(slow_kept)  # the slow one wakes up and sends
        record_outcomes("host:slow", slow_kept)
        db.session.commit()
        db.session.remove()
    status = {row["id"]: row["status"] for row in messages()}
    assert [status[m.id] for m in dead] == ["unknown", "unknown"]
    assert [status[m.id] for m in slow] == ["sent", "sent"]
    assert [status[m.id] for m in silent] == ["sending", "sending"]
    assert len(emulator.messages()) == 2


def test_each_batch_sends_with_the_token_redis_holds_as_it_starts(clean_app, emulator, dispatch, messages):
    """The sending threads remember the access token between sends (wechat.TOKEN_MEMO_SECONDS) but read
    it from Redis again as they start on a batch: a token another process has replaced since the last
    batch is not sent with (no refusal, no fetch of their own)."""
    from server.wechat import new_service

    _users_with_due(clean_app, emulator, 16)
    assert dispatch(limit=8) == {"sent": 8}
    emulator.invalidate_tokens()
    with clean_app.app_context():  # another process: refused (40001), it fetches the next token into Redis
        new_service(clean_app).get_phone_number(emulator.mint_phone_code("13700001111")["code"])
    fetches = len(emulator.calls("/cgi-bin/stable_token"))
    assert dispatch() == {"sent": 8}
    sends = emulator.calls("/cgi-bin/message/subscribe/send")
    assert len(sends) == 16  # none refused and made again
    assert len({call["query"]["access_token"] for call in sends[8:]}) == 1
    assert len(emulator.calls("/cgi-bin/stable_token")) == fetches
