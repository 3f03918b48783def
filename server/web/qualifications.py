"""Qualifications (资格) and their grants, in the console.

- `GET /console/qualifications`: the qualifications of the organizer's communities (admins: every
  community), each with how many hold it today; a form to define one (community, name, note).
- `POST /console/qualifications`: define one (`qualifications.create_qualification`).
- `GET /console/qualifications/<id>`: who holds it (phones masked), a form to rename it or edit its
  note, and a revoke button per holder.
- `POST /console/qualifications/<id>/edit`: rename / edit the note.
- `POST /console/members/<user_id>/qualifications`: grant (`action=grant`, optional `expires_on`) or
  revoke (`action=revoke`) one qualification from the member's page (`members_history.html`).

Every action redirects back (POST/redirect/GET) with a flash message; a form error re-renders the page
with 422; other refusals render the console's error page with their status.
"""

from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from server.errors import DomainError, ValidationFailed
from server.extensions import db
from server.models import Qualification
from server.schemas.qualifications import QualificationCreateSchema, QualificationUpdateSchema
from server.services import people, qualifications
from server.web.auth import _safe_next, console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, id_or_none, parse_form

bp = Blueprint("qualifications", __name__)


def qualification_options(actor, community_id=None):
    """`[(id, label)]` of the qualifications `actor` may require on a post: of `community_id`, or of
    every community they manage (labelled with the community then)."""
    ids = [community_id] if community_id is not None else [c.id for c in people.visible_communities(actor)]
    rows = db.session.scalars(
        select(Qualification).where(Qualification.community_id.in_(ids)).order_by(Qualification.name)
    ).all()
    if community_id is not None:
        return [(q.id, q.name) for q in rows]
    return [(q.id, f"{q.name}（{q.community.name}）") for q in rows]


def _render_index(values=None, errors=None, status=200):
    communities = people.visible_communities(g.user)
    items = [view for c in communities for view in qualifications.list_qualifications(g.user, c.id)]
    return (
        render_template(
            "console/qualifications.html",
            items=items,
            communities=communities,
            values=values or {"community_id": communities[0].id if len(communities) == 1 else ""},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/qualifications")
@console_login_required
def index():
    return _render_index()


@bp.route("/qualifications", methods=["POST"])
@console_login_required
def create():
    values = request.form.to_dict()
    community_id = id_or_none(values.get("community_id"))
    try:
        if community_id is None:
            raise FormErrors({"community_id": ["请选择社区"]})
        data = parse_form(QualificationCreateSchema(), request.form)
        created = qualifications.create_qualification(g.user, community_id, data)
    except FormErrors as exc:
        db.session.rollback()
        return _render_index(values, exc.errors, 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_index(values, domain_error_as_form_errors(exc), exc.status)
    db.session.commit()
    flash(f"已新建资格“{created.name}”", "success")
    return redirect(url_for(".index"))


def _render_holders(qualification_id, values=None, errors=None, status=200):
    qualification, holders = qualifications.holders(g.user, qualification_id)
    return (
        render_template(
            "console/qualification.html",
            qualification=qualification,
            holders=holders,
            values=values or {"name": qualification.name, "note": qualification.note},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/qualifications/<id:qualification_id>")
@console_login_required
def show(qualification_id):
    return _render_holders(qualification_id)


@bp.route("/qualifications/<id:qualification_id>/edit", methods=["POST"])
@console_login_required
def edit(qualification_id):
    values = request.form.to_dict()
    try:
        changes = parse_form(QualificationUpdateSchema(), request.form)
        qualifications.update_qualification(g.user, qualification_id, changes)
    except FormErrors as exc:
        db.session.rollback()
        return _render_holders(qualification_id, values, exc.errors, 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_holders(qualification_id, values, domain_error_as_form_errors(exc), exc.status)
    db.session.commit()
    flash("资格已保存", "success")
    return redirect(url_for(".show", qualification_id=qualification_id))


def _expiry(text):
    """The form's `expires_on` (YYYY-MM-DD, optional). Raises ValidationFailed."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(errors={"expires_on": ["有效期格式不正确（YYYY-MM-DD）"]}) from None


@bp.route("/members/<id:user_id>/qualifications", methods=["POST"])
@console_login_required
def grant_or_revoke(user_id):
    person = people.get_person(g.user, user_id)  # someone the organizer may not see is a 404
    qualification_id = id_or_none(request.form.get("qualification_id"))
    if qualification_id is None:
        flash("请选择资格", "error")
        return _back(user_id)
    name = person.real_name or person.nickname or f"用户 #{person.id}"
    action = request.form.get("action")
    if action == "grant":
        try:
            row = qualifications.grant(g.user, qualification_id, user_id, _expiry(request.form.get("expires_on")))
        except ValidationFailed as exc:
            db.session.rollback()
            flash("；".join(m for messages in exc.errors.values() for m in messages), "error")
            return _back(user_id)
        message = f"已授予{name}“{row.qualification.name}”资格"
    elif action == "revoke":
        row = qualifications.revoke(g.user, qualification_id, user_id)
        title = row.qualification.name if row is not None else "该"
        message = f"已撤销{name}的“{title}”资格；其已预约的岗位保留，名单中会标出"
    else:
        flash("请选择授予或撤销", "error")
        return _back(user_id)
    db.session.commit()
    flash(message, "success")
    return _back(user_id)


def _back(user_id):
    return redirect(_safe_next(request.form.get("next"), inside="/console/")
                    or url_for("console.members.history", user_id=user_id))
