"""Qualifications (资格) in the console: defining one, granting it on a member's page, requiring it on a
post (batch form and a shift's page), the roster's flags after a revocation; bad input and other
communities' organizers refused."""

from datetime import timedelta

import pytest
from factories import book, community_id, create_shift, create_site, local
from playwright.sync_api import expect
from sqlalchemy import func, select

from console.conftest import Console, console_client
from server.extensions import db
from server.models import Qualification, QualificationGrant, Shift


@pytest.fixture
def desk(clean_app, seeded, login, emulator):
    return lambda openid="demo-organizer": Console(console_client(clean_app, login, emulator, openid))


def define(organizer, name="核酸采样点登记培训"):
    haizhu = community_id(organizer.client, "haizhu")
    response = organizer.post(f"/api/v1/communities/{haizhu}/qualifications", json={"name": name, "note": "登记培训"})
    assert response.status_code == 201
    return response.get_json()


def test_define_grant_require_and_flag_in_the_browser(console_login, organizer, residents, shot):
    (volunteer,) = residents(1)
    page = console_login("demo-organizer")
    page.get_by_role("link", name="资格", exact=True).click()
    page.get_by_label("社区").select_option(label="海珠社区")
    page.get_by_label("资格名称").fill("核酸采样点登记培训")
    page.get_by_label("说明（志愿者可见）").fill("完成街道组织的登记培训")
    page.get_by_role("button", name="新建资格").click()
    expect(page.locator("#messages")).to_contain_text("已新建资格“核酸采样点登记培训”")
    expect(page.locator("table.qualifications")).to_contain_text("核酸采样点登记培训")
    shot(page, "qualifications")

    page.goto(f"/console/members/{volunteer.user['id']}")
    section = page.locator(".qualifications-of-member")
    expect(section).to_contain_text("未持有")
    section.get_by_label("核酸采样点登记培训有效期至").fill((local(days=30)).date().isoformat())
    section.get_by_role("button", name="授予").click()
    expect(page.locator("#messages")).to_contain_text("已授予居民0“核酸采样点登记培训”资格")
    expect(page.locator(".qualifications-of-member")).to_contain_text("持有")
    shot(page, "member-qualifications")
    assert [q["name"] for q in volunteer.get("/api/v1/me/qualifications").get_json()["items"]] == ["核酸采样点登记培训"]

    shift = create_shift(organizer, create_site(organizer, name="社区核酸采样点", kind="testing_site"),
                         roles=[("登记", 2), ("引导", 2)])
    page.goto(f"/console/shifts/{shift['id']}")
    form = page.locator("form.post-requirements")
    form.get_by_label("登记需资格").select_option(label="核酸采样点登记培训")
    form.get_by_label("引导健康申报").select_option("checkin")
    form.get_by_role("button", name="保存岗位要求").click()
    expect(page.locator("#messages")).to_contain_text("岗位要求已保存")
    expect(page.locator("table.posts").first).to_contain_text("需资格：核酸采样点登记培训")
    expect(page.locator("table.posts").first).to_contain_text("签到时需当日健康申报")
    roles = organizer.get(f"/api/v1/shifts/{shift['id']}").get_json()["roles"]
    assert roles[0]["required_qualification"]["name"] == "核酸采样点登记培训"
    assert roles[1]["health_declaration"] == "checkin"
    assert book(volunteer, shift).status_code == 201

    qualification = roles[0]["required_qualification"]
    page.goto(f"/console/qualifications/{qualification['id']}")
    row = page.locator(f"tr[data-user='{volunteer.user['id']}']")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="撤销").click()
    expect(page.locator("#messages")).to_contain_text("已撤销")
    page.goto(f"/console/shifts/{shift['id']}")
    expect(page.locator("tr[data-booking-id]")).to_contain_text("缺少资格")
    shot(page, "shift-requirements")


def test_the_batch_form_sets_post_requirements(desk, organizer, clean_app):
    qualification = define(organizer)
    site = create_site(organizer, name="社区核酸采样点", kind="testing_site")
    console = desk()
    day = local(days=2).date()
    form = {
        "site_id": str(site["id"]), "date_from": day.isoformat(), "date_to": day.isoformat(),
        "weekday": [str(i) for i in range(7)], "slot_start": ["08:00"], "slot_end": ["12:00"],
        "post_name": ["登记", "引导"], "post_capacity": ["2", "2"],
        "post_qualification": [str(qualification["id"]), ""], "post_declaration": ["booking", "none"], "notes": "",
    }
    assert console.post("/console/shifts/batch", data=form).status_code == 302
    with clean_app.app_context():
        shift = db.session.scalars(select(Shift)).one()
        assert [(p.name, p.requires_qualification_id, p.health_declaration) for p in shift.posts] == [
            ("登记", qualification["id"], "booking"), ("引导", None, "none")]
    page = console.get("/console/shifts/batch").get_data(as_text=True)
    assert "核酸采样点登记培训（海珠社区）" in page
    # A qualification that does not exist, or a made-up declaration moment: 422, nothing saved.
    for overrides in ({"post_qualification": ["999999", ""]}, {"post_qualification": ["abc", ""]},
                      {"post_declaration": ["sometimes", "none"]}):
        other_day = (day + timedelta(days=1)).isoformat()
        response = console.post("/console/shifts/batch", data={**form, "date_from": other_day, "date_to": other_day,
                                                               **overrides})
        assert response.status_code == 422, overrides
        with clean_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Shift)) == 1


def test_bad_input_and_other_communities_are_refused(desk, organizer, other_organizer, residents, clean_app):
    qualification = define(organizer)
    (volunteer,) = residents(1)
    console = desk()
    assert console.post("/console/qualifications", data={"community_id": "", "name": "测温"}).status_code == 422
    assert console.post("/console/qualifications", data={"community_id": "abc", "name": "测温"}).status_code == 422
    haizhu = str(qualification["community_id"])
    response = console.post("/console/qualifications", data={"community_id": haizhu, "name": "核酸采样点登记培训"})
    assert response.status_code == 409 and "已有名为" in response.get_data(as_text=True)
    assert console.post("/console/qualifications", data={"community_id": haizhu, "name": "x" * 41}).status_code == 422
    url = f"/console/members/{volunteer.user['id']}/qualifications"
    response = console.post(url, data={"qualification_id": str(qualification["id"]), "action": "grant",
                                       "expires_on": "2020-13-01"})
    assert response.status_code == 302
    for action in ("grant", "dance"):
        console.post(url, data={"qualification_id": "abc", "action": action})
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QualificationGrant)) == 0
    other = desk("o-dachong-organizer")
    assert other.get(f"/console/qualifications/{qualification['id']}").status_code == 403
    assert other.post(f"/console/qualifications/{qualification['id']}/edit", data={"name": "改名"}).status_code == 403
    assert other.post(url, data={"qualification_id": str(qualification["id"]), "action": "grant"}).status_code in (403, 404)
    with clean_app.app_context():
        assert db.session.get(Qualification, qualification["id"]).name == "核酸采样点登记培训"
        assert db.session.scalar(select(func.count()).select_from(QualificationGrant)) == 0
