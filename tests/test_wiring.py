"""`create_app` wires every subsystem by an explicit call, once however many apps are built, and
uses only the public extension points of the libraries (with a loud test where it leans on one)."""

import subprocess
import sys

import pytest
from flask import Flask, g
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from werkzeug.exceptions import BadRequest, HTTPException

from server import _sqlite_pragmas, create_app, errors
from server.api.security import RequestGlobals
from server.extensions import db
from server.models import Community, User
from server.services import cache

from conftest import ROOT


def _cache_version(app, namespace):
    with app.app_context():
        return int(app.extensions["redis"].get(f"cache:{namespace}:version") or 0)


def test_the_session_listeners_are_there_once_however_many_apps_were_built(clean_app, make_app):
    make_app()
    make_app()
    with clean_app.app_context():
        # SQLAlchemy has no public count of listeners; a session's `dispatch` collections hold them.
        dispatch = db.session().dispatch
        assert [len(getattr(dispatch, name)) for name, _ in cache.SESSION_LISTENERS] == [1, 1, 1]


def test_a_commit_bumps_the_cache_version_once(clean_app, make_app):
    make_app()
    with clean_app.app_context():
        clean_app.extensions["redis"].set("cache:activities:version", 5)
    before = _cache_version(clean_app, "activities")
    with clean_app.app_context():
        db.session.add(Community(code="wiring", name="接线社区"))
        db.session.commit()
    assert _cache_version(clean_app, "activities") != before


def test_each_bump_gives_a_version_never_held_before(clean_app):
    """`cache._bump`'s invariant, also when Redis lost the versions (flushed) or came back with older
    ones (a restored snapshot): a page stored under any earlier version is never current again."""
    keys = ["cache:activities:version", "cache:stats:version"]
    with clean_app.app_context():
        redis_client = clean_app.extensions["redis"]
        seen = set()

        def bump():
            cache.mark_changed(db.session, "activities")  # and `stats`
            db.session.commit()
            values = redis_client.mget(keys)
            assert None not in values and not seen & set(values), (values, seen)
            seen.update(values)

        for _ in range(2):
            redis_client.delete(*keys)  # lost
            for _ in range(3):
                bump()
            redis_client.mset(dict(zip(keys, sorted(seen)[:2])))  # an older state restored
            bump()


