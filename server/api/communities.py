"""The communities (社区) of the sub-district, and their members."""

from flask import g
from flask_smorest import Blueprint
from sqlalchemy import select

from server.api.checkin import checkin_code_body
from server.api.pages import page_body
from server.api.security import login_required
from server.extensions import db
from server.models import Community
from server.schemas.users import CommunityListSchema, JoinCodeSchema, MemberArgsSchema, MemberPageSchema, MemberSchema
from server.services import memberships

blp = Blueprint("communities", __name__, url_prefix="/api/v1/communities", description="Communities")


@blp.route("", methods=["GET"])
@blp.response(200, CommunityListSchema)
def list_communities():
    """Every community of the sub-district, in a stable order (not paginated: there are a few dozen)."""
    return {"items": db.session.scalars(select(Community).order_by(Community.id)).all()}


@blp.route("/<id:community_id>/members", methods=["GET"])
@login_required
@blp.arguments(MemberArgsSchema(), location="query")
@blp.response(200, MemberPageSchema)
def list_members(args, community_id):
    """The people who chose this community, oldest claim first; `status=claimed` is the pending list.

    For the community's organizers (and admins); phones are masked. 403 `forbidden`,
    404 `community_not_found`.
    """
    return page_body(*memberships.list_members(g.user, community_id, args), args)


@blp.route("/<id:community_id>/members/<id:user_id>/confirm", methods=["POST"])
@login_required
@blp.response(200, MemberSchema)
def confirm_member(community_id, user_id):
    """Confirm that this person lives in the community; confirming again changes nothing. Audited.

    The person is not notified: their profile shows the status. 403 `forbidden`,
    404 `community_not_found` / `membership_not_found` (not a member or claimant of this community).
    """
    member = memberships.confirm(g.user, community_id, user_id)
    db.session.commit()
    return member


@blp.route("/<id:community_id>/members/<id:user_id>/reject", methods=["POST"])
@login_required
@blp.response(200, MemberSchema)
def reject_member(community_id, user_id):
    """Reject a claim, or remove a confirmed member who moved away: the person is left without a
    community (`status` in the answer is null). Places already held stay. Audited; nobody is notified.

    403 `forbidden`, 404 `community_not_found` / `membership_not_found`.
    """
    member = memberships.reject(g.user, community_id, user_id)
    db.session.commit()
    return member


@blp.route("/<id:community_id>/join-code", methods=["GET"])
@login_required
@blp.response(200, JoinCodeSchema)
def join_code(community_id):
    """The community's rotating join code, for residents to scan at the centre: scanning it confirms
    their membership (`POST /me/community/join`). 403 `forbidden`, 404 `community_not_found`.
    """
    _, token, expires_at = memberships.make_join_code(g.user, community_id)
    return checkin_code_body(token, expires_at)
