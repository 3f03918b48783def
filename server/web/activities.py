"""Activities in the console: the list of the activities an organizer manages (drafts included; admins
see all), creating, editing (with the move rules of `services.activities.update_activity`),
publishing, cancelling, and duplicating one to a new date.

Forms are read with the API's schemas (`ActivityCreateSchema`, also for the edit form, which sends every
field so none may be left blank; `CancelSchema`) and handed to the same service functions as the API. The edit form carries the activity's
`updated_at` as its hidden `version`: a form opened before someone else's change is refused (409
`stale_form`) and nothing is saved. Duplicating copies the activity's fields into a new draft whose
times all move by the days between its start and the date the organizer picks (`activities.duplicate_activity`:
the same rules as creating one).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.errors import DomainError
from server.extensions import db
from server.localtime import to_local
from server.models import AUDIENCES, CATEGORIES, CATEGORY_LABELS
from server.models.base import utcnow
from server.services.communities import managed_communities
from server.schemas import fields
from server.schemas.activities import ActivityCreateSchema, CancelSchema
from server.schemas.common import Schema
from server.services import activities
from server.services.activity_access import get_managed_activity
from server.services.activities import EDITABLE_FIELDS, TIME_FIELDS
from server.web.auth import console_login_required
from server.web.forms import FormErrors, check_version, domain_error_as_form_errors, parse_form, version_of
from server.web.paging import paginate

bp = Blueprint("activities", __name__)

AUDIENCE_ZH = {"all": "所有人", "party_members": "仅党员", "community_residents": "仅本社区居民"}
STATUS_ZH = {"draft": "草稿", "published": "报名中", "cancelled": "已取消", "finished": "已结束"}
STATUS_KIND = {"draft": "", "published": "ok", "cancelled": "bad", "finished": "warn"}
# The form's datetime-local inputs show local time to the minute.
FORM_TIME = "%Y-%m-%dT%H:%M"


class FilterArgsSchema(Schema):
    """The list's query string (bad values are ignored, not refused: it is a GET)."""

    q = fields.String(validate=fields.Length(max=50))
    status = fields.String(validate=fields.OneOf(tuple(STATUS_ZH)))
    community_id = fields.Id()
    category = fields.String(validate=fields.OneOf(CATEGORIES))
    date_from = fields.Date()
    date_to = fields.Date()


class DuplicateSchema(Schema):
    """The date the copy starts on (its times keep their time of day)."""

    date = fields.Date(required=True)


def _filters():
    """The valid filters of the query string; an invalid one is dropped (and shown as not applied)."""
    values = {}
    schema = FilterArgsSchema()
    for key in schema.fields:
        raw = request.args.get(key, "").strip()
        if not raw:
            continue
        try:
            values.update(schema.load({key: raw}))
        except Exception:  # marshmallow.ValidationError: a hand-edited URL; ignore that filter
            continue
    return values


def _choices():
    return {
        "categories": list(CATEGORY_LABELS.items()),
        "audiences": [(key, AUDIENCE_ZH[key]) for key in AUDIENCES],
        "statuses": list(STATUS_ZH.items()),
        "category_zh": CATEGORY_LABELS,
        "audience_zh": AUDIENCE_ZH,
        "status_zh": STATUS_ZH,
        "status_kind": STATUS_KIND,
    }


@bp.route("/activities")
@console_login_required
def index():
    now = utcnow()
    filters = _filters()
    page = paginate(activities.managed_activities(g.user, filters, now))
    return render_template(
        "console/activities.html",
        page=page,
        filters=filters,
        args=request.args,
        communities=managed_communities(g.user),
        now=now,
        **_choices(),
    )


# --- the form ----------------------------------------------------------------------------------


def _values_of(activity):
    """What the form shows of an activity (times as local datetime-local values)."""
    values = {field: getattr(activity, field) for field in EDITABLE_FIELDS}
    values["community_id"] = activity.community_id
    for field in TIME_FIELDS:
        values[field] = to_local(values[field]).strftime(FORM_TIME) if values[field] else ""
    return values


def _values_sent():
    """What the organizer typed, shown again on a refused form."""
    values = {key: request.form.get(key, "") for key in (*EDITABLE_FIELDS, "community_id")}
    values["waitlist_enabled"] = "waitlist_enabled" in request.form
    values["certificate_enabled"] = "certificate_enabled" in request.form
    return values


