"""Statistics (`services.stats.compute_stats`, `GET /api/v1/stats`): a small known history built through
the API, every figure compared with a hand-computed expectation, the scopes, and bad input.

The history lies in January and February 2025 (the period `P`), with something just outside it on
either side. The API refuses to create anything in the past, so each activity and shift is created
in the future, signed up for and booked there, moved to the present to be checked in (the check-in
windows are checked against the clock), and then moved to its date in 2025 (`move_activity`,
`move_shift`: the columns only, as time passing would).

People: eight residents of 海珠 (`R[i]`, real name 居民i) and a walk-in. 海珠 is `organizer`'s
community, 大冲 `other_organizer`'s.

Activities (海珠 unless said):
- A1 党课 2025-01-10 10:00, 6 places, waitlist: R0 +1 companion (2 places, checked in), R1 (checked in),
  R2 (confirmed, absent), R3 (signed up, cancelled before the event), walk-in 王阿姨 +1 companion
  (checked in), R4 (waitlisted, never promoted).
- A2 青年 2025-02-05 15:00, 3 places: R0 (checked in), R5 +1 (checked in; R5 later deletes the account).
- A3 2025-01-20, cancelled by the organizer (R1 had signed up): not counted.
- A4 文体 in 大冲 2025-02-10: R6 (checked in).
- A5 2025-03-01 00:30 local (still February in UTC): R1 (checked in): outside the period.
- A6 a draft dated 2025-01-15: not counted.

Shifts (posts [(name, capacity)]):
- Sh1 海珠 checkpoint 2025-01-31 23:00 → 02-01 03:00 local [2, 1]: R0 checked in 240 min, R1 no-show.
  Counts in January.
- Sh2 海珠 testing_site 2025-02-10 08:00-12:00 [2]: R0 210 min, R5 240 min, R3 booked and cancelled.
- Sh3 海珠 checkpoint 2025-01-15, cancelled before it began; R2 booked (the booking stays, on a
  cancelled shift): not counted, and R2 is no new volunteer.
- Sh4 大冲 checkpoint 2025-02-20 08:00-12:00 [2]: R4 240 min, R0 60 min.
- Sh5 海珠 checkpoint 2024-12-31 23:00 → 01-01 03:00: R1 240 min: December, outside the period (so R1,
  first served in December, is no new volunteer in the period).
- Sh6 海珠 testing_site 2025-02-15, begun, R3 checked in and out (60 min), then cancelled (ended
  early): its minutes count, the shift does not.
- Sh7 海珠 checkpoint 2025-03-01 00:00 local: R0 booked: outside the period.
"""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from factories import SHANGHAI, book, create_activity, create_shift, create_site, local

P = {"from": "2025-01-01", "to": "2025-02-28"}


def at(month, day, hour=0, minute=0, year=2025):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def this_minute():
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def activity_figures(held, signups, confirmed, served, reached, unserved):
    return {"activities_held": held, "signups": signups, "confirmed_places": confirmed, "people_served": served,
            "residents_reached": reached, "waitlist_unserved": unserved}


def shift_figures(run, capacity, filled, fill_rate, vacancies, minutes, no_shows, no_show_rate, new):
    return {"shifts_run": run, "posts_capacity": capacity, "posts_filled": filled, "fill_rate": fill_rate,
            "vacancies": vacancies, "volunteer_minutes": minutes, "no_shows": no_shows,
            "no_show_rate": no_show_rate, "new_volunteers": new}


NO_ACTIVITIES = activity_figures(0, 0, 0, 0, 0, 0)
NO_SHIFTS = shift_figures(0, 0, 0, None, 0, 0, 0, None, 0)
NOT_ACTIVITIES = dict.fromkeys(NO_ACTIVITIES)
NOT_SHIFTS = dict.fromkeys(NO_SHIFTS)


def figures_of(item):
    return {key: value for key, value in item.items() if key not in ("key", "label")}


