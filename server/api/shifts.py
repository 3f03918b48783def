"""Volunteer shifts (志愿值守): sites, shifts, bookings, check-in and check-out, hours, duty rosters."""

from flask import g, jsonify
from flask_smorest import Blueprint

from server.api.checkin import checkin_code_body
from server.api.files import download, file_responses
from server.api.pages import list_response, overlay_mine, page_body
from server.api.security import (
    check_revocation_now, check_revocation_with, login_required, login_required_checked_by_view, optional_user,
    optional_user_checked_by_view,
)
from server.extensions import db
from server.schemas.activities import (
    CancelledSchema,
    CancelSchema,
    CheckinCodeSchema,
    PhoneSchema,
    RosterFormatArgsSchema,
)
from server.schemas.shifts import (
    BookingSchema,
    BookSchema,
    CheckSchema,
    DutyRosterArgsSchema,
    DutyRosterSchema,
    HoursReportArgsSchema,
    HoursReportSchema,
    HoursSchema,
    MoveBookingSchema,
    MyBookingPageSchema,
    MyShiftArgsSchema,
    ReleaseBookingSchema,
    ShiftBatchSchema,
    ShiftCreateSchema,
    ShiftListSchema,
    ShiftPageSchema,
    ShiftQueryArgsSchema,
    ShiftRosterSchema,
    ShiftSchema,
    ShiftSummarySchema,
    ShiftUpdateSchema,
    SiteCreateSchema,
    SitePageSchema,
    SiteQueryArgsSchema,
    SiteSchema,
    SiteUpdateSchema,
)
from server.services import (
    attendance, booking_moves, bookings, cache, shift_changes, shift_planning, shift_rosters, sites,
)

blp = Blueprint("shifts", __name__, url_prefix="/api/v1", description="Volunteer shifts")
BOOKING_SCHEMA = BookingSchema()  # used on every list page and booking: built once, not per request


# --- sites -------------------------------------------------------------------------------------------


@blp.route("/sites", methods=["GET"])
@blp.arguments(SiteQueryArgsSchema(), location="query")
@blp.response(200, SitePageSchema)
def list_sites(args):
    """Sites (卡口, 核酸采样点, 测温点 ...) that are not archived, by community and name."""
    return page_body(*sites.list_sites(args), args)


@blp.route("/sites", methods=["POST"])
@login_required
@blp.arguments(SiteCreateSchema())
@blp.response(201, SiteSchema)
def create_site(data):
    """Add a site to a community you organize. 403 `forbidden`; 422 `validation_failed`, `content_risky`."""
    site = sites.create_site(g.user, data)
    db.session.commit()
    return site


@blp.route("/sites/<id:site_id>", methods=["PATCH"])
@login_required
@blp.arguments(SiteUpdateSchema())
@blp.response(200, SiteSchema)
def update_site(changes, site_id):
    """Edit a site. A new name or address sends each volunteer booked on its shifts that have not ended
    a `schedule_changed` message. 403 `forbidden`, 404 `site_not_found`, 422 `content_risky`."""
    site = sites.update_site(g.user, site_id, changes)
    db.session.commit()
    return site


@blp.route("/sites/<id:site_id>/checkin-code", methods=["GET"])
@login_required
@blp.response(200, CheckinCodeSchema)
def site_checkin_code(site_id):
    """The site's rotating check-in token and its mini-program code image, for volunteers to scan.

    403 `forbidden`, 404 `site_not_found`, 409 `site_archived`.
    """
    _, token, expires_at = sites.make_site_checkin_code(g.user, site_id)
    return checkin_code_body(token, expires_at)


# --- shifts ------------------------------------------------------------------------------------------


