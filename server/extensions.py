"""Unbound extension singletons, bound to an app by `create_app`."""

import inspect

import fakeredis
import flask_smorest
import redis as redis_lib
from redis.backoff import NoBackoff
from redis.retry import Retry
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from server import errors
from server.schemas.common import ErrorSchema

# Stable constraint names, so Alembic migrations name them the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DocstringConverter(OpenAPIConverter):
    """apispec's converter, describing each schema by the first paragraph of its own docstring."""

    def schema2jsonschema(self, schema):
        jsonschema = super().schema2jsonschema(schema)
        doc = resolve_schema_cls(schema).__dict__.get("__doc__")
        if doc and "description" not in jsonschema:
            jsonschema["description"] = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
        return jsonschema


class DocstringMarshmallowPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin with `DocstringConverter` (its documented `Converter` hook)."""

    Converter = DocstringConverter


class Api(flask_smorest.Api):
    """flask-smorest's Api: schemas described by their docstrings, and the contract's error body,
    documented (`ERROR_SCHEMA`) and answered.

    flask-smorest registers `handle_http_exception`, a public method, for every HTTPException; it
    answers with `server.errors`' one handler, which `server.errors.init_app` also registers.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, *, spec_kwargs=None, config_prefix=""):
        # flask-smorest lets `spec_kwargs` replace its marshmallow plugin.
        spec_kwargs = {"marshmallow_plugin": DocstringMarshmallowPlugin(), **(spec_kwargs or {})}
        super().__init__(app, spec_kwargs=spec_kwargs, config_prefix=config_prefix)

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


class RedisClient:
    """The app's Redis connection: a real server from `REDIS_URL`, or fakeredis in-process when unset.

    Redis errors are not caught here: `server.errors` answers them 503 `dependency_unavailable`, and
    the page cache (`server.services.cache`) does without Redis.

    Attribute access is forwarded to the current app's client, so `redis.get(...)` works in
    any app context.
    """

    def init_app(self, app):
        url = app.config.get("REDIS_URL")
        if url:
            # A down Redis answers 503 at once (`server.errors`) rather than holding requests: short
            # timeouts, and one immediate retry, which replaces a connection a restart broke.
            client = redis_lib.Redis.from_url(
                url, socket_timeout=3, socket_connect_timeout=2, retry=Retry(NoBackoff(), 1), health_check_interval=30
            )
        else:
            # One in-process server per app: fine for `scripts/run` and tests, wrong for several workers.
            client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        app.extensions["redis"] = client

    @property
    def client(self):
        return current_app.extensions["redis"]

    def __getattr__(self, name):
        return getattr(self.client, name)


db = SQLAlchemy(model_class=Base)
redis = RedisClient()
