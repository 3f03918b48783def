"""Fixtures of the console's browser tests: the app served over HTTP, Debian's Chromium driven by
Playwright, and signing in through the real scan flow.

`scripts/test` installs Chromium (`apt-get install chromium`); Playwright's own browser download is
never used. Screenshots go to `build/screenshots/console/` (each run), or with
`UPDATE_SCREENSHOTS=1` to `docs/screenshots/console/` (the committed ones the README shows).
"""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# What the machine's closed network and a root user need (no sandbox, no background connections).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = ROOT / ("docs" if os.environ.get("UPDATE_SCREENSHOTS") else "build") / "screenshots" / "console"
expect.set_options(timeout=10_000)


class LiveServer:
    """The test app on a free port, served by werkzeug in a thread (several requests at once)."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="console-live-server", daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, clean_app, live_server):
    """`new_page()`: a page in a fresh browser context (its own cookies) at 1366x768."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def scanned_ticket(emulator):
    """The `scene` of the last mini-program code the console asked WeChat for: what a phone would scan."""
    codes = [code for code in emulator.codes() if code["page"] == "packageOrganizer/pages/console-login/index"]
    assert codes, "the login page asked WeChat for no code"
    return codes[-1]["scene"]


@pytest.fixture
def console_login(seeded, login, emulator, new_page):
    """`console_login(openid)`: a page signed in to the console as that user, through the scan flow: the
    browser shows the code, the user's mini-program confirms the ticket with its bearer token."""

    def sign_in(openid="demo-organizer", page=None):
        page = page or new_page()
        page.goto("/console/login")
        expect(page.locator("img.login-code")).to_be_visible()
        ticket = scanned_ticket(emulator)
        response = login(openid).post(f"/api/v1/console-logins/{ticket}/confirm")
        assert response.status_code == 200, response.get_json()
        page.wait_for_url("**/console/")
        return page

    return sign_in


@pytest.fixture
def shot():
    """`shot(page, name)`: keep a full-page screenshot of `page` as `<name>.png`."""

    def take(page, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


# --- a test client at the console (no browser) ---------------------------------------------------


def console_client(app, login, emulator, openid):
    """A test client signed in to the console as `openid`: it shows the code, the phone confirms.
    `client.csrf` is its session's CSRF token, for the forms it posts."""
    client = app.test_client()
    client.get("/console/login")
    client.get("/console/login/code.jpg")
    assert login(openid).post(f"/api/v1/console-logins/{scanned_ticket(emulator)}/confirm").status_code == 200
    client.get("/console/login/status")
    page = client.get("/console/")
    assert page.status_code == 200
    client.csrf = csrf_of(page)
    return client


def csrf_of(response):
    return re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True)).group(1)


class Console:
    """A signed-in console client that posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = client.csrf

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


@pytest.fixture
def desk(clean_app, seeded, login, emulator):
    """`desk(openid)`: a Console signed in as that user."""
    return lambda openid="demo-organizer": Console(console_client(clean_app, login, emulator, openid))
