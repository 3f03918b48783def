"""报名审核 and offers in the console's roster: approving and rejecting pending sign-ups (the same
service as the API: capacity rules, notices, audit), and places held for an offer shown with their
deadline."""

import re

from factories import create_activity
from playwright.sync_api import expect
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, Registration


def statuses(app, activity_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Registration).where(Registration.activity_id == activity_id).order_by(Registration.id)
        ).all()
        return [(r.status, r.reject_reason) for r in rows]


def sign_up(person, activity):
    response = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def field_error(response, field):
    match = re.search(rf'<div class="field-error" data-field="{field}">([^<]+)</div>', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_approve_and_reject_in_the_browser(console_login, organizer, residents, shot, clean_app, messages):
    activity = create_activity(organizer, capacity=2, title="亲子烘焙课", signup_mode="approval")
    first, second = residents(2)
    approved, rejected = sign_up(first, activity), sign_up(second, activity)
    page = console_login("demo-organizer")
    page.goto(f"/console/activities/{activity['id']}/roster")
    section = page.locator("#approvals")
    expect(section).to_contain_text("待审核报名（2）")
    shot(page, "roster-approvals")

    section.locator(f"#pending-{approved['id']}").get_by_role("button", name="通过").click()
    expect(page.locator("#messages")).to_contain_text("已通过报名：已确认名额")
    expect(page.locator("#places")).to_contain_text("1/2")
    expect(page.locator("#approvals")).to_contain_text("待审核报名（1）")

    row = page.locator(f"#pending-{rejected['id']}")
    row.locator("summary", has_text="不通过").click()
    row.get_by_role("button", name="确认不通过").click()  # no reason: refused, nothing changes
    row = page.locator(f"#pending-{rejected['id']}")
    expect(row.locator(".field-error")).to_be_visible()  # the form stays open, its error shown
    row.locator("input[name=reason]").fill("本期仅限5至8岁儿童")
    row.get_by_role("button", name="确认不通过").click()
    expect(page.locator("#messages")).to_contain_text("已驳回该报名")
    expect(page.locator("#approvals")).to_contain_text("没有待审核的报名")
    expect(page.locator(f"#registration-{rejected['id']}")).to_contain_text("未通过")
    expect(page.locator(f"#registration-{rejected['id']}")).to_contain_text("本期仅限5至8岁儿童")

    assert statuses(clean_app, activity["id"]) == [("confirmed", None), ("rejected", "本期仅限5至8岁儿童")]
    assert [(m["user_id"], m["payload"]["status"]) for m in messages("signup_result")] == [
        (first.user["id"], "审核通过"), (second.user["id"], "未通过")]


def test_deciding_a_sign_up_no_longer_pending_says_so(desk, organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=2, signup_mode="approval")
    (person,) = residents(1)
    registration = sign_up(person, activity)
    console = desk()
    url = f"/console/activities/{activity['id']}/roster/{registration['id']}"
    response = console.post(url + "/reject", {"reason": ""})
    assert response.status_code == 422 and field_error(response, "reason")
    assert person.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200
    response = console.post(url + "/approve")
    assert response.status_code == 409
    assert "该报名已不在待审核状态" in response.get_data(as_text=True)
    assert statuses(clean_app, activity["id"]) == [("cancelled", None)]
    with clean_app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action.like("registration.%"))) is None


def test_the_console_refuses_another_communitys_organizer(desk, organizer, residents, other_organizer):
    activity = create_activity(organizer, capacity=2, signup_mode="approval")
    (person,) = residents(1)
    registration = sign_up(person, activity)
    console = desk("o-dachong-organizer")
    response = console.post(f"/console/activities/{activity['id']}/roster/{registration['id']}/approve")
    assert response.status_code == 403


def test_an_offer_shows_pending_confirmation_and_its_deadline(desk, organizer, residents):
    activity = create_activity(organizer, capacity=1, claim_hours=24)
    holder, waiting = residents(2)
    sign_up(holder, activity)
    sign_up(waiting, activity)
    holder.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    offer = waiting.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]
    html = desk().get(f"/console/activities/{activity['id']}/roster?status=offered").get_data(as_text=True)
    row = html[html.index(f'id="registration-{offer["id"]}"'):]
    row = row[: row.index("</tr>")]
    assert "待确认" in row and "前确认" in row
    assert "待确认 1 条" in html
