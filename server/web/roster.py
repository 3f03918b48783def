"""An activity's roster in the console: search by name or phone, filter by status, page; check in by
hand; register a walk-in (代报名); cancel a registration on someone's behalf with a reason; approve
(通过) or reject (不通过, with a reason) the sign-ups pending approval (报名审核); export CSV
or XLSX; send a notice (发送通知) to the participants, listing whom it could not reach, each with a
button that reveals their number (audited, htmx) to phone them.

Everything goes through the services the API uses: `activity_rosters.activity_roster` (phones masked
on screen), `activity_checkin.check_in_by_organizer`, `registrations.register_walk_in` (the same
capacity and waitlist code path as a sign-up), `registrations.cancel_registration_for` (the waitlist
moves up; audited), `approvals.approve_registration` / `reject_registration` (the same capacity
rules; audited) and `activity_rosters.export_activity_roster` (audited). Places held for an offer
show 待确认 with their deadline. Searching by phone
finds the whole number or its last four digits, compared on the server; the page only ever shows it
masked.
"""

import secrets

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.api.files import download
from server.errors import DomainError
from server.extensions import db
from server.models import Registration
from server.models.base import utcnow
from server.schemas.activities import RosterCancelSchema, RosterRejectSchema, WalkInSchema
from server.schemas.notices import NoticeCreateSchema
from server.services import activity_checkin, activity_rosters, approvals, notices, registrations
from server.web.activities import STATUS_KIND, STATUS_ZH
from server.web.auth import console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, parse_form
from server.web.paging import paginate_list

bp = Blueprint("roster", __name__)

# Each status as the roster files name it (`activity_rosters.STATUS_ZH`), in roster order, with its colour.
TONES = {"confirmed": "ok", "offered": "warn", "waitlisted": "warn", "pending": "warn", "entered": "",
         "cancelled": "bad", "expired": "bad", "rejected": "bad", "not_drawn": "bad"}
ENTRY_STATUS = {
    status: (activity_rosters.STATUS_ZH[status], TONES[status])
    for status in sorted(activity_rosters.ROSTER_ORDER, key=activity_rosters.ROSTER_ORDER.get)
}
FILTERS = (*((status, label) for status, (label, _tone) in ENTRY_STATUS.items()), ("checked_in", "已签到"))


def _matches(entry, phones, q, status):
    if status == "checked_in":
        if entry.checked_in_at is None:
            return False
    elif status and entry.status != status:
        return False
    if q:
        user = entry.user
        names = (user["real_name"] or "", user["nickname"] or "")
        if not (any(q in name for name in names) or _phone_matches(q, phones.get(entry.registration_id))):
            return False
    return True


def _phone_matches(q, phone):
    """A phone search finds only what the searcher can already see or knows: the whole number, or its
    last four digits (尾号, shown on the masked number). Any other part would let the hidden middle
    digits be found out by trying."""
    return bool(phone) and q.isascii() and q.isdigit() and (q == phone or (len(q) == 4 and phone.endswith(q)))


def _phones(activity_id, entries):
    """Full numbers to search in (never shown): walk-ins' typed ones and users' bound ones."""
    ids = [entry.registration_id for entry in entries]
    if not ids:
        return {}
    rows = db.session.query(Registration).filter(Registration.id.in_(ids)).all()
    return {r.id: (r.walk_in_phone if r.user_id is None else (r.user.phone if r.user else None)) for r in rows}


def _render(activity_id, walk_in_errors=None, walk_in_values=None, cancel_errors=None, cancel_for=None, status=200,
            notice_errors=None, notice_values=None, notice=None, decide_errors=None, decide_for=None):
    roster = activity_rosters.activity_roster(g.user, activity_id)
    q = request.args.get("q", "").strip()[:50]
    wanted = request.args.get("status", "")
    wanted = wanted if wanted in dict(FILTERS) else ""
    phones = _phones(activity_id, roster.items) if q else {}
    entries = [entry for entry in roster.items if _matches(entry, phones, q, wanted)]
    page = paginate_list(entries)
    activity = roster.activity
    now = utcnow()
    return (
        render_template(
            "console/roster.html",
            activity=activity,
            roster=roster,
            page=page,
            q=q,
            wanted=wanted,
            filters=FILTERS,
            entry_status=ENTRY_STATUS,
            activity_status=activity.effective_status(now),
            status_zh=STATUS_ZH,
            status_kind=STATUS_KIND,
            walk_in_errors=walk_in_errors or {},
            walk_in_values=walk_in_values or {},
            cancel_errors=cancel_errors or {},
            cancel_for=cancel_for,
            notice_errors=notice_errors or {},
            notice_values=notice_values or {},
            notice=notice,
            # 报名审核: the sign-ups to decide, whatever the filter shows below
            pending=[entry for entry in roster.items if entry.status == "pending"],
            decide_errors=decide_errors or {},
            decide_for=decide_for,
            # Each form carries a fresh key: submitting it again (a reload, a double click) sends nothing more.
            notice_key=secrets.token_hex(16),
            now=now,
        ),
        status,
    )


@bp.route("/activities/<id:activity_id>/roster")
@console_login_required
def index(activity_id):
    return _render(activity_id)


