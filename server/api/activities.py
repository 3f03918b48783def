"""Activities (党群活动): publish, browse, sign up, cancel, check in, rosters."""

from flask import g, jsonify
from flask_smorest import Blueprint

from server.api.checkin import checkin_code_body
from server.api.files import download, file_responses
from server.api.pages import list_response, overlay_mine, page_body
from server.api.security import (
    check_revocation_now, login_required, optional_user, optional_user_checked_by_view,
)
from server.extensions import db
from server.schemas.activities import (
    ActivityCreateSchema,
    ActivityPageSchema,
    ActivityQueryArgsSchema,
    ActivitySchema,
    ActivitySummarySchema,
    ActivityUpdateSchema,
    CancelledSchema,
    CancelSchema,
    CheckinCodeSchema,
    CheckinSchema,
    MyRegistrationArgsSchema,
    MyRegistrationPageSchema,
    PhoneSchema,
    RegisterSchema,
    RegistrationSchema,
    RosterCancelSchema,
    RosterFormatArgsSchema,
    RosterItemSchema,
    RosterSchema,
    WalkInSchema,
)
from server.services import activities, activity_checkin, activity_rosters, registrations
from server.services.my_registrations import list_my_registrations, my_registrations_for

blp = Blueprint("activities", __name__, url_prefix="/api/v1", description="Activities and registration")
REGISTRATION_SCHEMA = RegistrationSchema()  # laid over every list page: built once, not per request


@blp.route("/activities", methods=["GET"])
@optional_user_checked_by_view
@blp.arguments(ActivityQueryArgsSchema(), location="query")
@blp.response(200, ActivityPageSchema)
def list_activities(args):
    """Published activities, soonest first (ended ones only with `from`); `my_registration` when logged in.

    The public part of published pages is cached and invalidated by every change it shows; the caller's
    own sign-ups on them too. With an `ETag` of the exact answer: `If-None-Match` with it answers 304.
    """
    if args.get("status", "published") == "published":
        return list_response("activities", args, "my_registration", lambda: activity_page(None, args),
                             my_registrations_for, REGISTRATION_SCHEMA)
    check_revocation_now()
    page = activity_page(g.user, args)
    mine = my_registrations_for(g.user_id, [item["id"] for item in page["items"]])
    return jsonify(overlay_mine(page, "my_registration", mine, REGISTRATION_SCHEMA))


def activity_page(viewer, args):
    """A page of activities as JSON, the same for every caller `viewer` stands for: nothing of the
    caller's own is in it (published pages are computed for no one and shared through the cache)."""
    items, total = activities.list_activities(viewer, args)
    return page_body(ActivitySummarySchema(many=True).dump(items), total, args)


@blp.route("/activities/<id:activity_id>", methods=["GET"])
@optional_user
@blp.response(200, ActivitySchema)
def get_activity(activity_id):
    """One activity, with `my_registration` for the caller. Drafts: 404 except for their organizers."""
    return activities.get_activity_for(g.user, activity_id)


@blp.route("/activities", methods=["POST"])
@login_required
@blp.arguments(ActivityCreateSchema())
@blp.response(201, ActivitySchema)
def create_activity(data):
    """Create a draft in a community you organize. 403 `forbidden`; 422 `validation_failed`, `content_risky`."""
    activity = activities.create_activity(g.user, data)
    db.session.commit()
    return activities.as_seen_by(g.user, activity)


@blp.route("/activities/<id:activity_id>", methods=["PATCH"])
@login_required
@blp.arguments(ActivityUpdateSchema())
@blp.response(200, ActivitySchema)
def update_activity(changes, activity_id):
    """Edit an activity. Raising `capacity` promotes the waitlist (each promotion is notified).

    409 `capacity_below_confirmed`, `questions_locked` (the questions, once anyone signed up),
    `signup_mode_locked` (`signup_mode` or `draw_at` of a published activity), 409 `activity_not_open`
    (cancelled or finished), 422 `validation_failed` (times, a lottery's `draw_at`, the questions) or
    `content_risky` (title, description or venue), 403 `forbidden` (not an organizer of its community),
    404 `activity_not_found`.
    """
    activity = activities.update_activity(g.user, activity_id, changes)
    db.session.commit()
    return activities.as_seen_by(g.user, activity)


