"""The console's activity form: how places are given out (先到先得 / 抽签 / 报名审核, the draw time, the hours
to claim a freed place) and the sign-up questions editor; locked fields shown read-only and kept.

Rules go through Flask's test client signed in by the real scan flow; one browser test fills the
editor like an organizer would (fields a choice does not use are hidden).
"""

import re
from datetime import timedelta

from factories import community_id, create_activity, local
from playwright.sync_api import expect
from sqlalchemy import func, select

from server.extensions import db
from server.models import Activity

FMT = "%Y-%m-%dT%H:%M"


def form(community, **overrides):
    starts = local(days=5, hour=9)
    values = {
        "community_id": str(community),
        "title": "亲子绘本会",
        "category": "women_children",
        "venue": "党群服务中心二楼",
        "starts_at": starts.strftime(FMT),
        "ends_at": (starts + timedelta(hours=2)).strftime(FMT),
        "signup_closes_at": (starts - timedelta(days=1)).strftime(FMT),
        "capacity": "20",
        "audience": "all",
        "cancel_cutoff_minutes": "0",
        "description": "一起读绘本",
        "signup_mode": "first_come",
        "claim_hours": "0",
    }
    values.update(overrides)
    return values


def question_rows(*rows):
    """Editor rows as the form sends them: (kind, label, required, options text, min, max)."""
    values = {}
    for index, (kind, label, required, options, minimum, maximum) in enumerate(rows):
        values.update({f"q-{index}-kind": kind, f"q-{index}-label": label, f"q-{index}-options": options,
                       f"q-{index}-min": minimum, f"q-{index}-max": maximum})
        if required:
            values[f"q-{index}-required"] = "true"
    return values


AGE = ("number", "孩子的年龄", True, "", "3", "12")
SIZE = ("choice", "衣服尺码", False, "S\r\nM\r\n\r\nL", "", "")


def version_in(html):
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


def stored(app, activity_id):
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        return {"signup_mode": activity.signup_mode, "draw_at": activity.draw_at, "claim_hours": activity.claim_hours,
                "questions": activity.questions, "title": activity.title}


def created_id(response):
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/activities/(\d+)/edit", response.headers["Location"]).group(1))


def test_the_form_creates_a_lottery_with_claim_hours_and_questions(desk, clean_app, client):
    console = desk()
    html = console.get("/console/activities/new").get_data(as_text=True)
    assert 'name="signup_mode" value="lottery"' in html and 'name="q-4-label"' in html and "0 表示立即确认" in html
    starts = local(days=5, hour=9)
    values = form(community_id(client, "haizhu"), signup_mode="lottery", claim_hours="12",
                  draw_at=(starts - timedelta(hours=20)).strftime(FMT),
                  # A text row that had options typed before its kind changed: the hidden options are dropped.
                  **question_rows(AGE, ("text", "", False, "", "", ""), SIZE, ("text", "过敏情况", False, "x\ny", "1", "")))
    activity_id = created_id(console.post("/console/activities/new", values))
    saved = stored(clean_app, activity_id)
    assert (saved["signup_mode"], saved["claim_hours"]) == ("lottery", 12)
    assert saved["draw_at"] is not None
    assert saved["questions"] == [
        {"id": "q1", "kind": "number", "label": "孩子的年龄", "required": True, "options": [], "min": 3, "max": 12},
        {"id": "q2", "kind": "choice", "label": "衣服尺码", "required": False, "options": ["S", "M", "L"],
         "min": None, "max": None},
        {"id": "q3", "kind": "text", "label": "过敏情况", "required": False, "options": [], "min": None, "max": None},
    ]
    html = console.get(f"/console/activities/{activity_id}/edit").get_data(as_text=True)
    assert 'name="q-1-label" value="衣服尺码"' in html
    assert "S\nM\nL</textarea>" in html
    assert re.search(r'name="signup_mode" value="lottery" checked', html)
    assert 'name="claim_hours" value="12"' in html
    assert f'href="/console/activities/{activity_id}/draw"' in html and "抽签公示" in html


def test_a_first_come_activity_has_no_draw_link_and_drops_a_hidden_draw_time(desk, clean_app, client):
    console = desk()
    values = form(community_id(client, "haizhu"), draw_at=local(days=4).strftime(FMT))
    activity_id = created_id(console.post("/console/activities/new", values))
    assert stored(clean_app, activity_id)["draw_at"] is None
    html = console.get(f"/console/activities/{activity_id}/edit").get_data(as_text=True)
    assert "抽签公示" not in html and "报名方式：先到先得" in html


