"""gunicorn settings read by `gunicorn -c python:server.gunicorn_conf` (scripts/run, compose.yaml,
deploy/systemd/volunteer-api.service): gunicorn's own error and access lines in the service's log format
(`server.logs`, `LOG_FORMAT`, `LOG_LEVEL`), each access line with the request's `X-Request-ID` as its
request id; the worker model and its sizes from the environment.

- `GUNICORN_BIND` (default `0.0.0.0:8000`): where to listen. Command-line `--bind` wins (scripts/run).
- `GUNICORN_WORKERS` (default `2 * CPUs + 1`, at most 8), `GUNICORN_THREADS` (default 4): gthread
  workers; each thread holds at most one database connection while it serves a request.
- `GUNICORN_TIMEOUT` (default 30 s): a worker silent that long is killed and replaced;
  `GUNICORN_GRACEFUL_TIMEOUT` (30 s) for requests in flight on a restart; `GUNICORN_KEEPALIVE` (5 s,
  above nginx's upstream keepalive reuse).
- `GUNICORN_MAX_REQUESTS` (default 0: never): recycle a worker after that many requests (with a jitter
  of a tenth), a bound on any slow leak.
- `GUNICORN_CONTROL_SOCKET`: a path for gunicorn's control socket (`gunicornc`). Unset: none, as the
  default path is under $HOME, read-only in the container and under systemd's ProtectHome.
Command-line flags override these (gunicorn applies them after the config file)."""

import multiprocessing
import os

from server.logs import logging_config


def _env_int(name, default):
    value = (os.environ.get(name) or "").strip()
    return int(value) if value else default


logconfig_dict = logging_config(
    (os.environ.get("LOG_FORMAT") or "text").strip(), (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
)
# Client address, request line (query values of credentials and searches are scrubbed), status, bytes,
# milliseconds. The request id is the line's own (the response's X-Request-ID; server.logs.RequestIdFilter).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

bind = [(os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000").strip()]
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _env_int("GUNICORN_THREADS", 4)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
# Temporary files of the worker heartbeat in memory, not on a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
_control_socket = (os.environ.get("GUNICORN_CONTROL_SOCKET") or "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
