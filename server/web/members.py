"""Residents and party members: search; confirm or reject membership claims; party membership; a person's history.

- `GET /console/members`: the people of the organizer's communities (admins: everyone), searched by
  name or full phone number, filtered by community, membership status and party membership, paged.
  Phones are masked.
- `POST /console/members/<id>/confirm` and `/reject`: `memberships.confirm` / `reject` of the claim the
  list showed (the form names its community, so a claim changed meanwhile is not decided by mistake).
- `POST /console/members/<id>/party`: grant or revoke `party_member` (`users.grant_role_to` /
  `revoke_role_from`: an organizer only for confirmed residents of their communities).
- `GET /console/members/<id>`: the person's history in the organizer's communities (`services.people`),
  and, for a member of a community the organizer manages, its qualifications with grant/revoke forms
  (`web.qualifications`);
  `POST /console/members/<id>/phone` reveals the full number (audited; htmx swaps it in).

Every action redirects back to the list it came from (POST/redirect/GET) with a flash message;
a refusal of the services renders the console's error page with its status (403, 404, 409).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from server.errors import NotFound
from server.extensions import db
from server.services import memberships, people, qualifications, users
from server.web.auth import _safe_next, console_login_required
from server.web.forms import id_or_none
from server.web.paging import paginate

bp = Blueprint("members", __name__)

STATUS_OPTIONS = (("claimed", "待确认"), ("confirmed", "已确认"))
PARTY_OPTIONS = (("yes", "是"), ("no", "否"))
TABS = (("activities", "活动报名"), ("shifts", "志愿值守"))


def _list_filters(args, communities):
    """The list's filters from the query string: `(filters, errors)`; a bad filter is left out."""
    errors = {}
    filters = {"search": people.clean_search(args.get("q", ""))}
    if args.get("community_id", "").strip():
        community_id = id_or_none(args["community_id"])
        if community_id not in {c.id for c in communities}:
            errors["community_id"] = ["社区不存在或不在您的管理范围内"]
        else:
            filters["community_id"] = community_id
    status = args.get("status", "").strip()
    if status:
        if status in dict(STATUS_OPTIONS):
            filters["status"] = status
        else:
            errors["status"] = ["状态只能是待确认或已确认"]
    party = args.get("party", "").strip()
    if party:
        if party in dict(PARTY_OPTIONS):
            filters["party"] = party == "yes"
        else:
            errors["party"] = ["党员筛选只能是是或否"]
    return filters, errors


@bp.route("/members")
@console_login_required
def index():
    communities = people.visible_communities(g.user)
    filters, errors = _list_filters(request.args, communities)
    page = paginate(people.people_statement(g.user, **filters))
    return (
        render_template(
            "console/members.html",
            page=page,
            communities=communities,
            filters=filters,
            errors=errors,
            args=request.args,
            status_options=STATUS_OPTIONS,
            party_options=PARTY_OPTIONS,
            may_manage_party=lambda person: people.may_manage_party(g.user, person),
        ),
        422 if errors else 200,
    )


def _back(default=None):
    """Where an action returns to: the page the form came from (inside /console/members only)."""
    return redirect(_safe_next(request.form.get("next"), inside="/console/members") or default
                    or url_for("console.members.index"))


def _name(person):
    return person.real_name or person.nickname or f"用户 #{person.id}"


def _claimed_community():
    """The community the form's claim was for; an unreadable one is a claim that does not exist."""
    community_id = id_or_none(request.form.get("community_id"))
    if community_id is None:
        raise NotFound("membership_not_found")
    return community_id


@bp.route("/members/<id:user_id>/confirm", methods=["POST"])
@console_login_required
def confirm(user_id):
    member = memberships.confirm(g.user, _claimed_community(), user_id)
    db.session.commit()
    flash(f"已确认{_name(member)}为{member.community.name}居民", "success")
    return _back()


@bp.route("/members/<id:user_id>/reject", methods=["POST"])
@console_login_required
def reject(user_id):
    community_id = _claimed_community()
    member = memberships.reject(g.user, community_id, user_id)
    db.session.commit()
    flash(f"已驳回{_name(member)}的社区居民申请" if request.form.get("was") != "confirmed" else f"已将{_name(member)}移出社区", "success")
    return _back()


@bp.route("/members/<id:user_id>/party", methods=["POST"])
@console_login_required
def party(user_id):
    people.get_person(g.user, user_id)  # someone the organizer may not see is a 404, whatever the form says
    action = request.form.get("action")
    if action == "grant":
        person = users.grant_role_to(g.user, user_id, "party_member")
        message = f"已将{_name(person)}设为党员"
    elif action == "revoke":
        person = users.revoke_role_from(g.user, user_id, "party_member")
        message = f"已取消{_name(person)}的党员身份"
    else:
        flash("请选择设为党员或取消党员", "error")
        return _back()
    db.session.commit()
    flash(message, "success")
    return _back()


@bp.route("/members/<id:user_id>")
@console_login_required
def history(user_id):
    person = people.get_person(g.user, user_id)
    tab = request.args.get("tab", "activities")
    if tab not in dict(TABS):
        tab = "activities"
    statement = (
        people.registrations_statement(g.user, person) if tab == "activities" else people.bookings_statement(g.user, person)
    )
    own = g.user.organizer_community_ids
    manages_membership = person.community_id is not None and g.user.organizes(person.community_id)
    held_qualifications = (
        qualifications.member_qualifications(g.user, person.community_id, person.id)[1] if manages_membership else None
    )
    return render_template(
        "console/members_history.html",
        person=person,
        summary=people.history_summary(g.user, person),
        tab=tab,
        tabs=TABS,
        page=paginate(statement),
        may_manage_party=people.may_manage_party(g.user, person),
        manages_membership=manages_membership,
        held_qualifications=held_qualifications,
        may_reveal=bool(person.phone) and bool(own),
    )


@bp.route("/members/<id:user_id>/phone", methods=["POST"])
@console_login_required
def reveal_phone(user_id):
    revealed = people.reveal_phone(g.user, user_id)
    db.session.commit()
    return render_template("console/members_phone.html", phone=revealed.phone)
