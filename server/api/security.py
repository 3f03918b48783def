"""Bearer-token authentication for views: `login_required`, `optional_user`, and for the list reads and
bookings `optional_user_checked_by_view` and `login_required_checked_by_view`.

A valid token makes `g.user_id` the caller's id at the cost of a signature check and one Redis
call (the list reads and bookings fold that call into their own: `..._checked_by_view`). `g.user`, the
caller's row, is loaded from the database the first time a view reads it (see `RequestGlobals`), so
the hot paths that need only the id never load it. `init_app` installs it.
"""

from functools import wraps

from flask import Flask, g, request
from flask_smorest import Blueprint

from server.errors import AccountDeleted, NotAuthenticated
from server.extensions import db, redis
from server.models import User
from server.services.tokens import decode_token, refuse_if_revoked, revocation_keys, unexpired_claims

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
    return bearer_token(request.headers.get("Authorization", ""))


def bearer_token(authorization):
    """The token of an `Authorization` header's value (`Bearer <token>`), or None."""
    scheme, _, token = authorization.partition(" ")
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


def _checked_by_view(view, required):
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        if token:
            claims = unexpired_claims(token)
            g.token_claims = claims
            g.user_id = int(claims["sub"])
            g.revocation_keys = revocation_keys(claims)
        elif required:
            raise NotAuthenticated()
        else:
            g.user = g.user_id = None
            g.revocation_keys = []
        try:
            answer = view(*args, **kwargs)
        except Exception:
            check_revocation_now()  # a revoked token is answered 401, whatever else the request met
            raise
        check_revocation_now()  # nothing to do when the view checked (the safety net of the docstring)
        return answer

    return wrapper


def optional_user_checked_by_view(view):
    """`optional_user` for a view that asks Redis whether the token is revoked in its own round trip
    (the list reads: `pages.list_response` reads the marks with the page, in one MGET).

    The signature and expiry are checked here (401 as `optional_user`); `g.revocation_keys` names the
    marks to read (empty when anonymous, or once checked) and the view passes their values to
    `check_revocation`. A view that returns or fails without checking is checked after it, before its
    answer goes out: a revoked token is never answered anything but 401, whatever the view does.
    """
    return Blueprint.doc(security=[{}, *BEARER])(_checked_by_view(view, required=False))


def login_required_checked_by_view(view):
    """`login_required` for a view that asks Redis whether the token is revoked in its own round trip
    (a booking: with the post's full mark, `cache.read_post_mark`), as `optional_user_checked_by_view`
    does; no token is a 401."""
    return Blueprint.doc(security=BEARER)(_checked_by_view(view, required=True))


def check_revocation(marks):
    """Refuse the caller's token (401) when `marks`, what Redis holds under `g.revocation_keys`, says
    it was revoked or its account deleted; after this `g.revocation_keys` is empty."""
    if g.revocation_keys:
        refuse_if_revoked(g.token_claims, marks)
        g.revocation_keys = []


def check_revocation_with(read):
    """`check_revocation` with the marks a cache read made `along=g.revocation_keys` brought back
    (`read.along`), or with its own Redis call when there was no read (None: Redis down, a bump owed)."""
    if read is None:
        check_revocation_now()
    else:
        check_revocation(read.along)


def check_revocation_now():
    """`check_revocation` with its own Redis call (none when anonymous or already checked)."""
    if g.revocation_keys:
        check_revocation(redis.mget(g.revocation_keys))


def init_app(app):
    """Make `g` lazily load `g.user`."""
    app.app_ctx_globals_class = RequestGlobals
