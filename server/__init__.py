"""The Flask service: `create_app` composes config, extensions, blueprints, errors and CLI. Nothing else."""

import os
import sqlite3

from flask import Flask, send_from_directory
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

VENDOR_DIR = os.path.join(os.path.dirname(__file__), "static", "vendor")
VENDOR_MAX_AGE = 365 * 24 * 3600

API_DESCRIPTION = """\
Volunteer and activity sign-up for the party-mass service centres of a Shenzhen sub-district.

Conventions (see `docs/api.md` in the repository): JSON in and out (bodies only as
`application/json`, else 415); times ISO 8601 with offset, stored in UTC and shown in `APP_TIMEZONE`.
Authenticate with `Authorization: Bearer <token>` from `POST /auth/login`. Every error is
`{"error": "<id>", "message": "<text>", "errors": {field: [messages]}}` (`errors` only on 422, flat:
a field inside a list or object is named by its dotted path, e.g. `roles.1.name`); clients branch on
`error`, never on `message`. A failed request changes nothing. Every response carries `X-Request-ID`
(the request's own when it is 1-64 characters of `A-Za-z0-9._:-`, else a generated one), also on the
server's log lines of that request.

## Error ids

"""


def _database_uri(app):
    url = app.config.get("DATABASE_URL")
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        return "sqlite:///" + os.path.join(app.instance_path, "app.db")
    # psycopg 3 is the driver we ship; plain postgres URLs would ask SQLAlchemy for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: enforce foreign keys and wait for locks instead of failing at once."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _init_sqlite():
    """Register the SQLite pragmas on every engine, once however many apps are created."""
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def vendored_url(package):
    """The URL prefix of a vendored npm package (`/static/vendor/<package>@<version>/`), the version
    read from `server/static/vendor/manifest.txt` (refreshed by `scripts/vendor`)."""
    with open(os.path.join(VENDOR_DIR, "manifest.txt"), encoding="utf-8") as manifest:
        for line in manifest:
            spec = line.split("#", 1)[0].split()
            if spec and spec[0].rpartition("@")[0] == package:
                return f"/static/vendor/{spec[0]}/"
    raise RuntimeError(f"{package} is not in server/static/vendor/manifest.txt")


def _vendored_asset(filename):
    """A vendored front-end file. Its URL holds the package's version, so it never changes: cached for
    a year, `immutable`, with an ETag for revalidation."""
    response = send_from_directory(VENDOR_DIR, filename, max_age=VENDOR_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def create_app(config=None, *, serve_http=True):
    """Build the app. `config` overrides settings from the environment (tests use it).

    `serve_http=False` is the scheduler's app (`python -m server.scheduler`): the same settings,
    logging, metrics, database, cache, Redis and WeChat, without what only HTTP requests use (the API
    and the console with their routes, error pages, rate limits, CLI, migrations). Importing and
    registering those is two thirds of a start, which a restarted scheduler would spend before sending.
    """
    from server import logs, metrics, wechat
    from server.config import check_settings, load_settings
    from server.extensions import db, redis
    from server.services import cache

    app = Flask(__name__, static_folder=None)
    app.config.update(load_settings())
    app.config.update(
        # hide_parameters: errors (and so logs) never show the values of a statement (phones, names).
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "hide_parameters": True},
        MAX_CONTENT_LENGTH=256 * 1024,  # every JSON body is far smaller; larger answers 413
    )
    if serve_http:
        app.config.update(_api_settings())
    if config:
        app.config.update(config)
    check_settings(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app)
    app.json.ensure_ascii = False
    if serve_http:
        from server.api import list_fast_path

        list_fast_path.init_app(app)  # in front of Flask, inside the middlewares below
    if serve_http and app.config["TRUSTED_PROXIES"]:
        # The client address (rate limits) and scheme from that many proxies' X-Forwarded-* headers.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logs.init_app(app)
    metrics.init_app(app)  # wraps the request-id middleware: times the whole request

    _init_sqlite()
    db.init_app(app)
    cache.init_app(app)
    redis.init_app(app)
    wechat.init_app(app)
    if serve_http:
        _init_http(app)
    return app


def _api_settings():
    from server import errors

    return dict(
        API_TITLE="街道党群服务 · 活动与志愿值守 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="api/v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="api/docs",
        # Served by the service itself from server/static/vendor (scripts/vendor), never from a CDN.
        OPENAPI_SWAGGER_UI_URL=vendored_url("swagger-ui-dist"),
        # No badge from validator.swagger.io: the page loads nothing from elsewhere.
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION + errors.catalogue_markdown()},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    )


def _init_http(app):
    """What serving HTTP needs: the API and the console with their routes, errors, rate limits, CLI."""
    from flask_migrate import Migrate

    from server import api as api_routes, cli, errors, web
    from server.api import ratelimit, security
    from server.extensions import Api, db

    app.add_url_rule("/static/vendor/<path:filename>", "vendored_asset", _vendored_asset)
    Migrate(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    # One Api per app: flask-smorest keeps the app and its spec on the Api object.
    api = Api(app)
    security.init_app(app)
    api_routes.register_blueprints(app, api)
    web.init_app(app)  # the console at /console (after the API)
    ratelimit.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
