"""Signed, expiring, revocable bearer tokens (JWT, HS256); revocations are kept in Redis."""

import functools
import time
import uuid
from types import MappingProxyType

import jwt
from flask import current_app

from server.errors import AccountDeleted, NotAuthenticated
from server.extensions import redis

ALGORITHM = "HS256"


def _revoked_key(jti):
    return f"auth:revoked:{jti}"


def _deleted_user_key(user_id):
    return f"auth:deleted-user:{user_id}"


def issue_token(user):
    """A new token for `user`; returns `(token, expires_in_seconds)`."""
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    now = int(time.time())
    claims = {"sub": str(user.id), "jti": uuid.uuid4().hex, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), ttl


def decode_token(token):
    """The claims of a valid token.

    Raises NotAuthenticated: `token_expired`, `token_invalid` (forged, malformed, or its account
    deleted), `token_revoked`. One Redis call; the database is not asked (see `revoke_user_tokens`).
    """
    claims = unexpired_claims(token)
    refuse_if_revoked(claims, redis.mget(revocation_keys(claims)))
    return claims


def unexpired_claims(token):
    """The claims of a token that is well signed and not expired, without asking Redis whether it was
    revoked: the caller must then pass `refuse_if_revoked` what Redis holds under `revocation_keys`.
    Raises NotAuthenticated (`token_invalid`, `token_expired`)."""
    try:
        claims = _verified_claims(token, current_app.config["SECRET_KEY"])
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("token_invalid") from exc
    if claims["exp"] <= time.time():
        raise NotAuthenticated("token_expired")
    return claims


def revocation_keys(claims):
    """The Redis keys marking this token refused: `[revoked by logout, its account deleted]`."""
    return [_revoked_key(claims["jti"]), _deleted_user_key(claims["sub"])]


def refuse_if_revoked(claims, marks):
    """Raise AccountDeleted or NotAuthenticated(`token_revoked`) when either of `marks`, the values
    Redis holds under `revocation_keys(claims)` (in that order), is set."""
    revoked, deleted = marks
    if deleted is not None:
        raise AccountDeleted()
    if revoked is not None:
        raise NotAuthenticated("token_revoked")


@functools.lru_cache(maxsize=4096)
def _verified_claims(token, secret):
    """The claims of a token whose signature checks out, expired or not (the caller checks `exp`).

    Remembered per process: a phone sends the same token with every request, and checking it again
    is a tenth of a millisecond of CPU each time. Only good signatures are remembered (a bad one
    raises), and revocation is still asked of Redis on every request.
    """
    claims = jwt.decode(
        token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "jti", "exp", "iat"], "verify_exp": False}
    )
    return MappingProxyType(claims)


def revoke_token(claims):
    """Remember the token as revoked until it would have expired anyway."""
    ttl = max(int(claims["exp"] - time.time()), 1)
    redis.set(_revoked_key(claims["jti"]), 1, ex=ttl)


def revoke_user_tokens(user_id):
    """Refuse every token of this (deleted) account until the last of them would have expired.

    Loading the caller's row also refuses them (`load_caller`), so this mark matters only to the views
    that never load it; it is what lets token checks skip the database.
    """
    redis.set(_deleted_user_key(user_id), 1, ex=current_app.config["TOKEN_TTL_SECONDS"])
