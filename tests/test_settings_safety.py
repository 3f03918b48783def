"""Unsafe defaults refused outside development, client addresses behind trusted proxies, and public URLs
built from PUBLIC_BASE_URL, never from the client's Host header."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT
from factories import create_activity

from server import create_app
from server.config import DEV_SECRET_KEY, UnsafeSettings

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
    "DATABASE_URL": "postgresql://volunteer@db.internal:5432/volunteer",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_API_BASE_URL": "https://api.weixin.qq.com",
    "PUBLIC_BASE_URL": "https://volunteer.example.org",
}


def test_production_settings_start():
    app = create_app(dict(PRODUCTION))
    assert app.config["APP_ENV"] == "production"


def test_production_refuses_every_development_default_at_once():
    development_defaults = {
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "WECHAT_APPID": "wx0000000000demo",
        "WECHAT_SECRET": "demo-secret",
        "WECHAT_API_BASE_URL": "http://127.0.0.1:8061",
        "PUBLIC_BASE_URL": None,
    }
    with pytest.raises(UnsafeSettings) as refused:
        create_app({**PRODUCTION, **development_defaults})
    message = str(refused.value)
    assert len(refused.value.problems) == 6
    for setting in ("SECRET_KEY", "WECHAT_APPID", "REDIS_URL", "DATABASE_URL", "WECHAT_API_BASE_URL",
                    "PUBLIC_BASE_URL"):
        assert setting in message
    assert "APP_ENV=production" in message


@pytest.mark.parametrize("setting, value, named", [
    ("SECRET_KEY", DEV_SECRET_KEY, "SECRET_KEY"),
    ("WECHAT_APPID", "wx0000000000demo", "WECHAT_APPID"),
    ("WECHAT_SECRET", "demo-secret", "WECHAT_SECRET"),
    ("REDIS_URL", None, "REDIS_URL"),
    ("DATABASE_URL", "sqlite:////tmp/app.db", "DATABASE_URL"),
    ("WECHAT_API_BASE_URL", "http://127.0.0.1:8061", "WECHAT_API_BASE_URL"),
    ("PUBLIC_BASE_URL", "http://volunteer.example.org", "PUBLIC_BASE_URL"),
    ("APP_ENV", "prod", "APP_ENV"),
    ("TRUSTED_PROXIES", -1, "TRUSTED_PROXIES"),
    ("LOG_FORMAT", "xml", "LOG_FORMAT"),
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
])
def test_each_unsafe_setting_is_named_with_its_fix(setting, value, named):
    with pytest.raises(UnsafeSettings) as refused:
        create_app({**PRODUCTION, setting: value})
    assert len(refused.value.problems) == 1
    assert named in refused.value.problems[0]


def test_development_allows_the_defaults():
    app = create_app({"APP_ENV": "development", "SECRET_KEY": DEV_SECRET_KEY, "DATABASE_URL": "sqlite://",
                      "REDIS_URL": None, "PUBLIC_BASE_URL": None, "WECHAT_API_BASE_URL": "http://127.0.0.1:1"})
    assert app.config["APP_ENV"] == "development"


def _clean_env(tmp_path):
    """The environment of a fresh deployment: no setting of the service set, no .env beside it."""
    prefixes = ("APP_", "SECRET_", "DATABASE_", "REDIS_", "WECHAT_", "PUBLIC_", "TRUSTED_", "LOG_", "TEST_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env["PYTHONPATH"] = str(ROOT)
    # Set but empty means unset, and a developer's .env cannot fill them in (the environment wins).
    for key in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_APPID", "WECHAT_SECRET",
                "WECHAT_API_BASE_URL", "PUBLIC_BASE_URL"):
        env[key] = ""
    return env


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "server.scheduler", "--once"],
    [sys.executable, "-c", "import server.wsgi"],
])
def test_web_and_scheduler_refuse_to_start_on_the_defaults(command, tmp_path):
    # APP_ENV unset means production.
    result = subprocess.run(command, cwd=tmp_path, env=_clean_env(tmp_path), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    for setting in ("SECRET_KEY", "WECHAT_APPID", "REDIS_URL", "DATABASE_URL", "PUBLIC_BASE_URL"):
        assert setting in result.stderr, result.stderr


# --- client addresses behind reverse proxies (TRUSTED_PROXIES) -------------------------------------


def _login_attempt(client, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/v1/auth/login", data="{", content_type="application/json", headers=headers).status_code


def test_behind_one_trusted_proxy_each_client_has_its_own_login_limit(clean_app, make_app):
    app = make_app(RATE_LIMIT_LOGIN="2/minute", TRUSTED_PROXIES=1)
    client = app.test_client()  # every request comes from the proxy, 127.0.0.1
    assert [_login_attempt(client, "203.0.113.7") for _ in range(3)] == [400, 400, 429]
    assert [_login_attempt(client, "198.51.100.9") for _ in range(2)] == [400, 400]
    # A client prepending its own entry cannot escape: the proxy appends the real address last.
    assert _login_attempt(client, "192.0.2.1, 203.0.113.7") == 429


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(clean_app, make_app):
    app = make_app(RATE_LIMIT_LOGIN="2/minute", TRUSTED_PROXIES=0)
    client = app.test_client()
    statuses = [_login_attempt(client, f"203.0.113.{n}") for n in range(3)]
    assert statuses == [400, 400, 429]


# --- public URLs: PUBLIC_BASE_URL, never the Host header --------------------------------------------


def test_qrcode_url_comes_from_public_base_url_not_from_a_forged_host(organizer, clean_app, monkeypatch):
    monkeypatch.setitem(clean_app.config, "PUBLIC_BASE_URL", "https://volunteer.example.org")
    activity = create_activity(organizer)
    response = organizer.client.get(f"/api/v1/activities/{activity['id']}/checkin-code",
                                    headers={**organizer.headers, "Host": "evil.example.com"})
    assert response.status_code == 200
    url = response.get_json()["qrcode_url"]
    assert url.startswith("https://volunteer.example.org/api/v1/checkin-codes/")
    assert "evil" not in url


def test_shift_qrcode_url_comes_from_public_base_url_too(organizer, clean_app, monkeypatch):
    from factories import create_site

    monkeypatch.setitem(clean_app.config, "PUBLIC_BASE_URL", "https://volunteer.example.org")
    site = create_site(organizer)
    response = organizer.client.get(f"/api/v1/sites/{site['id']}/checkin-code",
                                    headers={**organizer.headers, "Host": "evil.example.com",
                                             "X-Forwarded-Host": "evil.example.com"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["qrcode_url"].startswith("https://volunteer.example.org/api/v1/checkin-codes/")


def test_every_setting_is_explained_in_env_example():
    import re

    from server.config import load_settings

    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [key for key in load_settings() if not re.search(rf"^#?{key}=", text, re.MULTILINE)]
    assert not missing
