"""The communities (社区) of the sub-district, their set-up by admins, and their members."""


from flask import g
from flask_smorest import Blueprint

from server.api.checkin import checkin_code_body
from server.api.pages import page_body
from server.api.security import login_required
from server.extensions import db
from server.schemas.users import (
    CommunityCreateSchema,
    CommunityDetailSchema,
    CommunityImportSchema,
    CommunityListArgsSchema,
    CommunityListSchema,
    CommunityUpdateSchema,
    JoinCodeSchema,
    MemberArgsSchema,
    MemberPageSchema,
    MemberSchema,
)
from server.services import communities, memberships

blp = Blueprint("communities", __name__, url_prefix="/api/v1/communities", description="Communities")


@blp.route("", methods=["GET"])
@blp.arguments(CommunityListArgsSchema(), location="query")
@blp.response(200, CommunityListSchema)
def list_communities(args):
    """The communities of the sub-district, in a stable order (not paginated: there are a few dozen).

    Archived ones (no longer taking activities, sites or members) only with `include_archived=true`:
    their names are not secret, and old activities still name them.
    """
    return {"items": communities.list_communities(args["include_archived"])}


@blp.route("", methods=["POST"])
@login_required
@blp.arguments(CommunityCreateSchema())
@blp.response(201, CommunityDetailSchema)
def create_community(body):
    """Create a community (admins only). Audited.

    403 `forbidden`, 409 `community_code_taken`, 422 `validation_failed` (code other than 1-32
    letters, digits, `-` or `_`; empty name).
    """
    community = communities.create_community(g.user, body["code"], body["name"], body.get("subdistrict"))
    db.session.commit()
    return community


@blp.route("/import", methods=["POST"])
@login_required
@blp.arguments(CommunityImportSchema())
@blp.response(201, CommunityListSchema)
def import_communities(body):
    """Create every community of a CSV list, or none (admins only). Audited, one entry per community.

    Send the CSV as text (`csv`) or the file's bytes in base64 (`csv_base64`: UTF-8 with or without
    BOM, or GBK as Excel saves it, detected). Header row `code,name,subdistrict` (or 编码,名称,街道).
    The whole file is refused with 422 `community_csv_invalid`, `errors` naming each faulty line
    (`line 3`: a code repeated in the file or already taken, an empty name or code, a line in neither
    encoding), and nothing is created; an import never changes an existing community (rename it).
    403 `forbidden`. Answers the communities created, in file order.
    """
    created = communities.import_communities(g.user, body["csv"] if "csv" in body else body["csv_base64"])
    db.session.commit()
    return {"items": created}


@blp.route("/<id:community_id>", methods=["PATCH"])
@login_required
@blp.arguments(CommunityUpdateSchema())
@blp.response(200, CommunityDetailSchema)
def update_community(body, community_id):
    """Rename a community or change its sub-district (admins only; archived ones too). Its code never
    changes. Audited. 403 `forbidden`, 404 `community_not_found`, 422 `validation_failed`.
    """
    community = communities.update_community(g.user, community_id, body)
    db.session.commit()
    return community


@blp.route("/<id:community_id>/archive", methods=["POST"])
@login_required
@blp.response(200, CommunityDetailSchema)
def archive_community(community_id):
    """Archive a community (admins only; again changes nothing). Audited. It keeps its activities,
    sites, members, organizers and history, but takes no new activities, sites or members: those are
    refused with 409 `community_archived`. There is no un-archiving. 403 `forbidden`,
    404 `community_not_found`.
    """
    community = communities.archive_community(g.user, community_id)
    db.session.commit()
    return community


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
