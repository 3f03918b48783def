"""Duty sites: the list (search, filters, paging), create, edit, archive and unarchive; the check-in
code poster (A4, printable) with its rotating mini-program code.

Every rule is `services.sites`': an organizer sees and manages the sites of their communities only.
The form takes the site's point as GCJ-02 numbers (an organizer picks them with Tencent's coordinate
picker, which answers GCJ-02; no map is loaded here) and its check-in radius.
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.api.checkin import checkin_code_body
from server.errors import DomainError
from server.extensions import db
from server.models import SITE_KIND_LABELS, SITE_KINDS
from server.services.communities import managed_communities
from server.services.people import clean_search
from server.schemas.shifts import SiteCreateSchema, SiteUpdateSchema
from server.services import checkin_tokens, sites
from server.web.auth import _safe_next, console_login_required
from server.web.forms import (
    FormErrors,
    check_version,
    digits_to_int,
    domain_error_as_form_errors,
    id_or_none,
    parse_form,
    version_of,
)
from server.web.paging import paginate

bp = Blueprint("sites", __name__)

KIND_OPTIONS = [(kind, SITE_KIND_LABELS[kind]) for kind in SITE_KINDS]
ARCHIVED_OPTIONS = [("", "使用中"), ("1", "已归档"), ("all", "全部")]
FIELDS = ("name", "kind", "address", "grid", "latitude", "longitude", "checkin_radius_m")
# The poster's page fetches a new code this often (a token lives 5 to 10 minutes).
POSTER_REFRESH_SECONDS = 240


@bp.app_template_filter("site_kind")
def site_kind_label(kind):
    return SITE_KIND_LABELS.get(kind, kind)


@bp.route("/sites")
@console_login_required
def index():
    community_id = id_or_none(request.args.get("community"))
    kind = request.args.get("kind", "")
    kind = kind if kind in SITE_KINDS else None
    archived = {"": False, "1": True, "all": None}.get(request.args.get("archived", ""), False)
    search = clean_search(request.args.get("q", ""))  # no NUL (PostgreSQL refuses it) or control characters
    page = paginate(sites.managed_sites(g.user, community_id, kind, archived, search))
    return render_template(
        "console/sites.html",
        page=page,
        communities=managed_communities(g.user, include_archived=True),
        kind_options=KIND_OPTIONS,
        archived_options=ARCHIVED_OPTIONS,
        args=request.args,
    )


def _render_form(site=None, values=None, errors=None, status=200):
    values = values if values is not None else ({f: getattr(site, f) for f in FIELDS} if site else {})
    return (
        render_template(
            "console/site_form.html",
            site=site,
            values=values,
            errors=errors or {},
            community_options=[(c.id, c.name) for c in managed_communities(g.user, include_archived=False)],
            kind_options=KIND_OPTIONS,
            version=version_of(site) if site else "",
        ),
        status,
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@console_login_required
def create():
    if request.method == "GET":
        communities = managed_communities(g.user, include_archived=False)
        return _render_form(values={"community_id": communities[0].id if len(communities) == 1 else ""})
    values = request.form.to_dict()
    try:
        community = digits_to_int(request.form.get("community_id"))
        extra = {"community_id": community} if community is not None else {}
        data = parse_form(SiteCreateSchema(), request.form, extra=extra)
        site = sites.create_site(g.user, data)
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        return _render_form(values=values, errors=domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash(f"已添加站点：{site.name}", "success")
    return redirect(url_for(".index"))


@bp.route("/sites/<id:site_id>/edit", methods=["GET", "POST"])
@console_login_required
def edit(site_id):
    site = sites.get_managed_site(g.user, site_id)
    if request.method == "GET":
        return _render_form(site)
    values = request.form.to_dict()
    try:
        check_version(site, request.form)
        changes = parse_form(SiteUpdateSchema(), request.form)
        sites.update_site(g.user, site_id, changes)
    except FormErrors as exc:
        db.session.rollback()
        return _render_form(site, values=values, errors=exc.errors, status=422)
    except DomainError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_form(site, values=values, errors=domain_error_as_form_errors(exc), status=exc.status)
    db.session.commit()
    flash(f"已保存站点：{site.name}", "success")
    return redirect(url_for(".index"))


@bp.route("/sites/<id:site_id>/archive", methods=["POST"])
@console_login_required
def archive(site_id):
    site = sites.archive_site(g.user, site_id)
    db.session.commit()
    flash(f"已归档站点：{site.name}（不再接受新班次）", "success")
    return redirect(_safe_next(request.form.get("next")) or url_for(".index"))


@bp.route("/sites/<id:site_id>/unarchive", methods=["POST"])
@console_login_required
def unarchive(site_id):
    site = sites.unarchive_site(g.user, site_id)
    db.session.commit()
    flash(f"已恢复站点：{site.name}", "success")
    return redirect(_safe_next(request.form.get("next")) or url_for(".index"))


def _code(site_id):
    """The site's current check-in code as the API gives it: token, expiry and image URL."""
    site, token, expires_at = sites.make_site_checkin_code(g.user, site_id)
    body = checkin_code_body(token, expires_at)
    return site, body


@bp.route("/sites/<id:site_id>/poster")
@console_login_required
def poster(site_id):
    site, code = _code(site_id)
    return render_template(
        "console/site_poster.html",
        site=site,
        code=code,
        refresh=POSTER_REFRESH_SECONDS,
        window_minutes=checkin_tokens.WINDOW_SECONDS // 60,
    )


@bp.route("/sites/<id:site_id>/poster/code")
@console_login_required
def poster_code(site_id):
    """The poster's code, fetched again by htmx before the shown one expires."""
    _, code = _code(site_id)
    return render_template("console/_site_code.html", code=code)
