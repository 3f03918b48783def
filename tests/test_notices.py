"""Notices to an activity's participants (server/services/notices.py): who is reached through the
credit ledger, who is listed to phone, exactly one message each, authorization and validation."""

from datetime import datetime, timedelta, timezone

import pytest
from factories import create_activity
from sqlalchemy import select

from server.extensions import db
from server.models import ActivityNotice
from server.services.dispatch import send_due_messages
from server.services.templates import render_message

NOTICE_TEMPLATE = "tmpl-notice"
TEXT = "明早因雨改在二楼活动室举行，请带好雨具，提前十分钟到场签到，谢谢大家配合"  # 36 characters


@pytest.fixture
def dispatch(clean_app):
    def run(limit=1000):
        with clean_app.app_context():
            try:
                return send_due_messages("test-worker", limit)
            finally:
                db.session.remove()

    return run


def subscribe(session, emulator, openid, count=1):
    for _ in range(count):
        emulator.accept_subscription(openid, NOTICE_TEMPLATE)
        assert session.post("/api/v1/me/subscriptions", json={"accepted": [NOTICE_TEMPLATE]}).status_code == 200


def credits(session):
    items = session.get("/api/v1/me/subscriptions").get_json()["items"]
    return next(i["remaining"] for i in items if i["key"] == "notice")


@pytest.fixture
def scene(organizer, residents, emulator):
    """A 2-place activity: r0 (credit) and r1 (no credit) confirmed, a walk-in confirmed... no: capacity 3,
    r0, r1 and a walk-in confirmed; r2 (credit) waitlisted; r3 cancelled (credit)."""
    people = residents(4)
    for index in (0, 2, 3):
        subscribe(people[index], emulator, f"o-resident-{index:04d}")
    activity = create_activity(organizer, capacity=3)
    path = f"/api/v1/activities/{activity['id']}"
    regs = [people[i].post(f"{path}/registrations", json={}).get_json() for i in (0, 1)]
    walk_in = organizer.post(f"{path}/walk-ins", json={"name": "王阿姨", "phone": "13800001111", "companions": 0})
    assert walk_in.status_code == 201, walk_in.get_json()
    regs.append(people[2].post(f"{path}/registrations", json={}).get_json())
    assert regs[2]["status"] == "waitlisted"
    people[3].post(f"{path}/registrations", json={})
    assert people[3].delete(f"{path}/registrations/me").status_code == 200
    return activity, people, regs, walk_in.get_json()


def test_confirmed_with_a_credit_are_queued_others_listed_to_phone(organizer, scene, messages):
    activity, people, regs, walk_in = scene
    response = organizer.post(f"/api/v1/activities/{activity['id']}/notices", json={"text": f"  {TEXT} "})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["text"], body["queued"], body["unreachable_count"], body["include_waitlist"]) == (TEXT, 1, 2, False)
    assert [u["registration_id"] for u in body["unreachable"]] == [regs[1]["id"], walk_in["registration_id"]]
    assert body["unreachable"][1]["user"]["phone_masked"] == "138****1111"
    assert body["unreachable"][1]["walk_in"] is True
    assert all(u["user"]["phone"] is None for u in body["unreachable"])
    [message] = messages("notice")
    assert (message["user_id"], message["ref"]) == (people[0].user["id"], ("notice", body["id"]))
    assert message["payload"]["text"] == TEXT

    # The unreachable person is phoned through the audited reveal.
    reveal = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{walk_in['registration_id']}/phone")
    assert reveal.get_json() == {"phone": "13800001111"}


def test_include_waitlist_reaches_the_waitlist_too(organizer, scene, messages):
    activity, people, regs, _ = scene
    body = organizer.post(f"/api/v1/activities/{activity['id']}/notices",
                          json={"text": "请按时到场", "include_waitlist": True}).get_json()
    assert body["queued"] == 2
    assert sorted(m["user_id"] for m in messages("notice")) == sorted([people[0].user["id"], people[2].user["id"]])
    listed = organizer.get(f"/api/v1/activities/{activity['id']}/notices").get_json()["items"]
    assert [(n["id"], n["queued"], n["unreachable_count"]) for n in listed] == [(body["id"], 2, 2)]


def test_each_message_is_sent_once_and_takes_one_credit(organizer, scene, emulator, dispatch, messages, clean_app):
    activity, people, _, _ = scene
    subscribe(people[0], emulator, "o-resident-0000")  # two credits now
    assert credits(people[0]) == 2
    organizer.post(f"/api/v1/activities/{activity['id']}/notices", json={"text": TEXT})
    assert dispatch() == {"sent": 1}
    assert dispatch() == {}
    assert [m["status"] for m in messages("notice")] == ["sent"]
    assert credits(people[0]) == 1
    sent = [m for m in emulator.messages() if m["template_id"] == NOTICE_TEMPLATE]
    assert len(sent) == 1
    data = sent[0]["data"]
    # 36 characters over the 20-character `thing` fields: nothing lost.
    assert (data["thing2"]["value"], data["thing3"]["value"]) == (TEXT[:20], TEXT[20:])
    assert data["thing4"]["value"] == "无"
    assert sent[0]["page"] == f"pages/activity-detail/index?id={activity['id']}"


