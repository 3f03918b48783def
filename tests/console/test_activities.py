"""Activities in the console: the list, create, edit (stale forms refused), publish, cancel, duplicate.

Rules go through Flask's test client signed in by the real scan flow; one browser test creates and
publishes an activity like an organizer would.
"""

import re
from datetime import timedelta

import pytest
from factories import community_id, create_activity, local
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import Activity



def count_activities(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Activity))


def form(community, **overrides):
    starts = local(days=5, hour=9)
    values = {
        "community_id": str(community),
        "title": "社区读书会",
        "category": "culture",
        "venue": "党群服务中心二楼",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "audience": "all",
        "cancel_cutoff_minutes": "60",
        "waitlist_enabled": "true",
        "waitlist_enabled__present": "1",
        "description": "一起读书",
    }
    values.update(overrides)
    return values


def version_in(html):
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_drafts_and_filters(desk, organizer, client):
    published = create_activity(organizer, title="周末党课")
    draft = create_activity(organizer, title="草稿里的义诊", publish=False)
    console = desk()
    html = console.get("/console/activities").get_data(as_text=True)
    assert "周末党课" in html and "草稿里的义诊" in html and "0/5" in html
    html = console.get("/console/activities?status=draft").get_data(as_text=True)
    assert "草稿里的义诊" in html and "周末党课" not in html
    html = console.get("/console/activities?q=义诊").get_data(as_text=True)
    assert "草稿里的义诊" in html and "周末党课" not in html
    day = local(days=3).date().isoformat()
    html = console.get(f"/console/activities?date_from={day}&date_to={day}&category=party_lesson").get_data(as_text=True)
    assert "周末党课" in html
    # A hand-edited bad filter is ignored, never a 5xx.
    assert console.get("/console/activities?date_from=nope&status=x&community_id=-1&page=abc").status_code == 200
    assert published["id"] and draft["id"]


