"""One blueprint per domain, registered on the flask-smorest Api."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.routing import IntegerConverter

from server.api import activities, auth, checkin, communities, health, me, shifts, subscriptions, users

BLUEPRINTS = [health.blp, auth.blp, me.blp, communities.blp, users.blp, activities.blp, shifts.blp, subscriptions.blp, checkin.blp]


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive 32-bit row id; anything larger is an unknown route (404), not a DB error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def register_blueprints(app, api):
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def apply_rate_limits(app):
    """Rate-limit `POST /auth/login` per client address (`RATE_LIMIT_LOGIN`).

    One Limiter per app: Flask-Limiter keeps its storage on the Limiter object, so a shared one
    would follow whichever app was initialised last.
    """
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config["REDIS_URL"] or "memory://",
        key_prefix="ratelimit",
        headers_enabled=True,
    )
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    login_limit = limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"])
    app.view_functions["auth.login"] = login_limit(app.view_functions["auth.login"])
    # The decorated view checks its own limit. Flask-Limiter also hooks every request to look for
    # default limits, of which there are none: that costs every sign-up about 5% of its CPU.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
