"""The caller's own account."""

from flask import g
from flask_smorest import Blueprint

from server.api.files import inline_pdf
from server.api.security import login_required
from server.extensions import db
from server.schemas.attendance_record import AttendanceArgsSchema, AttendanceRecordSchema
from server.schemas.users import JoinSchema, MeUpdateSchema, UserSchema
from server.services import accounts, attendance_record, memberships, tokens, users

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


@blp.route("/attendance", methods=["GET"])
@login_required
@blp.arguments(AttendanceArgsSchema(), location="query")
@blp.response(200, AttendanceRecordSchema)
def my_attendance(args):
    """The activities I attended (was checked in at) in one calendar year, newest first, each saying
    whether a certificate of participation is available; `years` lists the years with any."""
    return attendance_record.list_attendance(g.user, args.get("year"))


@blp.route("/attendance/<id:registration_id>/certificate.pdf", methods=["GET"])
@login_required
@blp.alt_response(
    200, schema={"type": "string", "format": "binary"}, content_type="application/pdf", success=True,
    description="An A4 PDF 参加活动证明",
)
def my_certificate(registration_id):
    """My certificate of participation (参加活动证明) for an activity I attended: an A4 PDF with the
    activity, its date, my name and the issuing centre.

    404 `registration_not_found` (none, or another person's); 409 `not_attended` (not checked in),
    `certificate_not_enabled` (the organizer has not enabled certificates).
    """
    pdf, filename = attendance_record.certificate_for(g.user, registration_id)
    return inline_pdf(pdf, filename, "certificate")
