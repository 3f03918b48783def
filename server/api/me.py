"""The caller's own account."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.users import MeUpdateSchema, UserSchema
from server.services import accounts, tokens, users

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The caller's account")


@blp.route("", methods=["GET"])
@login_required
@blp.response(200, UserSchema)
def get_me():
    """The caller's profile, roles and volunteer minutes (phone masked)."""
    return g.user


@blp.route("", methods=["PATCH"])
@login_required
@blp.arguments(MeUpdateSchema())
@blp.response(200, UserSchema)
def update_me(changes):
    """Change nickname, real name or community. Unknown community: 422 `validation_failed`; 422 `content_risky`."""
    user = users.update_profile(g.user, changes)
    db.session.commit()
    return user


@blp.route("", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_me():
    """Delete the caller's personal data and cancel their future sign-ups and bookings (waitlists move up).

    Every token of the account stops working. Logging in again with WeChat starts a new, empty account.
    """
    accounts.delete_account(g.user)
    db.session.commit()
    tokens.revoke_user_tokens(g.user_id)