@blp.route("/shifts", methods=["GET"])
@optional_user_checked_by_view
@blp.arguments(ShiftQueryArgsSchema(), location="query")
@blp.response(200, ShiftPageSchema)
def list_shifts(args):
    """Open shifts that have not ended, soonest first, with free places per post; `my_booking` when logged in.

    `near=<lat>,<lng>` (GCJ-02): nearest site first, each item with `distance_m` (null for a site without
    coordinates: those come last), then soonest first; such pages are not cached (each caller's point
    differs). The public part of other pages is cached and invalidated by every change it shows; the
    caller's own bookings on them too. With an `ETag` of the exact answer: `If-None-Match` with it answers 304.
    """

    def compute():
        items, total = shift_planning.list_shifts(args)
        body = page_body(ShiftSummarySchema(many=True).dump(items), total, args)
        if args.get("near"):
            distances = shift_planning.site_distances({shift.site_id for shift in items}, args["near"])
            for item, shift in zip(body["items"], items):
                item["distance_m"] = distances.get(shift.site_id)
        return body

    if not args.get("near"):
        return list_response("shifts", args, "my_booking", compute, bookings.my_bookings_for, BOOKING_SCHEMA)
    check_revocation_now()
    page = compute()
    mine = bookings.my_bookings_for(g.user_id, [item["id"] for item in page["items"]])
    return jsonify(overlay_mine(page, "my_booking", mine, BOOKING_SCHEMA))


@blp.route("/shifts/<id:shift_id>", methods=["GET"])
@optional_user
@blp.response(200, ShiftSchema)
def get_shift(shift_id):
    """One shift with its posts. 404 `shift_not_found`."""
    return bookings.shift_for_viewer(g.user, shift_planning.get_shift(shift_id))


@blp.route("/shifts", methods=["POST"])
@login_required
@blp.arguments(ShiftCreateSchema())
@blp.response(201, ShiftSchema)
def create_shift(data):
    """Create one shift with its posts at a site of your community.

    403 `forbidden`, 404 `site_not_found`, 409 `shift_exists` (same site and times), `site_archived`, 422 (times, or
    `starts_at` already passed; `content_risky`: notes).
    """
    shift = shift_planning.create_shift(g.user, data)
    db.session.commit()
    return bookings.shift_for_viewer(g.user, shift)


@blp.route("/shifts/batch", methods=["POST"])
@login_required
@blp.arguments(ShiftBatchSchema())
@blp.response(201, ShiftListSchema)
def create_shift_batch(data):
    """One shift per date and slot (local times; an end at or before the start is the next day), all or none.

    403 `forbidden`, 404 `site_not_found`, 409 `shift_exists`, `site_archived`, 422 (over 200 shifts, overlapping slots,
    a slot that has already started: on `dates`).
    """
    created = shift_planning.create_shift_batch(g.user, data)
    db.session.commit()
    return {"items": bookings.shifts_for_viewer(g.user, created)}


@blp.route("/shifts/<id:shift_id>", methods=["PATCH"])
@login_required
@blp.arguments(ShiftUpdateSchema())
@blp.response(200, ShiftSchema)
def update_shift(changes, shift_id):
    """Move a shift or edit its notes and eligibility (added after v1 of the contract).

    A move, or making the shift party-members-only, is refused with 409 `schedule_change_refused` when
    it would break a booked volunteer's rules (overlap, rest, the fatigue limit, party members only);
    the message names up to 3 of them. An accepted move moves their reminders and sends each a
    `schedule_changed` notice. `roles` sets posts' requirements (a qualification of the site's
    community, a health declaration at booking or check-in); bookings already made stay, and the
    roster flags who lacks them. 403 `forbidden`, 404 `shift_not_found`, 409 `shift_exists`,
    `shift_not_open`, 422 (times, a new start in the past; `content_risky`: notes; `roles`: a post of
    another shift, a qualification of another community).
    """
    shift = shift_changes.update_shift(g.user, shift_id, changes)
    db.session.commit()
    return bookings.shift_for_viewer(g.user, shift)


