"""The day's duty roster (排班表) across sites: printable, vacancies highlighted.

`/console/duty-roster?date=&community_id=`: every site with shifts that day in the organizer's
communities (admins: all), each shift with its posts and volunteers (phones masked, check-in state),
vacant places in red; a print button (the print stylesheet leaves the sidebar and filters out) and the
XLSX export of `shift_rosters.export_duty_roster` (audited), one per community. The rosters come from
`shift_rosters.duty_roster`, which checks that the caller organizes each community.
"""

from collections import OrderedDict

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from server.api.files import download
from server.errors import ValidationFailed
from server.extensions import db
from server.localtime import local_date_bounds, local_today
from server.models import Community, Shift, Site
from server.schemas.shifts import DutyRosterArgsSchema
from server.services import shift_rosters, swaps
from server.web.auth import console_login_required
from server.web.forms import FormErrors, domain_error_as_form_errors, parse_form

bp = Blueprint("duty_roster", __name__)


def scope_communities(user):
    """The communities `user` may see in the console's filters: an admin's all (not archived), an
    organizer's own; by name."""
    if user.is_admin:
        statement = select(Community).where(Community.archived_at.is_(None)).order_by(Community.name, Community.id)
        return list(db.session.scalars(statement))
    return sorted((scope.community for scope in user.organizer_scopes), key=lambda c: (c.name, c.id))


def _communities_with_shifts(community_ids, day):
    """Which of these communities have a shift starting on the local `day`."""
    if not community_ids:
        return []
    start, end = local_date_bounds(day)
    found = set(
        db.session.scalars(
            select(Site.community_id)
            .join(Shift, Shift.site_id == Site.id)
            .where(Site.community_id.in_(community_ids), Shift.starts_at >= start, Shift.starts_at <= end)
            .distinct()
        )
    )
    return [cid for cid in community_ids if cid in found]


def by_site(roster):
    """A community's duty roster as `{site: [ShiftRoster]}`, sites by name, shifts by time."""
    sites = OrderedDict()
    for shift_roster in sorted(roster.shifts, key=lambda r: (r.shift.site.name, r.shift.site.id, r.shift.starts_at)):
        sites.setdefault(shift_roster.shift.site, []).append(shift_roster)
    return sites


def site_rows(shift_rosters):
    """The table rows of one site: per shift and post, a row per volunteer and one for the places left
    (an open shift's vacancy); the first row of each post carries its time, name and count
    (`span`: how many rows they cover; 0 on the rows they cover)."""
    rows = []
    for shift_roster in shift_rosters:
        shift = shift_roster.shift
        for post in shift_roster.posts:
            vacant = max(post.capacity - len(post.volunteers), 0) if shift.status == "open" else 0
            group = [{"kind": "volunteer", "volunteer": v} for v in post.volunteers]
            if vacant:
                group.append({"kind": "vacant", "vacant": vacant})
            if not group:
                group.append({"kind": "empty"})
            for index, row in enumerate(group):
                row.update(shift=shift, post=post, span=len(group) if index == 0 else 0)
            rows.extend(group)
    return rows


def totals(rosters):
    """Counts for the page's header: shifts, places, volunteers, vacancies, checked in."""
    counts = {"shifts": 0, "capacity": 0, "volunteers": 0, "vacant": 0, "checked_in": 0}
    for roster in rosters:
        for shift_roster in roster.shifts:
            if shift_roster.shift.status != "open":
                continue
            counts["shifts"] += 1
            for post in shift_roster.posts:
                counts["capacity"] += post.capacity
                counts["volunteers"] += len(post.volunteers)
                counts["vacant"] += max(post.capacity - len(post.volunteers), 0)
                counts["checked_in"] += sum(1 for v in post.volunteers if v.checked_in_at)
    return counts


def _args():
    """The page's `date` and `community_id`, read with the API's schema; raises FormErrors."""
    return parse_form(DutyRosterArgsSchema(), request.args, only=("date", "community_id"))


def _live_swaps(community_id, day):
    """The community's open swap offers and claims waiting for approval on shifts of `day` (换班)."""
    return [swaps.view(s, g.user) for s in swaps.community_swaps(g.user, community_id, day, live_only=True)]


@bp.route("/duty-roster")
@console_login_required
def index():
    communities = scope_communities(g.user)
    errors, rosters, status = {}, [], 200
    try:
        args = _args()
    except FormErrors as exc:
        args, errors, status = {}, exc.errors, 422
    day = args.get("date") or local_today()
    if not errors:
        chosen = args.get("community_id")
        try:
            if chosen is not None:
                rosters = [shift_rosters.duty_roster(g.user, chosen, day)]  # Forbidden for another's community
            else:
                ids = _communities_with_shifts([c.id for c in communities], day)
                rosters = [shift_rosters.duty_roster(g.user, cid, day) for cid in ids]
        except ValidationFailed as exc:
            errors, status = domain_error_as_form_errors(exc), 422
    return render_template(
        "console/duty_roster.html",
        day=day,
        communities=communities,
        community_id=args.get("community_id"),
        rosters=rosters,
        totals=totals(rosters),
        by_site=by_site,
        site_rows=site_rows,
        # 换班: each community's open offers and claims waiting for approval that day (decided on the shift's page)
        live_swaps={r.community.id: _live_swaps(r.community.id, day) for r in rosters},
        swap_labels=swaps.STATE_LABELS,
        community_options=[(c.id, c.name) for c in communities],
        errors=errors,
        raw_date=request.args.get("date", ""),
    ), status


@bp.route("/duty-roster/export")
@console_login_required
def export():
    """The day's duty roster of one community as XLSX (or CSV with `format=csv`); audited."""
    args = parse_form(DutyRosterArgsSchema(), request.args, only=("date", "community_id", "format"))
    fmt = args["format"] if args["format"] in ("csv", "xlsx") else "xlsx"
    file = shift_rosters.export_duty_roster(g.user, fmt, args.get("community_id"), args.get("date"))
    db.session.commit()
    return download(file.body, fmt, file.filename)


@bp.errorhandler(FormErrors)
def _bad_export_args(exc):
    from server.web import render_error

    message = "；".join(f"{m}" for messages in exc.errors.values() for m in messages)
    return render_error(422, f"参数有误：{message}")
