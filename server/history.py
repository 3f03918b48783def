"""A made-up year of a large sub-district, for `flask seed-history`: the statistics' benchmark and
local runs (LOCAL RUNS ONLY, like `server.demo`: it adds tens of thousands of fake people).

At `scale` 1.0 one year (local dates of APP_TIMEZONE) holds:
- 13 communities (the demo's eight and five more, reused when they exist);
- 24,000 residents, 3,000 of them party members, 2 organizers per community; about 1% of the accounts
  deleted during the year (anonymised as `accounts.delete_account` leaves them, their counts kept);
- 5,000 activities of every category, more in July and August (youth), June and July (party lessons),
  fewer around the Spring Festival; capacities 10-200; about 2% cancelled, 1% left as drafts;
- 150,000 registrations: sign-ups in time order, confirmed while places last (companions 0-2 for
  families), then waitlisted; about 8% cancelled before the start, each cancellation promoting the
  waitlist first-fit as `registrations.promote_waitlist` does; walk-ins (代报名) at the desk; 78-95% of
  the confirmed places of a finished activity checked in;
- about 65 sites of every kind in `SITE_KINDS` with shifts of 2-8 hours (night shifts cross
  midnight), posts 登记 / 维持秩序 / 测温 / 卡口值守, more in the flood season and at the Spring
  Festival, about 1.5% of the shifts cancelled before they start;
- 60,000 bookings by 5,000 volunteers (a few very active), none overlapping and none two days in a
  row for one person (so the daily limit holds); about 6% cancelled, 3-5% of those of started shifts
  marked no-show, the rest of finished shifts checked in and out with minutes credited as
  `attendance.credited_minutes` does.

Nothing happens after `now`: activities published later are drafts, sign-ups, check-ins and no-shows
stop at `now`, so the current year can be seeded too (with fewer rows than the targets).

The product's invariants hold: an activity's `confirmed_count` is the places of its confirmed
registrations and `waitlist_count` its waitlisted ones, never over capacity; a post's `booked` counts
its booked and no-show bookings, never over capacity; a user's `volunteer_minutes` is the sum of
their bookings' `minutes_credited`. The same `seed` (and `now`) gives the same rows.

Fast: everything is generated in memory, then written with PostgreSQL's COPY (psycopg's `copy`), or
Core `insert()` in chunks on SQLite; ids of rows others refer to are reserved from the sequences first.
"""

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select, text

from server.extensions import db
from server.models import (
    CATEGORIES,
    SITE_KINDS,
    Activity,
    Booking,
    Community,
    OrganizerScope,
    Registration,
    Shift,
    ShiftPost,
    Site,
    User,
)
from server.models.base import utcnow

# The demo's communities (server.demo) and five more: a large 街道 has a dozen or more.
COMMUNITIES = [
    ("haizhu", "海珠社区", 1.2),
    ("dachong", "大冲社区", 1.5),
    ("kejiyuan", "科技园社区", 0.9),
    ("gaoxin", "高新社区", 0.8),
    ("tonggu", "铜鼓社区", 1.1),
    ("binhai", "滨海社区", 1.0),
    ("maling", "麻岭社区", 1.3),
    ("weilan", "蔚蓝海岸社区", 1.0),
    ("shenzhenwan", "深圳湾社区", 0.7),
    ("haibin", "海滨社区", 0.9),
    ("xuefu", "学府社区", 1.1),
    ("keyuan", "科苑社区", 0.8),
    ("guimiao", "桂庙社区", 1.2),
]
SUBDISTRICT = "粤海街道"

# At scale 1.0.
ACTIVITIES = 5_000
REGISTRATIONS = 150_000
BOOKINGS = 60_000
RESIDENTS = 24_000
PARTY_MEMBERS = 3_000  # of the residents
RESIDENT_VOLUNTEERS = 2_000  # residents, not party members, who book shifts too
ORGANIZERS_PER_COMMUNITY = 2

OPENID_PREFIX = "history-{year}-"

# category: share of the activities, capacities, hours, start times, companions (P of 0, 1, 2)
CATEGORY_PLAN = {
    "party_lesson": (0.18, (30, 40, 50, 60, 80, 100), (1.5, 2, 2.5), (time(9), time(14, 30), time(19, 30)), (1, 0, 0)),
    "youth": (0.16, (20, 30, 40, 60), (2, 3), (time(10), time(14), time(19)), (0.9, 0.08, 0.02)),
    "women_children": (0.13, (10, 12, 15, 20, 30), (1.5, 2), (time(9, 30), time(15)), (0.3, 0.5, 0.2)),
    "elderly": (0.18, (15, 20, 30, 40), (1.5, 2), (time(9, 30), time(14, 30)), (0.9, 0.08, 0.02)),
    "culture": (0.15, (50, 80, 100, 150, 200), (2, 3, 4), (time(9), time(15), time(19)), (0.6, 0.3, 0.1)),
    "volunteer": (0.13, (10, 15, 20, 30), (2, 3), (time(8, 30), time(14)), (0.95, 0.05, 0)),
    "other": (0.07, (20, 30, 50), (1.5, 2), (time(10), time(15)), (0.85, 0.1, 0.05)),
}
assert set(CATEGORY_PLAN) == set(CATEGORIES)