def test_a_repeated_key_returns_the_first_notice_and_queues_nothing_more(organizer, scene, messages):
    activity, *_ = scene
    path = f"/api/v1/activities/{activity['id']}/notices"
    first = organizer.post(path, json={"text": TEXT, "key": "k-1"}).get_json()
    again = organizer.post(path, json={"text": TEXT, "key": "k-1"})
    assert again.status_code == 201
    assert again.get_json() == first
    assert len(messages("notice")) == 1
    other = organizer.post(path, json={"text": TEXT, "key": "k-2"}).get_json()
    assert other["id"] != first["id"]
    assert len(messages("notice")) == 2


def test_sixty_characters_fill_three_fields(clean_app):
    text = "一" * 20 + "二" * 20 + "三" * 20
    with clean_app.app_context():
        _, data, _ = render_message("notice", {"activity_id": 1, "title": "周末党课", "text": text,
                                               "starts_at": datetime.now(timezone.utc).isoformat()})
    assert [data[f"thing{i}"]["value"] if isinstance(data[f"thing{i}"], dict) else data[f"thing{i}"]
            for i in (2, 3, 4)] == ["一" * 20, "二" * 20, "三" * 20]


@pytest.mark.parametrize("body, field", [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "长" * 61}, "text"),
    ({}, "text"),
    ({"text": 5}, "text"),
    ({"text": "好", "include_waitlist": "maybe"}, "include_waitlist"),
    ({"text": "好", "key": "k" * 65}, "key"),
])
def test_bad_input_is_422_in_chinese(organizer, body, field, clean_app):
    activity = create_activity(organizer)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/notices", json=body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert payload["error"] == "validation_failed"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in payload["errors"][field][0])
    with clean_app.app_context():
        assert db.session.scalars(select(ActivityNotice)).all() == []


def test_sixty_characters_are_accepted(organizer):
    activity = create_activity(organizer)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/notices", json={"text": "长" * 60})
    assert response.status_code == 201


def test_a_cancelled_or_ended_activity_is_409(organizer, move_activity):
    cancelled = create_activity(organizer)
    organizer.post(f"/api/v1/activities/{cancelled['id']}/cancel", json={"reason": "台风"})
    response = organizer.post(f"/api/v1/activities/{cancelled['id']}/notices", json={"text": "好"})
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")

    ended = create_activity(organizer)
    past = datetime.now(timezone.utc) - timedelta(hours=5)
    move_activity(ended["id"], past, past + timedelta(hours=2))
    response = organizer.post(f"/api/v1/activities/{ended['id']}/notices", json={"text": "好"})
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")


def test_only_the_communitys_organizers_send_or_list(organizer, other_organizer, resident, scene, messages):
    activity, *_ = scene
    path = f"/api/v1/activities/{activity['id']}/notices"
    for session in (other_organizer, resident):
        response = session.post(path, json={"text": "好"})
        assert (response.status_code, response.get_json()["error"]) == (403, "forbidden")
        assert session.get(path).status_code == 403
    assert organizer.post("/api/v1/activities/999999/notices", json={"text": "好"}).status_code == 404
    assert messages("notice") == []


def test_risky_text_is_refused_and_nothing_is_queued(organizer, scene, emulator, messages):
    activity, *_ = scene
    emulator.mark_text("违禁标记", "risky", 20006)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/notices", json={"text": "违禁标记通知"})
    assert (response.status_code, response.get_json()["error"]) == (422, "content_risky")
    assert messages("notice") == []
    assert organizer.get(f"/api/v1/activities/{activity['id']}/notices").get_json()["items"] == []


def test_requests_racing_with_one_key_make_one_notice(organizer, scene, live_server, messages, clean_app):
    from conftest import race

    activity, *_ = scene
    path = f"/api/v1/activities/{activity['id']}/notices"
    results = race(live_server, [("POST", path, organizer.headers, {"text": TEXT, "key": "double-tap"})] * 4)
    assert {status for status, _ in results} == {201}, results
    assert len({body["id"] for _, body in results}) == 1
    with clean_app.app_context():
        assert len(db.session.scalars(select(ActivityNotice)).all()) == 1
    assert len(messages("notice")) == 1


def test_a_queued_notice_is_voided_when_its_person_leaves_or_the_activity_is_cancelled(
    organizer, scene, messages, residents, emulator
):
    activity, people, regs, walk_in = scene
    path = f"/api/v1/activities/{activity['id']}"
    assert organizer.post(f"{path}/notices", json={"text": TEXT, "include_waitlist": True}).status_code == 201
    queued = {m["user_id"]: m["status"] for m in messages("notice")}
    assert queued == {people[0].user["id"]: "pending", people[2].user["id"]: "pending"}
    # the waitlisted person gives up their spot: their notice is not sent; the other stays queued
    assert people[2].delete(f"{path}/registrations/me").status_code == 200
    assert {m["user_id"]: m["status"] for m in messages("notice")} == {
        people[0].user["id"]: "pending", people[2].user["id"]: "void"}
    # the activity is cancelled: nothing about it goes out but the cancellation
    assert organizer.post(f"{path}/cancel", json={"reason": "场地维修"}).status_code == 200
    assert {m["status"] for m in messages("notice")} == {"void"}
    assert [m["user_id"] for m in messages("cancelled_by_organizer")] == [people[0].user["id"], people[1].user["id"]]