class History:
    """Ids of what `build_history` made, and the sessions."""


def _sign_up(session, activity, companions=0):
    response = session.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": companions})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _check_in_activity(organizer, activity, registration_ids):
    for registration_id in registration_ids:
        response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration_id}/check-in")
        assert response.status_code == 200, response.get_json()


def _booking(session, shift, post_index=0):
    response = book(session, shift, post_index)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _attend(organizer, booking_id, checked_in, checked_out):
    for action, moment in (("check-in", checked_in), ("check-out", checked_out)):
        response = organizer.post(f"/api/v1/shift-bookings/{booking_id}/{action}", json={"at": moment.isoformat(), "reason": "补签"})
        assert response.status_code == 200, response.get_json()
    # Only confirmed hours count (issue 18): the shift has ended, its hours are confirmed.
    confirmed = organizer.post(f"/api/v1/shifts/{response.get_json()['shift_id']}/hours/confirm")
    assert confirmed.status_code == 200, confirmed.get_json()


def _run_now(move_shift, shift, hours=4):
    """Move the shift to the hours just past (it ends this minute); returns its start."""
    start = this_minute() - timedelta(hours=hours)
    move_shift(shift["id"], start, start + timedelta(hours=hours))
    return start


@pytest.fixture
def history(organizer, other_organizer, admin, residents, move_activity, move_shift):
    h = History()
    h.organizer, h.other_organizer, h.admin = organizer, other_organizer, admin
    R = h.residents = residents(8)
    h.user_ids = [session.user["id"] for session in R]
    in_progress = datetime.now(timezone.utc) - timedelta(minutes=10)

    # --- activities ------------------------------------------------------------------------------
    a1 = create_activity(organizer, title="一月党课", category="party_lesson", capacity=6, starts_at=local(days=3))
    r0 = _sign_up(R[0], a1, companions=1)
    r1 = _sign_up(R[1], a1)
    assert _sign_up(R[2], a1)["status"] == "confirmed"
    _sign_up(R[3], a1)
    assert R[3].delete(f"/api/v1/activities/{a1['id']}/registrations/me").status_code == 200
    walk_in = organizer.post(f"/api/v1/activities/{a1['id']}/walk-ins",
                             json={"name": "王阿姨", "phone": "13800001111", "companions": 1})
    assert walk_in.status_code == 201, walk_in.get_json()
    assert walk_in.get_json()["status"] == "confirmed"
    assert _sign_up(R[4], a1)["status"] == "waitlisted"
    move_activity(a1["id"], in_progress)
    _check_in_activity(organizer, a1, [r0["id"], r1["id"], walk_in.get_json()["registration_id"]])
    move_activity(a1["id"], at(1, 10, 10))

    a2 = create_activity(organizer, title="青年沙龙", category="youth", capacity=3, starts_at=local(days=3))
    registrations = [_sign_up(R[0], a2), _sign_up(R[5], a2, companions=1)]
    move_activity(a2["id"], in_progress)
    _check_in_activity(organizer, a2, [r["id"] for r in registrations])
    move_activity(a2["id"], at(2, 5, 15))

    a3 = create_activity(organizer, title="取消的活动", starts_at=local(days=3))
    _sign_up(R[1], a3)
    assert organizer.post(f"/api/v1/activities/{a3['id']}/cancel", json={"reason": "场地维修"}).status_code == 200
    move_activity(a3["id"], at(1, 20, 10))

    a4 = create_activity(other_organizer, community="dachong", title="大冲文体", category="culture",
                         starts_at=local(days=3))
    registration = _sign_up(R[6], a4)
    move_activity(a4["id"], in_progress)
    _check_in_activity(other_organizer, a4, [registration["id"]])
    move_activity(a4["id"], at(2, 10, 9))

    a5 = create_activity(organizer, title="三月活动", starts_at=local(days=3))
    registration = _sign_up(R[1], a5)
    move_activity(a5["id"], in_progress)
    _check_in_activity(organizer, a5, [registration["id"]])
    move_activity(a5["id"], at(3, 1, 0, 30))

    a6 = create_activity(organizer, title="草稿", publish=False, starts_at=local(days=3))
    move_activity(a6["id"], at(1, 15, 10))

    # --- shifts ---------------------------------------------------------------------------------------
    checkpoint = create_site(organizer, name="北门卡口", kind="checkpoint")
    testing = create_site(organizer, name="核酸采样点", kind="testing_site")
    dachong = create_site(other_organizer, community="dachong", name="大冲卡口", kind="checkpoint")

    sh1 = create_shift(organizer, checkpoint, starts_at=local(days=3, hour=8), roles=[("卡口值守", 2), ("登记", 1)])
    b_r0, b_r1 = _booking(R[0], sh1), _booking(R[1], sh1)
    start = _run_now(move_shift, sh1)
    _attend(organizer, b_r0, start, start + timedelta(hours=4))  # 240
    assert organizer.post(f"/api/v1/shift-bookings/{b_r1}/no-show").status_code == 200
    move_shift(sh1["id"], at(1, 31, 23), at(2, 1, 3))

    sh2 = create_shift(organizer, testing, starts_at=local(days=4, hour=8), roles=[("采样", 2)])
    b_r0, _, b_r5 = _booking(R[0], sh2), _booking(R[3], sh2), None
    assert R[3].delete(f"/api/v1/shifts/{sh2['id']}/bookings/me").status_code == 200
    b_r5 = _booking(R[5], sh2)
    start = _run_now(move_shift, sh2)
    _attend(organizer, b_r0, start + timedelta(minutes=30), start + timedelta(hours=4))  # 210
    _attend(organizer, b_r5, start, start + timedelta(hours=4))  # 240
    move_shift(sh2["id"], at(2, 10, 8), at(2, 10, 12))

    sh3 = create_shift(organizer, checkpoint, starts_at=local(days=5, hour=8), roles=[("卡口值守", 3)])
    _booking(R[2], sh3)
    assert organizer.post(f"/api/v1/shifts/{sh3['id']}/cancel", json={"reason": "取消"}).status_code == 200
    move_shift(sh3["id"], at(1, 15, 8), at(1, 15, 12))

    sh4 = create_shift(other_organizer, dachong, starts_at=local(days=6, hour=8), roles=[("卡口值守", 2)])
    b_r4, b_r0 = _booking(R[4], sh4), _booking(R[0], sh4)
    start = _run_now(move_shift, sh4)
    _attend(other_organizer, b_r4, start, start + timedelta(hours=4))  # 240
    _attend(other_organizer, b_r0, start + timedelta(hours=3), start + timedelta(hours=4))  # 60
    move_shift(sh4["id"], at(2, 20, 8), at(2, 20, 12))

    sh5 = create_shift(organizer, checkpoint, starts_at=local(days=7, hour=8), roles=[("卡口值守", 2)])
    b_r1 = _booking(R[1], sh5)
    start = _run_now(move_shift, sh5)
    _attend(organizer, b_r1, start, start + timedelta(hours=4))  # 240, in December
    move_shift(sh5["id"], at(12, 31, 23, year=2024), at(1, 1, 3))

    sh6 = create_shift(organizer, testing, starts_at=local(days=8, hour=8), roles=[("采样", 2)])
    b_r3 = _booking(R[3], sh6)
    start = _run_now(move_shift, sh6, hours=2)
    move_shift(sh6["id"], start, start + timedelta(hours=3))  # under way: cancelling it ends it early
    _attend(organizer, b_r3, start, start + timedelta(hours=1))  # 60
    assert organizer.post(f"/api/v1/shifts/{sh6['id']}/cancel", json={"reason": "提前结束"}).status_code == 200
    move_shift(sh6["id"], at(2, 15, 8), at(2, 15, 10))

    sh7 = create_shift(organizer, checkpoint, starts_at=local(days=9, hour=8), roles=[("卡口值守", 2)])
    _booking(R[0], sh7)
    move_shift(sh7["id"], at(3, 1, 0), at(3, 1, 4))

    # R5 leaves: what the community counted stays.
    assert R[5].delete("/api/v1/me").status_code == 204
    return h


