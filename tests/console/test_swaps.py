"""Swaps (换班) on the console's shift page: offers, claims waiting for approval with 通过 / 不通过, and who
took which place; in a real browser (the screenshot) and with the test client (a reason is required,
a refused approval re-renders the page, another community's organizer is refused)."""

import pytest
from factories import book, create_shift, create_site, local
from playwright.sync_api import expect


@pytest.fixture
def near_start(clean_app):
    """Every claim waits for approval (the shift starts within SWAP_APPROVAL_HOURS)."""
    clean_app.config["SWAP_APPROVAL_HOURS"] = 24 * 7
    yield
    clean_app.config["SWAP_APPROVAL_HOURS"] = 24


def plan_swaps(organizer, residents):
    """北门卡口 in 2 days: 张三 offered his place and 王五 claimed it (pending); 李四 offers hers to anyone."""
    shift = create_shift(organizer, create_site(organizer), starts_at=local(days=2, hour=8),
                         roles=[("登记", 2), ("测温", 1)])
    first, second, third = residents(3)
    for person, name in ((first, "张三"), (second, "李四"), (third, "王五")):
        person.patch("/api/v1/me", json={"real_name": name})
    pending = first.post(f"/api/v1/shift-bookings/{book(first, shift, 0).get_json()['id']}/swap", json={}).get_json()
    assert third.post(f"/api/v1/shift-swaps/{pending['id']}/claim").get_json()["status"] == "pending"
    offer = second.post(f"/api/v1/shift-bookings/{book(second, shift, 1).get_json()['id']}/swap", json={}).get_json()
    return shift, pending, offer, (first, second, third)


def test_the_shift_page_lists_swaps_and_approves_a_claim(console_login, organizer, residents, near_start, shot):
    shift, pending, offer, (first, _, third) = plan_swaps(organizer, residents)
    page = console_login("demo-organizer")
    page.goto(f"/console/shifts/{shift['id']}")
    card = page.locator("#shift-swaps")
    expect(card.locator("tbody tr")).to_have_count(2)
    row = card.locator(f"tr[data-swap-id='{pending['id']}']")
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("张三")
    expect(row).to_contain_text("王五")
    expect(card.locator(f"tr[data-swap-id='{offer['id']}']")).to_contain_text("任何符合条件的志愿者")
    shot(page, "shift-swaps")
    row.get_by_role("button", name="通过", exact=True).click()
    expect(page.locator(".flash, .alert").first).to_contain_text("王五接替张三")
    expect(page.locator(f"#shift-swaps tr[data-swap-id='{pending['id']}']")).to_contain_text("已换班")
    expect(page.locator("#shift-bookings")).to_contain_text("王五")
    expect(page.locator("#shift-bookings")).not_to_contain_text("张三")
    assert [b["shift_id"] for b in third.get("/api/v1/me/shifts").get_json()["items"]] == [shift["id"]]
    assert first.get("/api/v1/me/shifts").get_json()["items"] == []


def test_reject_needs_a_reason_and_tells_why(desk, organizer, residents, near_start):
    shift, pending, _, (first, _, _) = plan_swaps(organizer, residents)
    console = desk()
    blank = console.post(f"/console/swaps/{pending['id']}/reject", data={"reason": " "})
    assert blank.status_code == 422 and "请填写不同意的原因" in blank.get_data(as_text=True)
    done = console.post(f"/console/swaps/{pending['id']}/reject", data={"reason": "接班人未培训"})
    assert done.status_code == 302
    page = console.get(f"/console/shifts/{shift['id']}").get_data(as_text=True)
    assert "未通过" in page and "接班人未培训" in page
    again = console.post(f"/console/swaps/{pending['id']}/approve")
    assert again.status_code == 409 and "不在待审核状态" in again.get_data(as_text=True)
    assert [b["shift_id"] for b in first.get("/api/v1/me/shifts").get_json()["items"]] == [shift["id"]]


def test_a_refused_approval_renders_the_rule(desk, organizer, residents, near_start):
    shift, pending, _, (_, _, third) = plan_swaps(organizer, residents)
    clash = create_shift(organizer, create_site(organizer, name="南门卡口"), starts_at=local(days=2, hour=9))
    assert book(third, clash).status_code == 201
    refused = desk().post(f"/console/swaps/{pending['id']}/approve")
    assert refused.status_code == 409
    assert "王五与其已预约的南门卡口" in refused.get_data(as_text=True)


def test_another_communitys_organizer_is_refused(desk, organizer, residents, other_organizer, near_start):
    _, pending, _, _ = plan_swaps(organizer, residents)
    console = desk("o-dachong-organizer")
    assert console.post(f"/console/swaps/{pending['id']}/approve").status_code == 404
    assert console.post(f"/console/swaps/{pending['id']}/reject", data={"reason": "不行"}).status_code == 404


def test_the_duty_roster_lists_the_days_swaps_with_a_link_to_decide(desk, organizer, residents, near_start):
    shift, pending, offer, _ = plan_swaps(organizer, residents)
    page = desk().get(f"/console/duty-roster?date={local(days=2).date().isoformat()}").get_data(as_text=True)
    assert "换班（1 个待审核）" in page
    assert f'data-swap-id="{pending["id"]}"' in page and f'data-swap-id="{offer["id"]}"' in page
    assert f'/console/shifts/{shift["id"]}#shift-swaps">去审核' in page
    assert "王五" in page and "任何符合条件的志愿者" in page
    other_day = desk().get(f"/console/duty-roster?date={local(days=3).date().isoformat()}").get_data(as_text=True)
    assert "换班（" not in other_day
