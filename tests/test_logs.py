"""Logging (server/logs.py): request ids, one format for web and scheduler, JSON lines, WeChat errcodes and
token refreshes logged, and no personal data in any line."""

import io
import json
import logging
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ROOT, Session
from factories import create_activity
from sqlalchemy import select

from server import logs
from server.extensions import db
from server.models import User


@contextmanager
def captured_logs(log_format="text"):
    """Every record logged meanwhile, formatted by the service's own formatter and filter."""
    stream = io.StringIO()
    handler = logs.make_handler(stream, log_format)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# --- request ids ---------------------------------------------------------------------------------


def test_a_request_id_is_generated_and_answered(client):
    response = client.get("/api/v1/communities")
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    assert client.get("/api/v1/communities").headers["X-Request-ID"] != rid


def test_a_sane_request_id_is_kept_even_on_errors(client):
    assert client.get("/api/v1/communities", headers={"X-Request-ID": "lb-7f3a.9:x_y"}).headers["X-Request-ID"] == \
        "lb-7f3a.9:x_y"
    missing = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "abc-123"})
    assert missing.status_code == 404 and missing.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("insane", ["x" * 65, "has space", "semi;colon", "新", "a\"b", ""])
def test_an_insane_request_id_is_replaced(client, insane):
    rid = client.get("/api/v1/communities", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
    assert rid != insane and len(rid) == 32


def test_every_line_of_a_request_carries_its_id_the_error_handlers_included(clean_app, make_app):
    app = make_app()
    log = logging.getLogger("server.test")

    @app.route("/api/v1/_test/boom")
    def boom():
        log.info("before the failure")
        raise RuntimeError("something broke")

    with captured_logs() as stream:
        response = app.test_client().get("/api/v1/_test/boom", headers={"X-Request-ID": "req-42"})
        log.info("outside any request")
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "req-42"
    lines = stream.getvalue().splitlines()
    request_lines = [line for line in lines if "[req-42]" in line]
    assert any("before the failure" in line for line in request_lines)
    assert any("server.errors" in line and "unhandled error" in line for line in request_lines)
    assert any("outside any request" in line and "[-]" in line for line in lines)
    # Timestamp, level, logger, request id, message.
    first = request_lines[0].split(" ", 4)
    assert datetime.fromisoformat(first[0]).tzinfo is not None
    assert first[1:4] == ["INFO", "server.test", "[req-42]"]


def test_json_lines(clean_app, make_app):
    app = make_app()

    @app.route("/api/v1/_test/log")
    def log_something():
        logging.getLogger("server.test").warning("签到 %s", 3)
        return {}

    with captured_logs("json") as stream:
        app.test_client().get("/api/v1/_test/log", headers={"X-Request-ID": "json-1"})
    [line] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert set(line) == {"time", "level", "logger", "request_id", "message"}
    assert (line["level"], line["logger"], line["request_id"], line["message"]) == (
        "WARNING", "server.test", "json-1", "签到 3")
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)


def test_scrub_removes_what_must_not_be_logged():
    text = ("call 13912345678 or +86 13812345678; GET /sns/jscode2session?appid=wx1&secret=s3cr3t&js_code=abc "
            "/cgi-bin/message/subscribe/send?access_token=TOKEN123 /api/v1/checkin-codes/a1.xyz.jpg "
            "?q=张秀英&page=2 DETAIL:  Key (openid)=(o-secret-openid) already exists. errcode=40001 id 12345678901234")
    scrubbed = logs.scrub(text)
    for secret in ("13912345678", "13812345678", "s3cr3t", "abc", "TOKEN123", "a1.xyz", "张秀英", "o-secret-openid"):
        assert secret not in scrubbed
    assert "errcode=40001" in scrubbed and "12345678901234" in scrubbed and "page=2" in scrubbed


# --- no personal data -------------------------------------------------------------------------------


