"""Login with WeChat, logout, and binding a verified phone number."""

from flask import g
from flask_smorest import Blueprint

from server.api.ratelimit import rate_limited
from server.api.security import login_required
from server.extensions import db
from server.schemas.users import LoginResultSchema, LoginSchema, PhoneBindSchema, UserSchema
from server.services import tokens, users

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="WeChat login and sessions")


@blp.route("/login", methods=["POST"])
@rate_limited("RATE_LIMIT_LOGIN")
@blp.arguments(LoginSchema())
@blp.response(200, LoginResultSchema)
def login(body):
    """Log in with a `wx.login` code.

    The server exchanges the code with WeChat (jscode2session) and keeps the `session_key`;
    it never leaves the server. Errors: 401 `wechat_code_invalid` (unknown, expired or used code),
    403 `wechat_login_blocked`, 429 `rate_limited` (`RATE_LIMIT_LOGIN` per client address) or
    `wechat_rate_limited`, 503 `wechat_unavailable`.
    """
    user = users.login_with_code(body["code"])
    db.session.commit()
    token, expires_in = tokens.issue_token(user)
    return {"token": token, "expires_in": expires_in, "user": user}


@blp.route("/logout", methods=["POST"])
@login_required
@blp.response(204)
def logout():
    """Revoke the token of this request."""
    tokens.revoke_token(g.token_claims)


@blp.route("/phone", methods=["POST"])
@login_required
@blp.arguments(PhoneBindSchema())
@blp.response(200, UserSchema)
def bind_phone(body):
    """Bind the phone number WeChat verified (the `code` of the getPhoneNumber button).

    Errors: 422 `phone_code_invalid` (unknown, expired or used code), 429 `wechat_rate_limited`,
    503 `wechat_unavailable`.
    """
    user = users.bind_phone(g.user, body["code"])
    db.session.commit()
    return user
