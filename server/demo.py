"""Demo data for `flask seed-demo`: the sub-district's communities, one user per role (their
memberships confirmed), sample activities, and sites of each kind with a week of volunteer shifts in
each community; at 海珠社区北门卡口, three past shifts whose hours are confirmed, corrected and still
pending, and an open query (申诉).

For local runs and tests only: the community list is sample data, not an official register, and the
demo users are made-up accounts. A real server is set up with `import-communities` (or
`create-community`) and `make-admin` instead (README, "Operating it").
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.extensions import db
from server.models import Activity, Community, Shift, ShiftPost, Site, User
from server.models.base import utcnow
from server.services import lottery, users
from server.services.shift_planning import slot_times

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


# title, category, audience, capacity, waitlist, days from today, start, hours, venue, status
DEMO_ACTIVITIES = [
    ("学习二十大精神专题党课", "party_lesson", "party_members", 40, True, 2, time(9, 30), 2, "党群服务中心二楼会议室", "published"),
    ("青年学堂：AI 工具入门", "youth", "all", 30, True, 3, time(19, 0), 2, "党群服务中心多功能厅", "published"),
    ("亲子绘本共读会", "women_children", "community_residents", 12, True, 5, time(10, 0), 2, "社区儿童之家", "published"),
    ("长者智能手机课堂", "elderly", "all", 20, False, 6, time(14, 30), 2, "长者服务站", "published"),
    ("社区邻里嘉年华", "culture", "all", 200, True, 12, time(15, 0), 4, "社区广场", "published"),
    ("垃圾分类志愿宣传", "volunteer", "all", 15, True, 9, time(9, 0), 3, "社区东门", "draft"),
]

# How some of them give out places (docs/api.md, "Sign-up modes and registration states"): the
# 亲子 reading is a lottery whose sign-up closes two days before, drawn an hour later, asking the
# child's age; the carnival's freed places are offered to the waitlist for 12 hours.
DEMO_MODES = {
    "亲子绘本共读会": {
        "signup_mode": "lottery", "closes_days_before": 2,
        "questions": [{"id": "q1", "kind": "number", "label": "孩子年龄", "required": True, "options": [],
                       "min": 3, "max": 12}],
    },
    "社区邻里嘉年华": {"claim_hours": 12},
}


def _mode_columns(title, starts_at):
    """The sign-up mode columns of a demo activity (`DEMO_MODES`)."""
    mode = dict(DEMO_MODES.get(title, {}))
    closes_days_before = mode.pop("closes_days_before", None)
    if closes_days_before is not None:
        closes = (starts_at - timedelta(days=closes_days_before)).replace(hour=20, minute=0)
        mode.update(signup_closes_at=closes, draw_at=closes + timedelta(hours=1))
    return mode


def seed_activities(communities, organizer_ids):
    """Sample activities in every community, relative to today; existing ones (same title) are kept."""
    zone = ZoneInfo(current_app.config["APP_TIMEZONE"])
    today = datetime.now(zone).date()
    existing = set(db.session.execute(select(Activity.community_id, Activity.title)).all())
    for community in communities.values():
        for title, category, audience, capacity, waitlist, days, start, hours, venue, status in DEMO_ACTIVITIES:
            if (community.id, title) in existing:
                continue
            starts_at = datetime.combine(today + timedelta(days=days), start, zone)
            modes = _mode_columns(title, starts_at)
            activity = Activity(
                community_id=community.id,
                title=title,
                description=f"{community.name}{title}，欢迎报名参加。",
                category=category,
                venue=f"{community.name}{venue}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                capacity=capacity,
                waitlist_enabled=waitlist,
                audience=audience,
                cancel_cutoff_minutes=120,
                status=status,
                published_at=datetime.now(zone) if status == "published" else None,
                created_by_id=organizer_ids.get(community.id),
                **modes,
            )
            if modes.get("signup_mode") == "lottery" and status == "published":
                lottery.commit_to_salt(activity)  # as publishing does
            db.session.add(activity)
    db.session.flush()


# name suffix, kind, address, grid, slots, posts (name, capacity), party members only
DEMO_SITES = [
    ("北门卡口", "checkpoint", "北门路口", "第一网格",
     [(time(8), time(12)), (time(12), time(16)), (time(16), time(20))], [("卡口值守", 3)], False),
    ("核酸采样点", "testing_site", "社区文化广场", "第二网格",
     [(time(8), time(12)), (time(14), time(18))], [("登记", 2), ("维持秩序", 3)], False),
    ("党群服务中心测温点", "temperature_point", "党群服务中心一楼", "第三网格",
     [(time(8, 30), time(11, 30))], [("测温", 2)], True),
]
DEMO_SHIFT_DAYS = 7


def seed_sites_and_shifts(communities, organizer_ids):
    """Three sites per community and a week of shifts from today; existing ones are kept."""
    zone = ZoneInfo(current_app.config["APP_TIMEZONE"])
    today = datetime.now(zone).date()
    sites = {(site.community_id, site.name): site for site in db.session.scalars(select(Site))}
    taken = set(db.session.execute(select(Shift.site_id, Shift.starts_at, Shift.ends_at)).all())
    for community in communities.values():
        for suffix, kind, address, grid, slots, posts, party_only in DEMO_SITES:
            name = f"{community.name}{suffix}"
            site = sites.get((community.id, name))
            if site is None:
                site = Site(community_id=community.id, name=name, kind=kind, address=f"{community.name}{address}",
                            grid=grid)
                db.session.add(site)
                db.session.flush()
            for day in range(DEMO_SHIFT_DAYS):
                for start, end in slots:
                    starts_at, ends_at = slot_times(today + timedelta(days=day), {"start": start, "end": end}, zone)
                    if (site.id, starts_at, ends_at) in taken:
                        continue
                    shift = Shift(site_id=site.id, starts_at=starts_at, ends_at=ends_at, party_members_only=party_only,
                                  created_by_id=organizer_ids.get(community.id))
                    shift.posts = [ShiftPost(name=post, capacity=capacity) for post, capacity in posts]
                    db.session.add(shift)
    db.session.flush()


# Hours as a record: past shifts at 海珠社区北门卡口, served by the demo resident and party member:
# (days ago, minutes the resident worked, minutes the party member worked, what the organizer did).
DEMO_SERVICE = [(6, 240, 235, "confirm"), (4, 225, 240, "correct"), (1, 230, 200, None)]


def seed_hours(result, communities):
    """Past shifts with hours in each state: confirmed, corrected (with a reason), still pending; and an
    open query (申诉) from the demo resident. Kept when present (the first past shift marks it)."""
    from server.models import Booking, HoursQuery
    from server.services import attendance, hours_record

    zone = ZoneInfo(current_app.config["APP_TIMEZONE"])
    site = db.session.scalar(select(Site).where(Site.community_id == communities["haizhu"].id, Site.name == "海珠社区北门卡口"))
    organizer, people = result["demo-organizer"], (result["demo-resident"], result["demo-party-member"])
    today = datetime.now(zone).date()
    first = slot_times(today - timedelta(days=DEMO_SERVICE[0][0]), {"start": time(6), "end": time(10)}, zone)
    if site is None or db.session.scalar(select(Shift).where(Shift.site_id == site.id, Shift.starts_at == first[0])):
        return
    for days_ago, *worked, action in DEMO_SERVICE:
        starts_at, ends_at = slot_times(today - timedelta(days=days_ago), {"start": time(6), "end": time(10)}, zone)
        shift = Shift(site_id=site.id, starts_at=starts_at, ends_at=ends_at, created_by_id=organizer.id,
                      posts=[ShiftPost(name="卡口值守", capacity=3, booked=2)])
        db.session.add(shift)
        db.session.flush()
        for person, minutes in zip(people, worked):
            booking = Booking(shift_id=shift.id, post_id=shift.posts[0].id, user_id=person.id, status="booked",
                              booked_at=starts_at - timedelta(days=2), checked_in_at=starts_at,
                              checked_out_at=starts_at + timedelta(minutes=minutes))
            db.session.add(booking)
            db.session.flush()
            attendance.record_check_out(booking, booking.checked_out_at, organizer)
        db.session.flush()
        if action:
            hours_record.confirm_shift(organizer, shift.id)
        if action == "correct":
            booking = db.session.scalar(select(Booking).where(Booking.shift_id == shift.id, Booking.user_id == people[0].id))
            hours_record.correct(organizer, booking.id, 240, "签到漏扫，按现场登记表补记至班次开始", checked=True)
        if days_ago == 6:
            mine = db.session.scalar(select(Booking).where(Booking.shift_id == shift.id, Booking.user_id == people[1].id))
            db.session.add(HoursQuery(booking_id=mine.id, user_id=people[1].id, status="open",
                                      text="我6点前就到岗了，签到时信号不好，请核实"))
    db.session.flush()


def seed_demo(sample_activities=True):
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
            # The demo residents' memberships are confirmed, as if they had scanned the join code.
            user.community_confirmed_at = utcnow() if community else None
            db.session.add(user)
            db.session.flush()
        for role in roles:
            community_id = user.community_id if role == "organizer" else None
            users.grant_role(None, user, role, community_id)
        result[openid] = user
    if sample_activities:
        organizer = result["demo-organizer"]
        organizer_ids = {cid: organizer.id for cid in organizer.organizer_community_ids}
        seed_activities(communities, organizer_ids)
        seed_sites_and_shifts(communities, organizer_ids)
        db.session.flush()
        seed_hours(result, communities)
    db.session.flush()
    return result
