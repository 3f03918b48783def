"""Role grants: admins grant any role; organizers grant `party_member` in their own communities."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.users import RoleGrantSchema, RoleRevokeArgsSchema, UserSchema
from server.services import users

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and roles")


@blp.route("/<id:user_id>/roles", methods=["POST"])
@login_required
@blp.arguments(RoleGrantSchema())
@blp.response(200, UserSchema)
def grant_role(body, user_id):
    """Grant a role. `organizer` needs `community_id`.

    Errors: 403 `forbidden` (not an admin; or an organizer granting anything but `party_member` to a
    confirmed resident of their own communities), 404 `user_not_found` (admins only: everyone else is
    refused with 403 before the id is looked up) / `community_not_found`, 422 `validation_failed`.
    """
    target = users.grant_role_to(g.user, user_id, body["role"], body.get("community_id"))
    db.session.commit()
    return target


@blp.route("/<id:user_id>/roles/<role>", methods=["DELETE"])
@login_required
@blp.arguments(RoleRevokeArgsSchema(), location="query")
@blp.response(200, UserSchema)
def revoke_role(args, user_id, role):
    """Revoke a role (`party_member`, `organizer`, `admin`). Same permissions and errors as granting."""
    target = users.revoke_role_from(g.user, user_id, role, args.get("community_id"))
    db.session.commit()
    return target
