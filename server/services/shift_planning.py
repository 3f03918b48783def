"""Planning shifts: create one or a batch, and list and read them (moving and cancelling one:
`shift_changes`).

Rules: only an organizer of the site's community plans its shifts; a shift ends after it starts and
starts in the future (422 on `starts_at`, or `dates` for a batch); a site has at most one shift at
the same start and end (`shift_exists`; the unique constraint stands behind the check); a post's
names are unique within a shift; a post may require a qualification of the site's community and a
same-day health declaration (`qualifications`, 422 on `roles`); a batch is all or none and at most MAX_BATCH_SHIFTS shifts, whose
slots may not overlap; an archived site takes no new shifts (`site_archived`).

Locks: none; a new shift has no bookings, and the unique constraint settles two identical creations.
"""

from datetime import datetime, timedelta, timezone

from sqlalchemy import case, select

from server.errors import DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import app_timezone, local_date_bounds, to_local
from server.models import Shift, ShiftPost, Site
from server.models.base import utcnow
from server.services.content_safety import FORUM, check_texts
from server.services.locking import lock_row
from server.services.geo import distance_m
from server.services.paging import paginate
from server.services.qualifications import check_post_requirement
from server.services.schedule_changes import refuse_past_start
from server.services.sites import get_managed_site, refuse_archived_site, require_organizer

MAX_BATCH_SHIFTS = 200


class ShiftNotOpen(DomainError):
    status, error, message = 409, "shift_not_open", "该班次已取消"


def _shift_not_found():
    return NotFound("shift_not_found", "班次不存在")


def _check_posts(posts):
    names = [post["name"] for post in posts]
    if len(set(names)) != len(names):
        raise ValidationFailed(errors={"roles": ["岗位名称不能重复"]})  # `roles`: the posts in the wire format


def _new_shift(actor, site, starts_at, ends_at, data):
    shift = Shift(
        site_id=site.id,
        starts_at=starts_at,
        ends_at=ends_at,
        party_members_only=data.get("party_members_only", False),
        notes=data.get("notes", ""),
        created_by_id=actor.id,
    )
    shift.posts = [
        ShiftPost(
            name=post["name"], capacity=post["capacity"], health_declaration=post.get("health_declaration", "none"),
            required_qualification=check_post_requirement(site.community_id, post.get("requires_qualification_id")),
        )
        for post in data["posts"]
    ]
    return shift


def refuse_existing(site, spans):
    """409 `shift_exists` if the site already has a shift at one of these exact times."""
    taken = db.session.execute(
        select(Shift.starts_at, Shift.ends_at).where(
            Shift.site_id == site.id, Shift.starts_at.in_([start for start, _ in spans])
        )
    ).all()
    clashes = set(taken) & set(spans)
    if clashes:
        start, _ = min(clashes)
        raise DomainError("shift_exists", f"该站点在 {to_local(start):%m月%d日 %H:%M} 已有相同时段的班次", 409)


def create_shift(actor, data):
    """One shift with its posts. Raises NotFound (site), Forbidden, ValidationFailed (times, a start in
    the past), DomainError `site_archived`, `shift_exists`, `content_risky` (notes refused by WeChat's content check)."""
    site = get_managed_site(actor, data["site_id"])
    refuse_archived_site(site)
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationFailed(errors={"ends_at": ["结束时间必须晚于开始时间"]})
    refuse_past_start(data["starts_at"], "班次开始时间已过，请选择将来的时间")
    _check_posts(data["posts"])
    refuse_existing(site, [(data["starts_at"], data["ends_at"])])
    check_texts(actor, FORUM, {"notes": data.get("notes")})
    shift = _new_shift(actor, site, data["starts_at"], data["ends_at"], data)
    db.session.add(shift)
    db.session.flush()
    return shift


def slot_times(day, slot, zone):
    """The UTC start and end of a `{start: "HH:MM", end: "HH:MM"}` slot on a local day; an end at
    or before the start is on the next day (night shifts, 22:00-06:00)."""
    starts_at = datetime.combine(day, slot["start"], zone)
    ends_at = datetime.combine(day, slot["end"], zone)
    if ends_at <= starts_at:
        ends_at += timedelta(days=1)
    return starts_at.astimezone(timezone.utc), ends_at.astimezone(timezone.utc)


