"""The caller's own account."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.users import JoinSchema, MeUpdateSchema, UserSchema
from server.services import accounts, memberships, tokens, users

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
    """Change nickname, real name or community. Unknown community: 422 `validation_failed`; 422 `content_risky`.

    Choosing another community (or none) makes it a new claim (`community.status` `claimed`) until the
    community's organizer confirms it or the user scans its join code; places already held stay.
    """
    user = users.update_profile(g.user, changes)
    db.session.commit()
    return user


@blp.route("/community/join", methods=["POST"])
@login_required
@blp.arguments(JoinSchema())
@blp.response(200, UserSchema)
def join_community(body):
    """Confirm the caller's membership of the community whose join code they scanned at the centre,
    making it their community if they had none or another. Joining again changes nothing.

    409 `join_code_invalid` (unknown, expired, or not a join code).
    """
    user = memberships.join_with_token(g.user, body["token"])
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
