"""Qualifications (资格) an organizer grants, and the qualification a post (岗位) may require.

Rules:
- a community's organizers (or an admin) define its qualifications: a name (1 to 40 characters, unique
  in the community: `qualification_exists`) and a short note; volunteers read both, so WeChat's content
  check reads them first (`content_risky`). A qualification is edited, never deleted: posts and the
  audit log name it;
- they grant one to a person of the community (a member, claimed or confirmed: `membership_not_found`
  otherwise), optionally until a local date (`expires_on`, the last day it counts; not in the past);
  granting again renews it (new expiry, revocation undone); they revoke it. Both are audited
  (`qualification.grant`, `qualification.revoke`); revoking what is not held changes nothing;
- a grant counts for a shift when it is not revoked and has no expiry or expires on or after the
  shift's local date (`holds`, and the same rule in SQL: `valid_grant`);
- a post requiring a qualification is refused to whoever does not hold it then (403
  `qualification_required`), everywhere a booking is made or changes hands: the rule is part of
  `bookings.eligibility_problem` / `bookings.eligible_users`;
- revoking a grant (or letting it expire, or adding the requirement to a post later) does not drop
  bookings already made: they stay, and the roster flags their volunteers (`missing_holders`) so the
  organizer decides (move or release them). Nothing is silently cancelled;
- a post may require only a qualification of its own site's community (422 on `roles`).

Locks: none. A grant is one row per person and qualification: the unique constraint settles two
simultaneous first grants (a savepoint: the loser renews the winner's row); a booking racing a
revocation is decided by whichever commits first, and the roster shows the outcome (a booking that
won is flagged once the revocation commits).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from server.errors import DomainError, NotFound, ValidationFailed
from server.extensions import db
from server.localtime import local_today, to_local
from server.models import Qualification, QualificationGrant, User
from server.models.base import utcnow
from server.services.content_safety import FORUM, check_texts
from server.services.sites import require_organizer
from server.services.users import get_community, record_audit, refuse_archived


def qualification_not_found():
    return NotFound("qualification_not_found", "资格不存在")


def shift_day(shift):
    """The shift's local date: the day a grant must still count on."""
    return to_local(shift.starts_at).date()


# --- the rule --------------------------------------------------------------------------------------------


def valid_grant(user_id, qualification_id, day):
    """The SQL condition that `user_id` (a column or a value) holds the qualification on local date `day`."""
    return (
        select(QualificationGrant.id)
        .where(
            QualificationGrant.user_id == user_id,
            QualificationGrant.qualification_id == qualification_id,
            QualificationGrant.revoked_at.is_(None),
            or_(QualificationGrant.expires_on.is_(None), QualificationGrant.expires_on >= day),
        )
        .exists()
    )


def grant_counts(grant, day):
    """Whether a grant (a row, or None) counts on local date `day`: `valid_grant` in Python."""
    return (
        grant is not None and grant.revoked_at is None and (grant.expires_on is None or grant.expires_on >= day)
    )


def holds(user_id, qualification_id, day):
    """Whether the person holds the qualification on local date `day`."""
    grant = db.session.scalar(
        select(QualificationGrant).where(
            QualificationGrant.user_id == user_id, QualificationGrant.qualification_id == qualification_id
        )
    )
    return grant_counts(grant, day)


def qualification_problem(user, shift, post, who=None):
    """403 `qualification_required` if `post` requires a qualification `user` does not hold on the
    shift's day, else None. `who`: the person's name when an organizer reads the message."""
    qualification = post.required_qualification
    if qualification is None or holds(user.id, qualification.id, shift_day(shift)):
        return None
    if who is None:
        return DomainError("qualification_required", f"该岗位需要“{qualification.name}”资格，请联系组织者", 403)
    return DomainError("qualification_required", f"该岗位需要“{qualification.name}”资格，{who}没有该资格", 403)


def missing_holders(post, shift, user_ids):
    """Of `user_ids` booked on `post`, those who do not hold its required qualification on the shift's
    day (revoked, expired, or required after they booked): the roster flags them."""
    if post.requires_qualification_id is None or not user_ids:
        return set()
    holding = db.session.scalars(
        select(QualificationGrant.user_id).where(
            QualificationGrant.user_id.in_(list(user_ids)),
            QualificationGrant.qualification_id == post.requires_qualification_id,
            QualificationGrant.revoked_at.is_(None),
            or_(QualificationGrant.expires_on.is_(None), QualificationGrant.expires_on >= shift_day(shift)),
        )
    ).all()
    return set(user_ids) - set(holding)


def check_post_requirement(community_id, qualification_id):
    """The qualification a post of a site in `community_id` may require. Raises ValidationFailed on `roles`."""
    if qualification_id is None:
        return None
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None or qualification.community_id != community_id:
        raise ValidationFailed(errors={"roles": ["所需资格不存在或不属于该站点的社区"]})
    return qualification


