"""Prometheus metrics: counted by real sign-ups, bookings and a dispatch through the emulator, timed by
URL rule, and served only to the bearer of METRICS_TOKEN."""

import os
import re
import subprocess
import sys

import pytest
from factories import book, create_activity, create_shift, create_site
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from server.extensions import db
from server.scheduler import tick
from server.services.dispatch import send_due_messages
from test_dispatch import sign_up_soon, subscribe

from conftest import ROOT

TOKEN = "metrics-token-for-the-tests-0123456789"


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


@pytest.fixture
def scrape(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)

    def get(**headers):
        return app.test_client().get("/metrics", headers=headers)

    return get


def test_metrics_refuse_without_the_token(scrape):
    assert scrape().status_code == 401
    assert scrape().get_json()["error"] == "not_authenticated"
    assert scrape(Authorization="Bearer wrong").status_code == 401
    assert scrape(Authorization=TOKEN).status_code == 401
    assert scrape(Authorization=f"Bearer {TOKEN}").status_code == 200


def test_a_short_metrics_token_is_refused_at_start(make_app):
    from server.config import UnsafeSettings

    with pytest.raises(UnsafeSettings, match="METRICS_TOKEN"):
        make_app(METRICS_TOKEN="short")


def test_without_a_token_setting_there_is_no_metrics_endpoint(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_sign_ups_are_counted_by_outcome(organizer, residents, scrape):
    activity = create_activity(organizer, capacity=1, waitlist_enabled=True)
    first, second = residents(2)
    before = {outcome: value("signups_total", outcome=outcome, error="") for outcome in ("confirmed", "waitlisted", "repeated")}
    url = f"/api/v1/activities/{activity['id']}/registrations"
    assert first.post(url, json={}).status_code == 201
    assert second.post(url, json={}).status_code == 201
    assert second.post(url, json={}).status_code == 200
    full = create_activity(organizer, capacity=1, waitlist_enabled=False)
    refused_before = value("signups_total", outcome="refused", error="capacity_full")
    assert first.post(f"/api/v1/activities/{full['id']}/registrations", json={}).status_code == 201
    assert second.post(f"/api/v1/activities/{full['id']}/registrations", json={}).status_code == 409
    assert value("signups_total", outcome="confirmed", error="") == before["confirmed"] + 2
    assert value("signups_total", outcome="waitlisted", error="") == before["waitlisted"] + 1
    assert value("signups_total", outcome="repeated", error="") == before["repeated"] + 1
    assert value("signups_total", outcome="refused", error="capacity_full") == refused_before + 1
    # ...and the endpoint shows them.
    text = scrape(Authorization=f"Bearer {TOKEN}").get_data(as_text=True)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    samples = {tuple(sorted(s.labels.items())): s.value for s in families["signups"].samples if s.name == "signups_total"}
    assert samples[(("error", "capacity_full"), ("outcome", "refused"))] == refused_before + 1


def test_bookings_are_counted_by_outcome(organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("卡口值守", 1)])
    first, second = residents(2)
    booked, refused = value("bookings_total", outcome="booked", error=""), value(
        "bookings_total", outcome="refused", error="role_full")
    assert book(first, shift).status_code == 201
    assert book(second, shift).status_code == 409
    assert value("bookings_total", outcome="booked", error="") == booked + 1
    assert value("bookings_total", outcome="refused", error="role_full") == refused + 1


def test_a_dispatch_through_the_emulator_counts_outcome_errcode_latency_and_the_tick(
        clean_app, organizer, login, emulator):
    subscriber = login("o-metrics-subscriber")
    subscriber.user_openid = "o-metrics-subscriber"
    subscribe(subscriber, emulator, "activity_reminder")
    sign_up_soon(organizer, subscriber)
    sent, calls = value("outbox_messages_total", outcome="sent", errcode=""), value(
        "wechat_call_duration_seconds_count", api="subscribe_send")
    tick(clean_app, "test-metrics:1", stop=None)  # the scheduler's own round
    assert value("outbox_messages_total", outcome="sent", errcode="") == sent + 1
    assert value("wechat_call_duration_seconds_count", api="subscribe_send") == calls + 1
    assert value("scheduler_last_tick_timestamp_seconds") > 0
    # WeChat busy (-1): retried later, counted with its errcode.
    other = login("o-metrics-busy")
    other.user_openid = "o-metrics-busy"
    subscribe(other, emulator, "activity_reminder")
    sign_up_soon(organizer, other)
    busy = value("outbox_messages_total", outcome="pending", errcode="-1")
    emulator.inject_fault("/cgi-bin/message/subscribe/send", errcode=-1)
    with clean_app.app_context():
        try:
            assert send_due_messages("test-metrics:1", 10) == {"pending": 1}
        finally:
            db.session.remove()
    assert value("outbox_messages_total", outcome="pending", errcode="-1") == busy + 1


def test_request_latency_is_labelled_by_url_rule_never_the_raw_path(client, organizer):
    activity = create_activity(organizer)
    rule = "/api/v1/activities/<id:activity_id>"
    before = value("http_request_duration_seconds_count", route=rule, method="GET", status="200")
    missing = value("http_request_duration_seconds_count", route=rule, method="GET", status="404")
    assert client.get(f"/api/v1/activities/{activity['id']}").status_code == 200
    assert client.get("/api/v1/activities/999999").status_code == 404
    assert value("http_request_duration_seconds_count", route=rule, method="GET", status="200") == before + 1
    assert value("http_request_duration_seconds_count", route=rule, method="GET", status="404") == missing + 1
    unmatched = value("http_request_duration_seconds_count", route="<unmatched>", method="GET", status="404")
    assert client.get("/no/such/path/12345").status_code == 404
    assert value("http_request_duration_seconds_count", route="<unmatched>", method="GET", status="404") == unmatched + 1
    paths = [s.labels["route"] for s in REGISTRY.collect() for s in s.samples if "route" in s.labels]
    assert paths and not [path for path in paths if re.search(r"/\d+(/|$)", path)]


def test_with_a_shared_multiprocess_dir_metrics_shows_what_other_processes_counted(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: a scheduler process's counts and tick reach the API's /metrics."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    scheduler = (
        "from server.metrics import OUTBOX_MESSAGES, SCHEDULER_LAST_TICK\n"
        "OUTBOX_MESSAGES.labels('sent', '').inc(3)\n"
        "SCHEDULER_LAST_TICK.set(1234567890)\n"
    )
    api = (
        "from server import create_app\n"
        "app = create_app({'APP_ENV': 'development', 'SECRET_KEY': 'x' * 32, 'DATABASE_URL': 'sqlite://',\n"
        f"                  'METRICS_TOKEN': {TOKEN!r}}})\n"
        "client = app.test_client()\n"
        "client.get('/api/v1/activities/7')\n"
        f"print(client.get('/metrics', headers={{'Authorization': 'Bearer {TOKEN}'}}).get_data(as_text=True))\n"
    )
    for script in (scheduler, scheduler):  # two schedulers
        run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60)
        assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-c", api], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(run.stdout) for s in family.samples}
    assert samples[("outbox_messages_total", (("errcode", ""), ("outcome", "sent")))] == 6
    assert samples[("scheduler_last_tick_timestamp_seconds", ())] == 1234567890
    routes = [dict(labels)["route"] for name, labels in samples if name == "http_request_duration_seconds_count"]
    assert routes == ["/api/v1/activities/<id:activity_id>"]