@bp.route("/activities/<id:activity_id>/roster/export")
@console_login_required
def export(activity_id):
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        fmt = "xlsx"
    exported = activity_rosters.export_activity_roster(g.user, activity_id, fmt)
    db.session.commit()
    return download(exported.body, fmt, exported.filename)


@bp.route("/activities/<id:activity_id>/roster/walk-ins", methods=["POST"])
@console_login_required
def walk_in(activity_id):
    values = {key: request.form.get(key, "") for key in ("name", "phone", "companions", "remark")}
    try:
        body = parse_form(WalkInSchema(), request.form)
        registration = registrations.register_walk_in(
            g.user, activity_id, body["name"], body["phone"], body["companions"], body["remark"]
        )
    except FormErrors as exc:
        db.session.rollback()
        return _render(activity_id, walk_in_errors=exc.errors, walk_in_values=values, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render(activity_id, walk_in_errors=domain_error_as_form_errors(exc), walk_in_values=values,
                       status=exc.status)
    db.session.commit()
    outcome = "已确认名额" if registration.status == "confirmed" else "名额已满，已进入候补"
    flash(f"已为{registration.walk_in_name}代报名：{outcome}", "success")
    return redirect(url_for(".index", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/roster/<id:registration_id>/check-in", methods=["POST"])
@console_login_required
def check_in(activity_id, registration_id):
    try:
        activity_checkin.check_in_by_organizer(g.user, activity_id, registration_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
        return redirect(url_for(".index", activity_id=activity_id))
    db.session.commit()
    flash("已签到", "success")
    return redirect(url_for(".index", activity_id=activity_id))


def _row_action(activity_id, registration_id, form, act, schema=None):
    """Do what a roster row's form asks: `act(body)`, the form parsed with `schema` (if any) first.
    Returns `(result, None)` once committed, or `(None, response)`: the roster again, the refusal shown
    beside that row's form (`<form>_errors`, `<form>_for`), nothing changed. A 403 or a missing
    activity is raised as it is."""
    beside = {f"{form}_for": registration_id}
    try:
        result = act(parse_form(schema, request.form) if schema is not None else None)
    except FormErrors as exc:
        db.session.rollback()
        return None, _render(activity_id, status=422, **{f"{form}_errors": exc.errors}, **beside)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403 or exc.error == "activity_not_found":
            raise
        return None, _render(activity_id, status=exc.status, **{f"{form}_errors": domain_error_as_form_errors(exc)},
                             **beside)
    db.session.commit()
    return result, None


@bp.route("/activities/<id:activity_id>/roster/<id:registration_id>/cancel", methods=["POST"])
@console_login_required
def cancel(activity_id, registration_id):
    _, refused = _row_action(
        activity_id, registration_id, "cancel",
        lambda body: registrations.cancel_registration_for(g.user, activity_id, registration_id, body["reason"]),
        RosterCancelSchema(),
    )
    if refused is not None:
        return refused
    flash("已取消该报名，候补已按顺序递补", "success")
    return redirect(url_for(".index", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/roster/<id:registration_id>/approve", methods=["POST"])
@console_login_required
def approve(activity_id, registration_id):
    """通过: the sign-up takes a place, or the waitlist (or stays pending when neither is left)."""
    registration, refused = _row_action(
        activity_id, registration_id, "decide",
        lambda _body: approvals.approve_registration(g.user, activity_id, registration_id),
    )
    if refused is not None:
        return refused
    outcome = "已确认名额" if registration.status == "confirmed" else "名额已满，已进入候补"
    flash(f"已通过报名：{outcome}", "success")
    return redirect(url_for(".index", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/roster/<id:registration_id>/reject", methods=["POST"])
@console_login_required
def reject(activity_id, registration_id):
    """不通过, with a reason the person is told."""
    _, refused = _row_action(
        activity_id, registration_id, "decide",
        lambda body: approvals.reject_registration(g.user, activity_id, registration_id, body["reason"]),
        RosterRejectSchema(),
    )
    if refused is not None:
        return refused
    flash("已驳回该报名，并已通知报名人", "success")
    return redirect(url_for(".index", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/roster/notices", methods=["POST"])
@console_login_required
def send_notice(activity_id):
    """Send a notice; the page shows how many were queued and whom to phone."""
    values = {"text": request.form.get("text", ""), "include_waitlist": request.form.get("include_waitlist", "")}
    try:
        body = parse_form(NoticeCreateSchema(), request.form)
        result = notices.send_notice(g.user, activity_id, body["text"], body["include_waitlist"], body["key"])
    except FormErrors as exc:
        db.session.rollback()
        return _render(activity_id, notice_errors=exc.errors, notice_values=values, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render(activity_id, notice_errors=domain_error_as_form_errors(exc), notice_values=values,
                       status=exc.status)
    db.session.commit()
    return _render(activity_id, notice=result)


@bp.route("/activities/<id:activity_id>/roster/<id:registration_id>/phone", methods=["POST"])
@console_login_required
def reveal_phone(activity_id, registration_id):
    """One registrant's full number (htmx swaps it in); audited like the API's reveal."""
    revealed = activity_rosters.reveal_registration_phone(g.user, activity_id, registration_id)
    db.session.commit()
    return render_template("console/members_phone.html", phone=revealed.phone)