def test_bad_questions_are_shown_next_to_their_row_and_nothing_is_created(desk, clean_app, client):
    console = desk()
    values = form(community_id(client, "haizhu"),
                  **question_rows(AGE, ("choice", "衣服尺码", False, "S", "", ""), ("number", "人数", False, "", "9", "2"),
                                  ("text", "孩子的年龄", False, "", "", "")))
    response = console.post("/console/activities/new", values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("questions.1.options", "questions.2.max", "questions.3.label"):
        assert f'data-field="{field}"' in html, field
    assert "单选题需要 2 到 10 个选项" in html and "最大值不能小于最小值" in html and "问题不能重复" in html
    assert 'name="q-1-options"' in html and ">S</textarea>" in html  # what was typed is shown again
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_bounds_that_are_not_whole_numbers_are_refused_and_shown_again(desk, clean_app, client):
    console = desk()
    values = form(community_id(client, "haizhu"), **question_rows(("number", "年龄", False, "", "一", "--5")))
    response = console.post("/console/activities/new", values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-field="questions.0.min"' in html and 'data-field="questions.0.max"' in html
    assert 'name="q-0-min" value="一"' in html
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_claim_hours_out_of_range_is_refused(desk, clean_app, client):
    console = desk()
    response = console.post("/console/activities/new", form(community_id(client, "haizhu"), claim_hours="169"))
    assert response.status_code == 422
    assert 'data-field="claim_hours"' in response.get_data(as_text=True)


def test_mode_is_read_only_once_published_and_kept(desk, organizer, clean_app):
    activity = create_activity(organizer, signup_mode="approval", claim_hours=2)
    console = desk()
    url = f"/console/activities/{activity['id']}/edit"
    html = console.get(url).get_data(as_text=True)
    assert 'name="signup_mode"' not in html and 'data-locked="signup_mode"' in html
    assert "活动发布后报名方式和开奖时间不能再修改" in html and "报名审核" in html
    values = form(activity["community"]["id"], version=version_in(html), signup_mode="first_come", claim_hours="6",
                  title="改过的标题")
    assert console.post(url, values).status_code == 302
    saved = stored(clean_app, activity["id"])
    assert (saved["signup_mode"], saved["claim_hours"], saved["title"]) == ("approval", 6, "改过的标题")


def test_questions_are_read_only_after_the_first_sign_up_and_kept(desk, organizer, resident, clean_app):
    activity = create_activity(organizer, questions=[{"kind": "text", "label": "过敏情况"}])
    console = desk()
    url = f"/console/activities/{activity['id']}/edit"
    html = console.get(url).get_data(as_text=True)
    assert 'name="q-0-label" value="过敏情况"' in html  # editable: nobody signed up yet
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    html = console.get(url).get_data(as_text=True)
    assert 'name="q-0-label"' not in html and 'data-locked="questions"' in html
    assert "已有人报名，报名问题不能再修改" in html and "过敏情况" in html
    # The form sends no rows (they are read-only): the questions stay, the other fields save.
    values = form(activity["community"]["id"], version=version_in(html), title="新标题")
    assert console.post(url, values).status_code == 302
    saved = stored(clean_app, activity["id"])
    assert saved["title"] == "新标题" and [q["label"] for q in saved["questions"]] == ["过敏情况"]
    # Rows forged into the post change nothing either.
    html = console.get(url).get_data(as_text=True)
    values = form(activity["community"]["id"], version=version_in(html), **question_rows(AGE))
    assert console.post(url, values).status_code == 302
    assert [q["label"] for q in stored(clean_app, activity["id"])["questions"]] == ["过敏情况"]


def test_questions_can_be_edited_and_cleared_before_anyone_signs_up(desk, organizer, clean_app):
    activity = create_activity(organizer, questions=[{"kind": "text", "label": "过敏情况"}])
    console = desk()
    url = f"/console/activities/{activity['id']}/edit"
    values = form(activity["community"]["id"], version=version_in(console.get(url).get_data(as_text=True)),
                  **question_rows(SIZE))
    assert console.post(url, values).status_code == 302
    assert [q["label"] for q in stored(clean_app, activity["id"])["questions"]] == ["衣服尺码"]
    values = form(activity["community"]["id"], version=version_in(console.get(url).get_data(as_text=True)))
    assert console.post(url, values).status_code == 302
    assert stored(clean_app, activity["id"])["questions"] == []


def test_the_roster_shows_the_answers(desk, organizer, resident):
    activity = create_activity(organizer, questions=[{"kind": "number", "label": "孩子的年龄"},
                                                     {"kind": "text", "label": "过敏情况"}])
    response = resident.post(f"/api/v1/activities/{activity['id']}/registrations",
                             json={"answers": {"q1": 6, "q2": "花生"}})
    assert response.status_code == 201
    html = desk().get(f"/console/activities/{activity['id']}/roster").get_data(as_text=True)
    assert "孩子的年龄：6" in html and "过敏情况：花生" in html


# --- in the browser -----------------------------------------------------------------------------


def test_choose_a_mode_and_ask_questions_in_the_browser(console_login, shot, clean_app):
    page = console_login("demo-organizer")
    page.goto(page.url.split("/console")[0] + "/console/activities/new")
    starts = local(days=6, hour=15)
    page.fill("input[name=title]", "亲子绘本会")
    page.fill("input[name=venue]", "海珠社区图书角")
    page.fill("input[name=starts_at]", starts.strftime(FMT))
    page.fill("input[name=ends_at]", (starts + timedelta(hours=2)).strftime(FMT))
    page.fill("input[name=signup_closes_at]", (starts - timedelta(days=1)).strftime(FMT))
    page.fill("input[name=capacity]", "30")
    draw_at = page.locator("input[name=draw_at]")
    expect(draw_at).to_be_hidden()
    page.check("input[name=signup_mode][value=lottery]")
    expect(draw_at).to_be_visible()
    draw_at.fill((starts - timedelta(hours=20)).strftime(FMT))
    page.fill("input[name=claim_hours]", "12")

    options = page.locator("textarea[name=q-0-options]")
    expect(options).to_be_hidden()
    page.select_option("select[name=q-0-kind]", "choice")
    expect(options).to_be_visible()
    page.fill("input[name=q-0-label]", "参加的孩子年级")
    options.fill("幼儿园\n一年级\n二年级")
    page.check("input[name=q-0-required]")
    page.select_option("select[name=q-1-kind]", "number")
    expect(page.locator("input[name=q-1-min]")).to_be_visible()
    page.fill("input[name=q-1-label]", "同行孩子人数")
    page.fill("input[name=q-1-min]", "1")
    page.fill("input[name=q-1-max]", "3")
    page.fill("input[name=q-2-label]", "过敏或特殊情况")
    shot(page, "activity-form-modes")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.locator("#messages")).to_contain_text("已创建活动草稿")
    expect(page.locator("#mode-summary")).to_contain_text("抽签")
    expect(page.locator("#draw-link")).to_have_text("抽签公示 →")
    with clean_app.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.title == "亲子绘本会"))
        assert activity.signup_mode == "lottery" and activity.claim_hours == 12
        assert [(q["kind"], q["label"], q["required"]) for q in activity.questions] == [
            ("choice", "参加的孩子年级", True), ("number", "同行孩子人数", False), ("text", "过敏或特殊情况", False)]
        assert activity.questions[0]["options"] == ["幼儿园", "一年级", "二年级"]
    page.get_by_role("button", name="发布活动").click()
    expect(page.locator("#messages")).to_contain_text("已发布")
    expect(page.locator("[data-locked=signup_mode]")).to_contain_text("活动发布后报名方式和开奖时间不能再修改")
    expect(page.locator("input[name=q-0-label]")).to_have_value("参加的孩子年级")  # nobody signed up yet
    shot(page, "activity-edit-lottery")


def test_hostile_question_rows_are_refused_cleanly(desk, clean_app, client):
    console = desk()
    haizhu = community_id(client, "haizhu")
    for rows in (
        question_rows(("text", "a\x00b", False, "", "", "")),
        question_rows(("date", "日期", False, "", "", "")),
        question_rows(("choice", "尺码", False, "\n".join(["很长" * 20, "M"]), "", "")),
        question_rows(("choice", "尺码", False, "\n".join(str(i) for i in range(11)), "", "")),
        question_rows(("number", "年龄", False, "", "9" * 5000, "")),
        {**form(haizhu), "signup_mode": "raffle"},
        {**form(haizhu), "claim_hours": "-1"},
        {**form(haizhu), "claim_hours": "--3"},  # not a number, whatever int() makes of dashes
        {**form(haizhu), "capacity": "9" * 5000},  # past what Python turns into an int
    ):
        response = console.post("/console/activities/new", {**form(haizhu), **rows})
        assert response.status_code == 422, rows
    # Rows past the fifth are not read at all.
    values = form(haizhu, **{"q-5-kind": "text", "q-5-label": "第六题"})
    activity_id = created_id(console.post("/console/activities/new", values))
    assert stored(clean_app, activity_id)["questions"] == []
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 1
