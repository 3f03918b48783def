"""The organizer's decision on a swap (换班) claimed near the start: approve or reject it (with a reason),
through `services.swaps`. The swaps of a shift, and these forms, are on the shift's page
(`console/_shift_swaps.html`); a refusal re-renders that page with the message, nothing saved."""

from flask import Blueprint, flash, g, redirect, request, url_for

from server.errors import DomainError
from server.extensions import db
from server.schemas.swaps import SwapRejectSchema
from server.services import swaps
from server.services.schedule_changes import person_name
from server.web.auth import console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, parse_form
from server.web.shifts import _render_shift

bp = Blueprint("swaps", __name__)


def _shift_id(swap_id):
    swap = swaps.get_swap(g.user, swap_id)
    if not g.user.organizes(swap.shift.site.community_id):
        raise swaps.swap_not_found()
    return swap.shift_id


@bp.route("/swaps/<id:swap_id>/approve", methods=["POST"])
@console_login_required
def approve(swap_id):
    shift_id = _shift_id(swap_id)
    try:
        swap = swaps.approve_swap(g.user, swap_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_shift(shift_id, swap_errors=domain_error_as_form_errors(exc), status=exc.status)
    message = f"已同意换班：{person_name(swap.taker)}接替{person_name(swap.giver)}的“{swap.booking.post.name}”岗位"
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("console.shifts.show", shift_id=shift_id) + "#shift-swaps")


@bp.route("/swaps/<id:swap_id>/reject", methods=["POST"])
@console_login_required
def reject(swap_id):
    shift_id = _shift_id(swap_id)
    try:
        if not request.form.get("reason", "").strip():
            raise FormErrors({"_form": ["请填写不同意的原因"]})
        data = parse_form(SwapRejectSchema(), request.form)
        swaps.reject_swap(g.user, swap_id, data["reason"])
    except FormErrors as exc:
        db.session.rollback()
        errors = exc.errors if "_form" in exc.errors else {"_form": ["原因须为 1 到 200 个字"]}
        return _render_shift(shift_id, swap_errors=errors, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_shift(shift_id, swap_errors=domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash("已不同意该换班，双方已收到通知", "success")
    return redirect(url_for("console.shifts.show", shift_id=shift_id) + "#shift-swaps")