def _render_form(activity, values, errors=None, status=200, **extra):
    communities = managed_communities(g.user)
    return (
        render_template(
            "console/activity_form.html",
            activity=activity,
            values=values,
            errors=errors or {},
            communities=[(c.id, c.name) for c in communities if c.archived_at is None or (activity and c.id == activity.community_id)],
            version=version_of(activity) if activity else "",
            now=utcnow(),
            **_choices(),
            **extra,
        ),
        status,
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@console_login_required
def new():
    if request.method == "GET":
        communities = managed_communities(g.user)
        values = {"capacity": 30, "waitlist_enabled": True, "audience": "all", "category": "party_lesson",
                  "cancel_cutoff_minutes": 0, "community_id": communities[0].id if len(communities) == 1 else ""}
        return _render_form(None, values)
    try:
        data = parse_form(ActivityCreateSchema(), request.form)
        activity = activities.create_activity(g.user, data)
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(None, _values_sent(), exc.errors, 422)
    except DomainError as exc:
        db.session.rollback()
        return _render_form(None, _values_sent(), domain_error_as_form_errors(exc), exc.status)
    db.session.commit()
    flash(f"已创建活动草稿「{activity.title}」，确认无误后请发布", "success")
    return redirect(url_for(".edit", activity_id=activity.id))


@bp.route("/activities/<id:activity_id>/edit", methods=["GET", "POST"])
@console_login_required
def edit(activity_id):
    activity = get_managed_activity(g.user, activity_id)
    if request.method == "GET":
        return _render_form(activity, _values_of(activity))
    try:
        check_version(activity, request.form)
        # The form sends every field: one left blank is refused as on creation, not skipped.
        changes = parse_form(ActivityCreateSchema(), request.form, extra={"community_id": activity.community_id})
        changes.pop("community_id")
        activities.update_activity(g.user, activity_id, changes)
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(activity, _values_sent(), exc.errors, 422)
    except DomainError as exc:
        db.session.rollback()
        activity = get_managed_activity(g.user, activity_id)
        return _render_form(activity, _values_sent(), domain_error_as_form_errors(exc), exc.status)
    db.session.commit()
    flash("活动已保存", "success")
    return redirect(url_for(".edit", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/publish", methods=["POST"])
@console_login_required
def publish(activity_id):
    activity = activities.publish_activity(g.user, activity_id)
    db.session.commit()
    flash(f"活动「{activity.title}」已发布，居民现在可以报名", "success")
    return redirect(url_for(".edit", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/cancel", methods=["POST"])
@console_login_required
def cancel(activity_id):
    activity = get_managed_activity(g.user, activity_id)
    try:
        body = parse_form(CancelSchema(), request.form)
        activities.cancel_activity(g.user, activity_id, body["reason"])
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(activity, _values_of(activity), status=422, cancel_errors=exc.errors,
                            cancel_reason=request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        activity = get_managed_activity(g.user, activity_id)
        return _render_form(activity, _values_of(activity), status=exc.status,
                            cancel_errors=domain_error_as_form_errors(exc), cancel_reason=request.form.get("reason", ""))
    db.session.commit()
    flash("活动已取消，已报名和候补的居民都会收到通知", "success")
    return redirect(url_for(".edit", activity_id=activity_id))


@bp.route("/activities/<id:activity_id>/duplicate", methods=["POST"])
@console_login_required
def duplicate(activity_id):
    activity = get_managed_activity(g.user, activity_id)
    try:
        day = parse_form(DuplicateSchema(), request.form)["date"]
        copy = activities.duplicate_activity(g.user, activity_id, day)
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(activity, _values_of(activity), status=422, duplicate_errors=exc.errors,
                            duplicate_date=request.form.get("date", ""))
    except DomainError as exc:
        db.session.rollback()
        activity = get_managed_activity(g.user, activity_id)
        errors = domain_error_as_form_errors(exc)
        # The copy's times are not on the form: their refusal is about the chosen date.
        moved = [message for field in TIME_FIELDS for message in errors.pop(field, [])]
        if moved:
            errors["date"] = moved
        return _render_form(activity, _values_of(activity), status=exc.status, duplicate_errors=errors,
                            duplicate_date=request.form.get("date", ""))
    db.session.commit()
    flash(f"已复制为 {day.isoformat()} 的新草稿，请核对后发布", "success")
    return redirect(url_for(".edit", activity_id=copy.id))
