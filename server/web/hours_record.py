"""Hours as a record in the console: confirm a shift's hours, correct one person's figure with a
reason and see its history, answer volunteers' queries (申诉). The rules are `services.hours_record`.

`POST /console/shifts/<id>/hours/confirm`: every checked-out, pending booking of the shift (back to the
shift page). `/console/shift-bookings/<id>/hours`: a figure, its history and the correction form.
`/console/hours/queries`: the open queries of the organizer's communities, each with an answer form
(optionally correcting the figure).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.errors import DomainError
from server.extensions import db
from server.models import HoursQuery
from server.services import hours_record
from server.services.hours_record import STATUS_ZH
from server.web.auth import console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, text_to_int

bp = Blueprint("hours_record", __name__)


def _minutes(form, name, required):
    """A form's minutes field: an integer 0..1440, or None when optional and empty; raises FormErrors."""
    raw = form.get(name, "").strip()
    if not raw and not required:
        return None
    value = text_to_int(raw)
    if not isinstance(value, int) or not 0 <= value <= hours_record.MAX_CORRECTED_MINUTES:
        raise FormErrors({name: [f"请填写 0 至 {hours_record.MAX_CORRECTED_MINUTES} 之间的分钟数"]})
    return value


def _text(form, name, message):
    text = form.get(name, "").strip()
    if not text or len(text) > 200:
        raise FormErrors({name: [message]})
    return text


@bp.route("/shifts/<id:shift_id>/hours/confirm", methods=["POST"])
@console_login_required
def confirm(shift_id):
    try:
        result = hours_record.confirm_shift(g.user, shift_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
        return redirect(url_for("console.shifts.show", shift_id=shift_id))
    db.session.commit()
    message = f"已确认 {result['confirmed']} 人的时长，共 {result['minutes'] / 60:.2f} 小时"
    if result["not_checked_out"]:
        message += f"；另有 {result['not_checked_out']} 人已签到未签退，请先为其签退"
    flash(message, "success")
    return redirect(url_for("console.shifts.show", shift_id=shift_id))


def _render_booking(booking_id, errors=None, values=None, status=200):
    booking, changes = hours_record.history(g.user, booking_id)
    if not g.user.organizes(booking.shift.site.community_id):
        from server.errors import Forbidden

        raise Forbidden("forbidden", "只有该社区的组织者可以查看时长记录")
    queries = db.session.scalars(
        db.select(HoursQuery).where(HoursQuery.booking_id == booking.id).order_by(HoursQuery.id)
    ).all()
    return render_template(
        "console/hours_booking.html", booking=booking, changes=changes, queries=queries,
        figure=hours_record.figure(booking), status_zh=STATUS_ZH, errors=errors or {}, values=values or {},
    ), status


@bp.route("/shift-bookings/<id:booking_id>/hours", methods=["GET"])
@console_login_required
def booking(booking_id):
    return _render_booking(booking_id)


@bp.route("/shift-bookings/<id:booking_id>/hours", methods=["POST"])
@console_login_required
def correct(booking_id):
    values = {"minutes": request.form.get("minutes", ""), "reason": request.form.get("reason", "")}
    try:
        minutes = _minutes(request.form, "minutes", required=True)
        reason = _text(request.form, "reason", "请填写更正原因（最多 200 字）")
        hours_record.correct(g.user, booking_id, minutes, reason)
    except FormErrors as exc:
        db.session.rollback()
        return _render_booking(booking_id, exc.errors, values, 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_booking(booking_id, domain_error_as_form_errors(exc), values, exc.status)
    db.session.commit()
    flash("时长已更正，原记录保留在历史中", "success")
    return redirect(url_for(".booking", booking_id=booking_id))


def _render_queries(errors=None, failed_id=None, values=None, status=200):
    queries = hours_record.open_queries(g.user)
    return render_template(
        "console/hours_queries.html", queries=queries, figure=hours_record.figure, status_zh=STATUS_ZH,
        errors=errors or {}, failed_id=failed_id, values=values or {},
    ), status


@bp.route("/hours/queries", methods=["GET"])
@console_login_required
def queries():
    return _render_queries()


@bp.route("/hours/queries/<id:query_id>/answer", methods=["POST"])
@console_login_required
def answer(query_id):
    values = {"answer": request.form.get("answer", ""), "minutes": request.form.get("minutes", "")}
    hours_record.query_to_answer(g.user, query_id)  # 404, 403 before anything typed is read
    try:
        text = _text(request.form, "answer", "请填写答复（最多 200 字）")
        minutes = _minutes(request.form, "minutes", required=False)
        hours_record.answer(g.user, query_id, text, minutes)
    except FormErrors as exc:
        db.session.rollback()
        return _render_queries(exc.errors, query_id, values, 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_queries(domain_error_as_form_errors(exc), query_id, values, exc.status)
    db.session.commit()
    flash("已答复，志愿者可在“我的时长”中查看", "success")
    return redirect(url_for(".queries"))
