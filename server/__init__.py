"""The Flask service: `create_app` composes config, extensions, blueprints, errors and CLI. Nothing else."""

import os
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

API_DESCRIPTION = """\
Volunteer and activity sign-up for the party-mass service centres of a Shenzhen sub-district.

Conventions (see `docs/api.md` in the repository): JSON in and out (bodies only as
`application/json`, else 415); times ISO 8601 with offset, stored in UTC and shown in `APP_TIMEZONE`.
Authenticate with `Authorization: Bearer <token>` from `POST /auth/login`. Every error is
`{"error": "<id>", "message": "<text>", "errors": {field: [messages]}}` (`errors` only on 422, flat:
a field inside a list or object is named by its dotted path, e.g. `roles.1.name`); clients branch on
`error`, never on `message`. A failed request changes nothing.

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


def create_app(config=None):
    """Build the app. `config` overrides settings from the environment (tests use it)."""
    from server import api as api_routes, cli, errors, wechat
    from server.api import ratelimit, security
    from server.config import check_settings, load_settings
    from server.extensions import Api, db, migrate, redis
    from server.services import cache

    app = Flask(__name__, static_folder=None)
    app.config.update(load_settings())
    app.config.update(
        API_TITLE="街道党群服务 · 活动与志愿值守 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="api/v1/openapi.json",
        OPENAPI_SWAGGER_UI_PATH="api/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION + errors.catalogue_markdown()},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=256 * 1024,  # every JSON body is far smaller; larger answers 413
    )
    if config:
        app.config.update(config)
    check_settings(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app)
    app.json.ensure_ascii = False

    _init_sqlite()
    db.init_app(app)
    cache.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    redis.init_app(app)
    wechat.init_app(app)
    # One Api per app: flask-smorest keeps the app and its spec on the Api object.
    api = Api(app)
    security.init_app(app)
    api_routes.register_blueprints(app, api)
    ratelimit.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