def create_shift_batch(actor, data):
    """One shift per date and slot, all or none: any refusal leaves nothing behind.

    Raises NotFound (site), Forbidden, ValidationFailed (too many shifts, overlapping slots, a slot
    that has already started), DomainError `site_archived`, `shift_exists`, `content_risky` (notes refused by WeChat's
    content check).
    """
    site = get_managed_site(actor, data["site_id"])
    refuse_archived_site(site)
    _check_posts(data["posts"])
    zone = app_timezone()
    spans = sorted({slot_times(day, slot, zone) for day in data["dates"] for slot in data["slots"]})
    if len(spans) > MAX_BATCH_SHIFTS:
        raise ValidationFailed(errors={"dates": [f"一次最多创建 {MAX_BATCH_SHIFTS} 个班次"]})
    first_start = spans[0][0] if spans else None
    if first_start is not None:
        refuse_past_start(first_start, f"{to_local(first_start):%m月%d日 %H:%M} 的班次开始时间已过", field="dates")
    for (_, previous_end), (next_start, _) in zip(spans, spans[1:]):
        if next_start < previous_end:
            raise ValidationFailed(errors={"slots": ["时段之间不能重叠"]})
    refuse_existing(site, spans)
    check_texts(actor, FORUM, {"notes": data.get("notes")})
    shifts = [_new_shift(actor, site, start, end, data) for start, end in spans]
    db.session.add_all(shifts)
    db.session.flush()
    return shifts


def get_shift(shift_id):
    """Raises NotFound."""
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise _shift_not_found()
    return shift


def get_managed_shift(actor, shift_id, lock=False):
    """Raises NotFound, Forbidden."""
    shift = lock_row(Shift, shift_id) if lock else db.session.get(Shift, shift_id)
    if shift is None:
        raise _shift_not_found()
    require_organizer(actor, shift.site.community_id, "管理此班次")
    return shift


def site_distances(site_ids, point):
    """`{site id: whole metres from point}` of those of these sites that have coordinates."""
    rows = db.session.execute(
        select(Site.id, Site.latitude, Site.longitude).where(
            Site.id.in_(site_ids), Site.latitude.is_not(None), Site.longitude.is_not(None)
        )
    )
    return {site_id: round(distance_m(point[0], point[1], lat, lng)) for site_id, lat, lng in rows}


def _nearest_first(statement, point):
    """The order of `?near=`: sites by distance from `point` (measured here, in Python: the sites a
    list can name are few, and SQLite has no trigonometry), sites without coordinates last; then
    soonest first."""
    distances = site_distances(statement.with_only_columns(Shift.site_id).distinct().scalar_subquery(), point)
    if not distances:
        return (Shift.starts_at, Shift.id)
    located = case({site_id: 0 for site_id in distances}, value=Shift.site_id, else_=1)
    return (located, case(distances, value=Shift.site_id, else_=0), Shift.starts_at, Shift.id)


def list_shifts(args):
    """Open shifts that have not ended, soonest first; `available` keeps those with a free place;
    `near` (a `(lat, lng)`) orders them nearest site first (sites without coordinates last).

    Returns `(items, total)`.
    """
    statement = select(Shift).join(Shift.site).where(Shift.status == "open", Shift.ends_at > utcnow())
    if "site_id" in args:
        statement = statement.where(Shift.site_id == args["site_id"])
    if "community_id" in args:
        statement = statement.where(Site.community_id == args["community_id"])
    if "date" in args:
        start, end = local_date_bounds(args["date"])
        statement = statement.where(Shift.starts_at >= start, Shift.starts_at <= end)
    if args.get("available"):
        free = select(ShiftPost.id).where(ShiftPost.shift_id == Shift.id, ShiftPost.has_free_place)
        statement = statement.where(free.exists())
    if args.get("near"):
        return paginate(statement, args, *_nearest_first(statement, args["near"]))
    return paginate(statement, args, Shift.starts_at, Shift.id)
