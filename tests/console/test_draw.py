"""The console's 抽签公示 page: the commitment before the seal, salt and seed after it, the results
after the draw; only for the activity's organizers."""

from datetime import timedelta

from factories import create_activity, local
from playwright.sync_api import expect

from server.services.lottery import run_due_lotteries

CLOSES, DRAW_AT = local(days=2, hour=20), local(days=2, hour=21)


def lottery(organizer, **overrides):
    return create_activity(organizer, signup_mode="lottery", signup_closes_at=CLOSES, draw_at=DRAW_AT,
                           starts_at=local(days=4), capacity=2, **overrides)


def test_the_draw_page_shows_the_commitment_then_the_results(desk, organizer, residents, clean_app, client):
    activity = lottery(organizer)
    for person in residents(4):
        assert person.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    console = desk()
    url = f"/console/activities/{activity['id']}/draw"
    page = console.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["commitment"] in html and "封存后公开" in html and "报名中，尚未封存" in html

    with clean_app.app_context():
        run_due_lotteries(DRAW_AT + timedelta(minutes=1))
    html = console.get(url).get_data(as_text=True)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["salt"] in html and record["seed"] in html and "已开奖" in html
    assert html.count("<tr data-entry=") == 4 and html.count(">中签<") == 2 and html.count(">候补<") == 2


def test_the_draw_page_is_for_its_organizers_and_lotteries_only(desk, organizer, other_organizer, clean_app):
    activity = lottery(organizer)
    assert desk("o-dachong-organizer").get(f"/console/activities/{activity['id']}/draw").status_code == 403
    plain = create_activity(organizer)
    assert desk().get(f"/console/activities/{plain['id']}/draw").status_code == 404


def test_the_drawn_page_in_a_browser(console_login, organizer, residents, clean_app, shot):
    activity = lottery(organizer)
    for index, person in enumerate(residents(5)):
        person.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": index % 2})
    with clean_app.app_context():
        run_due_lotteries(DRAW_AT + timedelta(minutes=1))
    page = console_login()
    page.goto(f"/console/activities/{activity['id']}/draw")
    expect(page.locator("#draw-results tbody tr")).to_have_count(5)
    expect(page.locator("#draw-proof")).to_contain_text("承诺值")
    shot(page, "activity-draw")