TITLES = {
    "party_lesson": ["学习贯彻党的二十届三中全会精神专题党课", "“三会一课”主题党日", "党史学习教育读书班", "党员先锋岗亮诺践诺",
                     "红色观影：《觉醒年代》", "新党员入党宣誓仪式", "廉洁文化进社区", "党纪学习教育专题讲座"],
    "youth": ["青年学堂：AI 工具入门", "四点半课堂", "青少年编程夏令营", "青年交友联谊会", "暑期托管班", "青春读书会",
              "青少年科普实验", "青年志愿者培训"],
    "women_children": ["亲子绘本共读会", "妇女健康讲座", "亲子手工坊", "儿童安全教育", "巾帼创业沙龙", "亲子运动会"],
    "elderly": ["长者智能手机课堂", "长者健康义诊", "重阳敬老宴", "太极拳晨练班", "防诈骗宣传讲座", "长者生日会",
                "书法兴趣班"],
    "culture": ["社区邻里嘉年华", "邻里文化节", "社区电影夜", "中秋游园会", "元宵猜灯谜", "社区合唱团演出", "非遗手工体验"],
    "volunteer": ["垃圾分类志愿宣传", "社区环境清洁日", "文明交通劝导", "关爱独居长者探访", "无偿献血动员", "防汛知识宣传"],
    "other": ["法律咨询日", "消防安全演练", "社区议事会", "居民恳谈会", "健康讲座"],
}
VENUES = ["党群服务中心二楼会议室", "党群服务中心多功能厅", "社区儿童之家", "长者服务站", "社区广场", "社区图书室",
          "新时代文明实践站", "社区东门"]

# Share of the activities in each month, and the months a category is busier in.
MONTHS = (0.9, 0.55, 1.0, 1.0, 1.0, 1.05, 1.2, 1.1, 0.95, 0.8, 1.0, 1.1)
BUSY = {"party_lesson": {6: 1.6, 7: 1.6}, "youth": {7: 1.8, 8: 1.8}, "women_children": {3: 1.5, 6: 1.5},
        "elderly": {10: 1.5}, "culture": {2: 1.6, 9: 1.4, 12: 1.3}, "volunteer": {3: 1.4}}

# kind: site names, slots (local start, end; an end before the start is the next day), posts
# (name, capacities), P(a slot is staffed on a given day), party members only
SITE_PLAN = {
    "checkpoint": (["北门卡口", "南门卡口"], [(time(8), time(12)), (time(12), time(16)), (time(16), time(20)),
                                         (time(22), time(6))],
                   [("卡口值守", (2, 3, 4)), ("登记", (1, 2))], 0.45, 0.5),
    "testing_site": (["核酸采样点"], [(time(7), time(11)), (time(14), time(18))],
                     [("登记", (2, 3)), ("维持秩序", (2, 3, 4)), ("测温", (1,))], 0.3, 0.0),
    "temperature_point": (["党群服务中心测温点"], [(time(8), time(10)), (time(17), time(19))],
                          [("测温", (1, 2)), ("登记", (1,))], 0.5, 0.6),
    "service_center": (["党群服务中心"], [(time(9), time(12)), (time(14), time(17, 30))],
                       [("登记", (1, 2)), ("维持秩序", (1, 2))], 0.6, 0.2),
    "other": (["防汛值守点"], [(time(9), time(11)), (time(20), time(2))], [("维持秩序", (2, 3))], 0.25, 0.3),
}
assert set(SITE_PLAN) == set(SITE_KINDS)
# How busy sites are by month: the Spring Festival, the flood season (May to September), National Day.
SHIFT_MONTHS = (1.3, 1.5, 0.9, 0.9, 1.1, 1.2, 1.2, 1.2, 1.1, 1.3, 0.8, 0.9)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国兰玉红梅鹏辉晨宇浩然欣怡子涵思雨俊杰佳琪"


class HistoryRefused(Exception):
    """seed-history refuses: the year is already seeded, or lies in the future."""


@dataclass(frozen=True)
class Targets:
    activities: int
    registrations: int
    bookings: int
    residents: int
    party_members: int
    resident_volunteers: int

    @classmethod
    def at(cls, scale):
        return cls(
            activities=max(round(ACTIVITIES * scale), 1),
            registrations=round(REGISTRATIONS * scale),
            bookings=round(BOOKINGS * scale),
            # Enough people for the sign-ups and shifts of a small run.
            residents=max(round(RESIDENTS * scale), 400),
            party_members=max(round(PARTY_MEMBERS * scale), 60),
            resident_volunteers=max(round(RESIDENT_VOLUNTEERS * scale), 40),
        )