@blp.route("/shifts/<id:shift_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(CancelSchema())
@blp.response(200, ShiftSchema)
def cancel_shift(body, shift_id):
    """Cancel a shift; every booked volunteer gets a notice.

    A shift that has started is ended early instead: its `ends_at` becomes now, volunteers checked in
    are checked out now with their minutes credited, and bookings nobody checked in to are cancelled
    (those volunteers get the notice). 403 `forbidden`, 404 `shift_not_found`, 409 `shift_not_open`
    (already cancelled), `shift_ended`, 422 `content_risky` (the reason, refused by WeChat's
    content check).
    """
    shift = shift_changes.cancel_shift(g.user, shift_id, body["reason"])
    db.session.commit()
    return bookings.shift_for_viewer(g.user, shift)


# --- bookings ----------------------------------------------------------------------------------------


@blp.route("/shifts/<id:shift_id>/bookings", methods=["POST"])
@login_required_checked_by_view
@blp.arguments(BookSchema())
@blp.response(201, BookingSchema)
@blp.alt_response(200, schema=BookingSchema, description="Already booked on this post: the same booking")
def book(body, shift_id):
    """Book a post on a shift.

    A post asking for a same-day health declaration at booking (`health_declaration`: `booking`) needs
    today's, sent as `health_declaration` or made earlier today (`POST /me/health-declaration`).

    Errors: 403 `not_eligible` (party members only), `qualification_required` (the post's
    `required_qualification` not held on the shift's day), 404 `shift_not_found`, 409 `role_full`,
    `health_declaration_required`, `health_declaration_unwell`,
    `shift_overlap` (a booking of yours overlaps), `shift_started`, `already_booked` (another post on
    this shift), `daily_limit_exceeded` (over MAX_SHIFT_MINUTES_PER_DAY inside some 24 hours),
    `rest_too_short` (under MIN_REST_MINUTES_BETWEEN_SHIFTS from another of yours), `shift_not_open`, 422.
    A full post is answered `role_full` before your overlap and daily limit are checked.
    """
    # One Redis round trip: the token's revocation marks and the post's full mark (`bookings.refuse_full_post`).
    mark = cache.read_post_mark(shift_id, body["post_id"], g.user_id, along=g.revocation_keys)
    check_revocation_with(mark)  # None (Redis down or a bump owed): no mark, and its own call (503 if down)
    booking, created = bookings.book_shift(g.user_id, shift_id, body["post_id"], body["health_declaration"], mark)
    response = jsonify(BOOKING_SCHEMA.dump(booking))  # before the commit expires it: no reload after
    db.session.commit()
    return response, 201 if created else 200


@blp.route("/shifts/<id:shift_id>/bookings/me", methods=["DELETE"])
@login_required
@blp.response(200, CancelledSchema)
def cancel_booking(shift_id):
    """Cancel my booking. 404 `booking_not_found`; 409 `cancel_cutoff_passed` (SHIFT_CANCEL_CUTOFF_MINUTES)."""
    bookings.cancel_booking(g.user, shift_id)
    db.session.commit()
    return {"status": "cancelled"}


@blp.route("/shift-bookings/<id:booking_id>/check-in", methods=["POST"])
@login_required
@blp.arguments(CheckSchema())
@blp.response(200, BookingSchema)
def check_in(body, booking_id):
    """Check in: the volunteer sends the site's scanned `token` and, at a site with coordinates, `location`
    (within the site's radius; docs/api.md "On-site check-in"); an organizer checking someone else in by
    hand needs no token but a `reason` (audited, marked `manual`), and may give `at`.

    Allowed from 60 minutes before the start until the end. A scan made offline sends its device time
    `recorded_at` with the token (rules applied at that time; sent again: 200, the booking as it stands).
    A post asking for a health declaration at check-in needs, for a volunteer's own check-in, a fit one
    of that day: sent as `health_declaration` or made earlier (`POST /me/health-declaration`).
    403, 404 `booking_not_found`, 409 `checkin_token_invalid`, `checkin_window_closed`,
    `health_declaration_required`, `health_declaration_unwell`,
    `booking_not_active`, `shift_not_open`, `checkin_token_expired`, `recorded_at_in_future`,
    `recorded_at_too_old`, `recorded_at_before_token`, `too_far_from_site`, `location_inaccurate`;
    422 `location_required`, `validation_failed` (`reason` missing for a manual check-in).
    """
    booking = attendance.check_in(
        g.user, booking_id, body.get("token"), body.get("at"), body.get("recorded_at"), body.get("location"),
        body.get("reason"), body.get("health_declaration"),
    )
    db.session.commit()
    return booking


@blp.route("/shift-bookings/<id:booking_id>/check-out", methods=["POST"])
@login_required
@blp.arguments(CheckSchema())
@blp.response(200, BookingSchema)
def check_out(body, booking_id):
    """Check out; the minutes worked inside the shift's window are credited to the volunteer.

    Volunteers up to 2 hours after the end (organizers any time, with `at`); a scan made offline sends
    its device time `recorded_at`, and is credited up to it. 403, 404, 409 `not_checked_in`,
    `checkin_token_invalid`, `checkin_window_closed`, `booking_not_active`, `checkin_token_expired`,
    `recorded_at_in_future`, `recorded_at_too_old`, `recorded_at_before_token`, `too_far_from_site`,
    `location_inaccurate`; 422 `location_required`, `validation_failed`. A volunteer at a site with
    coordinates sends `location`, as at check-in.
    """
    booking = attendance.check_out(
        g.user, booking_id, body.get("token"), body.get("at"), body.get("recorded_at"), body.get("location")
    )
    db.session.commit()
    return booking


@blp.route("/shift-bookings/<id:booking_id>/no-show", methods=["POST"])
@login_required
@blp.response(200, BookingSchema)
def no_show(booking_id):
    """Mark a volunteer who did not come. 403, 404, 409 `already_checked_in`, `shift_not_started`, `booking_not_active`."""
    booking = attendance.mark_no_show(g.user, booking_id)
    db.session.commit()
    return booking


@blp.route("/shift-bookings/<id:booking_id>/move", methods=["POST"])
@login_required
@blp.arguments(MoveBookingSchema())
@blp.response(200, BookingSchema)
def move_booking(body, booking_id):
    """An organizer moves a volunteer to another post of the shift, or to a post of another shift of the
    community (added after v1 of the contract). Returns the booking now held (a move to another shift
    cancels this booking and books the target). The target post must have room; to another shift, the
    volunteer's overlap, rest and 24-hour rules apply, leaving out the booking moved. Reminders follow
    and the volunteer gets a `schedule_changed` notice; audited.

    403 `forbidden`, `not_eligible` (party members only), `qualification_required`; 404 `booking_not_found`,
    `shift_not_found`;
    409 `role_full`, `already_booked`, `booking_not_active`, `already_checked_in`, `shift_started`,
    `shift_not_open`, `shift_overlap`, `rest_too_short`, `daily_limit_exceeded`; 422.
    """
    booking = booking_moves.move_booking(g.user, booking_id, body["shift_id"], body["post_id"])
    response = jsonify(BOOKING_SCHEMA.dump(booking))
    db.session.commit()
    return response


@blp.route("/shift-bookings/<id:booking_id>/release", methods=["POST"])
@login_required
@blp.arguments(ReleaseBookingSchema())
@blp.response(200, BookingSchema)
def release_booking(body, booking_id):
    """An organizer releases a volunteer's booking with a reason, also after SHIFT_CANCEL_CUTOFF_MINUTES
    (volunteers cannot cancel then). The place is freed, the volunteer gets a `cancelled_by_organizer`
    notice with the reason; audited. Added after v1 of the contract.

    403 `forbidden`; 404 `booking_not_found`; 409 `booking_not_active`, `already_checked_in`,
    `shift_not_open`, `shift_ended`; 422 (`reason` missing or blank; `content_risky`).
    """
    booking = booking_moves.release_booking(g.user, booking_id, body["reason"])
    response = jsonify(BOOKING_SCHEMA.dump(booking))
    db.session.commit()
    return response


@blp.route("/me/shifts", methods=["GET"])
@login_required
@blp.arguments(MyShiftArgsSchema(), location="query")
@blp.response(200, MyBookingPageSchema)
def my_shifts(args):
    """My bookings with their shifts: `upcoming` (default) or `past`."""
    return page_body(*bookings.list_my_shifts(g.user, args), args)


@blp.route("/me/hours", methods=["GET"])
@login_required
@blp.response(200, HoursSchema)
def my_hours():
    """My confirmed volunteer minutes, in total and by month; minutes still waiting for confirmation;
    each checked-out shift with its figure, status (待确认/已确认/已更正) and latest query (申诉)."""
    return attendance.my_hours(g.user)


# --- rosters -----------------------------------------------------------------------------------------


@blp.route("/shifts/<id:shift_id>/roster", methods=["GET"])
@login_required
@blp.arguments(RosterFormatArgsSchema(), location="query")
@blp.response(200, ShiftRosterSchema)
@file_responses(blp, "`format=csv` or `format=xlsx`: a file with Chinese headers")
def shift_roster(args, shift_id):
    """Booked volunteers per post with check-in and check-out times (files are audited).

    JSON shows every phone masked (reveal one with `POST /shift-bookings/{id}/phone`); files have full
    numbers for the community's own organizers. 403 `forbidden`, 404 `shift_not_found`.
    """
    if args["format"] == "json":
        return shift_rosters.shift_roster(g.user, shift_id, args["unreminded"])
    file = shift_rosters.export_shift_roster(g.user, shift_id, args["format"], args["unreminded"])
    db.session.commit()
    return download(file.body, args["format"], file.filename)


@blp.route("/rosters/shifts", methods=["GET"])
@login_required
@blp.arguments(DutyRosterArgsSchema(), location="query")
@blp.response(200, DutyRosterSchema)
@file_responses(blp, "`format=csv` or `format=xlsx`: the printable 排班表")
def duty_roster(args):
    """The day's duty roster (排班表) across all sites of a community: site, time, post, name, phone, status.

    Open posts appear as 空缺 rows in files. JSON shows every phone masked (reveal one with
    `POST /shift-bookings/{id}/phone`); files have full numbers for the community's own organizers.
    403 `forbidden`, 422 (no community given and you organize several).
    """
    if args["format"] == "json":
        return shift_rosters.duty_roster(g.user, args.get("community_id"), args.get("date"))
    file = shift_rosters.export_duty_roster(g.user, args["format"], args.get("community_id"), args.get("date"))
    db.session.commit()
    return download(file.body, args["format"], file.filename)


@blp.route("/rosters/hours", methods=["GET"])
@login_required
@blp.arguments(HoursReportArgsSchema(), location="query")
@blp.response(200, HoursReportSchema)
@file_responses(blp, "`format=csv` or `format=xlsx`")
def hours_report(args):
    """Volunteer hours per person and shift, in the columns re-entered into the official volunteer system
    (name, phone, date, site, post, start, end, hours). Start and end are the credited interval.

    JSON shows phones masked; files have full numbers for the community's own organizers.
    Added after v1 of the contract. 403 `forbidden`, 422.
    """
    community_id, date_from, date_to = args.get("community_id"), args["date_from"], args["date_to"]
    if args["format"] == "json":
        return shift_rosters.hours_report(g.user, community_id, date_from, date_to)
    file = shift_rosters.export_hours_report(g.user, args["format"], community_id, date_from, date_to)
    db.session.commit()
    return download(file.body, args["format"], file.filename)


@blp.route("/shift-bookings/<id:booking_id>/phone", methods=["POST"])
@login_required
@blp.response(200, PhoneSchema)
def reveal_booking_phone(booking_id):
    """Reveal one booked volunteer's full phone number, to call them; every reveal is written to the audit log.

    Only the organizers of the site's own community (admins see numbers masked and may not reveal
    them): 403 `forbidden`. 404 `booking_not_found` (no such booking, or a cancelled one).
    `phone` is null when the volunteer has bound no number.
    """
    revealed = shift_rosters.reveal_booking_phone(g.user, booking_id)
    db.session.commit()
    return revealed