# Hand-computed, 海珠 (the organizer's scope) over P.
HAIZHU_JANUARY = {
    # A1: signups R0 R1 R2 R3 walk-in R4; confirmed 2+1+1+2; served 2+1+2; reached R0 R1 walk-in; R4 waiting.
    **activity_figures(1, 6, 6, 5, 3, 1),
    # Sh1: posts 2+1, R0 and R1 (no-show) took places, 240 min, new: R0 (R1 first served in December).
    **shift_figures(1, 3, 2, 0.667, 1, 240, 1, 0.5, 1),
}
HAIZHU_FEBRUARY = {
    **activity_figures(1, 2, 3, 3, 2, 0),  # A2: R0 and R5 (+1), both checked in
    # Sh2: R0 210 + R5 240, R3 cancelled; Sh6 (cancelled after it began) adds R3's 60 minutes and makes
    # R3 a new volunteer; R5 new too (first booking Sh2).
    **shift_figures(1, 2, 2, 1.0, 0, 510, 0, 0.0, 2),
}
HAIZHU_TOTALS = {
    **activity_figures(2, 8, 9, 8, 4, 1),  # R0 reached in both months: one resident
    **shift_figures(2, 5, 4, 0.8, 1, 750, 1, 0.25, 3),
}
DACHONG_TOTALS = {
    **activity_figures(1, 1, 1, 1, 1, 0),  # A4: R6
    **shift_figures(1, 2, 2, 1.0, 0, 300, 0, 0.0, 1),  # Sh4: R4 240 (new), R0 60 (not new: January)
}
ADMIN_TOTALS = {
    **activity_figures(3, 9, 10, 9, 5, 1),
    **shift_figures(3, 7, 6, 0.857, 1, 1050, 1, 0.167, 4),
}


