"""Bearer-token authentication for views: `login_required` and `optional_user`.

A valid token makes `g.user_id` the caller's id at the cost of a signature check and one Redis
call. `g.user`, the caller's row, is loaded from the database the first time a view reads it (see
`RequestGlobals`), so the hot paths that need only the id never load it. `init_app` installs it.
"""

from functools import wraps

from flask import Flask, g, request
from flask_smorest import Blueprint

from server.errors import AccountDeleted, NotAuthenticated
from server.extensions import db
from server.models import User
from server.services.tokens import decode_token

BEARER = [{"bearerAuth": []}]


class RequestGlobals(Flask.app_ctx_globals_class):
    """Flask's `g`, where `g.user` is loaded on first use from `g.user_id` (set by the decorators).

    `Flask.app_ctx_globals_class` is Flask's documented hook for this ("add a property for lazy
    per-request database connectors"); subclassing what it names keeps `g`'s other behaviour.
    """

    def __getattr__(self, name):
        if name == "user" and self.__dict__.get("user_id") is not None:
            self.user = load_caller(self.user_id)
            return self.user
        return super().__getattr__(name)


def load_caller(user_id):
    """The live user of a token. Raises NotAuthenticated when the account is gone or deleted."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise AccountDeleted()
    return user


def _bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticate(token):
    claims = decode_token(token)
    g.token_claims = claims
    g.user_id = int(claims["sub"])


def login_required(view):
    """Require a valid bearer token; the caller is `g.user_id` (and `g.user`). Missing, expired,
    revoked or forged, or the account deleted: 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        if token is None:
            raise NotAuthenticated()
        _authenticate(token)
        return view(*args, **kwargs)

    return Blueprint.doc(security=BEARER)(wrapper)


def optional_user(view):
    """Use the caller if a token is sent (a bad one is still a 401); `g.user` and `g.user_id` are None
    for anonymous calls."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        if token:
            _authenticate(token)
        else:
            g.user = g.user_id = None
        return view(*args, **kwargs)

    return Blueprint.doc(security=[{}, *BEARER])(wrapper)


def init_app(app):
    """Make `g` lazily load `g.user`."""
    app.app_ctx_globals_class = RequestGlobals
