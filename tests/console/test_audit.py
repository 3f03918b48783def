"""The audit log page (/console/audit): admins only; filters by kind of action, actor and dates;
bad filters are answered with field errors, never a server error."""

import re
from datetime import timedelta

import pytest
from factories import community_id, create_activity, local_today
from playwright.sync_api import expect

from console.conftest import console_client


@pytest.fixture
def history(seeded, login, client):
    """Entries of several kinds: a role grant, a roster export, a phone reveal, and (by signing in) a console login."""
    organizer, admin = login("demo-organizer"), login("demo-admin")
    resident = login("demo-resident")
    assert admin.post(f"/api/v1/users/{resident.user['id']}/roles", json={"role": "party_member"}).status_code == 200
    activity = create_activity(organizer, title="周末党课")
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert response.status_code == 201
    assert organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv").status_code == 200
    registration = response.get_json()["id"]
    reveal = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration}/phone")
    assert reveal.status_code == 200, reveal.get_json()
    return {"resident": resident.user, "haizhu": community_id(client, "haizhu")}


def test_an_admin_reads_the_audit_log_with_filters(console_login, history, shot):
    page = console_login("demo-admin")
    page.get_by_role("link", name="审计日志").click()
    expect(page.locator("h1.page-title")).to_have_text("审计日志")
    table = page.locator("table.audit")
    for label in ("登录管理后台", "授予角色", "导出文件", "查看完整手机号"):
        expect(table).to_contain_text(label)
    expect(table.locator("tr[data-action='role.grant']").first).to_contain_text("李小梅")
    expect(table.locator("tr[data-action='role.grant']").first).to_contain_text("角色：党员")
    shot(page, "audit")

    page.get_by_label("操作类型").select_option("phone")
    page.get_by_role("button", name="查询").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("陈静")


def test_organizers_get_403_and_the_sidebar_hides_it(clean_app, login, emulator, seeded):
    organizer = console_client(clean_app, login, emulator, "demo-organizer")
    response = organizer.get("/console/audit")
    assert response.status_code == 403 and "text/html" in response.content_type
    assert "只有街道管理员可以查看审计日志" in response.get_data(as_text=True)
    assert "/console/audit" not in organizer.get("/console/").get_data(as_text=True)
    assert "/console/audit" in console_client(clean_app, login, emulator, "demo-admin").get("/console/").get_data(as_text=True)


def test_filters_by_action_actor_and_dates(clean_app, login, emulator, history):
    admin = console_client(clean_app, login, emulator, "demo-admin")

    def rows(query):
        response = admin.get(f"/console/audit?{query}")
        assert response.status_code == 200, query
        return re.findall(r'data-action="([^"]+)"', response.get_data(as_text=True))

    assert set(rows("action=export")) == {"roster.export"}
    assert set(rows("action=role")) == {"role.grant"}
    assert set(rows("action=login")) == {"console_login"}
    assert set(rows("actor=陈静")) == {"roster.export", "phone.reveal"}
    assert set(rows("actor=13800000003")) == {"roster.export", "phone.reveal"}
    assert rows("actor=1380000") == []
    today = local_today()
    assert len(rows(f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}")) >= 4
    assert rows(f"date_from={today + timedelta(days=2)}") == []
    assert rows(f"date_to={today - timedelta(days=2)}") == []


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=99999999999999999999",
        "action=%00",
        "action=nonsense",
        "actor=%00",
        "actor=%23999999999999999999",
        "actor=" + "长" * 300,
        "date_from=2020-13-45",
        "date_from=0001-01-01&date_to=9999-12-31",
        "date_from=2026-05-01&date_to=2026-04-01",
        "date_to=%00",
    ],
)
def test_bad_filters_get_field_errors_not_server_errors(clean_app, login, emulator, seeded, query):
    response = console_client(clean_app, login, emulator, "demo-admin").get(f"/console/audit?{query}")
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert 'class="field-error"' in response.get_data(as_text=True)
