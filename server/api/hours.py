"""Volunteer hours as a record (志愿服务记录): routes on the shifts blueprint (added with issue 18).

Rules, defaults and their sources: docs/api.md, "Volunteer hours as a record"; the service is
`services/hours_record.py`.
"""

from flask import g

from server.api.files import inline_pdf
from server.api.security import login_required
from server.api.shifts import blp
from server.extensions import db
from server.schemas.hours import (
    ConfirmResultSchema,
    CorrectSchema,
    HoursBookingSchema,
    HoursHistorySchema,
    HoursRuleSchema,
    MyHoursQuerySchema,
    OpenQueryListSchema,
    ProofArgsSchema,
    QueryAnswerSchema,
    QueryArgsSchema,
    QueryCreateSchema,
)
from server.services import hours_record
from server.services.users import contact

PDF = {"type": "string", "format": "binary"}


def _booking_body(booking):
    return {"booking_id": booking.id, "minutes_worked": booking.minutes_worked,
            "minutes": hours_record.figure(booking), "status": booking.hours_status}


@blp.route("/hours/rule", methods=["GET"])
@login_required
@blp.response(200, HoursRuleSchema)
def hours_rule():
    """The credited-hours rule in force: rounding unit and direction, minimum and cap per shift (minutes)."""
    return hours_record.rule()


@blp.route("/shifts/<id:shift_id>/hours/confirm", methods=["POST"])
@login_required
@blp.response(200, ConfirmResultSchema)
def confirm_shift_hours(shift_id):
    """Confirm the hours of every checked-out booking of the shift still pending: each gets the
    rule's figure of its worked minutes, which then counts in every total. Confirming again confirms
    only later check-outs. Audited.

    403 `forbidden`, 404 `shift_not_found`, 409 `shift_not_started`.
    """
    result = hours_record.confirm_shift(g.user, shift_id)
    db.session.commit()
    return result


@blp.route("/shift-bookings/<id:booking_id>/hours/correct", methods=["POST"])
@login_required
@blp.arguments(CorrectSchema())
@blp.response(200, HoursBookingSchema)
def correct_hours(body, booking_id):
    """Correct one person's figure (0 to 1440 minutes) with a reason; the history keeps the figure
    before. Pending or confirmed alike; the result is `corrected`. Audited.

    403 `forbidden`, 404 `booking_not_found`, 409 `hours_not_recorded`, 422 `validation_failed`,
    `content_risky`.
    """
    booking = hours_record.correct(g.user, booking_id, body["minutes"], body["reason"])
    db.session.commit()
    return _booking_body(booking)


@blp.route("/shift-bookings/<id:booking_id>/hours/history", methods=["GET"])
@login_required
@blp.response(200, HoursHistorySchema)
def hours_history(booking_id):
    """A figure's history (confirmation, corrections with reasons), oldest first: for the booking's
    volunteer and the community's organizers. 404 `booking_not_found` (also another person's)."""
    booking, changes = hours_record.history(g.user, booking_id)
    return {**_booking_body(booking), "changes": [
        {"kind": c.kind, "minutes_before": c.minutes_before, "minutes_after": c.minutes_after, "reason": c.reason,
         "actor_name": (c.actor.real_name or c.actor.nickname) if c.actor else None, "created_at": c.created_at}
        for c in changes
    ]}


@blp.route("/shift-bookings/<id:booking_id>/hours/query", methods=["POST"])
@login_required
@blp.arguments(QueryCreateSchema())
@blp.response(201, MyHoursQuerySchema)
def query_hours(body, booking_id):
    """Query (申诉) the figure of one of my checked-out bookings with a short text; the community's
    organizers answer it. One open query per booking.

    404 `booking_not_found` (none, or another person's), 409 `hours_not_recorded`, `hours_query_open`,
    422 `validation_failed`, `content_risky`.
    """
    query = hours_record.ask(g.user, booking_id, body["text"])
    db.session.commit()
    return query


@blp.route("/hours/queries", methods=["GET"])
@login_required
@blp.arguments(QueryArgsSchema(), location="query")
@blp.response(200, OpenQueryListSchema)
def open_hours_queries(args):
    """Open queries in the communities I organize (or one of them), oldest first (at most 200).
    Phones masked. 403 `forbidden` (a community I do not organize)."""
    items = []
    for query in hours_record.open_queries(g.user, args.get("community_id")):
        booking = query.booking
        items.append({
            "id": query.id, "booking_id": booking.id, "shift_id": booking.shift_id, "person": contact(booking.user, False),
            "site": booking.shift.site.name, "post": booking.post.name, "starts_at": booking.shift.starts_at,
            "minutes_worked": booking.minutes_worked, "minutes": hours_record.figure(booking),
            "status": booking.hours_status, "text": query.text, "created_at": query.created_at,
        })
    return {"items": items}


@blp.route("/hours/queries/<id:query_id>/answer", methods=["POST"])
@login_required
@blp.arguments(QueryAnswerSchema())
@blp.response(200, MyHoursQuerySchema)
def answer_hours_query(body, query_id):
    """Answer a query; with `minutes`, correct the figure in the same step (the answer is the reason).
    The volunteer sees the answer in 我的时长 and, with a credit, gets a `notice` message. Audited.

    403 `forbidden`, 404 `hours_query_not_found`, 409 `hours_query_answered`, `hours_not_recorded`,
    422 `validation_failed`, `content_risky`.
    """
    query = hours_record.answer(g.user, query_id, body["answer"], body.get("minutes"))
    db.session.commit()
    return query


@blp.route("/me/hours/proof.pdf", methods=["GET"])
@login_required
@blp.arguments(ProofArgsSchema(), location="query")
@blp.alt_response(200, schema=PDF, content_type="application/pdf", success=True,
                  description="An A4 PDF 志愿服务证明")
def my_hours_proof(args):
    """My proof of volunteer service (志愿服务证明) for a period (local dates `from`–`to`): my confirmed
    hours in total and each service (date, site, post, hours).

    409 `no_confirmed_hours`, 422 `validation_failed` (`to` before `from`, over 10 years).
    """
    pdf, filename = hours_record.proof_for(g.user, g.user.id, args["date_from"], args["date_to"])
    return inline_pdf(pdf, filename, "proof")


@blp.route("/users/<id:user_id>/hours/proof.pdf", methods=["GET"])
@login_required
@blp.arguments(ProofArgsSchema(), location="query")
@blp.alt_response(200, schema=PDF, content_type="application/pdf", success=True,
                  description="An A4 PDF 志愿服务证明")
def user_hours_proof(args, user_id):
    """A person's proof of volunteer service for a period, for an organizer: the services in the
    communities the caller organizes (admins: all). Audited (`hours.proof`).

    403 `forbidden`, 404 `user_not_found`, 409 `no_confirmed_hours`, 422 `validation_failed`.
    """
    pdf, filename = hours_record.proof_for(g.user, user_id, args["date_from"], args["date_to"])
    db.session.commit()
    return inline_pdf(pdf, filename, "proof")