def test_no_personal_data_in_the_logs_of_login_phone_binding_signup_and_an_error(
        organizer, clean_app, make_app, emulator):
    phone, real_name, openid = "13987654321", "张秀英", "o-privacy-resident"
    activity = create_activity(organizer)
    app = make_app()

    @app.route("/api/v1/_test/fail")
    def fail():
        # A careless exception message: the formatter still keeps the number out.
        raise RuntimeError(f"could not notify {phone}")

    client = app.test_client()
    with captured_logs() as text, captured_logs("json") as json_lines:
        code = emulator.mint_login_code(openid=openid)["code"]
        login = client.post("/api/v1/auth/login", json={"code": code})
        assert login.status_code == 200
        session = Session(client, login.get_json()["token"], login.get_json()["user"])
        assert session.patch("/api/v1/me", json={"real_name": real_name}).status_code == 200
        # WeChat rejects the stored access token once: the errcode and the refresh are logged.
        emulator.invalidate_tokens()
        emulator.inject_fault("/wxa/business/getuserphonenumber", errcode=40029)
        bad = session.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code(phone)["code"]})
        assert bad.status_code == 422
        bound = session.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code(phone)["code"]})
        assert bound.status_code == 200
        signup = session.post(f"/api/v1/activities/{activity['id']}/registrations",
                              json={"remark": f"{real_name} 电话 {phone}"})
        assert signup.status_code == 201, signup.get_json()
        assert client.get("/api/v1/_test/fail", headers=session.headers).status_code == 500
    with app.app_context():
        session_key = db.session.scalar(select(User.session_key).where(User.openid == openid))
        access_token = app.extensions["wechat"].client.access_token
    output = text.getvalue() + json_lines.getvalue()
    assert "errcode=40001" in output and "errcode=40029" in output
    assert "access token refreshed" in output
    assert "unhandled error" in output
    for secret in (phone, real_name, openid, session.token, session_key, access_token):
        assert secret and secret not in output, f"{secret!r} was logged"


def test_a_scheduler_tick_logs_with_its_own_id_and_no_openid(organizer, clean_app, login, emulator):
    from server.scheduler import tick

    session = login("o-tick-subscriber")
    emulator.accept_subscription("o-tick-subscriber", "tmpl-activity-reminder")
    session.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder"]})
    activity = create_activity(organizer, starts_at=datetime.now(timezone.utc) + timedelta(minutes=30))
    assert session.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=43101)
    with captured_logs() as stream:
        tick(clean_app, "test-worker", threading.Event())
    lines = stream.getvalue().splitlines()
    assert any("errcode=43101" in line for line in lines)
    assert lines and all("[tick-" in line for line in lines)
    assert "o-tick-subscriber" not in stream.getvalue()


# --- the process-wide configuration ----------------------------------------------------------------


def test_the_scheduler_process_writes_json_lines(database_url, emulator_server, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "REDIS_", "WECHAT_", "LOG_", "APP_"))}
    env.update({"PYTHONPATH": str(ROOT), "APP_ENV": "development", "DATABASE_URL": database_url,
                "WECHAT_API_BASE_URL": emulator_server.url, "LOG_FORMAT": "json",
                "SECRET_KEY": "test-secret-key-of-at-least-32-characters"})
    result = subprocess.run([sys.executable, "-m", "server.scheduler", "--once"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
    assert any(line["logger"] == "server.scheduler" for line in lines)


def test_gunicorn_logs_in_the_same_format():
    from server import gunicorn_conf

    config = gunicorn_conf.logconfig_dict
    assert config["root"]["handlers"] == ["stderr"]
    assert config["loggers"]["gunicorn.access"] == {"level": "INFO", "handlers": [], "propagate": True}
    assert config["loggers"]["gunicorn.error"]["propagate"] is True
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, gunicorn_conf.access_log_format,
                               {"h": "10.0.0.1", "r": "GET /api/v1/activities?q=张三 HTTP/1.1", "s": "200", "b": "12",
                                "M": "3", "{x-request-id}o": "abc123"}, None)
    handler_stream = io.StringIO()
    logs.make_handler(handler_stream).handle(record)
    line = handler_stream.getvalue()
    assert "gunicorn.access [abc123]" in line and "张三" not in line


def test_database_errors_log_no_values(clean_app, make_app):
    from sqlalchemy import insert, text

    from server.models import Community

    app = make_app()
    name, code = "张秀英", "o-pii-duplicate-code"

    @app.route("/api/v1/_test/bad-statement")
    def bad_statement():
        db.session.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": name})
        return {}

    @app.route("/api/v1/_test/duplicate")
    def duplicate():
        db.session.execute(insert(Community).values(code=code, name="甲"))
        db.session.execute(insert(Community).values(code=code, name="乙"))
        db.session.commit()
        return {}

    client = app.test_client()
    with captured_logs() as stream:
        assert client.get("/api/v1/_test/bad-statement").status_code == 500
        assert client.get("/api/v1/_test/duplicate").status_code == 409
    output = stream.getvalue()
    assert "no_such_table" in output and "integrity error" in output
    assert name not in output and code not in output