def set_post_requirements(shift, requirements):
    """Set the requirements of some posts of `shift` (`[{post_id, requires_qualification_id,
    health_declaration}]`); bookings already made stay. Raises ValidationFailed on `roles`."""
    posts = {post.id: post for post in shift.posts}
    for requirement in requirements:
        post = posts.get(requirement["post_id"])
        if post is None:
            raise ValidationFailed(errors={"roles": ["该班次没有这个岗位"]})
        post.required_qualification = check_post_requirement(
            shift.site.community_id, requirement["requires_qualification_id"]
        )
        post.health_declaration = requirement["health_declaration"]


# --- defining qualifications --------------------------------------------------------------------------


def _managed_community(actor, community_id):
    community = get_community(community_id)
    require_organizer(actor, community.id, "管理资格")
    return community


def get_managed_qualification(actor, qualification_id):
    """Raises NotFound `qualification_not_found`, Forbidden."""
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None:
        raise qualification_not_found()
    require_organizer(actor, qualification.community_id, "管理资格")
    return qualification


def list_qualifications(actor, community_id):
    """The community's qualifications by name, each with how many people hold it today. Raises NotFound, Forbidden."""
    community = _managed_community(actor, community_id)
    items = db.session.scalars(
        select(Qualification).where(Qualification.community_id == community.id).order_by(Qualification.name)
    ).all()
    counts = _holder_counts([q.id for q in items])
    return [QualificationView(q, counts.get(q.id, 0)) for q in items]


@dataclass(frozen=True)
class QualificationView:
    """A qualification and how many people hold it today (`QualificationSchema`)."""

    qualification: Qualification
    holders: int

    def __getattr__(self, name):
        return getattr(self.qualification, name)


def _holder_counts(qualification_ids):
    if not qualification_ids:
        return {}
    today = local_today()
    rows = db.session.execute(
        select(QualificationGrant.qualification_id, QualificationGrant.user_id)
        .join(User, User.id == QualificationGrant.user_id)
        .where(
            QualificationGrant.qualification_id.in_(qualification_ids),
            QualificationGrant.revoked_at.is_(None),
            or_(QualificationGrant.expires_on.is_(None), QualificationGrant.expires_on >= today),
            User.deleted_at.is_(None),
        )
    ).all()
    counts = {}
    for qualification_id, _ in rows:
        counts[qualification_id] = counts.get(qualification_id, 0) + 1
    return counts


def _refuse_taken_name(community_id, name, qualification_id=None):
    statement = select(Qualification.id).where(Qualification.community_id == community_id, Qualification.name == name)
    if qualification_id is not None:
        statement = statement.where(Qualification.id != qualification_id)
    if db.session.scalar(statement) is not None:
        raise DomainError("qualification_exists", f"本社区已有名为“{name}”的资格", 409)


def create_qualification(actor, community_id, data):
    """Raises NotFound, Forbidden, ValidationFailed, DomainError `qualification_exists`, `community_archived`, `content_risky`."""
    community = _managed_community(actor, community_id)
    refuse_archived(community)
    name, note = data["name"].strip(), data.get("note", "").strip()
    if not name:
        raise ValidationFailed(errors={"name": ["请填写资格名称"]})
    _refuse_taken_name(community.id, name)
    check_texts(actor, FORUM, {"name": name, "note": note})
    qualification = Qualification(community_id=community.id, name=name, note=note, created_by_id=actor.id)
    db.session.add(qualification)
    db.session.flush()
    record_audit(actor, "qualification.create", "qualification", qualification.id, community_id=community.id)
    return QualificationView(qualification, 0)


def update_qualification(actor, qualification_id, changes):
    """Rename a qualification or edit its note. Raises NotFound, Forbidden, ValidationFailed,
    DomainError `qualification_exists`, `content_risky`."""
    qualification = get_managed_qualification(actor, qualification_id)
    if "name" in changes:
        name = changes["name"].strip()
        if not name:
            raise ValidationFailed(errors={"name": ["请填写资格名称"]})
        _refuse_taken_name(qualification.community_id, name, qualification.id)
        changes = {**changes, "name": name}
    if "note" in changes:
        changes = {**changes, "note": changes["note"].strip()}
    check_texts(actor, FORUM, {key: changes.get(key) for key in ("name", "note")})
    for key in ("name", "note"):
        if key in changes:
            setattr(qualification, key, changes[key])
    db.session.flush()
    record_audit(actor, "qualification.update", "qualification", qualification.id, fields=sorted(changes))
    return QualificationView(qualification, _holder_counts([qualification.id]).get(qualification.id, 0))


# --- granting and revoking ----------------------------------------------------------------------------


def _member(community_id, user_id):
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.community_id != community_id:
        raise NotFound("membership_not_found", "该居民不是本社区的成员")
    return user


def grant_row(qualification_id, user_id):
    return db.session.scalar(
        select(QualificationGrant).where(
            QualificationGrant.qualification_id == qualification_id, QualificationGrant.user_id == user_id
        )
    )


