"""Bearer-token authentication for views: `login_required` and `optional_user`."""

from functools import wraps

from flask import g, request
from flask_smorest import Blueprint

from server.errors import NotAuthenticated
from server.models import User
from server.extensions import db
from server.services.tokens import decode_token

BEARER = [{"bearerAuth": []}]


def _bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticate(token):
    """The live user of a valid token. Raises NotAuthenticated."""
    claims = decode_token(token)
    user = db.session.get(User, int(claims["sub"]))
    if user is None or user.deleted_at is not None:
        raise NotAuthenticated("token_invalid", "账号不存在或已注销，请重新登录")
    g.token_claims = claims
    return user


def login_required(view):
    """Require a valid bearer token; the caller is `g.user`. Missing, expired, revoked or forged: 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        if token is None:
            raise NotAuthenticated()
        g.user = _authenticate(token)
        return view(*args, **kwargs)

    return Blueprint.doc(security=BEARER)(wrapper)


def optional_user(view):
    """Use the caller if a token is sent (a bad one is still a 401); `g.user` is None for anonymous calls."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer_token()
        g.user = _authenticate(token) if token else None
        return view(*args, **kwargs)

    return Blueprint.doc(security=[{}, *BEARER])(wrapper)

