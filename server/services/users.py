"""Users: login through WeChat, profile, phone binding and roles (account deletion: `accounts.py`)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.errors import DomainError, Forbidden, NotFound, ValidationFailed
from server.extensions import db
from server.models import AuditLog, Community, OrganizerScope, User
from server.models.base import utcnow
from server.services.content_safety import PROFILE, changed_texts, check_texts
from server.wechat import wechat


def record_audit(actor, action, target_type=None, target_id=None, **detail):
    db.session.add(
        AuditLog(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail or None,
        )
    )


@dataclass(frozen=True)
class RevealedPhone:
    """One person's full number, revealed to an organizer (`PhoneSchema`); None when they bound none."""

    phone: str | None


def sees_full_phone(viewer, community_id):
    """Whether `viewer` may have the full phone numbers of a community's people: only its own organizers
    (admins are not), and only in file exports and one at a time through an audited reveal. JSON
    rosters show every number masked, to everyone."""
    return viewer is not None and community_id in viewer.organizer_community_ids


def contact(user, full_phone):
    """A person as a roster shows them: `phone_masked` always, `phone` in full only when `full_phone`
    (files for the community's own organizers), else None."""
    return {
        "id": user.id,
        "real_name": user.real_name,
        "nickname": user.nickname,
        "phone_masked": user.phone_masked,
        "phone": user.phone if full_phone else None,
    }


def login_with_code(js_code):
    """Log in with a `wx.login` code: find or create the user by openid and store the new session_key.

    WeChat issues a new session_key on every login and the old one stops working, so it is overwritten.
    Raises the WeChat errors of `WeChatService.code_to_session`.
    """
    session = wechat().code_to_session(js_code)
    user = db.session.scalar(select(User).where(User.openid == session["openid"]))
    if user is None:
        user = User(openid=session["openid"])
        try:
            # Two first logins of the same person can race; the unique openid decides, the loser reloads.
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            user = db.session.scalar(select(User).where(User.openid == session["openid"]))
    user.session_key = session["session_key"]
    user.unionid = session["unionid"] or user.unionid
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def bind_phone(user, code):
    """Bind the phone number WeChat verified for this user (getPhoneNumber button).

    Raises WeChatPhoneCodeInvalid (422 `phone_code_invalid`) and the other WeChat errors.
    """
    user.phone = wechat().get_phone_number(code)["phone"]
    db.session.flush()
    return user


def get_community(community_id):
    """Raises NotFound."""
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def refuse_archived(community):
    """An archived community keeps its history but takes no new activities, sites or members.
    Raises DomainError `community_archived` (409)."""
    if community.archived_at is not None:
        raise DomainError("community_archived", f"{community.name}已归档，不能再添加活动、站点或成员")


def user_for_openid(openid):
    """The live user with this openid, created (a resident who has not logged in yet) if there is none:
    their first login finds the row and its roles."""
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid)
        db.session.add(user)
        db.session.flush()
    return user


def update_profile(user, changes):
    """Change nickname, real name, 志愿者编号 or community. An unknown community is a validation error.

    A new nickname or real name passes WeChat's content check first (`content_safety`): raises
    DomainError `content_risky` (422), and nothing changes.
    Another community (or none) is a new, unconfirmed claim (`memberships`); the same one changes nothing.
    An archived community cannot be chosen (DomainError `community_archived`); keeping it can.
    """
    if "community_id" in changes and changes["community_id"] is not None:
        community = db.session.get(Community, changes["community_id"])
        if community is None:
            raise ValidationFailed(errors={"community_id": ["社区不存在"]})
        if community.id != user.community_id:
            refuse_archived(community)
    check_texts(user, PROFILE, changed_texts(user, changes, ("nickname", "real_name")))
    for field in ("nickname", "real_name", "community_id", "volunteer_number"):
        if field in changes:
            setattr(user, field, changes[field])
    db.session.flush()
    db.session.refresh(user, ["community"])
    return user


