"""Sites (卡口, 核酸采样点, 测温点 ...) where volunteers serve, and the rotating check-in code of each.

Rules: only an organizer of the site's community adds, edits or archives it, or shows its check-in
code; the code is a short-lived token (`checkin_tokens`) that volunteers scan to check in at any shift
there. An archived site keeps its shifts and their history, but takes no new shifts, shows no
check-in code and leaves the site list (`site_archived`); a site with open shifts that have not ended
cannot be archived (`site_has_shifts`: cancel them first). Unarchiving is refused in an archived
community.
A site's point (GCJ-02 latitude and longitude) is set both or neither (`site_location`), with its
check-in radius; moving the point tells nobody (the address is what volunteers read).
Renaming a site or changing its address tells the volunteers booked on its coming shifts
(`schedule_changed`) and moves their reminders. Nothing here takes a lock: a site is edited by its
organizers, last write wins.
"""

from sqlalchemy import select

from server.errors import DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models import Community, Shift, Site
from server.models.base import utcnow
from server.services import checkin_tokens
from server.services.content_safety import FORUM, changed_texts, check_texts
from server.services.paging import paginate, text_matches
from server.services.shift_notices import notify_moved
from server.services.site_location import check_site_point
from server.services.users import refuse_archived

# What volunteers read, checked by WeChat's content check before it is saved (`content_safety`).
TEXT_FIELDS = ("name", "address", "grid")


def require_organizer(actor, community_id, what):
    """Raises Forbidden unless `actor` organizes the community; `what` completes the message (只有……可以<what>)."""
    if not actor.organizes(community_id):
        raise Forbidden("forbidden", f"只有该社区的组织者可以{what}")


def list_sites(args):
    """Sites that are not archived, by community then name. Returns `(items, total)`."""
    statement = select(Site).where(Site.archived_at.is_(None))
    if "community_id" in args:
        statement = statement.where(Site.community_id == args["community_id"])
    if "kind" in args:
        statement = statement.where(Site.kind == args["kind"])
    return paginate(statement, args, Site.community_id, Site.name, Site.id)


def managed_sites(actor, community_id=None, kind=None, archived=False, search=None):
    """A statement of the sites of the communities `actor` organizes (an admin: all), by community then
    name: `archived` True only archived ones, False only active ones, None both; `search` a part of the
    name. Raises Forbidden for a `community_id` the actor does not organize."""
    statement = select(Site)
    if community_id is not None:
        require_organizer(actor, community_id, "查看此社区的站点")
        statement = statement.where(Site.community_id == community_id)
    elif not actor.is_admin:
        statement = statement.where(Site.community_id.in_(actor.organizer_community_ids or {-1}))
    if kind:
        statement = statement.where(Site.kind == kind)
    if archived is not None:
        statement = statement.where(Site.archived_at.is_not(None) if archived else Site.archived_at.is_(None))
    if search:
        statement = statement.where(text_matches(search, Site.name, Site.address))
    return statement.order_by(Site.community_id, Site.name, Site.id)


def refuse_archived_site(site):
    """An archived site takes no new shifts and shows no check-in code. Raises DomainError `site_archived`."""
    if site.archived_at is not None:
        raise DomainError("site_archived", f"{site.name}已归档，不能再添加班次或显示签到码")


def get_site(site_id):
    """Raises NotFound."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("site_not_found", "站点不存在")
    return site


def get_managed_site(actor, site_id):
    """Raises NotFound, Forbidden."""
    site = get_site(site_id)
    require_organizer(actor, site.community_id, "管理此站点")
    return site


def create_site(actor, data):
    """Raises ValidationFailed (unknown community, half a point), Forbidden, DomainError `community_archived`, `content_risky` (text
    refused by WeChat's content check)."""
    community = db.session.get(Community, data["community_id"])
    if community is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    require_organizer(actor, data["community_id"], "添加站点")
    refuse_archived(community)
    check_site_point(None, data)
    check_texts(actor, FORUM, {field: data.get(field) for field in TEXT_FIELDS})
    site = Site(**data)
    db.session.add(site)
    db.session.flush()
    return site


# A change of these is a change of where volunteers go: booked volunteers of the site's coming shifts
# are told (`schedule_changed`), and their pending reminders carry the new place.
PLACE_FIELDS = ("name", "address")


def update_site(actor, site_id, changes):
    """Edit a site; renaming it or changing its address tells the volunteers booked on its shifts that
    have not ended. Raises NotFound, Forbidden, ValidationFailed (half a point), DomainError `content_risky`."""
    site = get_managed_site(actor, site_id)
    check_site_point(site, changes)
    check_texts(actor, FORUM, changed_texts(site, changes, TEXT_FIELDS))
    moved = any(field in changes and changes[field] != getattr(site, field) for field in PLACE_FIELDS)
    for field, value in changes.items():
        setattr(site, field, value)
    if moved:
        coming = db.session.scalars(
            select(Shift).where(Shift.site_id == site.id, Shift.status == "open", Shift.ends_at > utcnow())
        )
        for shift in coming:
            notify_moved(shift)
    db.session.flush()
    return site


def archive_site(actor, site_id):
    """Archive a site: it keeps its shifts but takes no new ones. Archiving it again changes nothing.

    Raises NotFound, Forbidden, DomainError `site_has_shifts` (open shifts that have not ended)."""
    site = get_managed_site(actor, site_id)
    if site.archived_at is not None:
        return site
    coming = db.session.scalar(
        select(Shift.id).where(Shift.site_id == site.id, Shift.status == "open", Shift.ends_at > utcnow()).limit(1)
    )
    if coming is not None:
        raise DomainError("site_has_shifts")
    site.archived_at = utcnow()
    db.session.flush()
    return site


def unarchive_site(actor, site_id):
    """Take a site back into use. Raises NotFound, Forbidden, DomainError `community_archived`."""
    site = get_managed_site(actor, site_id)
    if site.archived_at is None:
        return site
    refuse_archived(site.community)
    site.archived_at = None
    db.session.flush()
    return site


def make_site_checkin_code(actor, site_id):
    """A rotating token that volunteers scan to check in at this site: `(site, token, expires_at_epoch)`.

    Raises NotFound, Forbidden, DomainError `site_archived`.
    """
    site = get_managed_site(actor, site_id)
    refuse_archived_site(site)
    token, expires_at = checkin_tokens.make_token("s", site.id)
    return site, token, expires_at