def stats(session, **params):
    response = session.get("/api/v1/stats", query_string={**P, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_organizer_totals_and_every_grouping(history):
    body = stats(history.organizer)
    assert body["from"] == "2025-01-01" and body["to"] == "2025-02-28"
    assert body["community_id"] is None and body["group_by"] is None and body["groups"] == []
    assert body["totals"] == HAIZHU_TOTALS

    by_month = stats(history.organizer, group_by="month")
    assert by_month["totals"] == HAIZHU_TOTALS
    assert [(g["key"], g["label"]) for g in by_month["groups"]] == [("2025-01", "2025年1月"), ("2025-02", "2025年2月")]
    assert [figures_of(g) for g in by_month["groups"]] == [HAIZHU_JANUARY, HAIZHU_FEBRUARY]

    by_community = stats(history.organizer, group_by="community")
    assert [(g["label"], figures_of(g)) for g in by_community["groups"]] == [("海珠社区", HAIZHU_TOTALS)]

    by_category = stats(history.organizer, group_by="category")
    groups = {g["key"]: figures_of(g) for g in by_category["groups"]}
    assert list(groups) == ["party_lesson", "youth", "women_children", "elderly", "culture", "volunteer", "other"]
    assert [g["label"] for g in by_category["groups"]][:2] == ["党课学习", "青年活动"]
    assert groups["party_lesson"] == {**activity_figures(1, 6, 6, 5, 3, 1), **NOT_SHIFTS}
    assert groups["youth"] == {**activity_figures(1, 2, 3, 3, 2, 0), **NOT_SHIFTS}
    for key in ("women_children", "elderly", "culture", "volunteer", "other"):
        assert groups[key] == {**NO_ACTIVITIES, **NOT_SHIFTS}

    by_kind = stats(history.organizer, group_by="site_kind")
    groups = {g["key"]: figures_of(g) for g in by_kind["groups"]}
    assert list(groups) == ["checkpoint", "testing_site", "temperature_point", "service_center", "other"]
    assert groups["checkpoint"] == {**NOT_ACTIVITIES, **shift_figures(1, 3, 2, 0.667, 1, 240, 1, 0.5, 1)}
    assert groups["testing_site"] == {**NOT_ACTIVITIES, **shift_figures(1, 2, 2, 1.0, 0, 510, 0, 0.0, 2)}
    for key in ("temperature_point", "service_center", "other"):
        assert groups[key] == {**NOT_ACTIVITIES, **NO_SHIFTS}


def test_top_volunteers_names_only_for_their_community(history):
    ids = history.user_ids
    # 海珠: R0 240 + 210, R5 240 (account deleted: no name), R3 60 on the shift ended early.
    assert stats(history.organizer)["top_volunteers"] == [
        {"rank": 1, "name": "居民0", "community": "海珠社区", "minutes": 450},
        {"rank": 2, "name": None, "community": "海珠社区", "minutes": 240},
        {"rank": 3, "name": "居民3", "community": "海珠社区", "minutes": 60},
    ]
    # 大冲's organizer sees the names of who served at 大冲's sites.
    assert stats(history.other_organizer)["top_volunteers"] == [
        {"rank": 1, "name": "居民4", "community": "大冲社区", "minutes": 240},
        {"rank": 2, "name": "居民0", "community": "大冲社区", "minutes": 60},
    ]
    # Admins: no names. R0 served most in 海珠 (450 of 510); R4 and R5 tie at 240: the lower id first.
    assert ids[4] < ids[5]
    assert stats(history.admin)["top_volunteers"] == [
        {"rank": 1, "name": None, "community": "海珠社区", "minutes": 510},
        {"rank": 2, "name": None, "community": "大冲社区", "minutes": 240},
        {"rank": 3, "name": None, "community": "海珠社区", "minutes": 240},
        {"rank": 4, "name": None, "community": "海珠社区", "minutes": 60},
    ]


def test_admin_sees_the_subdistrict_and_any_community(history, client):
    body = stats(history.admin, group_by="community")
    assert body["totals"] == ADMIN_TOTALS
    groups = {g["label"]: figures_of(g) for g in body["groups"]}
    assert groups["海珠社区"] == HAIZHU_TOTALS
    assert groups["大冲社区"] == DACHONG_TOTALS
    others = [figures for label, figures in groups.items() if label not in ("海珠社区", "大冲社区")]
    assert others and all(figures == {**NO_ACTIVITIES, **NO_SHIFTS} for figures in others)

    communities = {c["code"]: c["id"] for c in client.get("/api/v1/communities").get_json()["items"]}
    one = stats(history.admin, community_id=communities["dachong"])
    assert one["community_id"] == communities["dachong"] and one["totals"] == DACHONG_TOTALS
    assert stats(history.other_organizer)["totals"] == DACHONG_TOTALS

    # Months of the whole sub-district: R0 reached in both months, counted once in the totals.
    by_month = stats(history.admin, group_by="month")
    january, february = (figures_of(g) for g in by_month["groups"])
    assert january == HAIZHU_JANUARY
    assert february == {**activity_figures(2, 3, 4, 4, 3, 0), **shift_figures(2, 4, 4, 1.0, 0, 810, 0, 0.0, 3)}


def test_period_boundaries_are_local_days(history):
    # A5 (2025-03-01 00:30 local, 02-28 16:30 UTC) and Sh7 (03-01 00:00 local) count in March only.
    march = stats(history.organizer, **{"from": "2025-03-01", "to": "2025-03-31"})["totals"]
    assert march == {**activity_figures(1, 1, 1, 1, 1, 0), **shift_figures(1, 2, 1, 0.5, 1, 0, 0, 0.0, 0)}
    # Sh5 started on 2024-12-31 at 23:00 local: December, with all its 240 minutes; R1 new then.
    december = stats(history.organizer, **{"from": "2024-12-31", "to": "2024-12-31"})["totals"]
    assert december == {**NO_ACTIVITIES, **shift_figures(1, 2, 1, 0.5, 1, 240, 0, 0.0, 1)}
    # Sh1 (2025-01-31 23:00 to 02-01 03:00) belongs to the 31st, not the 1st.
    assert stats(history.organizer, **{"from": "2025-01-31", "to": "2025-01-31"})["totals"]["shifts_run"] == 1
    assert stats(history.organizer, **{"from": "2025-02-01", "to": "2025-02-01"})["totals"]["shifts_run"] == 0
    # A part of a month: the group covers the days asked for.
    part = stats(history.organizer, group_by="month", **{"from": "2025-01-20", "to": "2025-02-07"})
    assert [(g["key"], g["activities_held"], g["shifts_run"]) for g in part["groups"]] == [
        ("2025-01", 0, 1), ("2025-02", 1, 0),
    ]


def test_service_answers_with_nine_queries_whatever_the_grouping(history, clean_app):
    from server.extensions import db
    from server.models import User
    from server.services.stats import Figures, compute_stats

    with clean_app.app_context():
        actor = db.session.get(User, history.admin.user["id"])
        counted = []

        def count(*_args):
            counted.append(1)

        actor.organizer_community_ids  # the actor's scopes, loaded once per request by the first use
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            for group_by in (None, "month", "community", "category", "site_kind"):
                counted.clear()
                result = compute_stats(actor, date(2025, 1, 1), date(2025, 2, 28), group_by=group_by)
                assert len(counted) == 9, (group_by, len(counted))
                assert isinstance(result.totals, Figures)
                assert {name: getattr(result.totals, name) for name in ADMIN_TOTALS} == ADMIN_TOTALS
        finally:
            event.remove(db.engine, "before_cursor_execute", count)


def test_empty_period_and_future(organizer):
    body = stats(organizer, group_by="month", **{"from": "2030-01-01", "to": "2030-12-31"})
    assert body["totals"] == {**NO_ACTIVITIES, **NO_SHIFTS}
    assert len(body["groups"]) == 12 and body["top_volunteers"] == []


def test_who_may_see(organizer, other_organizer, resident, login, client, admin):
    communities = {c["code"]: c["id"] for c in client.get("/api/v1/communities").get_json()["items"]}
    party_member = login("demo-party-member")
    for session in (resident, party_member):
        response = session.get("/api/v1/stats", query_string=P)
        assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    response = organizer.get("/api/v1/stats", query_string={**P, "community_id": communities["dachong"]})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert "社区" in response.get_json()["message"]
    assert organizer.get("/api/v1/stats", query_string={**P, "community_id": communities["haizhu"]}).status_code == 200
    # An organizer probing an id that does not exist learns nothing more than for another's community.
    response = organizer.get("/api/v1/stats", query_string={**P, "community_id": 99999})
    assert response.status_code == 403
    response = admin.get("/api/v1/stats", query_string={**P, "community_id": 99999})
    assert response.status_code == 404 and response.get_json()["error"] == "community_not_found"
    assert client.get("/api/v1/stats", query_string=P).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0001-01-01", "to": "2025-01-01"}, "from"),
        ({"from": "2025-01-01", "to": "9999-12-31"}, "to"),
        ({"from": "2025-02-01", "to": "2025-01-31"}, "to"),
        ({"from": "2024-01-01", "to": "2025-01-02"}, "to"),  # 367 days apart
        ({"from": "2025-01-01", "to": "2025-12-31", "group_by": "week"}, "group_by"),
        ({"from": "2025-01-01", "to": "2025-12-31", "group_by": "month\x00"}, "group_by"),
        ({"from": "2025-01-01\x00", "to": "2025-12-31"}, "from"),
        ({"from": "2025-02-30", "to": "2025-12-31"}, "from"),
        ({"from": "2025-01-01"}, "to"),
        ({"to": "2025-01-01"}, "from"),
        ({"from": "2025-01-01", "to": "2025-12-31", "community_id": "0"}, "community_id"),
        ({"from": "2025-01-01", "to": "2025-12-31", "community_id": "99999999999"}, "community_id"),
        ({"from": "2025-01-01", "to": "2025-12-31", "community_id": "abc"}, "community_id"),
    ],
)
def test_bad_input_is_422_in_chinese(admin, params, field):
    response = admin.get("/api/v1/stats", query_string=params)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "validation_failed"
    messages = body["errors"][field]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in messages)


