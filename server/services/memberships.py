"""Community membership: a resident's community counts only once it is confirmed.

Rules:
- Choosing a community (`PATCH /me`, `users.update_profile`) is a claim (`claimed`). Choosing another
  one, or none, later is a new claim again; places already held stay.
- A claim is confirmed by an organizer of that community (or an admin), from the pending list, or by
  the person scanning the community's join code at the centre (a rotating token, `checkin_tokens`
  kind `c`, shown only to the community's organizers), which sets that community and confirms it at
  once, whatever the person's community was before.
- An organizer rejects a claim, or removes a confirmed member who has moved away: the person is left
  without a community. Both are audited; nobody is notified (the person sees the status in 我的).
- An archived community takes no new members: choosing it, confirming a claim of it, showing or
  scanning its join code are refused (`community_archived`); its members and their history stay.
- Only confirmed membership counts: `community_residents` activities (`registrations`) and
  party-member grants by organizers (`users`) read `User.confirmed_community_id`.

Locks: confirming, rejecting and joining lock the member's user row (`lock_row`) and re-read it, so
they act on the claim as it is now; a concurrent change of community writes both claim columns
(`User._new_claim`), so a confirmation of the old community is never carried over to the new one.
"""

from sqlalchemy import select

from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import User
from server.models.base import utcnow
from server.services import checkin_tokens
from server.services.locking import lock_row
from server.services.paging import paginate
from server.services.sites import require_organizer
from server.services.users import get_community, record_audit, refuse_archived


def _managed_community(actor, community_id, what):
    """Raises NotFound (`community_not_found`), Forbidden."""
    community = get_community(community_id)
    require_organizer(actor, community.id, what)
    return community


def list_members(actor, community_id, args):
    """The people who chose the community (deleted accounts aside), oldest claim first, then by id.

    `args`: `status` (`claimed` or `confirmed`, optional), `page`, `page_size`. Returns `(items, total)`.
    Raises NotFound, Forbidden.
    """
    community = _managed_community(actor, community_id, "查看成员")
    statement = select(User).where(User.community_id == community.id, User.deleted_at.is_(None))
    if args.get("status") == "claimed":
        statement = statement.where(User.community_confirmed_at.is_(None))
    elif args.get("status") == "confirmed":
        statement = statement.where(User.community_confirmed_at.is_not(None))
    return paginate(statement, args, User.community_claimed_at, User.id)


def _locked_member(community_id, user_id):
    """The user claiming (or holding) membership of the community, its row locked. Raises NotFound."""
    user = lock_row(User, user_id)
    if user is None or user.deleted_at is not None or user.community_id != community_id:
        raise NotFound("membership_not_found")
    return user


def confirm(actor, community_id, user_id):
    """Confirm a member's claim; confirming a confirmed member changes nothing.

    Raises NotFound (`community_not_found`, `membership_not_found`), Forbidden.
    """
    community = _managed_community(actor, community_id, "确认居民身份")
    refuse_archived(community)
    member = _locked_member(community.id, user_id)
    if member.community_confirmed_at is None:
        member.community_confirmed_at = utcnow()
        record_audit(actor, "membership.confirm", "user", member.id, community_id=community.id, via="organizer")
    db.session.flush()
    return member


def reject(actor, community_id, user_id):
    """Reject a claim, or remove a confirmed member: the person is left without a community.

    Raises NotFound (`community_not_found`, `membership_not_found`), Forbidden.
    """
    community = _managed_community(actor, community_id, "处理居民身份")
    member = _locked_member(community.id, user_id)
    was = member.community_status
    member.community_id = None
    record_audit(actor, "membership.reject", "user", member.id, community_id=community.id, was=was)
    db.session.flush()
    return member


def make_join_code(actor, community_id):
    """The community's rotating join token: `(community, token, expires_at_epoch)`. Raises NotFound, Forbidden."""
    community = _managed_community(actor, community_id, "出示社区居民确认码")
    refuse_archived(community)
    token, expires_at = checkin_tokens.make_token("c", community.id)
    return community, token, expires_at


def join_with_token(user, token):
    """Confirm the caller's membership of the community whose join code they scanned, setting that
    community if they had none or another. Joining again changes nothing.

    Raises DomainError `join_code_invalid` (unknown, expired, or not a join code), `community_archived`.
    """
    subject = checkin_tokens.token_subject(token)
    if subject is None or subject[0] != "c" or not checkin_tokens.token_is_valid(*subject, token):
        raise DomainError("join_code_invalid")
    community = get_community(subject[1])
    refuse_archived(community)
    member = lock_row(User, user.id)
    if member.community_id != community.id:
        member.community_id = community.id
    if member.community_confirmed_at is None:
        member.community_confirmed_at = utcnow()
        record_audit(member, "membership.confirm", "user", member.id, community_id=community.id, via="join_code")
    db.session.flush()
    db.session.refresh(member, ["community"])
    return member

