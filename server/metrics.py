"""Prometheus metrics (prometheus_client): what they count, the request-timing middleware and the
protected `/metrics` endpoint.

- `http_request_duration_seconds{route, method, status}`: every request, timed by a WSGI middleware
  and Flask's `request_started` signal (no Flask request hook; `tests/test_wiring.py`). `route` is the matched URL rule
  (`/api/v1/activities/<id:activity_id>`), never the raw path; unmatched paths are `<unmatched>`.
  It costs two clock reads and one histogram update per request: no Redis or database call.
- `signups_total{outcome, error}`: `confirmed`, `waitlisted`, `repeated` (an active sign-up returned
  again) or `refused` with the `error` id; `bookings_total{outcome, error}`: `booked`, `repeated`,
  `refused`. Counted where the service decides (`counted`), before the view commits.
- `outbox_messages_total{outcome, errcode}`: each message the scheduler finished (`sent`, `pending`
  = retry later, `failed`, `skipped`, `expired`, `unknown`) and WeChat's errcode, if any.
- `wechat_call_duration_seconds{api}`: the WeChat calls the scheduler makes.
- `scheduler_last_tick_timestamp_seconds`: when a scheduler last finished a tick (the newest of all).

Several processes: with `PROMETHEUS_MULTIPROC_DIR` set (an empty directory, wiped before the service
starts, shared by the gunicorn workers and the schedulers of that host) prometheus_client's
multiprocess mode adds every process's values up and `/metrics` shows them all, the schedulers'
included. Without it, each process counts alone and `/metrics` shows only the worker that answered.

`/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time); with no
`METRICS_TOKEN` set it does not exist (404). Never public by default.
"""

import functools
import hmac
import os
import time

from flask import abort, current_app, request, request_started
from prometheus_client import (
    CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess,
)

from server.errors import DomainError

UNMATCHED = "<unmatched>"
RULE_KEY = "server.metrics.rule"

HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request, by URL rule, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SIGNUPS = Counter("signups_total", "Activity sign-ups by outcome (and error id when refused)", ["outcome", "error"])
BOOKINGS = Counter("bookings_total", "Shift bookings by outcome (and error id when refused)", ["outcome", "error"])
OUTBOX_MESSAGES = Counter(
    "outbox_messages_total", "Messages the scheduler finished, by outcome and WeChat errcode", ["outcome", "errcode"]
)
WECHAT_LATENCY = Histogram(
    "wechat_call_duration_seconds", "Time of a WeChat API call made by the scheduler", ["api"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SCHEDULER_LAST_TICK = Gauge(
    "scheduler_last_tick_timestamp_seconds", "Unix time a scheduler last finished a tick (newest of all)",
    multiprocess_mode="max",
)


def counted(counter, outcome):
    """Decorate a service: count `outcome(result)` on return, `refused` with the error id on a
    DomainError (re-raised)."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                result = function(*args, **kwargs)
            except DomainError as error:
                counter.labels("refused", error.error).inc()
                raise
            counter.labels(outcome(result), "").inc()
            return result

        return wrapper

    return decorate


class MetricsMiddleware:
    """WSGI middleware timing each request by the URL rule Flask matched (`note_rule` leaves it in
    the environ) and the status it answered."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answered = []

        def start_and_note(status, headers, exc_info=None):
            answered.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_and_note)
        finally:
            status = answered[-1].split(" ", 1)[0] if answered else "500"
            HTTP_LATENCY.labels(environ.get(RULE_KEY, UNMATCHED), environ.get("REQUEST_METHOD", ""),
                                status).observe(time.perf_counter() - started)


def note_rule(_app, **_extra):
    """`request_started` (sent after Flask matched the URL): leave the rule in the WSGI environ for
    the middleware. A Flask signal, not a request hook (`tests/test_wiring.py`)."""
    rule = request.url_rule
    if rule is not None:
        request.environ[RULE_KEY] = rule.rule


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # as prometheus_client itself decides, at import
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_view():
    """The Prometheus text format, to `Authorization: Bearer <METRICS_TOKEN>` only."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(401)
    return generate_latest(_registry()), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def init_app(app):
    """Time every request and serve `/metrics` (404 unless METRICS_TOKEN is set)."""
    app.wsgi_app = MetricsMiddleware(app.wsgi_app)
    request_started.connect(note_rule, app)
    app.add_url_rule("/metrics", "metrics", metrics_view)