class _Pool:
    """Draws items with replacement, by weight (cumulative weights and bisect)."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __len__(self):
        return len(self.items)

    def draw(self, rng):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total) if self.total else 0]


def _choice_weighted(rng, options, weights):
    return rng.choices(options, weights)[0]


def _minutes(delta):
    return int(delta.total_seconds() // 60)


class History:
    """The generated rows, as lists of dicts keyed by column name. Foreign keys to rows generated here
    are indexes into these lists (`*_ix`), turned into ids when written."""

    def __init__(self, year, scale, seed, now, zone):
        self.year, self.scale, self.seed, self.now, self.zone = year, scale, seed, now, zone
        self.rng = random.Random(f"history-{year}-{seed}")
        self.targets = Targets.at(scale)
        self.start = datetime(year, 1, 1, tzinfo=zone).astimezone(timezone.utc)
        self.end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(timezone.utc)
        self.users, self.scopes, self.activities, self.registrations = [], [], [], []
        self.sites, self.shifts, self.posts, self.bookings = [], [], [], []
        self.shortfall = {}

    # --- people -----------------------------------------------------------------------------------

    def _name(self):
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def _phone(self):
        return f"1{self.rng.choice('35789')}{self.rng.randrange(10 ** 9):09d}"

    def generate_people(self, community_count):
        rng, t = self.rng, self.targets
        weights = [COMMUNITIES[c][2] for c in range(community_count)]
        self.user_community = []
        party = set(rng.sample(range(t.residents), t.party_members))
        others = [i for i in range(t.residents) if i not in party]
        resident_volunteers = set(rng.sample(others, min(t.resident_volunteers, len(others))))
        prefix = OPENID_PREFIX.format(year=self.year)
        for i in range(t.residents):
            community = _choice_weighted(rng, range(community_count), weights)
            roll = rng.random()
            # 85% confirmed members of their community, 10% claimed, 5% said none.
            community_ix = community if roll < 0.95 else None
            name = self._name()
            created = self.start - timedelta(days=rng.uniform(0, 700)) if rng.random() < 0.8 else \
                self.start + timedelta(days=rng.uniform(0, 365))
            self.users.append({
                "openid": f"{prefix}{i:06d}", "nickname": rng.choice((name[0] + "先生", name[0] + "女士", "居民" + name[-1],
                                                                      name)),
                "real_name": name if rng.random() < 0.7 else None,
                "phone": self._phone() if rng.random() < 0.6 else None,
                "community_ix": community_ix, "confirmed": community_ix is not None and roll < 0.85,
                "is_party_member": i in party, "volunteer_minutes": 0, "created_at": created, "deleted_at": None,
            })
            self.user_community.append(community_ix)
        # Organizers: party members of each community (the first ones found, else any party member).
        self.organizers = {}
        party_by_community = {}
        for i in sorted(party):
            party_by_community.setdefault(self.user_community[i], []).append(i)
        for c in range(community_count):
            local = party_by_community.get(c, [])
            chosen = local[:ORGANIZERS_PER_COMMUNITY] or rng.sample(sorted(party), ORGANIZERS_PER_COMMUNITY)
            self.organizers[c] = chosen
            for user_ix in chosen:
                self.users[user_ix]["confirmed"] = self.users[user_ix]["community_ix"] is not None
                self.scopes.append({"user_ix": user_ix, "community_ix": c})
        self.organizer_set = {u for chosen in self.organizers.values() for u in chosen}

        # Sign-up pools: who comes to activities (a few come very often).
        activity_weight = [min(rng.paretovariate(1.3), 25.0) for _ in range(t.residents)]
        by_community, party_local, confirmed_local = {}, {}, {}
        for i, user in enumerate(self.users):
            c = user["community_ix"]
            by_community.setdefault(c, []).append(i)
            if user["is_party_member"]:
                party_local.setdefault(c, []).append(i)
            if user["confirmed"]:
                confirmed_local.setdefault(c, []).append(i)

        def pool(items):
            return _Pool(items, [activity_weight[i] for i in items])

        self.pool_all = pool(range(t.residents))
        self.pool_party = pool(sorted(party))
        self.pool_local = {c: pool(by_community.get(c, [])) for c in range(community_count)}
        self.pool_party_local = {c: pool(party_local.get(c, [])) for c in range(community_count)}
        self.pool_confirmed = {c: pool(confirmed_local.get(c, [])) for c in range(community_count)}

        # Volunteers: the party members and the resident volunteers, a few of them very active.
        volunteers = sorted(party | resident_volunteers)
        shift_weight = {i: min(rng.paretovariate(1.2), 30.0) if i in party else min(rng.paretovariate(1.5), 10.0)
                        for i in volunteers}
        self.volunteer_pools = {}
        for c in range(community_count):
            local = [i for i in volunteers if self.user_community[i] == c]
            local_party = [i for i in local if i in party]
            self.volunteer_pools[c] = (_Pool(local, [shift_weight[i] for i in local]),
                                       _Pool(local_party, [shift_weight[i] for i in local_party]))
        self.volunteer_pools[None] = (_Pool(volunteers, [shift_weight[i] for i in volunteers]),
                                      _Pool(sorted(party), [shift_weight[i] for i in sorted(party)]))

    # --- activities -------------------------------------------------------------------------------

    def _local(self, day, at):
        return datetime.combine(day, at, self.zone).astimezone(timezone.utc)

    def generate_activities(self, community_count, community_names):
        rng, t = self.rng, self.targets
        weights = [COMMUNITIES[c][2] for c in range(community_count)]
        categories = list(CATEGORY_PLAN)
        days_in = [(date(self.year, m + 1, 1), (date(self.year + (m == 11), (m + 1) % 12 + 1, 1)
                                               - date(self.year, m + 1, 1)).days) for m in range(12)]
        for n in range(t.activities):
            category = _choice_weighted(rng, categories, [CATEGORY_PLAN[c][0] for c in categories])
            share, capacities, hours, starts, _ = CATEGORY_PLAN[category]
            month = _choice_weighted(rng, range(12), [MONTHS[m] * BUSY.get(category, {}).get(m + 1, 1.0)
                                                       for m in range(12)])
            first, length = days_in[month]
            day = first + timedelta(days=rng.randrange(length))
            if day.weekday() < 5 and category in ("youth", "women_children", "culture") and rng.random() < 0.5:
                day = first + timedelta(days=rng.randrange(length))  # families come at weekends: a second try
            community = _choice_weighted(rng, range(community_count), weights)
            starts_at = self._local(day, rng.choice(starts))
            ends_at = starts_at + timedelta(hours=rng.choice(hours))
            capacity = rng.choice(capacities)
            audience = "all"
            if category == "party_lesson" and rng.random() < 0.8:
                audience = "party_members"
            elif category in ("women_children", "elderly", "volunteer", "other") and rng.random() < 0.35:
                audience = "community_residents"
            published_at = starts_at - timedelta(days=rng.uniform(5, 21))
            created_at = published_at - timedelta(hours=rng.uniform(1, 72))
            status = "published"
            roll = rng.random()
            if published_at > self.now or roll < 0.01:
                status, published_at = "draft", None
            elif roll < 0.03 and created_at + timedelta(days=2) < min(starts_at, self.now):
                status = "cancelled"
            title = rng.choice(TITLES[category])
            if rng.random() < 0.3:
                title += f"（第{rng.randint(2, 12)}期）"
            venue = community_names[community] + rng.choice(VENUES)
            organizer = rng.choice(self.organizers[community])
            activity = {
                "community_ix": community, "title": title, "description": f"{venue}，{title}，欢迎报名参加。",
                "category": category, "venue": venue, "starts_at": starts_at, "ends_at": ends_at,
                "signup_opens_at": None,
                "signup_closes_at": starts_at - timedelta(days=1) if rng.random() < 0.3 else None,
                "capacity": capacity, "waitlist_enabled": rng.random() < 0.9, "audience": audience,
                "cancel_cutoff_minutes": rng.choice((0, 120, 120, 1440)), "status": status,
                "confirmed_count": 0, "waitlist_count": 0, "cancel_reason": None, "created_by_ix": organizer,
                "created_at": created_at, "updated_at": created_at, "published_at": published_at, "cancelled_at": None,
            }
            if status == "cancelled":
                window = min(starts_at, self.now) - published_at
                activity["cancelled_at"] = published_at + window * rng.uniform(0.3, 0.95)
                activity["cancel_reason"] = rng.choice(("天气原因，活动取消", "场地临时调整，活动取消", "报名人数不足，活动取消"))
                activity["updated_at"] = activity["cancelled_at"]
            self.activities.append(activity)
        self.activities.sort(key=lambda a: a["starts_at"])

    # --- registrations ----------------------------------------------------------------------------

    def _signup_pool(self, activity):
        c = activity["community_ix"]
        if activity["audience"] == "party_members":
            local = self.pool_party_local[c]
            return [(local, 0.8), (self.pool_party, 1.0)] if len(local) else [(self.pool_party, 1.0)]
        if activity["audience"] == "community_residents":
            return [(self.pool_confirmed[c], 1.0)]
        return [(self.pool_local[c], 0.8), (self.pool_all, 1.0)]

    def _signups(self, activity, count):
        """`count` different people eligible for the activity (fewer if there are not that many)."""
        pools, rng = self._signup_pool(activity), self.rng
        chosen, seen = [], set()
        for _ in range(count * 20):
            roll = rng.random()
            pool = next(p for p, bound in pools if roll < bound)
            person = pool.draw(rng) if len(pool) else None
            if person is not None and person not in seen:
                seen.add(person)
                chosen.append(person)
                if len(chosen) == count:
                    break
        return chosen

    def generate_registrations(self):
        rng, target = self.rng, self.targets.registrations
        held = [i for i, a in enumerate(self.activities) if a["status"] != "draft"]
        # How many sign up: a share of the capacity (popular ones beyond it), scaled to the target.
        raw = {i: self.activities[i]["capacity"] * min(rng.lognormvariate(-0.75, 0.65), 2.2) for i in held}
        total = sum(raw.values()) or 1.0
        wanted = {i: int(raw[i] * target / total) for i in held}
        for i in rng.sample(held, min(len(held), target - sum(wanted.values()))):
            wanted[i] += 1
        # Sign-ups an activity could not take (full without a waitlist, too few eligible people) go to
        # the next one; those open to all with a waitlist come last, so none is lost.
        held.sort(key=lambda i: self._takes_any(self.activities[i]))
        deficit = 0
        for n, i in enumerate(held):
            activity = self.activities[i]
            count = wanted[i] + deficit
            made = self._simulate(i, activity, count, walk_ins=n < len(held) - 1)
            deficit = count - made
        if deficit:
            self.shortfall["registrations"] = deficit

    def _takes_any(self, activity):
        return activity["status"] == "published" and activity["audience"] == "all" and activity["waitlist_enabled"]

    def _simulate(self, activity_ix, activity, count, walk_ins=True):
        """Sign-ups, cancellations and promotions of one activity in time order, then check-ins.
        Returns how many registration rows were made (`walk_ins`: some may come to the desk, and
        be turned away when it is full)."""
        rng, now = self.rng, self.now
        starts_at, ends_at, capacity = activity["starts_at"], activity["ends_at"], activity["capacity"]
        opens = activity["published_at"]
        closes = min(activity["signup_closes_at"] or starts_at, activity["cancelled_at"] or starts_at, now)
        if closes <= opens:
            return 0
        finished = activity["status"] == "published" and ends_at <= now
        desk = walk_ins and finished and activity["category"] in ("elderly", "culture", "other", "volunteer")
        walk_ins = min(rng.choice((0, 0, 1, 2, 3)), count) if desk and count >= 10 else 0
        people = self._signups(activity, count - walk_ins)
        companions_p = CATEGORY_PLAN[activity["category"]][4]
        cutoff = starts_at - timedelta(minutes=activity["cancel_cutoff_minutes"])
        span = (closes - opens).total_seconds()
        events = []  # (time, order, kind, row)
        rows = []
        for person in people:
            registered_at = opens + timedelta(seconds=span * rng.random() ** 2)  # most sign up early
            row = {"activity_ix": activity_ix, "user_ix": person, "status": None,
                   "companions": _choice_weighted(rng, (0, 1, 2), companions_p), "remark": "",
                   "registered_at": registered_at, "promoted_at": None, "cancelled_at": None, "checked_in_at": None,
                   "checked_in_by_ix": None, "registered_by_ix": None, "walk_in_name": None, "walk_in_phone": None}
            rows.append(row)
            events.append((registered_at, len(events), "signup", row))
            last_cancel = min(cutoff, activity["cancelled_at"] or cutoff, now)
            if rng.random() < 0.08 and last_cancel > registered_at:
                cancelled_at = registered_at + (last_cancel - registered_at) * rng.random()
                events.append((cancelled_at, len(events), "cancel", row))
        organizer = activity["created_by_ix"]
        for _ in range(walk_ins):
            at = starts_at - timedelta(minutes=rng.uniform(0, 30))
            row = {"activity_ix": activity_ix, "user_ix": None, "status": None, "companions": 0, "remark": "",
                   "registered_at": at, "promoted_at": None, "cancelled_at": None, "checked_in_at": at,
                   "checked_in_by_ix": organizer, "registered_by_ix": organizer, "walk_in_name": self._name(),
                   "walk_in_phone": self._phone() if rng.random() < 0.6 else None, "walk_in": True}
            rows.append(row)
            events.append((at, len(events), "signup", row))
        events.sort(key=lambda e: (e[0], e[1]))
        confirmed, waitlist = 0, []
        for at, _, kind, row in events:
            places = 1 + row["companions"]
            if kind == "signup":
                if confirmed + places <= capacity:
                    row["status"] = "confirmed"
                    confirmed += places
                elif activity["waitlist_enabled"] and not row.get("walk_in"):
                    row["status"] = "waitlisted"
                    waitlist.append(row)
                continue  # else refused: no row
            if row["status"] == "waitlisted":
                waitlist.remove(row)
            elif row["status"] == "confirmed":
                confirmed -= places
                free = capacity - confirmed
                for waiting in list(waitlist):  # first fit, in sign-up order
                    if free <= 0:
                        break
                    if 1 + waiting["companions"] > free:
                        continue
                    waiting["status"], waiting["promoted_at"] = "confirmed", at
                    waitlist.remove(waiting)
                    confirmed += 1 + waiting["companions"]
                    free -= 1 + waiting["companions"]
            else:
                continue
            row["status"], row["cancelled_at"] = "cancelled", at
        rows = [row for row in rows if row["status"] is not None]
        if activity["status"] == "cancelled":
            for row in rows:
                if row["status"] != "cancelled":
                    row["status"], row["cancelled_at"] = "cancelled", activity["cancelled_at"]
            confirmed, waitlist = 0, []
        activity["confirmed_count"], activity["waitlist_count"] = confirmed, len(waitlist)
        if finished:
            show_rate = rng.uniform(0.78, 0.95)
            early = current_app.config["ACTIVITY_CHECKIN_EARLY_MINUTES"]
            for row in rows:
                if row["status"] != "confirmed" or row["checked_in_at"] is not None or rng.random() >= show_rate:
                    continue
                offset = max(min(rng.gauss(-10, 15), _minutes(ends_at - starts_at)), -early)
                row["checked_in_at"] = starts_at + timedelta(minutes=offset)
                row["checked_in_by_ix"] = row["user_ix"] if rng.random() < 0.7 else organizer
        for row in rows:
            row.pop("walk_in", None)
        self.registrations.extend(rows)
        return len(rows)

    # --- sites, shifts and bookings ---------------------------------------------------------------

    def generate_sites(self, community_count, community_names):
        rng = self.rng
        for c in range(community_count):
            for kind, (names, *_rest) in SITE_PLAN.items():
                for name in names[: rng.choice((1, len(names)))]:
                    created = self.start - timedelta(days=rng.uniform(30, 400))
                    self.sites.append({"community_ix": c, "name": community_names[c] + name, "kind": kind,
                                       "address": community_names[c] + name.replace("点", "") + "旁",
                                       "grid": f"第{rng.randint(1, 6)}网格", "archived_at": None,
                                       "created_at": created, "updated_at": created})

    def generate_shifts(self):
        """Shifts chosen by weight (the month, weekends, the kind) until their posts hold enough places
        for the bookings at a realistic fill rate."""
        rng, target = self.rng, self.targets.bookings
        candidates = []  # (key, site_ix, day, slot)
        day, last = date(self.year, 1, 1), date(self.year, 12, 31)
        while day <= last:
            month_weight = SHIFT_MONTHS[day.month - 1] * (1.2 if day.weekday() >= 5 else 1.0)
            for site_ix, site in enumerate(self.sites):
                _, slots, _, staffed, _ = SITE_PLAN[site["kind"]]
                for slot in slots:
                    weight = month_weight * staffed
                    candidates.append((rng.random() ** (1 / weight), site_ix, day, slot))
            day += timedelta(days=1)
        candidates.sort(key=lambda c: -c[0])
        # Active bookings are 94% of the rows; posts are filled 85% on average.
        places_needed = target * 0.94 / 0.85
        places = 0
        for _, site_ix, day, (start, end) in candidates:
            if places >= places_needed:
                break
            site = self.sites[site_ix]
            _, _, post_plan, _, party_share = SITE_PLAN[site["kind"]]
            starts_at = self._local(day, start)
            ends_at = self._local(day + timedelta(days=1) if end <= start else day, end)
            created = starts_at - timedelta(days=rng.uniform(3, 20))
            organizer = rng.choice(self.organizers[site["community_ix"]])
            shift = {"site_ix": site_ix, "starts_at": starts_at, "ends_at": ends_at,
                     "party_members_only": rng.random() < party_share, "notes": "", "status": "open",
                     "cancel_reason": None, "created_by_ix": organizer, "created_at": created, "updated_at": created,
                     "cancelled_at": None}
            if rng.random() < 0.015 and starts_at - timedelta(hours=2) > created:
                shift["status"] = "cancelled"
                shift["cancelled_at"] = min(starts_at - timedelta(hours=rng.uniform(1, 48)), self.now)
                if shift["cancelled_at"] <= created:
                    shift["status"], shift["cancelled_at"] = "open", None
                else:
                    shift["cancel_reason"] = rng.choice(("台风预警，班次取消", "站点临时关闭"))
                    shift["updated_at"] = shift["cancelled_at"]
            shift_ix = len(self.shifts)
            self.shifts.append(shift)
            for name, capacities in post_plan:
                capacity = rng.choice(capacities)
                self.posts.append({"shift_ix": shift_ix, "name": name, "capacity": capacity, "booked": 0})
                places += capacity
        self.shifts_order = sorted(range(len(self.shifts)), key=lambda i: self.shifts[i]["starts_at"])

    def _volunteer(self, shift, taken_days, on_shift):
        """An eligible volunteer free on the shift's day and the days around it, or None."""
        rng = self.rng
        community = self.sites[shift["site_ix"]]["community_ix"]
        pick = 1 if shift["party_members_only"] else 0
        local = self.volunteer_pools[community][pick]
        anywhere = self.volunteer_pools[None][pick]
        day = shift["day"]
        for _ in range(40):
            pool = local if len(local) and rng.random() < 0.85 else anywhere
            person = pool.draw(rng)
            if person in on_shift:
                continue
            days = taken_days.setdefault(person, set())
            # Never two shifts of one person within a day of each other: no overlap, and with shifts of
            # at most 8 hours no 24 hours hold more than 8 hours of them (the daily limit is 10).
            if day in days or day - 1 in days or day + 1 in days:
                continue
            days.add(day)
            return person
        return None

    def generate_bookings(self):
        rng, now, target = self.rng, self.now, self.targets.bookings
        cancelled_target = round(target * 0.06)
        active_target = target - cancelled_target
        for shift in self.shifts:
            shift["day"] = (shift["starts_at"] - self.start).days
        # Places wanted per post: most posts nearly full, night shifts less so.
        posts_of = {}
        for post_ix, post in enumerate(self.posts):
            posts_of.setdefault(post["shift_ix"], []).append(post_ix)
        wanted = []
        for post_ix, post in enumerate(self.posts):
            shift = self.shifts[post["shift_ix"]]
            night = shift["ends_at"] - shift["starts_at"] > timedelta(hours=6)
            fill = min(rng.betavariate(6 if not night else 3, 1.2), 1.0)
            wanted.append(min(post["capacity"], round(post["capacity"] * fill + rng.random() - 0.5)))
        total, capacity = sum(wanted), sum(post["capacity"] for post in self.posts)
        active_target = min(active_target, capacity)
        while total != active_target:  # bring the sum to the target, one place at a time
            post_ix = rng.randrange(len(self.posts))
            if total < active_target and wanted[post_ix] < self.posts[post_ix]["capacity"]:
                wanted[post_ix] += 1
                total += 1
            elif total > active_target and wanted[post_ix] > 0:
                wanted[post_ix] -= 1
                total -= 1
        taken_days, on_shift = {}, {}
        missing = 0
        for shift_ix in self.shifts_order:
            shift = self.shifts[shift_ix]
            here = on_shift.setdefault(shift_ix, set())
            for post_ix in posts_of[shift_ix]:
                for _ in range(wanted[post_ix]):
                    person = self._volunteer(shift, taken_days, here)
                    if person is None:
                        missing += 1
                        continue
                    here.add(person)
                    self._book(shift_ix, post_ix, person)
        # Cancelled bookings: people who booked, then gave the place up before the cutoff.
        cutoff = timedelta(minutes=current_app.config["SHIFT_CANCEL_CUTOFF_MINUTES"])
        cancellable = [i for i in self.shifts_order if self.shifts[i]["status"] == "open"]
        made = 0
        for _ in range(cancelled_target * 20):
            if made == cancelled_target + missing or not cancellable:
                break
            shift_ix = rng.choice(cancellable)
            shift = self.shifts[shift_ix]
            booked_at = shift["starts_at"] - timedelta(days=rng.uniform(2, 14))
            last = min(shift["starts_at"] - cutoff, now)
            if last <= booked_at:
                continue
            person = self._volunteer(shift, taken_days, on_shift[shift_ix])
            if person is None:
                continue
            taken_days[person].discard(shift["day"])  # given up: the day is free again
            on_shift[shift_ix].add(person)
            post_ix = rng.choice(posts_of[shift_ix])
            self.bookings.append({"shift_ix": shift_ix, "post_ix": post_ix, "user_ix": person, "status": "cancelled",
                                  "booked_at": booked_at, "cancelled_at": booked_at + (last - booked_at) * rng.random(),
                                  "checked_in_at": None, "checked_out_at": None, "minutes_credited": 0,
                                  "no_show_at": None, "updated_by_ix": None})
            made += 1
        if len(self.bookings) < target:
            self.shortfall["bookings"] = target - len(self.bookings)

    def _book(self, shift_ix, post_ix, person):
        rng, now = self.rng, self.now
        shift, post = self.shifts[shift_ix], self.posts[post_ix]
        starts_at, ends_at = shift["starts_at"], shift["ends_at"]
        booking = {"shift_ix": shift_ix, "post_ix": post_ix, "user_ix": person, "status": "booked",
                   "booked_at": min(starts_at - timedelta(days=rng.uniform(0.2, 14)), now),
                   "cancelled_at": None, "checked_in_at": None, "checked_out_at": None, "minutes_credited": 0,
                   "no_show_at": None, "updated_by_ix": None}
        post["booked"] += 1
        self.bookings.append(booking)
        if shift["status"] != "open" or starts_at > now:
            return
        organizer = rng.choice(self.organizers[self.sites[shift["site_ix"]]["community_ix"]])
        roll = rng.random()
        if roll < 0.04:  # did not come, and the organizer marked it once the shift had started
            no_show_at = starts_at + timedelta(minutes=rng.uniform(15, 120))
            if no_show_at <= now:
                booking.update(status="no_show", no_show_at=no_show_at, updated_by_ix=organizer)
            return
        if roll < 0.05:  # did not come, never marked
            return
        checked_in_at = starts_at + timedelta(minutes=max(min(rng.gauss(-8, 10), 60), -60))
        if checked_in_at > now:
            return
        booking.update(checked_in_at=checked_in_at, updated_by_ix=person if rng.random() < 0.8 else organizer)
        if roll < 0.06:  # forgot to check out: nothing credited
            return
        if roll < 0.09:  # left early
            checked_out_at = ends_at - timedelta(minutes=rng.uniform(20, 90))
        else:
            checked_out_at = ends_at + timedelta(minutes=abs(rng.gauss(5, 10)))
        checked_out_at = max(checked_out_at, checked_in_at + timedelta(minutes=1))
        if checked_out_at > now:
            return
        start, end = max(checked_in_at, starts_at), min(checked_out_at, ends_at)
        minutes = max(_minutes(end - start), 0)  # as attendance.credited_minutes
        booking.update(checked_out_at=checked_out_at, minutes_credited=minutes)
        self.users[person]["volunteer_minutes"] += minutes

    # --- the people's dates -----------------------------------------------------------------------

    def settle_people(self):
        """Accounts exist before their first sign-up or booking; about 1% are deleted after their last."""
        rng = self.rng
        first, last = {}, {}
        for row in self.registrations:
            person = row["user_ix"]
            if person is None:
                continue
            at, end = row["registered_at"], self.activities[row["activity_ix"]]["ends_at"]
            first[person] = min(first.get(person, at), at)
            last[person] = max(last.get(person, end), end)
        for row in self.bookings:
            person, at = row["user_ix"], row["booked_at"]
            end = self.shifts[row["shift_ix"]]["ends_at"]
            first[person] = min(first.get(person, at), at)
            last[person] = max(last.get(person, end), end)
        for i, user in enumerate(self.users):
            user["created_at"] = min(user["created_at"], self.now - timedelta(days=rng.uniform(0.05, 30)))
            if i in first and user["created_at"] > first[i] - timedelta(hours=1):
                user["created_at"] = first[i] - timedelta(days=rng.uniform(0.05, 30))
            user["claimed_at"] = min(user["created_at"] + timedelta(minutes=rng.uniform(2, 600)), self.now)
            user["confirmed_at"] = min(user["claimed_at"] + timedelta(days=rng.uniform(0, 20)), self.now) \
                if user["confirmed"] else None
            user["last_login_at"] = min(max(last.get(i, user["created_at"]), user["created_at"]), self.now)
            if i not in self.organizer_set and rng.random() < 0.01:
                gone = max(last.get(i, user["created_at"]), user["created_at"])
                deleted_at = gone + timedelta(days=rng.uniform(1, 60))
                if deleted_at <= self.now:
                    user["deleted_at"] = deleted_at

    def generate(self, community_names):
        count = len(community_names)
        self.generate_people(count)
        self.generate_activities(count, community_names)
        self.generate_registrations()
        self.generate_sites(count, community_names)
        self.generate_shifts()
        self.generate_bookings()
        self.settle_people()
        return self


