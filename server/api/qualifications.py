"""Requirements per post (岗位要求): qualifications an organizer grants, and my health declaration."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.localtime import local_today
from server.schemas.qualifications import (
    GrantSchema,
    HeldQualificationSchema,
    HolderListSchema,
    MemberQualificationsSchema,
    MyQualificationsSchema,
    QualificationCreateSchema,
    QualificationListSchema,
    QualificationSchema,
    QualificationUpdateSchema,
)
from server.schemas.shifts import HealthDeclarationBodySchema, HealthDeclarationSchema, TodaysDeclarationSchema
from server.services import health_declarations, qualifications

blp = Blueprint(
    "qualifications", __name__, url_prefix="/api/v1",
    description="Requirements per post: qualifications, health declarations",
)


@blp.route("/communities/<id:community_id>/qualifications", methods=["GET"])
@login_required
@blp.response(200, QualificationListSchema)
def list_qualifications(community_id):
    """The community's qualifications, by name, each with how many hold it today (organizers). Added after v1.

    403 `forbidden`, 404 `community_not_found`.
    """
    return {"items": qualifications.list_qualifications(g.user, community_id)}


@blp.route("/communities/<id:community_id>/qualifications", methods=["POST"])
@login_required
@blp.arguments(QualificationCreateSchema())
@blp.response(201, QualificationSchema)
def create_qualification(body, community_id):
    """Define a qualification of a community you organize (e.g. 核酸采样点登记培训). Audited. Added after v1.

    403 `forbidden`, 404 `community_not_found`, 409 `qualification_exists`, `community_archived`,
    422 (`content_risky`: name or note).
    """
    qualification = qualifications.create_qualification(g.user, community_id, body)
    db.session.commit()
    return qualification


@blp.route("/qualifications/<id:qualification_id>", methods=["PATCH"])
@login_required
@blp.arguments(QualificationUpdateSchema())
@blp.response(200, QualificationSchema)
def update_qualification(changes, qualification_id):
    """Rename a qualification or edit its note (posts requiring it show the new name). Audited. Added after v1.

    403 `forbidden`, 404 `qualification_not_found`, 409 `qualification_exists`, 422.
    """
    qualification = qualifications.update_qualification(g.user, qualification_id, changes)
    db.session.commit()
    return qualification


@blp.route("/qualifications/<id:qualification_id>/holders", methods=["GET"])
@login_required
@blp.response(200, HolderListSchema)
def list_holders(qualification_id):
    """Who holds the qualification (not revoked; expired grants flagged), phones masked. Added after v1.

    403 `forbidden`, 404 `qualification_not_found`.
    """
    qualification, items = qualifications.holders(g.user, qualification_id)
    return {"qualification": qualification, "items": items}


@blp.route("/qualifications/<id:qualification_id>/grants", methods=["POST"])
@login_required
@blp.arguments(GrantSchema())
@blp.response(200, HeldQualificationSchema)
def grant_qualification(body, qualification_id):
    """Grant a qualification to a member of its community (claimed or confirmed), optionally until
    `expires_on`; granting again renews it. Audited. Added after v1.

    403 `forbidden`, 404 `qualification_not_found`, `membership_not_found`, 422 (`expires_on` in the past).
    """
    qualifications.grant(g.user, qualification_id, body["user_id"], body["expires_on"])
    db.session.commit()
    return _held_by(body["user_id"], qualification_id)


@blp.route("/qualifications/<id:qualification_id>/grants/<id:user_id>", methods=["DELETE"])
@login_required
@blp.response(200, HeldQualificationSchema)
def revoke_qualification(qualification_id, user_id):
    """Revoke a member's qualification. Bookings already made stay; the roster flags them
    (`qualification_missing`) for the organizer to move or release. Revoking what is not held changes
    nothing. Audited. Added after v1.

    403 `forbidden`, 404 `qualification_not_found`.
    """
    qualifications.revoke(g.user, qualification_id, user_id)
    db.session.commit()
    return _held_by(user_id, qualification_id)


def _held_by(user_id, qualification_id):
    qualification = db.session.get(qualifications.Qualification, qualification_id)
    row = qualifications.grant_row(qualification_id, user_id)
    return qualifications.held(qualification, row, local_today())


@blp.route("/communities/<id:community_id>/members/<id:user_id>/qualifications", methods=["GET"])
@login_required
@blp.response(200, MemberQualificationsSchema)
def member_qualifications(community_id, user_id):
    """Every qualification of the community, each saying whether the member holds it (organizers). Added after v1.

    403 `forbidden`, 404 `community_not_found`, `membership_not_found`.
    """
    member, items = qualifications.member_qualifications(g.user, community_id, user_id)
    return {"member": member, "items": items}


@blp.route("/me/qualifications", methods=["GET"])
@login_required
@blp.response(200, MyQualificationsSchema)
def my_qualifications():
    """The qualifications granted to me, not revoked (expired ones flagged). Added after v1."""
    return {"items": qualifications.my_qualifications(g.user)}


@blp.route("/me/health-declaration", methods=["GET"])
@login_required
@blp.response(200, TodaysDeclarationSchema)
def todays_declaration():
    """My health declaration (健康申报) of today (local date), or null. Added after v1."""
    return {"declaration": health_declarations.declaration_for(g.user.id, health_declarations.declaration_day())}


@blp.route("/me/health-declaration", methods=["POST"])
@login_required
@blp.arguments(HealthDeclarationSchema())
@blp.response(200, HealthDeclarationBodySchema)
def declare(body):
    """Make (or replace) today's health declaration: three yes/no answers. Saved whatever the answers;
    one saying unwell refuses, that day, the posts asking for a declaration. Kept 14 days. Added after v1."""
    declaration = health_declarations.declare(g.user, body)
    db.session.commit()
    return declaration
