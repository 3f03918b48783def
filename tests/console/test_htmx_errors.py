"""An htmx request the server refuses shows its message above the page (`render_error`: HX-Retarget
#messages); it never leaves the click without an answer, and never swaps a page into the fragment."""

from playwright.sync_api import expect



def test_a_refused_phone_reveal_shows_its_message_and_no_page_in_the_fragment(console_login, login, clean_app):
    resident = login("demo-resident")
    page = console_login("demo-organizer")
    page.goto(f"/console/members/{resident.user['id']}")
    reveal = page.get_by_role("button", name="查看完整号码")
    expect(reveal).to_be_visible()
    # The person deletes their account while the page is open: the reveal is refused (404).
    assert resident.delete("/api/v1/me").status_code == 204
    page.on("dialog", lambda dialog: dialog.accept())
    reveal.click()
    expect(page.locator("#messages")).to_contain_text("用户不存在")
    expect(page.locator("#phone")).not_to_contain_text("13800000001")
    assert page.locator("#phone .layout, #phone html, #phone .sidebar").count() == 0