def get_active_user(user_id):
    """Raises NotFound for unknown and deleted users."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found")
    return user


_NOT_YOURS = "只有管理员或该居民所在社区（已确认）的组织者可以设置该角色"


def _check_may_manage_role(actor, target, role):
    """Admins (and the command line, `actor` None) manage every role; an organizer only `party_member`
    for confirmed residents of their own communities (a claimed community does not count)."""
    if actor is None or actor.is_admin:
        return
    if role == "party_member" and target.confirmed_community_id is not None and actor.organizes(
        target.confirmed_community_id
    ):
        return
    raise Forbidden("forbidden", _NOT_YOURS)


def _role_target(actor, user_id, role):
    """The user whose role `actor` wants to change, checking the permission before the user's existence,
    so nobody learns which ids exist from it.

    A caller who may manage no such role at all (a resident; an organizer for any role but
    `party_member`) is refused (403) whatever the id. For an organizer, an unknown or deleted user is
    refused like a user of another community (403); only admins are told 404 `user_not_found`.
    """
    if not (actor.is_admin or (role == "party_member" and actor.organizer_community_ids)):
        raise Forbidden("forbidden", _NOT_YOURS)
    try:
        target = get_active_user(user_id)
    except NotFound:
        if actor.is_admin:
            raise
        raise Forbidden("forbidden", _NOT_YOURS) from None
    _check_may_manage_role(actor, target, role)
    return target


def grant_role_to(actor, user_id, role, community_id=None):
    """`grant_role` by user id, for an HTTP caller: Forbidden before NotFound (`_role_target`)."""
    return grant_role(actor, _role_target(actor, user_id, role), role, community_id)


def revoke_role_from(actor, user_id, role, community_id=None):
    """`revoke_role` by user id, for an HTTP caller: Forbidden before NotFound (`_role_target`)."""
    if role not in ("party_member", "organizer", "admin"):
        raise ValidationFailed(errors={"role": ["只能撤销 party_member、organizer 或 admin"]})
    return revoke_role(actor, _role_target(actor, user_id, role), role, community_id)


def grant_role(actor, target, role, community_id=None):
    """Grant `party_member`, `organizer` (of `community_id`, required) or `admin`.

    Raises Forbidden, ValidationFailed (organizer without community), NotFound (unknown community).
    Granting a role the user already has changes nothing.
    """
    _check_may_manage_role(actor, target, role)
    before = (target.is_party_member, target.is_admin, target.organizer_community_ids)
    if role == "party_member":
        target.is_party_member = True
    elif role == "admin":
        target.is_admin = True
    elif role == "organizer":
        if community_id is None:
            raise ValidationFailed(errors={"community_id": ["组织者角色需要指定社区"]})
        get_community(community_id)
        if community_id not in target.organizer_community_ids:
            target.organizer_scopes.append(
                OrganizerScope(community_id=community_id, granted_by_id=actor.id if actor else None)
            )
    if before != (target.is_party_member, target.is_admin, target.organizer_community_ids):
        record_audit(actor, "role.grant", "user", target.id, role=role, community_id=community_id)
    db.session.flush()
    return target


def revoke_role(actor, target, role, community_id=None):
    """Revoke a role; for `organizer`, one community or (no `community_id`) all of them.

    Raises Forbidden; `resident` cannot be revoked (ValidationFailed).
    """
    if role not in ("party_member", "organizer", "admin"):
        raise ValidationFailed(errors={"role": ["只能撤销 party_member、organizer 或 admin"]})
    _check_may_manage_role(actor, target, role)
    before = (target.is_party_member, target.is_admin, target.organizer_community_ids)
    if role == "party_member":
        target.is_party_member = False
    elif role == "admin":
        target.is_admin = False
    else:
        target.organizer_scopes[:] = [
            s for s in target.organizer_scopes if community_id is not None and s.community_id != community_id
        ]
    if before != (target.is_party_member, target.is_admin, target.organizer_community_ids):
        record_audit(actor, "role.revoke", "user", target.id, role=role, community_id=community_id)
    db.session.flush()
    return target
