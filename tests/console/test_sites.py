"""The console's sites: list with search and filters, create, edit (stale forms refused), archive and
unarchive, and the check-in code poster; bad input and other communities' organizers refused."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from console.conftest import console_client
from factories import community_id, local
from server.extensions import db
from server.models import Shift, Site


def csrf_of(client):
    html = client.get("/console/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def desk(clean_app, seeded, login, emulator):
    """The demo organizer of 海珠社区 at the console, with the form's CSRF token."""
    client = console_client(clean_app, login, emulator, "demo-organizer")
    client.csrf = csrf_of(client)
    return client


def site_count():
    return db.session.scalar(select(func.count()).select_from(Site))


def make_site(organizer, client, code="haizhu", **fields):
    body = {"community_id": community_id(client, code), "name": "北门卡口", "kind": "checkpoint", "address": "北门路口"}
    body.update(fields)
    response = organizer.post("/api/v1/sites", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_list_searches_and_filters_the_organizers_sites(desk, organizer, other_organizer, client):
    make_site(organizer, client, name="北门卡口")
    make_site(organizer, client, name="文化广场核酸采样点", kind="testing_site", address="文化广场")
    make_site(other_organizer, client, code="dachong", name="大冲测温点", kind="temperature_point")
    html = desk.get("/console/sites").get_data(as_text=True)
    assert "北门卡口" in html and "文化广场核酸采样点" in html
    assert "大冲测温点" not in html  # another community's site
    html = desk.get("/console/sites?q=北门").get_data(as_text=True)
    assert "北门卡口" in html and "文化广场核酸采样点" not in html
    html = desk.get("/console/sites?kind=testing_site").get_data(as_text=True)
    assert "北门卡口" not in html and "文化广场核酸采样点" in html
    dachong = community_id(client, "dachong")
    assert desk.get(f"/console/sites?community={dachong}").status_code == 403


def test_bad_input_re_renders_with_chinese_field_errors_and_saves_nothing(desk, clean_app):
    cases = [
        ({"name": "", "kind": "checkpoint", "community_id": ""}, ("name", "community_id")),
        ({"name": "北门", "kind": "castle", "community_id": "1"}, ("kind",)),
        ({"name": "北" * 101, "kind": "checkpoint", "community_id": "1"}, ("name",)),
        ({"name": "北门", "kind": "checkpoint", "community_id": "abc"}, ("community_id",)),
        ({"name": "北门", "kind": "checkpoint", "community_id": "999999"}, ("community_id",)),
    ]
    with clean_app.app_context():
        before = site_count()
    for form, fields in cases:
        response = desk.post("/console/sites/new", data={"csrf_token": desk.csrf, **form})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (form, response.status_code)
        for name in fields:
            assert f'data-field="{name}"' in html, (form, name)
        assert re.search(r'class="field-error"[^>]*>[^<]*[\u4e00-\u9fff]', html)
    with clean_app.app_context():
        assert site_count() == before


def test_create_edit_stale_edit_archive_and_unarchive(desk, clean_app, client):
    haizhu = community_id(client, "haizhu")
    response = desk.post(
        "/console/sites/new",
        data={"csrf_token": desk.csrf, "community_id": str(haizhu), "name": "南门卡口", "kind": "checkpoint",
              "address": "南门路口", "grid": "第二网格"},
    )
    assert response.status_code == 302
    with clean_app.app_context():
        site = db.session.scalar(select(Site).where(Site.name == "南门卡口"))
        site_id, version = site.id, site.updated_at.isoformat()
    # Bad edit: nothing saved.
    response = desk.post(f"/console/sites/{site_id}/edit",
                         data={"csrf_token": desk.csrf, "version": version, "name": "", "kind": "pyramid"})
    assert response.status_code == 422
    assert 'data-field="kind"' in response.get_data(as_text=True)
    response = desk.post(f"/console/sites/{site_id}/edit",
                         data={"csrf_token": desk.csrf, "version": version, "name": "南门一号卡口", "kind": "checkpoint"})
    assert response.status_code == 302
    # The same (now stale) form again is refused and saves nothing.
    response = desk.post(f"/console/sites/{site_id}/edit",
                         data={"csrf_token": desk.csrf, "version": version, "name": "旧表单", "kind": "checkpoint"})
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.get(Site, site_id).name == "南门一号卡口"

    assert desk.post(f"/console/sites/{site_id}/archive", data={"csrf_token": desk.csrf}).status_code == 302
    row = f'data-site-id="{site_id}"'
    assert row not in desk.get("/console/sites").get_data(as_text=True)
    assert row in desk.get("/console/sites?archived=1").get_data(as_text=True)
    # An archived site takes no new shifts (API and console) and shows no check-in code.
    response = desk.post("/console/shifts/batch", data={
        "csrf_token": desk.csrf, "site_id": str(site_id), "date_from": local(days=2).date().isoformat(),
        "date_to": local(days=2).date().isoformat(), "weekday": [str(i) for i in range(7)],
        "slot_start": "08:00", "slot_end": "12:00", "post_name": "登记", "post_capacity": "2"})
    assert response.status_code == 409 and "已归档" in response.get_data(as_text=True)
    assert desk.get(f"/console/sites/{site_id}/poster").status_code == 409
    assert desk.post(f"/console/sites/{site_id}/unarchive", data={"csrf_token": desk.csrf}).status_code == 302
    assert row in desk.get("/console/sites").get_data(as_text=True)


def test_a_site_with_coming_shifts_is_not_archived(desk, organizer, client, clean_app):
    site = make_site(organizer, client)
    response = organizer.post("/api/v1/shifts", json={
        "site_id": site["id"], "starts_at": local(days=2, hour=8).isoformat(),
        "ends_at": local(days=2, hour=12).isoformat(), "roles": [{"name": "登记", "capacity": 2}]})
    assert response.status_code == 201
    response = desk.post(f"/console/sites/{site['id']}/archive", data={"csrf_token": desk.csrf})
    assert response.status_code == 409
    assert "未结束的班次" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.get(Site, site["id"]).archived_at is None
        assert db.session.scalar(select(func.count()).select_from(Shift)) == 1


def test_another_communitys_organizer_gets_403_or_404_everywhere(
    clean_app, organizer, other_organizer, client, login, emulator
):
    site = make_site(organizer, client)
    outsider = console_client(clean_app, login, emulator, "o-dachong-organizer")
    token = csrf_of(outsider)
    sid = site["id"]
    assert "北门卡口" not in outsider.get("/console/sites").get_data(as_text=True)
    for url in (f"/console/sites/{sid}/edit", f"/console/sites/{sid}/poster", f"/console/sites/{sid}/poster/code",
                "/console/sites/999999/edit"):
        assert outsider.get(url).status_code in (403, 404), url
    haizhu = community_id(client, "haizhu")
    for url, data in (
        (f"/console/sites/{sid}/edit", {"name": "改名", "kind": "checkpoint", "version": ""}),
        (f"/console/sites/{sid}/archive", {}),
        (f"/console/sites/{sid}/unarchive", {}),
        ("/console/sites/new", {"community_id": str(haizhu), "name": "越权站点", "kind": "checkpoint"}),
    ):
        response = outsider.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (403, 404), (url, response.status_code)
    with clean_app.app_context():
        row = db.session.get(Site, sid)
        assert row.name == "北门卡口" and row.archived_at is None
        assert db.session.scalar(select(func.count()).select_from(Site).where(Site.name == "越权站点")) == 0


def test_a_resident_cannot_use_the_console_pages(clean_app, seeded, client):
    assert client.get("/console/sites").status_code == 302  # to the login page


def test_creating_a_site_and_printing_its_poster(console_login, shot, clean_app):
    page = console_login("demo-organizer")
    page.get_by_role("link", name="站点", exact=True).click()
    page.get_by_role("link", name="新建站点").click()
    page.get_by_label("站点名称").fill("西门卡口")
    page.get_by_label("类型").select_option(label="卡口")
    page.get_by_label("地址").fill("西门路口")
    page.get_by_label("网格").fill("第三网格")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#messages")).to_contain_text("已添加站点：西门卡口")
    row = page.locator("tr", has_text="西门卡口")
    expect(row).to_contain_text("海珠社区")
    expect(row).to_contain_text("使用中")
    shot(page, "sites")
    row.get_by_role("link", name="签到码海报").click()
    expect(page.locator(".poster-site")).to_have_text("西门卡口")
    expect(page.locator(".poster-community")).to_have_text("海珠社区")
    expect(page.locator(".poster-instruction")).to_have_text("微信扫码签到/签退")
    code = page.locator("img.site-code")
    expect(code).to_be_visible()
    # The image loaded: wait for its bytes rather than read naturalWidth the moment the
    # <img> is laid out (it is visible before the JPEG has arrived).
    page.wait_for_function("document.querySelector('img.site-code').naturalWidth > 0")
    assert "/api/v1/checkin-codes/s" in code.get_attribute("src")
    page.emulate_media(media="print")
    expect(page.locator(".poster-toolbar")).to_be_hidden()
    page.emulate_media(media="screen")
    shot(page, "site-poster")