def test_longest_period_and_a_leap_year(admin):
    assert admin.get("/api/v1/stats", query_string={"from": "2028-01-01", "to": "2028-12-31"}).status_code == 200
    # 366 days apart is the most allowed.
    body = stats(admin, group_by="month", **{"from": "2027-12-31", "to": "2028-12-31"})
    assert [g["key"] for g in body["groups"]][0] == "2027-12" and len(body["groups"]) == 13
    assert admin.get("/api/v1/stats", query_string={"from": "2099-01-01", "to": "2099-12-31"}).status_code == 200


def test_service_refuses_bad_arguments_itself(clean_app, admin):
    from server.errors import ValidationFailed
    from server.extensions import db
    from server.models import User
    from server.services.stats import compute_stats

    with clean_app.app_context():
        actor = db.session.get(User, admin.user["id"])
        for args in ((date(1, 1, 1), date(2025, 1, 1)), (date(2025, 1, 1), date(9999, 12, 31)),
                     (date(2025, 1, 2), date(2025, 1, 1)), (date(2025, 1, 1), date(2026, 1, 3))):
            with pytest.raises(ValidationFailed):
                compute_stats(actor, *args)
        with pytest.raises(ValidationFailed):
            compute_stats(actor, date(2025, 1, 1), date(2025, 1, 2), group_by="week")


