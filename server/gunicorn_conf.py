"""gunicorn settings read by `gunicorn -c python:server.gunicorn_conf` (scripts/run): gunicorn's own error
and access lines in the service's log format (`server.logs`, `LOG_FORMAT`, `LOG_LEVEL`), each access line
with the request's `X-Request-ID` as its request id."""

import os

from server.logs import logging_config

logconfig_dict = logging_config(
    (os.environ.get("LOG_FORMAT") or "text").strip(), (os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
)
# Client address, request line (query values of credentials and searches are scrubbed), status, bytes,
# milliseconds. The request id is the line's own (the response's X-Request-ID; server.logs.RequestIdFilter).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
