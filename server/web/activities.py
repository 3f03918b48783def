"""Activities in the console: the list of the activities an organizer manages (drafts included; admins
see all), creating, editing (with the move rules of `services.activities.update_activity`),
publishing, cancelling, and duplicating one to a new date.

Forms are read with the API's schemas (`ActivityCreateSchema`, also for the edit form, which sends every
field so none may be left blank; `CancelSchema`) and handed to the same service functions as the API. The edit form carries the activity's
`updated_at` as its hidden `version`: a form opened before someone else's change is refused (409
`stale_form`) and nothing is saved. Duplicating copies the activity's fields into a new draft whose
times all move by the days between its start and the date the organizer picks (`activities.duplicate_activity`:
the same rules as creating one).

How places are given out (先到先得 / 抽签 / 报名审核, the draw time, the hours to claim a freed place) and the
sign-up questions (an editor of up to five rows, `q-<row>-<field>`) are on the same form and checked by the
same services (`services.questions` for the questions). Fields that can no longer change are shown
read-only with the reason, not sent, and kept as they are: the mode and draw time once published, the
questions once anyone has signed up.
"""


from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.errors import DomainError
from server.extensions import db
from server.localtime import to_local
from server.models import AUDIENCES, CATEGORIES, CATEGORY_LABELS, MAX_QUESTIONS, QUESTION_KINDS
from server.models.base import utcnow
from server.services.communities import managed_communities
from server.schemas import fields
from server.schemas.activities import ActivityCreateSchema, CancelSchema
from server.schemas.common import Schema
from server.services import activities
from server.services.activity_access import get_managed_activity
from server.services.activities import EDITABLE_FIELDS, LOTTERY_FIELDS, TIME_FIELDS
from server.services.questions import questions_locked
from server.web.auth import console_login_required
from server.web.forms import (
    FormErrors,
    check_version,
    domain_error_as_form_errors,
    parse_form,
    text_to_int,
    version_of,
)
from server.web.paging import paginate

bp = Blueprint("activities", __name__)

AUDIENCE_ZH = {"all": "所有人", "party_members": "仅党员", "community_residents": "仅本社区居民"}
SIGNUP_MODE_ZH = {"first_come": "先到先得", "lottery": "抽签", "approval": "报名审核"}
QUESTION_KIND_ZH = {"text": "文字", "choice": "单选", "number": "数字"}
MODE_LOCKED = "活动发布后报名方式和开奖时间不能再修改"
QUESTIONS_LOCKED = "已有人报名，报名问题不能再修改"
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
        "signup_modes": list(SIGNUP_MODE_ZH.items()),
        "signup_mode_zh": SIGNUP_MODE_ZH,
        "question_kinds": [(key, QUESTION_KIND_ZH[key]) for key in QUESTION_KINDS],
        "question_kind_zh": QUESTION_KIND_ZH,
        "max_questions": MAX_QUESTIONS,
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


# Fields of the form besides EDITABLE_FIELDS: how places are given out (抽签, 报名审核, claimable offers).
MODE_FIELDS = (*LOTTERY_FIELDS, "claim_hours")


def _values_of(activity):
    """What the form shows of an activity (times as local datetime-local values)."""
    values = {field: getattr(activity, field) for field in (*EDITABLE_FIELDS, *MODE_FIELDS)}
    values["community_id"] = activity.community_id
    for field in (*TIME_FIELDS, "draw_at"):
        values[field] = to_local(values[field]).strftime(FORM_TIME) if values[field] else ""
    values["questions"] = [
        {**question, "options": "\n".join(question.get("options") or [])} for question in activity.questions or []
    ]
    return values


def _values_sent():
    """What the organizer typed, shown again on a refused form."""
    values = {key: request.form.get(key, "") for key in (*EDITABLE_FIELDS, *MODE_FIELDS, "community_id")}
    values["waitlist_enabled"] = "waitlist_enabled" in request.form
    values["certificate_enabled"] = "certificate_enabled" in request.form
    values["questions"] = [row for row, _ in _question_rows()]
    return values


# --- the questions editor: up to MAX_QUESTIONS rows named q-<row>-<field> -------------------------


QUESTION_FORM_FIELDS = ("kind", "label", "options", "min", "max")


def _question_rows():
    """The editor's filled rows in order, each as typed (options as text) and as the API's
    `QuestionSchema` reads it: a list of `(typed, question)`. A row without a label and options is
    empty and left out, so the rows shown again close up and `questions.<index>` errors match them.
    A row keeps only what its kind uses (the form hides the options of a text question)."""
    rows = []
    for row in range(MAX_QUESTIONS):
        typed = {field: request.form.get(f"q-{row}-{field}", "") for field in QUESTION_FORM_FIELDS}
        typed["required"] = f"q-{row}-required" in request.form
        if not typed["label"].strip() and not typed["options"].strip():
            continue
        kind = typed["kind"]
        question = {"kind": kind, "label": typed["label"], "required": typed["required"]}
        if kind == "choice":
            question["options"] = [line.strip() for line in typed["options"].splitlines() if line.strip()]
        if kind == "number":
            for bound in ("min", "max"):
                text = typed[bound].strip()
                # A form sends text; the schema's strict integer refuses what is not a whole number.
                question[bound] = text_to_int(text) if text else None
        rows.append((typed, question))
    return rows


def mode_locked(activity):
    """Whether the sign-up mode and draw time can no longer change (published: `signup_mode_locked`)."""
    return activity is not None and activity.status != "draft"


def _form_extra(locked):
    """What the form sends besides its plain fields: the questions (unless `locked`: then not sent,
    and kept), and no draw time unless it is a lottery."""
    extra = {}
    if not locked:
        extra["questions"] = [question for _, question in _question_rows()]
    if request.form.get("signup_mode") != "lottery":
        extra["draw_at"] = None  # the form hides the draw time unless it is a lottery
    return extra


def _parse_activity_form(activity):
    """The form read with `ActivityCreateSchema` (every field sent: one left blank is refused, not
    skipped); locked fields (questions once anyone signed up, the mode once published) take the
    activity's values. Raises FormErrors."""
    locked = questions_locked(activity)
    extra = _form_extra(locked)
    if activity is not None:
        extra["community_id"] = activity.community_id
    data = parse_form(ActivityCreateSchema(), request.form, extra=extra)
    if locked:
        data.pop("questions", None)
    if mode_locked(activity):
        data["signup_mode"], data["draw_at"] = activity.signup_mode, activity.draw_at
    return data


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
            questions_locked=questions_locked(activity),
            mode_locked=mode_locked(activity),
            questions_locked_reason=QUESTIONS_LOCKED,
            mode_locked_reason=MODE_LOCKED,
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
                  "cancel_cutoff_minutes": 0, "community_id": communities[0].id if len(communities) == 1 else "",
                  "signup_mode": "first_come", "claim_hours": 0, "questions": []}
        return _render_form(None, values)
    try:
        data = _parse_activity_form(None)
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
        changes = _parse_activity_form(activity)
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
