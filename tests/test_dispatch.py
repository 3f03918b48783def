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
