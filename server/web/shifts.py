"""Shifts: the week grid per site (days × time slots, booked/capacity per post, vacant posts red);
batch creation (days × slots × posts, `services.shift_planning.create_shift_batch`); a shift's page
with its posts and volunteers, edit (`services.shift_changes.update_shift`: the move rules, and a
stale form refused) and cancel with a reason (`cancel_shift`).

Moving a volunteer and releasing a booking are added to the bookings table
(`console/_shift_bookings.html`) by the duty roster's views.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.localtime import app_timezone, local_today, to_local
from server.models import Shift
from server.schemas.activities import CancelSchema
from server.schemas.fields import DATE_RANGE_MESSAGE, EARLIEST_DATE, LATEST_DATE
from server.schemas.shifts import ShiftBatchSchema, ShiftUpdateSchema
from server.services import shift_changes, shift_planning, shift_rosters, sites, swaps, vacancy_alerts
from server.services.shift_rosters import STATUS_ZH
from server.web.auth import console_login_required
from server.web.qualifications import qualification_options
from server.web.forms import (
    FormErrors,
    check_version,
    digits_to_int,
    domain_error_as_form_errors,
    flatten_messages,
    id_or_none,
    parse_form,
    version_of,
)

bp = Blueprint("shifts", __name__)

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
SLOT_ROWS = 4
POST_ROWS = 5
POST_PRESETS = ("登记", "维持秩序", "测温", "卡口值守", "消杀")
MAX_BATCH_DAYS = 62
BAD_DATE = f"日期格式不正确（YYYY-MM-DD），{DATE_RANGE_MESSAGE}"


def _int(value):
    return digits_to_int(value)


def _date(value):
    """A YYYY-MM-DD date the schemas take (EARLIEST_DATE .. LATEST_DATE: a week or a batch around it
    stays inside Python's dates), else None."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


def _monday(day):
    return day - timedelta(days=day.weekday())


def _site_options(user):
    return [(site.id, f"{site.name}（{site.community.name}）") for site in db.session.scalars(sites.managed_sites(user))]


# --- the week grid -------------------------------------------------------------------------------


@dataclass
class Cell:
    """The shifts of one time slot on one day (one, unless several share the slot's times)."""

    day: date
    shifts: list = field(default_factory=list)

    @property
    def vacant(self):
        return any(s.status == "open" and any(p.booked < p.capacity for p in s.posts) for s in self.shifts)

    @property
    def cancelled(self):
        return bool(self.shifts) and all(s.status != "open" for s in self.shifts)


def _slot_label(shift):
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    label = f"{start:%H:%M}–{end:%H:%M}"
    return label + ("（次日）" if end.date() > start.date() else "")


def week_grid(site, monday):
    """`(days, rows)`: the 7 days from `monday`, and per time slot (local start and end) the cells."""
    zone = app_timezone()
    start = datetime.combine(monday, time(0), zone).astimezone(timezone.utc)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(timezone.utc)
    shifts = db.session.scalars(
        select(Shift)
        .where(Shift.site_id == site.id, Shift.starts_at >= start, Shift.starts_at < end)
        .order_by(Shift.starts_at, Shift.id)
    ).all()
    days = [monday + timedelta(days=offset) for offset in range(7)]
    rows = {}
    for shift in shifts:
        local = to_local(shift.starts_at)
        key = (local.time(), to_local(shift.ends_at).time(), _slot_label(shift))
        cells = rows.setdefault(key, [Cell(day) for day in days])
        cells[(local.date() - monday).days].shifts.append(shift)
    return days, [(label, cells) for (_, _, label), cells in sorted(rows.items(), key=lambda item: item[0][:2])]


@bp.route("/shifts")
@console_login_required
def index():
    site_id = id_or_none(request.args.get("site"))
    site = sites.get_managed_site(g.user, site_id) if site_id is not None else None
    options = _site_options(g.user)
    if site is None and options:
        site = sites.get_managed_site(g.user, options[0][0])
    monday = _monday(_date(request.args.get("week")) or local_today())
    days, rows = week_grid(site, monday) if site else ([monday + timedelta(days=i) for i in range(7)], [])
    return render_template(
        "console/shifts.html",
        site=site,
        site_options=options,
        monday=monday,
        days=days,
        rows=rows,
        weekdays=WEEKDAYS,
        today=local_today(),
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
    )


# --- batch creation ------------------------------------------------------------------------------


def _rows(form, first, second):
    """The filled rows of two parallel repeated inputs: `[(row_index, first_value, second_value)]`."""
    firsts, seconds = form.getlist(first), form.getlist(second)
    size = max(len(firsts), len(seconds))
    firsts += [""] * (size - len(firsts))
    seconds += [""] * (size - len(seconds))
    return [(i, a.strip(), b.strip()) for i, (a, b) in enumerate(zip(firsts, seconds)) if a.strip() or b.strip()]


def _batch_dates(form, errors):
    """The local dates of the range and weekdays chosen; their errors go into `errors`."""
    raw_from, raw_to = form.get("date_from", ""), form.get("date_to", "")
    date_from, date_to = _date(raw_from), _date(raw_to)
    if not raw_from.strip():
        errors["date_from"] = ["请填写开始日期"]
    elif date_from is None:
        errors["date_from"] = [BAD_DATE]
    if not raw_to.strip():
        errors["date_to"] = ["请填写结束日期"]
    elif date_to is None:
        errors["date_to"] = [BAD_DATE]
    weekdays = {int(v) for v in form.getlist("weekday") if v in {"0", "1", "2", "3", "4", "5", "6"}}
    if not weekdays:
        errors["weekday"] = ["请至少选择一个星期几"]
    if date_from is None or date_to is None:
        return []
    if date_to < date_from:
        errors["date_to"] = ["结束日期不能早于开始日期"]
        return []
    if (date_to - date_from).days >= MAX_BATCH_DAYS:
        errors["date_to"] = [f"日期范围不能超过 {MAX_BATCH_DAYS} 天"]
        return []
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    chosen = [day for day in days if day.weekday() in weekdays]
    if weekdays and not chosen:
        errors["weekday"] = ["所选日期范围内没有这些星期几"]
    return chosen


def _row_errors(messages, slot_rows, post_rows):
    """The schema's messages on the form's names: `slots.0.start` → `slot.<row>.start` and so on."""
    errors = {}
    for key, value in flatten_messages(messages).items():
        parts = key.split(".")
        if parts[0] == "slots" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(slot_rows):
            errors[f"slot.{slot_rows[int(parts[1])]}.{parts[2]}"] = value
        elif parts[0] == "roles" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(post_rows):
            errors[f"post.{post_rows[int(parts[1])]}.{parts[2]}"] = value
        elif parts[0] == "dates":
            errors.setdefault("dates", []).extend(value)
        else:
            errors.setdefault(parts[0], []).extend(value)
    return errors


def _capacity(value):
    """A whole number as the schema's strict Integer takes it; anything else as typed (refused there)."""
    number = _int(value)
    return number if number is not None else value


DECLARATION_OPTIONS = (("none", "不需要"), ("booking", "预约时申报"), ("checkin", "签到时申报"))
DECLARATION_TEXT = {"booking": "预约时需当日健康申报", "checkin": "签到时需当日健康申报"}


def post_requirements(form, row):
    """Row `row`'s requirements of the post rows (`post_qualification`, `post_declaration`), as the
    schemas take them: an empty qualification is none; anything else as typed (refused there)."""
    def nth(name):
        values = form.getlist(name)
        return values[row].strip() if row < len(values) else ""

    qualification, declaration = nth("post_qualification"), nth("post_declaration")
    requirements = {"health_declaration": declaration or "none"}
    requirements["requires_qualification_id"] = _capacity(qualification) if qualification else None
    return requirements


def parse_batch(form):
    """The batch form as `ShiftBatchSchema` loads it. Raises FormErrors with every field's errors."""
    errors = {}
    dates = _batch_dates(form, errors)
    slots = _rows(form, "slot_start", "slot_end")
    posts = _rows(form, "post_name", "post_capacity")
    data = {
        "dates": [day.isoformat() for day in dates],
        "slots": [{key: value for key, value in (("start", a), ("end", b)) if value} for _, a, b in slots],
        "roles": [
            {key: value for key, value in (("name", a), ("capacity", _capacity(b))) if value != ""}
            | post_requirements(form, row)
            for row, a, b in posts
        ],
        "party_members_only": "party_members_only" in form,
        "notes": form.get("notes", "").strip(),
    }
    site = form.get("site_id", "").strip()
    if site:
        data["site_id"] = _int(site) if _int(site) is not None else site
    if not slots:
        errors["slots"] = ["请至少填写一个时段"]
    if not posts:
        errors["roles"] = ["请至少填写一个岗位"]
    try:
        loaded = ShiftBatchSchema().load(data)
    except ma.ValidationError as exc:
        schema_errors = _row_errors(exc.messages, [i for i, _, _ in slots], [i for i, _, _ in posts])
        if "date_from" in errors or "date_to" in errors or "weekday" in errors:
            schema_errors.pop("dates", None)  # the range's own message says it better
        for key, value in schema_errors.items():
            errors.setdefault(key, value)
        if "site_id" in errors:
            errors["site_id"] = ["请选择站点"] if not site else errors["site_id"]
        raise FormErrors(errors) from None
    if errors:
        raise FormErrors(errors)
    return loaded


def _batch_defaults():
    start = local_today() + timedelta(days=1)
    return {
        "site_id": request.args.get("site", ""),
        "date_from": start.isoformat(),
        "date_to": (start + timedelta(days=6)).isoformat(),
        "weekday": [str(i) for i in range(7)],
        "slot_start": ["08:00", "14:00"],
        "slot_end": ["12:00", "18:00"],
        "post_name": ["登记", "维持秩序"],
        "post_capacity": ["2", "2"],
        "post_qualification": ["", ""],
        "post_declaration": ["none", "none"],
        "notes": "",
        "party_members_only": False,
    }


def _render_batch(values, errors=None, status=200):
    def padded(name, size):
        items = list(values.get(name) or [])
        return items + [""] * (size - len(items))

    slot_rows = max(SLOT_ROWS, len(values.get("slot_start") or []))
    post_rows = max(POST_ROWS, len(values.get("post_name") or []))
    return (
        render_template(
            "console/shift_batch.html",
            values=values,
            slots=list(zip(padded("slot_start", slot_rows), padded("slot_end", slot_rows))),
            posts=list(zip(padded("post_name", post_rows), padded("post_capacity", post_rows),
                           padded("post_qualification", post_rows), padded("post_declaration", post_rows))),
            qualification_options=qualification_options(g.user),
            declaration_options=DECLARATION_OPTIONS,
            errors=errors or {},
            site_options=_site_options(g.user),
            weekdays=WEEKDAYS,
            presets=POST_PRESETS,
        ),
        status,
    )


@bp.route("/shifts/batch", methods=["GET", "POST"])
@console_login_required
def batch():
    if request.method == "GET":
        return _render_batch(_batch_defaults())
    form = request.form
    lists = ("weekday", "slot_start", "slot_end", "post_name", "post_capacity", "post_qualification", "post_declaration")
    values = {key: form.getlist(key) if key in lists else form.get(key) for key in form}
    values.setdefault("weekday", [])
    values["party_members_only"] = "party_members_only" in form
    try:
        data = parse_batch(form)
        created = shift_planning.create_shift_batch(g.user, data)
    except FormErrors as exc:
        db.session.rollback()
        return _render_batch(values, exc.errors, 422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        return _render_batch(values, domain_error_as_form_errors(exc), exc.status)
    db.session.commit()
    flash(f"已创建 {len(created)} 个班次", "success")
    first = min(to_local(shift.starts_at).date() for shift in created)
    return redirect(url_for(".index", site=data["site_id"], week=_monday(first).isoformat()))


# --- one shift -----------------------------------------------------------------------------------


def _local_input(value):
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _render_shift(shift_id, edit_values=None, edit_errors=None, cancel_errors=None, status=200, swap_errors=None,
                  requirement_errors=None):
    roster = shift_rosters.shift_roster(g.user, shift_id)
    shift = roster.shift
    if edit_values is None:
        edit_values = {
            "starts_at": _local_input(shift.starts_at),
            "ends_at": _local_input(shift.ends_at),
            "party_members_only": shift.party_members_only,
            "notes": shift.notes,
            "version": version_of(shift),
        }
    return (
        render_template(
            "console/shift.html",
            shift=shift,
            roster=roster,
            status_zh=STATUS_ZH,
            edit_values=edit_values,
            edit_errors=edit_errors or {},
            cancel_errors=cancel_errors or {},
            requirement_errors=requirement_errors or {},
            qualification_options=qualification_options(g.user, shift.site.community_id),
            declaration_options=DECLARATION_OPTIONS,
            declaration_text=DECLARATION_TEXT,
            week=_monday(to_local(shift.starts_at).date()),
            swaps=[swaps.view(s, g.user) for s in swaps.swaps_of_shift(g.user, shift)],  # 换班
            swap_errors=swap_errors or {},
            swap_labels=swaps.STATE_LABELS,
            swap_end_labels=swaps.END_LABELS,
            alerts=vacancy_alerts.shift_alerts(g.user, shift_id),
            lead_text=vacancy_alerts.lead_text,
        ),
        status,
    )


@bp.route("/shifts/<id:shift_id>")
@console_login_required
def show(shift_id):
    return _render_shift(shift_id)


@bp.route("/shifts/<id:shift_id>/edit", methods=["POST"])
@console_login_required
def edit(shift_id):
    shift = shift_planning.get_managed_shift(g.user, shift_id)
    values = request.form.to_dict()
    values["party_members_only"] = "party_members_only" in request.form
    try:
        check_version(shift, request.form)
        missing = {
            name: [f"请填写{label}"]
            for name, label in (("starts_at", "开始时间"), ("ends_at", "结束时间"))
            if not request.form.get(name, "").strip()
        }
        try:
            changes = parse_form(ShiftUpdateSchema(), request.form)
        except FormErrors as exc:
            raise FormErrors({**exc.errors, **missing}) from None
        if missing:
            raise FormErrors(missing)
        # The form shows minutes: an unchanged time is not a move (a start already passed stays).
        for name in ("starts_at", "ends_at"):
            if name in changes and _local_input(changes[name]) == _local_input(getattr(shift, name)):
                del changes[name]
        shift_changes.update_shift(g.user, shift_id, changes)
    except FormErrors as exc:
        db.session.rollback()
        return _render_shift(shift_id, values, exc.errors, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_shift(shift_id, values, domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash("班次已保存", "success")
    return redirect(url_for(".show", shift_id=shift_id))


@bp.route("/shifts/<id:shift_id>/requirements", methods=["POST"])
@console_login_required
def requirements(shift_id):
    """Set each post's requirements (`post_id`, `post_qualification`, `post_declaration` rows); bookings
    already made stay (the roster flags who lacks them)."""
    post_ids = request.form.getlist("post_id")
    roles = [{"id": _capacity(post_id.strip()), **post_requirements(request.form, row)}
             for row, post_id in enumerate(post_ids)]
    try:
        changes = ShiftUpdateSchema().load({"roles": roles})
        shift_changes.update_shift(g.user, shift_id, changes)
    except ma.ValidationError:
        db.session.rollback()
        return _render_shift(shift_id, requirement_errors={"_form": ["岗位要求有误，请重新选择"]}, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_shift(shift_id, requirement_errors=domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash("岗位要求已保存；已预约的志愿者保留，名单中会标出不符合要求的人", "success")
    return redirect(url_for(".show", shift_id=shift_id))


@bp.route("/shifts/<id:shift_id>/cancel", methods=["POST"])
@console_login_required
def cancel(shift_id):
    try:
        data = parse_form(CancelSchema(), request.form)
        shift_changes.cancel_shift(g.user, shift_id, data["reason"])
    except FormErrors as exc:
        db.session.rollback()
        if "reason" in exc.errors:
            exc.errors["reason"] = ["请填写取消原因（最多 200 字）"]
        return _render_shift(shift_id, cancel_errors=exc.errors, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_shift(shift_id, cancel_errors=domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash("班次已取消，已通知预约的志愿者", "success")
    return redirect(url_for(".show", shift_id=shift_id))