# --- writing ---------------------------------------------------------------------------------------


def _reserve_ids(table, count):
    """`count` fresh ids of `table`, taken from its sequence (PostgreSQL) or after its largest id."""
    if count == 0:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(
            text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"),
            {"n": count}))
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def _write(table, rows, chunk=5000):
    """Insert rows (dicts with the same keys): COPY on PostgreSQL, Core `insert()` in chunks elsewhere."""
    if not rows:
        return
    session = db.session
    columns = list(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        raw = session.connection().connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(tuple(row[c] for c in columns))
        return
    for offset in range(0, len(rows), chunk):
        session.execute(insert(table), rows[offset: offset + chunk])


def already_seeded(year):
    prefix = OPENID_PREFIX.format(year=year)
    return db.session.scalar(select(User.id).where(User.openid.like(prefix + "%")).limit(1)) is not None


def _communities():
    """The 13 communities, created when missing (the demo's are reused)."""
    existing = {c.code: c for c in db.session.scalars(select(Community))}
    for code, name, _ in COMMUNITIES:
        if code not in existing:
            existing[code] = Community(code=code, name=name, subdistrict=SUBDISTRICT)
            db.session.add(existing[code])
    db.session.flush()
    return [existing[code] for code, _, _ in COMMUNITIES]


def seed_history(year, scale=1.0, seed=42, now=None):
    """Generate and write one year; the caller commits. Returns `{what: count}` of the rows written
    (and `short_<what>` when fewer rows than the target could be made).

    Raises HistoryRefused when the year is in the future or already seeded in this database.
    """
    zone = ZoneInfo(current_app.config["APP_TIMEZONE"])
    now = now or utcnow()
    if datetime(year, 1, 1, tzinfo=zone) > now:
        raise HistoryRefused(f"{year} has not begun: only a past or the current year can be seeded")
    if already_seeded(year):
        raise HistoryRefused(f"the history of {year} is already seeded in this database")
    communities = _communities()
    history = History(year, scale, seed, now, zone).generate([c.name for c in communities])
    community_ids = [c.id for c in communities]

    users = User.__table__
    user_ids = _reserve_ids(users, len(history.users))
    rows = []
    for i, u in enumerate(history.users):
        deleted = u["deleted_at"] is not None
        community = None if u["community_ix"] is None else community_ids[u["community_ix"]]
        rows.append({
            "id": user_ids[i], "openid": None if deleted else u["openid"], "unionid": None, "session_key": None,
            "nickname": None if deleted else u["nickname"], "real_name": None if deleted else u["real_name"],
            "phone": None if deleted else u["phone"], "community_id": None if deleted else community,
            "community_claimed_at": None if deleted or community is None else u["claimed_at"],
            "community_confirmed_at": None if deleted or community is None else u["confirmed_at"],
            "is_party_member": u["is_party_member"] and not deleted, "is_admin": False,
            "volunteer_minutes": u["volunteer_minutes"], "created_at": u["created_at"],
            "updated_at": u["deleted_at"] or u["last_login_at"], "last_login_at": u["last_login_at"],
            "deleted_at": u["deleted_at"],
        })
    _write(users, rows)
    _write(OrganizerScope.__table__, [
        {"user_id": user_ids[s["user_ix"]], "community_id": community_ids[s["community_ix"]], "granted_by_id": None,
         "created_at": history.users[s["user_ix"]]["created_at"]} for s in history.scopes])

    def user_id(ix):
        return None if ix is None else user_ids[ix]

    activity_ids = _reserve_ids(Activity.__table__, len(history.activities))
    rows = []
    for i, a in enumerate(history.activities):
        row = {k: v for k, v in a.items() if not k.endswith("_ix")}
        row.update(id=activity_ids[i], community_id=community_ids[a["community_ix"]],
                   created_by_id=user_id(a["created_by_ix"]))
        rows.append(row)
    _write(Activity.__table__, rows)
    _write(Registration.__table__, [{
        "activity_id": activity_ids[r["activity_ix"]], "user_id": user_id(r["user_ix"]), "status": r["status"],
        "companions": r["companions"], "remark": r["remark"], "registered_at": r["registered_at"],
        "promoted_at": r["promoted_at"], "cancelled_at": r["cancelled_at"], "checked_in_at": r["checked_in_at"],
        "checked_in_by_id": user_id(r["checked_in_by_ix"]), "registered_by_id": user_id(r["registered_by_ix"]),
        "walk_in_name": r["walk_in_name"], "walk_in_phone": r["walk_in_phone"]} for r in history.registrations])

    site_ids = _reserve_ids(Site.__table__, len(history.sites))
    _write(Site.__table__, [{**{k: v for k, v in s.items() if k != "community_ix"}, "id": site_ids[i],
                             "community_id": community_ids[s["community_ix"]]} for i, s in enumerate(history.sites)])
    shift_ids = _reserve_ids(Shift.__table__, len(history.shifts))
    _write(Shift.__table__, [{
        "id": shift_ids[i], "site_id": site_ids[s["site_ix"]], "starts_at": s["starts_at"], "ends_at": s["ends_at"],
        "party_members_only": s["party_members_only"], "notes": s["notes"], "status": s["status"],
        "cancel_reason": s["cancel_reason"], "created_by_id": user_id(s["created_by_ix"]),
        "created_at": s["created_at"], "updated_at": s["updated_at"], "cancelled_at": s["cancelled_at"]} for i, s in enumerate(history.shifts)])
    post_ids = _reserve_ids(ShiftPost.__table__, len(history.posts))
    _write(ShiftPost.__table__, [
        {"id": post_ids[i], "shift_id": shift_ids[p["shift_ix"]], "name": p["name"], "capacity": p["capacity"],
         "booked": p["booked"]} for i, p in enumerate(history.posts)])
    _write(Booking.__table__, [{
        "shift_id": shift_ids[b["shift_ix"]], "role_id": post_ids[b["post_ix"]], "user_id": user_ids[b["user_ix"]],
        "status": b["status"], "booked_at": b["booked_at"], "cancelled_at": b["cancelled_at"],
        "checked_in_at": b["checked_in_at"], "checked_out_at": b["checked_out_at"],
        "minutes_credited": b["minutes_credited"], "no_show_at": b["no_show_at"],
        "updated_by_id": user_id(b["updated_by_ix"]),
        # Seeded history counts as confirmed at check-out (as the migration treats figures before issue 18).
        "minutes_worked": b["minutes_credited"], "hours_status": "confirmed" if b["checked_out_at"] else None,
        "hours_confirmed_at": b["checked_out_at"]} for b in history.bookings])

    from server.services import cache

    cache.mark_changed(db.session, "activities", "shifts")  # Core writes: the flush would not see them
    if db.session.get_bind().dialect.name == "postgresql":
        for table in (users, Activity.__table__, Registration.__table__, Shift.__table__, ShiftPost.__table__,
                      Booking.__table__, Site.__table__):
            db.session.execute(text(f'ANALYZE "{table.name}"'))
    counts = {"communities": len(communities), "users": len(history.users),
              "party_members": sum(u["is_party_member"] for u in history.users),
              "deleted_users": sum(u["deleted_at"] is not None for u in history.users),
              "activities": len(history.activities), "registrations": len(history.registrations),
              "sites": len(history.sites), "shifts": len(history.shifts), "posts": len(history.posts),
              "bookings": len(history.bookings)}
    counts.update({f"short_{what}": n for what, n in history.shortfall.items()})
    return counts