@blp.route("/activities/<id:activity_id>/publish", methods=["POST"])
@login_required
@blp.response(200, ActivitySchema)
def publish_activity(activity_id):
    """Publish a draft. 409 `activity_not_draft`, 403 `forbidden` (not an organizer of its community), 404 `activity_not_found`."""
    activity = activities.publish_activity(g.user, activity_id)
    db.session.commit()
    return activities.as_seen_by(g.user, activity)


@blp.route("/activities/<id:activity_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(CancelSchema())
@blp.response(200, ActivitySchema)
def cancel_activity(body, activity_id):
    """Cancel the activity; everyone registered or waitlisted gets a notice.

    409 `activity_not_open` (already cancelled or finished), 403 `forbidden` (not an organizer of its community), 404 `activity_not_found`.
    422 `content_risky` (the reason, refused by WeChat's content check).
    """
    activity = activities.cancel_activity(g.user, activity_id, body["reason"])
    db.session.commit()
    return activities.as_seen_by(g.user, activity)


@blp.route("/activities/<id:activity_id>/registrations", methods=["POST"])
@login_required
@blp.arguments(RegisterSchema())
@blp.response(201, RegistrationSchema)
@blp.alt_response(200, schema=RegistrationSchema, description="Already registered: the existing registration")
def register(body, activity_id):
    """Sign up (`confirmed` while places are free, else `waitlisted`; on a lottery an `entered` entry, on an
    activity that needs approval a `pending` sign-up); a second tap returns 200 with the same one.

    Errors: 403 `not_eligible`, 404 `activity_not_found`, 409 `signup_not_open`, `signup_closed`, `signup_rejected`,
    `capacity_full` (no waitlist), `activity_not_open` (cancelled or finished), 422 (too many companions),
    422 `content_risky` (a remark or text answer WeChat's content check refuses; nothing is saved), 422
    `validation_failed` with `errors` at `answers.<question id>` (answers that do not fit the questions).
    """
    registration, created = registrations.register_for_activity(
        g.user_id, activity_id, body["companions"], body["remark"], body["answers"]
    )
    db.session.commit()
    return registration, 201 if created else 200


@blp.route("/activities/<id:activity_id>/registrations/me", methods=["DELETE"])
@login_required
@blp.response(200, CancelledSchema)
def cancel_registration(activity_id):
    """Cancel my registration; the first waitlisted who fit are promoted and notified.

    Errors: 404 `registration_not_found`, 409 `cancel_cutoff_passed` (confirmed places only).
    """
    registrations.cancel_registration(g.user, activity_id)
    db.session.commit()
    return {"status": "cancelled"}


@blp.route("/me/registrations", methods=["GET"])
@login_required
@blp.arguments(MyRegistrationArgsSchema(), location="query")
@blp.response(200, MyRegistrationPageSchema)
def my_registrations(args):
    """My registrations with their activities: `upcoming` (default) or `past`."""
    return page_body(*list_my_registrations(g.user, args), args)


@blp.route("/activities/<id:activity_id>/checkin-code", methods=["GET"])
@login_required
@blp.response(200, CheckinCodeSchema)
def checkin_code(activity_id):
    """A rotating check-in token and the URL of its mini-program code image.

    409 `activity_not_open` (not published), 403 `forbidden` (not an organizer of its community), 404 `activity_not_found`.
    """
    _, token, expires_at = activity_checkin.make_checkin_code(g.user, activity_id)
    return checkin_code_body(token, expires_at)


@blp.route("/activities/<id:activity_id>/check-in", methods=["POST"])
@login_required
@blp.arguments(CheckinSchema())
@blp.response(200, RegistrationSchema)
def check_in(body, activity_id):
    """Check myself in with the scanned token (a scan made offline: with its device time `recorded_at`).

    409 `checkin_token_invalid`, `registration_not_confirmed`, `checkin_window_closed`,
    `checkin_token_expired`, `recorded_at_in_future`, `recorded_at_too_old`, `recorded_at_before_token`; 404.
    """
    registration = activity_checkin.check_in_with_token(g.user, activity_id, body["token"], body.get("recorded_at"))
    db.session.commit()
    return registration


@blp.route("/activities/<id:activity_id>/roster/<id:registration_id>/check-in", methods=["POST"])
@login_required
@blp.response(200, RegistrationSchema)
def check_in_by_organizer(activity_id, registration_id):
    """Check a registrant in by hand.

    404 `registration_not_found`, 409 `registration_not_confirmed`, 403 `forbidden` (not an organizer of its community), 404 `activity_not_found`.
    """
    registration = activity_checkin.check_in_by_organizer(g.user, activity_id, registration_id)
    db.session.commit()
    return registration


@blp.route("/activities/<id:activity_id>/roster", methods=["GET"])
@login_required
@blp.arguments(RosterFormatArgsSchema(), location="query")
@blp.response(200, RosterSchema)
@file_responses(blp, "`format=csv` (UTF-8 with BOM) or `format=xlsx`: a file with Chinese headers")
def roster(args, activity_id):
    """The roster: JSON with counts, or a CSV/XLSX file (every file export is audited).

    JSON shows every phone masked (reveal one with `POST .../roster/{registration_id}/phone`); files
    have full numbers for the community's own organizers (an admin gets them masked). `status` keeps
    the registrations of one status (`pending`: the sign-ups to approve).

    403 `forbidden` (not an organizer of its community), 404 `activity_not_found`.
    """
    if args["format"] == "json":
        return activity_rosters.activity_roster(
            g.user, activity_id, unreminded=args["unreminded"], status=args["status"]
        )
    exported = activity_rosters.export_activity_roster(g.user, activity_id, args["format"])
    db.session.commit()
    return download(exported.body, args["format"], exported.filename)


@blp.route("/activities/<id:activity_id>/roster/<id:registration_id>/phone", methods=["POST"])
@login_required
@blp.response(200, PhoneSchema)
def reveal_registration_phone(activity_id, registration_id):
    """Reveal one registrant's full phone number, to call them; every reveal is written to the audit log.

    Only the organizers of the activity's own community (admins see numbers masked and may not reveal
    them): 403 `forbidden`. 404 `activity_not_found`, `registration_not_found` (not on this roster).
    `phone` is null when the person has bound no number.
    """
    revealed = activity_rosters.reveal_registration_phone(g.user, activity_id, registration_id)
    db.session.commit()
    return revealed


@blp.route("/activities/<id:activity_id>/walk-ins", methods=["POST"])
@login_required
@blp.arguments(WalkInSchema())
@blp.response(201, RosterItemSchema)
def register_walk_in(body, activity_id):
    """Register a walk-in (代报名): someone without an account, by the name and phone the organizer types.

    Counted like any sign-up, through the same capacity rules: `confirmed` while `1 + companions` places
    are free, else `waitlisted` (or 409 `capacity_full` without a waitlist). The audience is not checked
    (the organizer vouches); nobody is notified or reminded. Returns the roster entry (phone masked).

    403 `forbidden` (not an organizer of its community), 404 `activity_not_found`, 409 `activity_not_open`,
    `signup_not_open`, `signup_closed`, `capacity_full`, `walk_in_duplicate` (the phone already holds a
    place on this activity), 422 `validation_failed`.
    """
    registration = registrations.register_walk_in(
        g.user, activity_id, body["name"], body["phone"], body["companions"], body["remark"], body["answers"]
    )
    db.session.commit()
    return activity_rosters.entry_of(registration)


@blp.route("/activities/<id:activity_id>/roster/<id:registration_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(RosterCancelSchema())
@blp.response(200, CancelledSchema)
def cancel_registration_for(body, activity_id, registration_id):
    """Cancel someone's registration (or waitlist spot) on their behalf, with a reason (organizers).

    The waitlist moves up (each promotion is notified); the person, if they have an account, is told
    with the reason; the cancellation is audited. The cancel cutoff does not bind organizers.

    403 `forbidden` (not an organizer of its community), 404 `activity_not_found`, `registration_not_found`
    (not on this roster, or already cancelled), 422 `content_risky` (the reason), `validation_failed`.
    """
    registrations.cancel_registration_for(g.user, activity_id, registration_id, body["reason"])
    db.session.commit()
    return {"status": "cancelled"}