def grant(actor, qualification_id, user_id, expires_on=None):
    """Grant (or renew) a qualification to a member of its community. Raises NotFound
    (`qualification_not_found`, `membership_not_found`), Forbidden, ValidationFailed (`expires_on` in the past)."""
    qualification = get_managed_qualification(actor, qualification_id)
    member = _member(qualification.community_id, user_id)
    if expires_on is not None and expires_on < local_today():
        raise ValidationFailed(errors={"expires_on": ["有效期不能早于今天"]})
    row = grant_row(qualification.id, member.id)
    if row is None:
        row = QualificationGrant(qualification_id=qualification.id, user_id=member.id, granted_by_id=actor.id)
        try:
            # Two organizers granting at once: the unique (qualification, user) decides, the loser renews.
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = grant_row(qualification.id, member.id)
    row.expires_on = expires_on
    row.granted_by_id = actor.id
    row.granted_at = utcnow()
    row.revoked_at = row.revoked_by_id = None
    db.session.flush()
    record_audit(
        actor, "qualification.grant", "user", member.id, qualification_id=qualification.id,
        qualification=qualification.name, expires_on=expires_on.isoformat() if expires_on else None,
    )
    return row


def revoke(actor, qualification_id, user_id):
    """Revoke a member's qualification; bookings already made stay (the roster flags them). Revoking
    what is not held changes nothing. Raises NotFound (`qualification_not_found`), Forbidden. Returns
    the grant row, or None if there never was one."""
    qualification = get_managed_qualification(actor, qualification_id)
    row = grant_row(qualification.id, user_id)
    if row is None or row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    row.revoked_by_id = actor.id
    db.session.flush()
    record_audit(
        actor, "qualification.revoke", "user", user_id, qualification_id=qualification.id,
        qualification=qualification.name,
    )
    return row


@dataclass(frozen=True)
class HeldQualification:
    """A qualification as one person has it (`HeldQualificationSchema`): `held` today or not, since
    when and until when."""

    qualification: Qualification
    held: bool
    granted_at: object = None
    expires_on: date | None = None
    expired: bool = False
    user: User | None = None  # the holder, in a list of holders

    @property
    def id(self):
        return self.qualification.id

    @property
    def name(self):
        return self.qualification.name

    @property
    def note(self):
        return self.qualification.note


def held(qualification, row, today):
    """How the grant `row` (or None) of `qualification` stands on local date `today`."""
    if row is None or row.revoked_at is not None:
        return HeldQualification(qualification, False)
    counts = grant_counts(row, today)
    return HeldQualification(qualification, counts, row.granted_at, row.expires_on, not counts, row.user)


def member_qualifications(actor, community_id, user_id):
    """Every qualification of the community, each saying whether the member holds it (for the
    members page's grant/revoke). Raises NotFound, Forbidden."""
    community = _managed_community(actor, community_id)
    member = _member(community.id, user_id)
    qualifications = db.session.scalars(
        select(Qualification).where(Qualification.community_id == community.id).order_by(Qualification.name)
    ).all()
    rows = {
        row.qualification_id: row
        for row in db.session.scalars(
            select(QualificationGrant).where(
                QualificationGrant.user_id == member.id,
                QualificationGrant.qualification_id.in_([q.id for q in qualifications]),
            )
        )
    }
    today = local_today()
    return member, [held(q, rows.get(q.id), today) for q in qualifications]


def holders(actor, qualification_id):
    """The qualification (`QualificationView`) and the people holding it (not revoked; expired ones
    flagged), in the order granted. Raises NotFound, Forbidden."""
    qualification = get_managed_qualification(actor, qualification_id)
    rows = db.session.scalars(
        select(QualificationGrant)
        .join(User, User.id == QualificationGrant.user_id)
        .where(
            QualificationGrant.qualification_id == qualification.id,
            QualificationGrant.revoked_at.is_(None),
            User.deleted_at.is_(None),
        )
        .order_by(QualificationGrant.granted_at, QualificationGrant.id)
    ).all()
    today = local_today()
    view = QualificationView(qualification, _holder_counts([qualification.id]).get(qualification.id, 0))
    return view, [held(qualification, row, today) for row in rows]


def my_qualifications(user):
    """The qualifications granted to me and not revoked (expired ones flagged), by name."""
    rows = db.session.scalars(
        select(QualificationGrant)
        .join(QualificationGrant.qualification)
        .where(QualificationGrant.user_id == user.id, QualificationGrant.revoked_at.is_(None))
        .order_by(Qualification.name)
    ).all()
    today = local_today()
    return [held(row.qualification, row, today) for row in rows]


def erase_grants(user):
    """Account deletion: the person's grants go (who was trained for what is about them)."""
    db.session.execute(
        QualificationGrant.__table__.delete().where(QualificationGrant.user_id == user.id)
    )
