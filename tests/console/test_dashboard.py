"""The dashboard (工作台): today and the coming week in the organizer's communities, in the browser and
with the test client (what each organizer sees, and what admins see)."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from factories import book, community_id, create_activity, create_shift, create_site, local
from playwright.sync_api import expect

from console.conftest import console_client


@pytest.fixture
def week(seeded, login, client, move_shift):
    """In haizhu: an activity tomorrow (5 places, 2 taken, none waiting), a shift tomorrow with 3 places on
    two posts and 1 booked, a shift that started an hour ago whose volunteer has not checked in, and
    a membership claim awaiting confirmation."""
    organizer, resident, party_member = login("demo-organizer"), login("demo-resident"), login("demo-party-member")
    activity = create_activity(organizer, title="社区读书会", capacity=5, starts_at=local(days=1, hour=15))
    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": 1}).status_code == 201
    site = create_site(organizer, name="北门卡口")
    vacant = create_shift(organizer, site, starts_at=local(days=1, hour=8), roles=[("卡口值守", 2), ("测温", 1)])
    assert book(resident, vacant).status_code == 201
    started = create_shift(organizer, create_site(organizer, name="南门测温点"), starts_at=local(days=2, hour=8), roles=[("测温", 1)])
    assert book(party_member, started).status_code == 201
    now = datetime.now(timezone.utc).replace(microsecond=0)
    move_shift(started["id"], now - timedelta(hours=1), now + timedelta(hours=3))
    claimant = login("o-claimant")
    claimant.patch("/api/v1/me", json={"community_id": community_id(client, "haizhu"), "real_name": "赵六"})
    return {"activity": activity, "vacant": vacant, "started": started}


def test_the_dashboard_shows_a_vacant_shift_in_red_and_an_activitys_places(console_login, week, shot):
    page = console_login("demo-organizer")
    expect(page.locator("h1.page-title")).to_have_text("工作台")
    activity = page.locator(f"tr[data-activity='{week['activity']['id']}']")
    expect(activity).to_contain_text("社区读书会")
    expect(activity.locator("td.num").nth(2)).to_have_text("3")  # 5 places, 2 taken (one companion)
    expect(activity.get_by_role("link", name="报名名单")).to_have_attribute(
        "href", f"/console/activities/{week['activity']['id']}/roster"
    )
    shift = page.locator(f"tr[data-shift='{week['vacant']['id']}']")
    expect(shift).to_have_class(re.compile(r"\bvacant\b"))
    expect(shift).to_contain_text("卡口值守 1/2")
    expect(shift.locator("td").first).to_have_css("color", "rgb(153, 27, 27)")  # red text on a pink row
    expect(page.locator("[data-card='vacancies'] .stat")).to_have_text("0 / 1")  # the started shift is full
    expect(page.locator("#not-checked-in")).to_contain_text("王建国")
    expect(page.locator("#not-checked-in")).to_contain_text("138****0002")
    expect(page.locator("[data-card='claims'] .stat")).to_have_text("1")
    shot(page, "dashboard")
    page.locator("[data-card='claims']").click()
    page.wait_for_url("**/console/members?status=claimed")


def test_each_organizer_sees_only_their_communities_and_admins_see_all(clean_app, login, emulator, week, other_organizer):
    mine = console_client(clean_app, login, emulator, "demo-organizer").get("/console/").get_data(as_text=True)
    assert "社区读书会" in mine and "北门卡口" in mine and "王建国" in mine
    assert "13800000002" not in mine  # masked

    theirs = console_client(clean_app, login, emulator, "o-dachong-organizer").get("/console/")
    assert theirs.status_code == 200
    text = theirs.get_data(as_text=True)
    assert "社区读书会" not in text and "北门卡口" not in text and "王建国" not in text
    assert re.search(r'data-card="claims">\s*<div class="muted">待确认居民</div>\s*<div class="stat">0</div>', text)

    everything = console_client(clean_app, login, emulator, "demo-admin").get("/console/").get_data(as_text=True)
    assert "社区读书会" in everything and "北门卡口" in everything and "海珠社区" in everything


def test_a_full_shift_and_a_cancelled_one_are_not_vacancies(clean_app, login, emulator, seeded):
    organizer, resident = login("demo-organizer"), login("demo-resident")
    site = create_site(organizer, name="东门卡口")
    full = create_shift(organizer, site, starts_at=local(days=1, hour=8), roles=[("卡口值守", 1)])
    assert book(resident, full).status_code == 201
    cancelled = create_shift(organizer, site, starts_at=local(days=1, hour=14), roles=[("卡口值守", 1)])
    assert organizer.post(f"/api/v1/shifts/{cancelled['id']}/cancel", json={"reason": "天气"}).status_code == 200
    later = create_shift(organizer, site, starts_at=local(days=9, hour=8), roles=[("卡口值守", 1)])
    text = console_client(clean_app, login, emulator, "demo-organizer").get("/console/").get_data(as_text=True)
    for shift in (full, cancelled, later):
        assert f'data-shift="{shift["id"]}"' not in text
    assert "本周的班次都已排满" in text
