"""One logging configuration for the web processes, the scheduler and gunicorn itself.

- Every line has a UTC timestamp (ISO 8601, milliseconds), the level, the logger and a request id;
  `LOG_FORMAT=text` (default) writes one line per record, `LOG_FORMAT=json` one JSON object per line
  (python-json-logger) with the keys `time`, `level`, `logger`, `request_id`, `message` (and
  `exc_info` for a traceback). `LOG_LEVEL` sets the root logger's level.
- The request id comes from the `X-Request-ID` header when it is sane (1 to 64 characters of
  `A-Z a-z 0-9 . _ : -`), otherwise it is generated (32 hex digits). It is answered in the response's
  `X-Request-ID` and is on every record logged while the request runs, the error handler's included.
  A WSGI middleware binds it (a context variable), so no Flask request hook runs for it. Outside a
  request it is `-`; each scheduler tick binds its own (`tick-...`).
- No personal data in logs: the code logs ids, counts and WeChat errcodes, never phones, names,
  tokens, session keys or openids; SQLAlchemy hides statement parameters in its errors
  (`hide_parameters`); and as a last line of defence every formatted record (traceback included) is
  scrubbed of mainland mobile numbers, the values of credential query parameters (`access_token`,
  `secret`, `js_code`, `code`, `token`, `q`), the tokens in check-in code image paths and the values
  PostgreSQL quotes in constraint errors (`Key (openid)=(...)`).
- gunicorn: `scripts/run` starts it with `-c python:server.gunicorn_conf`, whose `logconfig_dict` is
  `logging_config(...)` below, so its error and access lines have the same format.
"""

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_id = ContextVar("request_id", default="-")
_configured = False

_SCRUB = (
    # Mainland mobile numbers, alone or with +86 / 86.
    (re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])"), "[phone]"),
    # Credentials and search terms in query strings (WeChat calls put access_token, secret, js_code there).
    (re.compile(r"([?&](?:access_token|secret|js_code|code|token|q)=)[^&\s\"'#]*"), r"\1[redacted]"),
    # The token in check-in code image paths is a short-lived credential.
    (re.compile(r"(/checkin-codes/)[^/\s\"'?.]+"), r"\1[redacted]"),
    # PostgreSQL's constraint errors quote the row's values: DETAIL: Key (openid)=(...) already exists.
    (re.compile(r"(Key \([^)]*\)=\().*?(\) already exists|\) is not present|\) conflicts)"), r"\1[redacted]\2"),
)


def scrub(text):
    """`text` without what must not reach a log (see the module docstring)."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def _utc_time(record):
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


class RequestIdFilter(logging.Filter):
    """Puts the bound request id on every record as `request_id` (gunicorn's access records: the
    response's `X-Request-ID`, as the request is over when gunicorn logs it)."""

    def filter(self, record):
        rid = request_id.get()
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            rid = record.args.get("{x-request-id}o") or rid
        record.request_id = rid
        return True


class TextFormatter(logging.Formatter):
    """`2026-11-28T22:44:28.123+00:00 INFO server.scheduler [request-id] message`, scrubbed."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatTime(self, record, datefmt=None):
        return _utc_time(record)

    def format(self, record):
        return scrub(super().format(record))


class JsonFormatter(_JsonFormatter):
    """One JSON object per record: time, level, logger, request_id, message (and exc_info), scrubbed."""

    def __init__(self):
        super().__init__(
            ["asctime", "levelname", "name", "request_id", "message"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record, datefmt=None):
        return _utc_time(record)

    def format(self, record):
        return scrub(super().format(record))


def logging_config(log_format="text", level="INFO"):
    """The `logging.config.dictConfig` dict: one stderr handler on the root logger, gunicorn's loggers
    sent to it too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            # Two lines per tick and a line per plugin at start: noise; their warnings still show.
            "apscheduler": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def make_handler(stream, log_format="text"):
    """A handler writing to `stream` exactly as the configured one does (tests capture lines with it)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def configure(log_format="text", level="INFO"):
    """Configure this process's logging (root logger and gunicorn's)."""
    logging.config.dictConfig(logging_config(log_format, level))


def sane_request_id(value):
    """`value` if it is a sane request id, else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """WSGI middleware: binds the request id for the request and answers it in `X-Request-ID`."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        rid = sane_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ["HTTP_X_REQUEST_ID"] = rid

        def start_with_id(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(status, headers, exc_info)

        token = request_id.set(rid)
        try:
            return self.wsgi_app(environ, start_with_id)
        finally:
            request_id.reset(token)


def init_app(app):
    """Bind request ids (always) and configure logging (once per process; not while testing, where
    pytest owns the handlers and tests capture lines with `make_handler`)."""
    global _configured
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)
    if not app.testing and not _configured:
        configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
        _configured = True
