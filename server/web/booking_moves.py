"""The organizer's actions on one volunteer's booking: move it to another post or shift, or release it
(also after the volunteers' cancel cutoff) with a reason, through `services.booking_moves`.

`/console/bookings/<id>` shows the booking with the posts it can move to (the community's open shifts
of the coming days, full posts marked) and the release form; the forms post to `.../move` and
`.../release`, then return to `next` (the page they came from) with a flash message, or re-render the
booking's page with the refusal (field errors 422, a rule's refusal with its status) and nothing saved.
Rows of other tables offer the same forms through `console/_booking_actions.html`.
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.errors import DomainError, Forbidden, NotFound
from server.extensions import db
from server.localtime import to_local
from server.schemas.shifts import MoveBookingSchema, ReleaseBookingSchema
from server.services import booking_moves
from server.services.schedule_changes import person_name
from server.web.auth import _safe_next, console_login_required
from server.web.forms import FormErrors, digits_to_int, domain_error_as_form_errors, parse_form

bp = Blueprint("booking_moves", __name__)


def _back(booking):
    """Where an action returns: the page it came from, else the duty roster of the booking's day."""
    target = _safe_next(request.form.get("next") or request.args.get("next"))
    if target:
        return target
    return url_for("console.duty_roster.index", date=to_local(booking.shift.starts_at).date().isoformat())


def _page(booking_id, errors=None, status=200, form=None):
    booking = booking_moves.booking_for_organizer(g.user, booking_id, "查看该预约")
    targets = booking_moves.move_targets(g.user, booking)
    return render_template(
        "console/booking_actions.html",
        booking=booking,
        targets=targets,
        errors=errors or {},
        form=form or {},
        next=_safe_next(request.values.get("next")) or "",
        person_name=person_name,
    ), status


@bp.route("/bookings/<id:booking_id>")
@console_login_required
def show(booking_id):
    return _page(booking_id)


def _ints(names):
    """Form ids as integers for the API's strict schema (what is not a number stays text: refused in Chinese)."""
    values = {}
    for name in names:
        value = request.form.get(name, "").strip()
        if value:
            number = digits_to_int(value, max_digits=11)
            values[name] = number if number is not None else value
    return values


@bp.route("/bookings/<id:booking_id>/move", methods=["POST"])
@console_login_required
def move(booking_id):
    try:
        data = parse_form(MoveBookingSchema(), request.form, extra=_ints(("shift_id", "role_id")))
        booking = booking_moves.move_booking(g.user, booking_id, data["shift_id"], data["post_id"])
    except FormErrors as exc:
        db.session.rollback()
        return _page(booking_id, exc.errors, 422, request.form)
    except (Forbidden, NotFound) as exc:
        db.session.rollback()
        if exc.error in ("shift_not_found",):
            return _page(booking_id, {"_form": [exc.message]}, exc.status, request.form)
        raise
    except DomainError as exc:
        db.session.rollback()
        return _page(booking_id, domain_error_as_form_errors(exc), exc.status, request.form)
    shift = booking.shift
    message = (f"已将{person_name(booking.user)}调至 {shift.site.name} "
               f"{to_local(shift.starts_at):%m月%d日 %H:%M} 的“{booking.post.name}”岗位")
    target = _back(booking)
    db.session.commit()
    flash(message, "success")
    return redirect(target)


@bp.route("/bookings/<id:booking_id>/release", methods=["POST"])
@console_login_required
def release(booking_id):
    try:
        if not request.form.get("reason", "").strip():
            raise FormErrors({"reason": ["请填写释放原因"]})
        data = parse_form(ReleaseBookingSchema(), request.form)
        booking = booking_moves.release_booking(g.user, booking_id, data["reason"])
    except FormErrors as exc:
        db.session.rollback()
        return _page(booking_id, exc.errors, 422, request.form)
    except (Forbidden, NotFound):
        db.session.rollback()
        raise
    except DomainError as exc:
        db.session.rollback()
        return _page(booking_id, domain_error_as_form_errors(exc), exc.status, request.form)
    message = f"已释放{person_name(booking.user)}在“{booking.post.name}”岗位的预约，并已通知本人"
    target = _back(booking)
    db.session.commit()
    flash(message, "success")
    return redirect(target)