# --- create, edit, publish, cancel, duplicate ---------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": ""}, "title"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "很多"}, "capacity"),
        ({"category": "party"}, "category"),
        ({"starts_at": "明天"}, "starts_at"),
        ({"community_id": ""}, "community_id"),
        ({"ends_at": local(days=5, hour=8).strftime("%Y-%m-%dT%H:%M")}, "ends_at"),
        ({"starts_at": local(days=-2, hour=9).strftime("%Y-%m-%dT%H:%M"),
          "ends_at": local(days=-2, hour=11).strftime("%Y-%m-%dT%H:%M")}, "starts_at"),
    ],
)
def test_bad_create_forms_rerender_with_chinese_errors_and_save_nothing(desk, clean_app, client, overrides, field):
    console = desk()
    before = count_activities(clean_app)
    response = console.post("/console/activities/new", form(community_id(client, "haizhu"), **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<div class="field-error" data-field="{field}">([^<]+)</div>', html)
    assert error and re.search(r"[\u4e00-\u9fff]", error.group(1)), html
    assert 'value="社区读书会"' in html or field == "title"  # what was typed is kept
    assert count_activities(clean_app) == before


def test_create_edit_publish_cancel(desk, clean_app, client, messages):
    console = desk()
    response = console.post("/console/activities/new", form(community_id(client, "haizhu")))
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    activity_id = int(re.search(r"/activities/(\d+)/edit", edit_url).group(1))
    html = console.get(edit_url).get_data(as_text=True)
    assert "已创建活动草稿" in html and "草稿" in html
    response = console.post(edit_url, form(community_id(client, "haizhu"), title="社区读书会（改）", version=version_in(html)))
    assert response.status_code == 302
    assert console.post(f"/console/activities/{activity_id}/publish").status_code == 302
    html = console.get(edit_url).get_data(as_text=True)
    assert "社区读书会（改）" in html and "报名中" in html
    # Cancelling needs a reason.
    response = console.post(f"/console/activities/{activity_id}/cancel", {"reason": ""})
    assert response.status_code == 422 and 'data-field="reason"' in response.get_data(as_text=True)
    assert console.post(f"/console/activities/{activity_id}/cancel", {"reason": "场地维修"}).status_code == 302
    with clean_app.app_context():
        activity = db.session.get(Activity, activity_id)
        assert (activity.status, activity.cancel_reason) == ("cancelled", "场地维修")


def test_a_stale_edit_form_is_refused_and_nothing_saved(desk, organizer, clean_app):
    activity = create_activity(organizer, title="旧标题")
    console = desk()
    html = console.get(f"/console/activities/{activity['id']}/edit").get_data(as_text=True)
    stale = version_in(html)
    # Someone else changes it meanwhile (the mini-program).
    assert organizer.patch(f"/api/v1/activities/{activity['id']}", json={"venue": "新地点"}).status_code == 200
    values = form(activity["community"]["id"], title="我的新标题", version=stale)
    response = console.post(f"/console/activities/{activity['id']}/edit", values)
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in response.get_data(as_text=True)
    with clean_app.app_context():
        row = db.session.get(Activity, activity["id"])
        assert (row.title, row.venue) == ("旧标题", "新地点")


@pytest.mark.parametrize("overrides, field", [({"title": ""}, "title"), ({"capacity": "-3"}, "capacity"),
                                              ({"audience": "everyone"}, "audience"), ({"ends_at": "昨天"}, "ends_at")])
def test_bad_edit_forms_rerender_with_chinese_errors_and_save_nothing(desk, organizer, clean_app, overrides, field):
    activity = create_activity(organizer, title="原标题")
    console = desk()
    url = f"/console/activities/{activity['id']}/edit"
    html = console.get(url).get_data(as_text=True)
    values = form(activity["community"]["id"], title="新标题", version=version_in(html))
    response = console.post(url, {**values, **overrides})
    assert response.status_code == 422
    error = re.search(rf'<div class="field-error" data-field="{field}">([^<]+)</div>', response.get_data(as_text=True))
    assert error and re.search(r"[\u4e00-\u9fff]", error.group(1))
    with clean_app.app_context():
        assert db.session.get(Activity, activity["id"]).title == "原标题"


def test_edit_keeps_the_move_rules(desk, organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=3)
    for person in residents(2):
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    console = desk()
    url = f"/console/activities/{activity['id']}/edit"
    html = console.get(url).get_data(as_text=True)
    response = console.post(url, form(activity["community"]["id"], title=activity["title"], capacity="1",
                                      version=version_in(html)))
    assert response.status_code == 409
    assert "容量不能低于此数" in response.get_data(as_text=True)
    with clean_app.app_context():
        assert db.session.get(Activity, activity["id"]).capacity == 3


def test_duplicate_to_a_new_date_makes_a_draft_with_shifted_times(desk, organizer, clean_app):
    activity = create_activity(organizer, title="月度党课", starts_at=local(days=3, hour=14),
                               signup_closes_at=local(days=3, hour=12))
    console = desk()
    new_day = local(days=10).date()
    response = console.post(f"/console/activities/{activity['id']}/duplicate", {"date": new_day.isoformat()})
    assert response.status_code == 302
    copy_id = int(re.search(r"/activities/(\d+)/edit", response.headers["Location"]).group(1))
    with clean_app.app_context():
        original, copy = db.session.get(Activity, activity["id"]), db.session.get(Activity, copy_id)
        assert copy.status == "draft" and copy.title == "月度党课" and copy.capacity == original.capacity
        assert copy.starts_at - original.starts_at == timedelta(days=7)
        assert copy.ends_at - original.ends_at == timedelta(days=7)
        assert copy.signup_closes_at - original.signup_closes_at == timedelta(days=7)
    # A date in the past, or none, is refused on the duplicate form; nothing is created.
    before = count_activities(clean_app)
    for bad in ("", "2020-01-01", "不是日期"):
        response = console.post(f"/console/activities/{activity['id']}/duplicate", {"date": bad})
        assert response.status_code == 422, bad
        assert 'data-field="date"' in response.get_data(as_text=True)
    assert count_activities(clean_app) == before


def test_an_organizer_of_another_community_gets_403_or_404_everywhere(desk, organizer, other_organizer, clean_app):
    published = create_activity(organizer)
    draft = create_activity(organizer, publish=False)
    console = desk("o-dachong-organizer")
    html = console.get("/console/activities").get_data(as_text=True)
    assert published["title"] not in html
    before = count_activities(clean_app)
    for activity in (published, draft):
        base = f"/console/activities/{activity['id']}"
        for url in (f"{base}/edit", f"{base}/roster", f"{base}/roster/export?format=csv"):
            assert console.get(url).status_code in (403, 404), url
        for url, data in (
            (f"{base}/edit", form(activity["community"]["id"], version="x")),
            (f"{base}/publish", {}),
            (f"{base}/cancel", {"reason": "x"}),
            (f"{base}/duplicate", {"date": local(days=9).date().isoformat()}),
            (f"{base}/roster/walk-ins", {"name": "张三", "companions": "0"}),
            (f"{base}/roster/1/check-in", {}),
            (f"{base}/roster/1/cancel", {"reason": "x"}),
        ):
            response = console.post(url, data)
            assert response.status_code in (403, 404), (url, response.status_code)
            assert "<html" in response.get_data(as_text=True)
    # Creating in a community they do not organize.
    response = console.post("/console/activities/new", form(published["community"]["id"]))
    assert response.status_code == 403
    assert count_activities(clean_app) == before
    with clean_app.app_context():
        assert db.session.get(Activity, draft["id"]).status == "draft"
        assert db.session.get(Activity, published["id"]).status == "published"


def test_forms_without_csrf_are_refused(desk, organizer, client, clean_app):
    console = desk()
    before = count_activities(clean_app)
    response = console.client.post("/console/activities/new", data=form(community_id(client, "haizhu")))
    assert response.status_code == 400
    assert count_activities(clean_app) == before


# --- in the browser -----------------------------------------------------------------------------


def test_create_and_publish_an_activity_in_the_browser(console_login, shot, clean_app):
    page = console_login("demo-organizer")
    page.get_by_role("link", name="活动").first.click()
    expect(page.locator("h1.page-title")).to_have_text("活动")
    page.get_by_role("link", name="新建活动").click()
    starts = local(days=4, hour=15)
    page.fill("input[name=title]", "重阳节敬老包饺子")
    page.select_option("select[name=category]", "elderly")
    page.fill("input[name=venue]", "海珠社区活动室")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=ends_at]", (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=capacity]", "40")
    page.fill("textarea[name=description]", "和社区长者一起包饺子")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.locator("#messages")).to_contain_text("已创建活动草稿")
    shot(page, "activity-edit")
    page.get_by_role("button", name="发布活动").click()
    expect(page.locator("#messages")).to_contain_text("已发布")
    expect(page.locator("h1.page-title")).to_contain_text("报名中")
    page.get_by_role("link", name="活动").first.click()
    row = page.locator("table.activities tbody tr", has_text="重阳节敬老包饺子")
    expect(row).to_contain_text("0/40")
    expect(row).to_contain_text("报名中")
    shot(page, "activities")
    with clean_app.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.title == "重阳节敬老包饺子"))
        assert activity.status == "published" and activity.capacity == 40
