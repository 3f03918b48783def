"""Demo data for `flask seed-demo`: the sub-district's communities and one user per role.

The community list is sample data for local runs and tests, not an official register.
"""

from sqlalchemy import select

from server.extensions import db
from server.models import Community, User
from server.services import users

COMMUNITIES = [
    ("haizhu", "海珠社区"),
    ("dachong", "大冲社区"),
    ("kejiyuan", "科技园社区"),
    ("gaoxin", "高新社区"),
    ("tonggu", "铜鼓社区"),
    ("binhai", "滨海社区"),
    ("maling", "麻岭社区"),
    ("weilan", "蔚蓝海岸社区"),
]

# openid, nickname, real name, phone, community code, roles. Log in as one of these by minting a
# login code for its openid at the WeChat emulator (the README shows how).
DEMO_USERS = [
    ("demo-resident", "小李", "李小梅", "13800000001", "haizhu", []),
    ("demo-party-member", "老王", "王建国", "13800000002", "haizhu", ["party_member"]),
    ("demo-organizer", "陈社工", "陈静", "13800000003", "haizhu", ["organizer"]),
    ("demo-admin", "街道管理员", "张伟", "13800000004", None, ["admin"]),
]


def seed_communities():
    """Create the communities that do not exist yet; returns `{code: Community}`."""
    existing = {c.code: c for c in db.session.scalars(select(Community))}
    for code, name in COMMUNITIES:
        if code not in existing:
            existing[code] = Community(code=code, name=name)
            db.session.add(existing[code])
    db.session.flush()
    return existing


def seed_demo():
    """Idempotent: running it twice leaves the same data. Returns the demo users by openid."""
    communities = seed_communities()
    result = {}
    for openid, nickname, real_name, phone, community_code, roles in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.openid == openid))
        if user is None:
            community = communities.get(community_code)
            user = User(
                openid=openid,
                nickname=nickname,
                real_name=real_name,
                phone=phone,
                community_id=community.id if community else None,
            )
            db.session.add(user)
            db.session.flush()
        for role in roles:
            community_id = user.community_id if role == "organizer" else None
            users.grant_role(None, user, role, community_id)
        result[openid] = user
    db.session.flush()
    return result
