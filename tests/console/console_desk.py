"""Signing a Flask test client in to the console (the real scan flow) and posting its forms with CSRF."""

import re

import pytest


def console_client(app, login, emulator, openid):
    """A test client signed in to the console as `openid`: it shows the code, the phone confirms."""
    client = app.test_client()
    client.get("/console/login")
    client.get("/console/login/code.jpg")
    codes = [code for code in emulator.codes() if code["page"] == "packageOrganizer/pages/console-login/index"]
    ticket = codes[-1]["scene"]
    assert login(openid).post(f"/api/v1/console-logins/{ticket}/confirm").status_code == 200
    client.get("/console/login/status")
    assert client.get("/console/").status_code == 200
    return client


def csrf_of(response):
    return re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True)).group(1)


class Console:
    """A signed-in console client that posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = csrf_of(client.get("/console/"))

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


@pytest.fixture
def desk(clean_app, seeded, login, emulator):
    """`desk(openid)`: a Console signed in as that user."""
    return lambda openid="demo-organizer": Console(console_client(clean_app, login, emulator, openid))
