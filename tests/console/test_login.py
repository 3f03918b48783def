"""Signing in to the console by scanning the mini-program code, in Debian's Chromium."""

import re

from playwright.sync_api import expect

from console.conftest import scanned_ticket



def test_an_organizer_signs_in_by_scanning_and_lands_on_the_dashboard(console_login):
    page = console_login("demo-organizer")
    expect(page.locator("h1.page-title")).to_have_text("工作台")
    expect(page.locator(".topbar .who")).to_contain_text("海珠社区")
    cookie = next(c for c in page.context.cookies() if c["name"] == "console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"


def test_the_login_page_shows_the_code_and_waits(page, seeded, emulator, shot):
    page.goto("/console/login")
    expect(page.locator("img.login-code")).to_be_visible()
    expect(page.locator("#login-status")).to_contain_text("等待手机确认")
    shot(page, "login")



def test_without_a_phone_the_emulators_scan_signs_in(page, seeded, emulator):
    """What `scripts/run` users do: the login page's 模拟扫码确认 plays the phone's part through the emulator."""
    page.goto("/console/activities")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.select_option("select[name=openid]", "demo-admin")
    page.click("text=模拟扫码确认")
    page.wait_for_url("**/console/activities")
    expect(page.locator(".topbar .who")).to_contain_text("街道管理员")


def test_a_rejection_on_the_phone_shows_on_the_screen(page, seeded, emulator, login):
    page.goto("/console/login")
    expect(page.locator("img.login-code")).to_be_visible()
    ticket = scanned_ticket(emulator)
    assert login("demo-resident").post(f"/api/v1/console-logins/{ticket}/reject").status_code == 200
    expect(page.locator("#login-status")).to_contain_text("已在手机上拒绝")
    page.click("text=重新获取二维码")
    expect(page.locator("#login-status")).to_contain_text("等待手机确认")


def test_signing_out_returns_to_the_login_page(console_login):
    page = console_login("demo-organizer")
    page.click(".topbar button:has-text('退出')")
    page.wait_for_url("**/console/login")
    expect(page.locator("#messages")).to_contain_text("已退出登录")
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login"))
