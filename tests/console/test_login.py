"""Signing in to the console by scanning the mini-program code, in Debian's Chromium."""


from playwright.sync_api import expect



def test_an_organizer_signs_in_by_scanning_and_lands_on_the_dashboard(console_login, shot):
    page = console_login("demo-organizer")
    expect(page.locator("h1.page-title")).to_have_text("工作台")
    expect(page.locator(".topbar .who")).to_contain_text("海珠社区")
    cookie = next(c for c in page.context.cookies() if c["name"] == "console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
    shot(page, "dashboard")


def test_the_login_page_shows_the_code_and_waits(page, seeded, emulator, shot):
    page.goto("/console/login")
    expect(page.locator("img.login-code")).to_be_visible()
    expect(page.locator("#login-status")).to_contain_text("等待手机确认")
    shot(page, "login")

