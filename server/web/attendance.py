"""Checking a volunteer in by hand from the console (组织者代签到): the form on each booked row of a
shift's bookings and of the duty roster (`console/_booking_actions.html`), while the shift's check-in
is open. It goes through `services.attendance.check_in` like the API's: a reason is required (1 to
200 characters), the booking is marked `manual` with it, and the action is audited. A refusal re-renders
the booking's page (`booking_moves`) with why at its top, nothing saved, and its own forms empty.

Rosters say how each check-in was made (`checkin_method` template filter: 扫码 with the distance from
the site, 位置未核验, or 组织者代签 with the reason).
"""

from datetime import timedelta

from flask import Blueprint, flash, g, redirect, request

from server.errors import DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models.base import utcnow
from server.services import attendance
from server.services.schedule_changes import person_name
from server.services.shift_rosters import checkin_method_text
from server.web.auth import console_login_required
from server.web.booking_moves import _back, _page

bp = Blueprint("attendance", __name__)


@bp.app_template_global("checkin_open")
def checkin_open(shift):
    """The shift's check-in is open now: from CHECKIN_EARLY_MINUTES before its start to its end."""
    now = utcnow()
    early = timedelta(minutes=attendance.CHECKIN_EARLY_MINUTES)
    return shift.status == "open" and shift.starts_at - early <= now <= shift.ends_at


@bp.app_template_filter("checkin_method")
def checkin_method(volunteer):
    return checkin_method_text(volunteer)


@bp.route("/bookings/<id:booking_id>/check-in", methods=["POST"])
@console_login_required
def check_in(booking_id):
    try:
        # The reason's rule (1 to 200 characters) is the service's, as for the API.
        booking = attendance.check_in(g.user, booking_id, reason=request.form.get("reason", ""))
    except (Forbidden, NotFound):
        db.session.rollback()
        raise
    except DomainError as exc:
        db.session.rollback()
        why = (exc.errors or {}).get("reason", [exc.message])[0] if isinstance(exc, ValidationFailed) else exc.message
        # The booking's page has no 代签到 form: the refusal is said at its top, and the typed reason is
        # not carried into its 释放原因 field (one click there would release the volunteer).
        return _page(booking_id, {"_form": ["代签到未完成：" + why]}, exc.status, {})
    message = f"已为{person_name(booking.user)}代为签到（{booking.post.name}）"
    target = _back(booking)
    db.session.commit()
    flash(message, "success")
    return redirect(target)
