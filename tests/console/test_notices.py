"""Sending a notice from the console roster (发送通知): how many were reached, whom to phone, each
number revealed by an audited action; a resubmitted form sends nothing more."""

import re

from factories import create_activity
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, OutboxMessage

NOTICE_TEMPLATE = "tmpl-notice"


def notice_rows(app):
    with app.app_context():
        return [(m.user_id, m.payload["text"]) for m in
                db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice").order_by(OutboxMessage.id))]


def subscribe(session, emulator, openid):
    emulator.accept_subscription(openid, NOTICE_TEMPLATE)
    assert session.post("/api/v1/me/subscriptions", json={"accepted": [NOTICE_TEMPLATE]}).status_code == 200


def field_error(response, field):
    match = re.search(rf'<div class="field-error" data-field="{field}">([^<]+)</div>', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_the_form_reports_queued_and_unreachable_and_a_resubmit_sends_nothing_more(desk, organizer, residents,
                                                                                   emulator, clean_app):
    people = residents(2)
    subscribe(people[0], emulator, "o-resident-0000")
    activity = create_activity(organizer, capacity=5)
    for person in people:
        assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    console = desk()
    url = f"/console/activities/{activity['id']}/roster/notices"
    data = {"text": "请带好雨具", "key": "form-1", "include_waitlist__present": "1"}
    response = console.post(url, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="notice-queued">1<' in html and 'id="notice-unreachable-count">1<' in html
    assert "居民1" in html
    assert console.post(url, data).status_code == 200  # a reload of the same form
    assert notice_rows(clean_app) == [(people[0].user["id"], "请带好雨具")]

    response = console.post(url, {"text": "长" * 61, "key": "form-2"})
    assert response.status_code == 422
    assert field_error(response, "text") == "通知内容不能超过 60 个字"
    response = console.post(url, {"text": "", "key": "form-3"})
    assert response.status_code == 422 and field_error(response, "text")
    assert len(notice_rows(clean_app)) == 1


def test_another_communitys_organizer_cannot_send(desk, organizer, other_organizer, clean_app):
    activity = create_activity(organizer)
    console = desk("o-dachong-organizer")
    response = console.post(f"/console/activities/{activity['id']}/roster/notices", {"text": "好"})
    assert response.status_code == 403
    assert notice_rows(clean_app) == []


def test_a_notice_in_the_browser_lists_whom_to_phone_and_reveals_a_number(console_login, organizer, residents, emulator,
                                                                          shot, clean_app):
    people = residents(1)
    subscribe(people[0], emulator, "o-resident-0000")
    activity = create_activity(organizer, capacity=5, title="社区合唱排练")
    assert people[0].post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    walk_in = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins",
                             json={"name": "陈阿婆", "phone": "13900002222", "companions": 0}).get_json()
    page = console_login("demo-organizer")
    page.goto(f"/console/activities/{activity['id']}/roster")
    form = page.locator("#notice")
    form.locator("textarea[name=text]").fill("排练改到周六下午三点")
    form.get_by_role("button", name="发送通知").click()
    result = page.locator("#notice-result")
    expect(result).to_contain_text("微信通知 1 人，无法送达 1 人")
    row = page.locator(f"#unreachable-{walk_in['registration_id']}")
    expect(row).to_contain_text("陈阿婆")
    expect(row).to_contain_text("139****2222")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="查看完整号码").click()
    expect(row).to_contain_text("13900002222")
    shot(page, "roster-notice")
    assert notice_rows(clean_app) == [(people[0].user["id"], "排练改到周六下午三点")]
    with clean_app.app_context():
        actions = [(a.action, a.target_type, a.target_id) for a in db.session.scalars(select(AuditLog))
                   if a.action == "phone.reveal"]
    assert actions == [("phone.reveal", "registration", walk_in["registration_id"])]