def test_the_session_listeners_are_registered_by_create_app_not_by_importing_the_module():
    # A fresh interpreter: importing the cache module alone must not register anything.
    script = (
        "from sqlalchemy import event\n"
        "from server.extensions import db\n"
        "from server.services import cache\n"
        "print(any(event.contains(db.session, name, fn) for name, fn in cache.SESSION_LISTENERS))\n"
        "from server import create_app\n"
        "create_app({'APP_ENV': 'development', 'SECRET_KEY': 'x' * 32, 'DATABASE_URL': 'sqlite://'})\n"
        "print(all(event.contains(db.session, name, fn) for name, fn in cache.SESSION_LISTENERS))\n"
        "from server import _sqlite_pragmas\n"
        "from sqlalchemy.engine import Engine\n"
        "print(event.contains(Engine, 'connect', _sqlite_pragmas))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_the_schedulers_app_is_the_web_apps_settings_and_extensions_without_http():
    """`create_app(serve_http=False)` (`python -m server.scheduler`): every setting the web app has, the
    same value, and the extensions the scheduler's jobs use; no API or console route, no migrations."""
    config = {"APP_ENV": "development", "SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://"}
    web, scheduler = create_app(dict(config)), create_app(dict(config), serve_http=False)
    # The console sets its session cookie's settings when it is registered: the scheduler has no console.
    console = {key for key in web.config if key.startswith(("SESSION_", "PERMANENT_SESSION"))}
    differing = {key for key, value in scheduler.config.items() if web.config.get(key, object()) != value}
    assert differing <= console
    assert {"sqlalchemy", "redis", "wechat"} <= set(scheduler.extensions) < set(web.extensions)
    assert "migrate" in web.extensions and "migrate" not in scheduler.extensions
    assert [rule.rule for rule in scheduler.url_map.iter_rules()] == ["/metrics"]


def test_the_listeners_are_the_ones_registered(app):
    for name, listener in cache.SESSION_LISTENERS:
        assert event.contains(db.session, name, listener)
    assert event.contains(Engine, "connect", _sqlite_pragmas)


def test_sqlite_connections_enforce_foreign_keys(app, tmp_path):
    # Any SQLite engine, whichever database the suite runs on: the listener is registered by create_app.
    engine = create_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


# --- no per-request hooks: rate limiting runs only in the view it limits --------------------------


def test_no_app_wide_request_hooks_are_registered(app):
    """Except the one body check (`server.api.check_request_body`): every request that carries a
    body must be refused before a view runs when it is not JSON, whichever view it names; and the
    console's CSRF check, which must run before every console POST, whichever view it names."""
    from server.api import check_request_body
    from server.web import _check_csrf

    assert app.before_request_funcs == {None: [check_request_body], "console": [_check_csrf]}
    assert not any(app.after_request_funcs.values())
    assert not any(app.teardown_request_funcs.values())


def test_login_responses_carry_the_rate_limit_headers_and_other_responses_do_not(client):
    login = client.post("/api/v1/auth/login", json={"code": 123})
    assert login.status_code == 422
    assert login.headers["X-RateLimit-Limit"] == "1000"
    assert login.headers["X-RateLimit-Remaining"] == "999"
    assert int(login.headers["X-RateLimit-Reset"]) > 0 and 0 <= int(login.headers["Retry-After"]) <= 61
    assert "X-RateLimit-Limit" not in client.get("/api/v1/communities").headers


def test_over_the_limit_the_login_answers_429_with_retry_after(clean_app, make_app):
    client = make_app(RATE_LIMIT_LOGIN="1/minute;100/hour").test_client()
    assert client.post("/api/v1/auth/login", data="{", content_type="application/json").status_code == 400
    response = client.post("/api/v1/auth/login", data="{", content_type="application/json")
    assert response.status_code == 429
    assert response.get_json() == {"error": "rate_limited", "message": "请求过于频繁，请稍后再试（1 per 1 minute）"}
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(response.headers["Retry-After"]) <= 61


# --- flask-smorest: its HTTPException handler is ours ---------------------------------------------


def test_every_http_exception_is_answered_by_the_one_handler(app):
    handler = app.error_handler_spec[None][None][HTTPException]
    assert handler is errors.handle_http_exception
    # flask-smorest registers its Api's public `handle_http_exception`; ours answers the contract's body.
    smorest_api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with app.test_request_context():
        body, status, _ = smorest_api.handle_http_exception(BadRequest())
    assert (body["error"], status) == ("bad_request", 400)


# --- g.user: Flask's documented app_ctx_globals_class ---------------------------------------------


def test_g_is_request_globals_built_on_flasks_own_class(app):
    assert app.app_ctx_globals_class is RequestGlobals
    assert issubclass(RequestGlobals, Flask.app_ctx_globals_class)
    with app.app_context():
        assert isinstance(g._get_current_object(), RequestGlobals)
        g.answer = 42
        assert "answer" in g and g.get("answer") == 42 and g.get("missing", "default") == "default"
        with pytest.raises(AttributeError):
            g.missing  # noqa: B018


def test_g_user_is_loaded_on_first_read_and_only_then(seeded, app):
    with app.test_request_context():
        user_id = db.session.scalar(select(User.id).where(User.openid == "demo-resident"))
        db.session.expunge_all()
        g.user_id = user_id
        assert "user" not in g
        assert g.user.id == user_id and g.user.openid == "demo-resident"
        assert "user" in g
        db.session.remove()


def test_g_user_of_an_anonymous_request_is_an_attribute_error(app):
    with app.test_request_context():
        with pytest.raises(AttributeError):
            g.user  # noqa: B018
