"""Demo data for `flask seed-demo`: the sub-district's communities, one user per role (their
memberships confirmed), sample activities, and sites of each kind with a week of volunteer shifts in
each community, with a swap (换班) offered and one claimed, waiting for approval; at 海珠社区北门卡口,
three past shifts whose hours are confirmed, corrected and still pending, and an open query (申诉).

For local runs and tests only: the community list is sample data, not an official register, and the
demo users are made-up accounts. A real server is set up with `import-communities` (or
`create-community`) and `make-admin` instead (README, "Operating it").
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.extensions import db
from server.models import (
    Activity, Booking, Community, Qualification, QualificationGrant, Shift, ShiftPost, ShiftSwap, Site, SubscriptionCredit, User,
    VacancyAlert, VacancyAlertPref, VacancyAlertRound, VacancyAlertScope,
)
from server.models.base import utcnow
from server.services import bookings, lottery, users
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


# name suffix, kind, address, grid, slots, posts (name, capacity), party members only, and where the
# site is from its community's point (degrees north, east), or None: the indoor 测温点 has no point
# (no map, no location check), as a site whose organizer has not set one yet.
DEMO_SITES = [
    ("北门卡口", "checkpoint", "北门路口", "第一网格",
     [(time(8), time(12)), (time(12), time(16)), (time(16), time(20))], [("卡口值守", 3)], False, (0.0011, -0.0007)),
    ("核酸采样点", "testing_site", "社区文化广场", "第二网格",
     [(time(8), time(12)), (time(14), time(18))], [("登记", 2), ("维持秩序", 3)], False, (-0.0013, 0.0016)),
    ("党群服务中心测温点", "temperature_point", "党群服务中心一楼", "第三网格",
     [(time(8, 30), time(11, 30))], [("测温", 2)], True, None),
]
# Each demo community's point in GCJ-02 (what WeChat's and Tencent's maps use), around Futian and
# Nanshan, Shenzhen: made-up places for the demo, not surveyed addresses.
DEMO_COMMUNITY_POINTS = {
    "haizhu": (22.5431, 114.0579),
    "dachong": (22.5405, 113.9463),
    "kejiyuan": (22.5433, 113.9533),
    "gaoxin": (22.5488, 113.9447),
    "tonggu": (22.5302, 113.9389),
    "binhai": (22.5171, 113.9452),
    "maling": (22.5497, 114.0703),
    "weilan": (22.5203, 113.9351),
}
DEMO_SHIFT_DAYS = 7
# Requirements per post (岗位要求): the testing site's registration needs the training below; keeping
# order there asks for today's health declaration at booking, taking temperatures at check-in.
DEMO_QUALIFICATION = ("核酸采样点登记培训", "完成街道组织的核酸采样点扫码登记培训")
DEMO_POST_REQUIREMENTS = {
    ("核酸采样点", "登记"): (True, "none"),
    ("核酸采样点", "维持秩序"): (False, "booking"),
    ("党群服务中心测温点", "测温"): (False, "checkin"),
}
DEMO_QUALIFIED = ("demo-party-member",)  # holds the training in their community


def seed_qualifications(communities, organizer_ids, people):
    """The training in every community, granted to DEMO_QUALIFIED; `{community_id: Qualification}`."""
    name, note = DEMO_QUALIFICATION
    existing = {q.community_id: q for q in db.session.scalars(select(Qualification).where(Qualification.name == name))}
    for community in communities.values():
        if community.id not in existing:
            existing[community.id] = Qualification(
                community_id=community.id, name=name, note=note, created_by_id=organizer_ids.get(community.id)
            )
            db.session.add(existing[community.id])
    db.session.flush()
    for openid in DEMO_QUALIFIED:
        person = people[openid]
        qualification = existing.get(person.community_id)
        if qualification is None:
            continue
        held = select(QualificationGrant.id).where(
            QualificationGrant.qualification_id == qualification.id, QualificationGrant.user_id == person.id
        )
        if db.session.scalar(held) is None:
            db.session.add(QualificationGrant(qualification_id=qualification.id, user_id=person.id,
                                              granted_by_id=organizer_ids.get(person.community_id)))
    db.session.flush()
    return existing


def _demo_post(suffix, post, capacity, qualification):
    needs_training, declaration = DEMO_POST_REQUIREMENTS.get((suffix, post), (False, "none"))
    return ShiftPost(name=post, capacity=capacity, health_declaration=declaration,
                     required_qualification=qualification if needs_training else None)


def seed_sites_and_shifts(communities, organizer_ids, qualifications=None):
    """Three sites per community and a week of shifts from today; existing ones are kept. Posts get
    DEMO_POST_REQUIREMENTS (`qualifications`: the training per community)."""
    qualifications = qualifications or {}
    zone = ZoneInfo(current_app.config["APP_TIMEZONE"])
    today = datetime.now(zone).date()
    sites = {(site.community_id, site.name): site for site in db.session.scalars(select(Site))}
    taken = set(db.session.execute(select(Shift.site_id, Shift.starts_at, Shift.ends_at)).all())
    for community in communities.values():
        for suffix, kind, address, grid, slots, posts, party_only, offset in DEMO_SITES:
            name = f"{community.name}{suffix}"
            site = sites.get((community.id, name))
            if site is None:
                site = Site(community_id=community.id, name=name, kind=kind, address=f"{community.name}{address}",
                            grid=grid)
                db.session.add(site)
                db.session.flush()
            anchor = DEMO_COMMUNITY_POINTS.get(community.code)
            if offset and anchor and site.latitude is None:
                site.latitude = round(anchor[0] + offset[0], 6)
                site.longitude = round(anchor[1] + offset[1], 6)
            for day in range(DEMO_SHIFT_DAYS):
                for start, end in slots:
                    starts_at, ends_at = slot_times(today + timedelta(days=day), {"start": start, "end": end}, zone)
                    if (site.id, starts_at, ends_at) in taken:
                        continue
                    shift = Shift(site_id=site.id, starts_at=starts_at, ends_at=ends_at, party_members_only=party_only,
                                  created_by_id=organizer_ids.get(community.id))
                    shift.posts = [_demo_post(suffix, post, capacity, qualifications.get(community.id))
                                   for post, capacity in posts]
                    db.session.add(shift)
    db.session.flush()


def seed_swaps(people, community):
    """换班 to see: 李小梅 (demo-resident) offered her place on the first coming shift to anyone and 王建国
    (demo-party-member) claimed it, waiting for the organizer (as near the start); he offers his own
    place on a later shift to anyone. Only when no swap exists yet."""
    if db.session.scalar(select(ShiftSwap.id).limit(1)) is not None:
        return
    coming = db.session.scalars(
        select(Shift).join(Shift.site)
        .where(Site.community_id == community.id, Shift.status == "open", Shift.party_members_only.is_(False),
               Shift.starts_at > utcnow() + timedelta(hours=2))
        .order_by(Shift.starts_at, Shift.id)
    ).all()
    giver, taker = people["demo-resident"], people["demo-party-member"]
    first = coming[0] if coming else None
    later = next((s for s in coming if first is not None and s.starts_at >= first.ends_at + timedelta(hours=24)), None)
    if first is None or later is None:
        return
    given, _ = bookings.book_shift(giver.id, first.id, first.posts[0].id)
    offered, _ = bookings.book_shift(taker.id, later.id, later.posts[0].id)
    now = utcnow()
    db.session.add_all([
        ShiftSwap(booking_id=given.id, shift_id=first.id, giver_id=giver.id, status="pending", taker_id=taker.id,
                  claimed_at=now),
        ShiftSwap(booking_id=offered.id, shift_id=later.id, giver_id=taker.id, status="open"),
    ])


# Where haizhu's 北门卡口 is (GCJ-02), for "nearest first" in the demo, unless already set.
DEMO_SITE_POINT = (22.543, 114.058)


def seed_vacancy_alerts(communities, people):
    """Vacancy alerts to look at: demo-resident opted in for haizhu (with a home point about 1 km from
    北门卡口), demo-party-member for 北门卡口 alone, each with 2 `shift_vacancy` credits; the next 北门卡口
    shift at least 4 hours away (short of people, like every demo shift) had its 24-hour round, which
    alerted both, and demo-party-member then booked it. Idempotent."""
    haizhu = communities["haizhu"]
    site = db.session.scalar(select(Site).where(Site.community_id == haizhu.id, Site.name == f"{haizhu.name}北门卡口"))
    if site is None:
        return
    if site.latitude is None:
        site.latitude, site.longitude = DEMO_SITE_POINT
    resident, member = people["demo-resident"], people["demo-party-member"]
    for person, home, scope in ((resident, (22.551, 114.062), {"community_id": haizhu.id}),
                                (member, None, {"site_id": site.id})):
        if db.session.get(VacancyAlertPref, person.id) is None:
            db.session.add(VacancyAlertPref(user_id=person.id, enabled=True, home_latitude=home and home[0],
                                            home_longitude=home and home[1]))
            db.session.add(VacancyAlertScope(user_id=person.id, **scope))
        template_id = current_app.config["WECHAT_TEMPLATE_SHIFT_VACANCY"]
        if db.session.get(SubscriptionCredit, (person.id, template_id)) is None:
            db.session.add(SubscriptionCredit(user_id=person.id, template_id=template_id, remaining=2))
    now = utcnow()
    shift = db.session.scalar(
        select(Shift).where(Shift.site_id == site.id, Shift.starts_at > now + timedelta(hours=4))
        .order_by(Shift.starts_at)
    )
    if shift is None or db.session.scalar(select(VacancyAlertRound.id).where(VacancyAlertRound.shift_id == shift.id)):
        return
    post = shift.posts[0]
    alerted_at = min(shift.starts_at - timedelta(days=1), now - timedelta(hours=1))
    round_ = VacancyAlertRound(shift_id=shift.id, lead_minutes=1440, missing=post.capacity - post.booked, alerted=2,
                               claimed_by="demo", ran_at=alerted_at)
    db.session.add(round_)
    db.session.flush()
    for person, distance in ((resident, 990), (member, None)):
        db.session.add(VacancyAlert(shift_id=shift.id, post_id=post.id, user_id=person.id, round_id=round_.id,
                                    lead_minutes=1440, distance_m=distance, created_at=alerted_at))
    if db.session.scalar(select(Booking.id).where(Booking.shift_id == shift.id, Booking.user_id == member.id)) is None:
        db.session.add(Booking(shift_id=shift.id, post_id=post.id, user_id=member.id, status="booked",
                               booked_at=alerted_at + timedelta(minutes=12)))
        post.booked += 1


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
        seed_sites_and_shifts(communities, organizer_ids, seed_qualifications(communities, organizer_ids, result))
        db.session.flush()
        seed_hours(result, communities)
        seed_swaps(result, communities["haizhu"])
        seed_vacancy_alerts(communities, result)
    db.session.flush()
    return result