def test_every_definition_is_documented():
    from pathlib import Path

    from server.services.stats import FIGURE_DOCS, FIGURE_NAMES

    assert set(FIGURE_DOCS) == set(FIGURE_NAMES)
    api_md = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    for name, definition in FIGURE_DOCS.items():
        assert f"| `{name}` | {definition} |" in api_md, name


def test_a_remembered_answer_never_outlives_a_write(organizer, resident, login, clean_app):
    """The answers are cached by version: a sign-up, a booking (a Core write) and a cancellation each
    show in the very next answer, and an unchanged database answers from the cache without a query."""
    from server.extensions import db

    today = local(days=0).date()
    year = {"from": today.isoformat(), "to": (today + timedelta(days=30)).isoformat()}
    activity = create_activity(organizer, capacity=5, starts_at=local(days=3))
    shift = create_shift(organizer, create_site(organizer), starts_at=local(days=3, hour=8))
    first = stats(organizer, **year)["totals"]
    assert (first["activities_held"], first["signups"], first["posts_filled"]) == (1, 0, 0)

    with clean_app.app_context():
        queries = []
        listener = lambda *_args: queries.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert stats(organizer, **year)["totals"] == first
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(queries) <= 3  # the caller, their scopes and the scope's communities; not one figure recomputed

    assert resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).status_code == 201
    assert stats(organizer, **year)["totals"]["signups"] == 1
    assert book(login("demo-party-member"), shift).status_code == 201
    assert stats(organizer, **year)["totals"]["posts_filled"] == 1
    assert organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "天气原因"}).status_code == 200
    assert stats(organizer, **year)["totals"]["activities_held"] == 0
