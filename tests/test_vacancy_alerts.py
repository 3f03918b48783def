"""Vacancy alerts (空岗提醒): the opt-in API, the rules of a round (each filter can fail), the order
(nearest first, then a per-shift hash), exactly one round per shift and lead, the organizer's view,
and account deletion erasing the opt-in."""

from datetime import timedelta

import pytest
from factories import book, community_id, create_shift, create_site, local
from sqlalchemy import select, update

from server.extensions import db
from server.models import (
    Booking,
    OutboxMessage,
    Shift,
    Site,
    SubscriptionCredit,
    User,
    VacancyAlert,
    VacancyAlertPref,
    VacancyAlertRound,
    VacancyAlertScope,
)
from server.models.base import utcnow
from server.services import vacancy_alerts
from server.services.templates import render_message

TEMPLATE = "tmpl-shift-vacancy"


def volunteers(app, count, community="haizhu", site_id=None, credits=1, party=False, home=None, prefix="v"):
    """`count` opted-in volunteers created in the database (alerts for the community, or the site),
    each with `credits` `shift_vacancy` sends; `home`: a function of the index giving (lat, lng) or None."""
    with app.app_context():
        haizhu = db.session.scalar(select(User.community_id).where(User.openid == "demo-organizer"))
        ids = []
        for index in range(count):
            user = User(openid=f"{prefix}-{index}", real_name=f"志愿者{index}", phone=f"1390000{index:04d}",
                        community_id=haizhu, is_party_member=party)
            db.session.add(user)
            db.session.flush()
            point = home(index) if home else None
            db.session.add(VacancyAlertPref(user_id=user.id, enabled=True, home_latitude=point and point[0],
                                            home_longitude=point and point[1]))
            if site_id is not None:
                db.session.add(VacancyAlertScope(user_id=user.id, site_id=site_id))
            else:
                db.session.add(VacancyAlertScope(user_id=user.id, community_id=haizhu))
            if credits:
                db.session.add(SubscriptionCredit(user_id=user.id, template_id=TEMPLATE, remaining=credits))
            ids.append(user.id)
        db.session.commit()
        return ids


def moment(shift, lead, after=timedelta(minutes=1)):
    from datetime import datetime

    return datetime.fromisoformat(shift["starts_at"]) - timedelta(minutes=lead) + after


def run(app, shift, lead=1440, after=timedelta(minutes=1), worker="w1"):
    with app.app_context():
        return vacancy_alerts.run_due_rounds(worker, now=moment(shift, lead, after))


def alerted(app, shift_id):
    with app.app_context():
        return list(db.session.scalars(
            select(VacancyAlert.user_id).where(VacancyAlert.shift_id == shift_id).order_by(VacancyAlert.id)))


@pytest.fixture
def site(organizer):
    return create_site(organizer)


@pytest.fixture
def shift(organizer, site):
    return create_shift(organizer, site, roles=[("卡口值守", 2)])


# --- the opt-in API ------------------------------------------------------------------------------------


def test_opt_in_is_off_until_set_and_the_home_point_is_rounded(resident, site, client):
    body = resident.get("/api/v1/me/vacancy-alerts").get_json()
    assert body == {"enabled": False, "sites": [], "communities": [], "home_latitude": None,
                    "home_longitude": None, "credits": 0}
    haizhu = community_id(client, "haizhu")
    response = resident.put("/api/v1/me/vacancy-alerts", json={
        "enabled": True, "site_ids": [site["id"], site["id"]], "community_ids": [haizhu],
        "home_latitude": 22.543096, "home_longitude": 114.057865})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["enabled"] is True
    assert [s["id"] for s in body["sites"]] == [site["id"]]
    assert [c["id"] for c in body["communities"]] == [haizhu]
    assert (body["home_latitude"], body["home_longitude"]) == (22.543, 114.058)
    resident.post("/api/v1/me/subscriptions", json={"accepted": [TEMPLATE]})
    assert resident.get("/api/v1/me/vacancy-alerts").get_json()["credits"] == 1
    # Every field replaces what was set: switching off, without a point, keeps nothing else.
    body = resident.put("/api/v1/me/vacancy-alerts", json={"enabled": False}).get_json()
    assert (body["enabled"], body["sites"], body["home_latitude"]) == (False, [], None)


@pytest.mark.parametrize("payload, field", [
    ({"enabled": True}, "site_ids"),
    ({"enabled": True, "site_ids": [999999]}, "site_ids"),
    ({"enabled": True, "community_ids": [999999]}, "community_ids"),
    ({"enabled": True, "site_ids": ["1"]}, "site_ids"),
    ({"enabled": True, "site_ids": [0]}, "site_ids"),
    ({"enabled": True, "site_ids": list(range(1, 60))}, "site_ids"),
    ({"enabled": "yes please"}, "enabled"),
    ({"site_ids": []}, "enabled"),
    ({"enabled": False, "home_latitude": 22.5}, "home_latitude"),
    ({"enabled": False, "home_latitude": 91, "home_longitude": 114}, "home_latitude"),
    ({"enabled": False, "home_latitude": 22.5, "home_longitude": "NaN"}, "home_longitude"),
    ({"enabled": False, "extra": 1}, "extra"),
])
def test_bad_opt_in_is_422_and_changes_nothing(resident, site, payload, field):
    before = resident.put("/api/v1/me/vacancy-alerts", json={"enabled": True, "site_ids": [site["id"]]}).get_json()
    response = resident.put("/api/v1/me/vacancy-alerts", json=payload)
    assert response.status_code == 422, response.get_json()
    assert any(key.split(".")[0] == field for key in response.get_json()["errors"])
    assert resident.get("/api/v1/me/vacancy-alerts").get_json() == before


def test_an_archived_site_cannot_be_chosen(resident, site, clean_app):
    with clean_app.app_context():
        db.session.execute(update(Site).where(Site.id == site["id"]).values(archived_at=utcnow()))
        db.session.commit()
    response = resident.put("/api/v1/me/vacancy-alerts", json={"enabled": True, "site_ids": [site["id"]]})
    assert response.status_code == 422


def test_the_opt_in_needs_a_login(client):
    assert client.get("/api/v1/me/vacancy-alerts").status_code == 401
    assert client.put("/api/v1/me/vacancy-alerts", json={"enabled": False}).status_code == 401


# --- a round --------------------------------------------------------------------------------------------


def test_a_round_alerts_missing_times_factor_and_queues_one_message_each(clean_app, shift, messages):
    people = volunteers(clean_app, 8)
    assert run(clean_app, shift) == (1, 6)  # 2 places missing x factor 3
    chosen = alerted(clean_app, shift["id"])
    assert len(chosen) == 6 and set(chosen) <= set(people)
    queued = messages(kind="shift_vacancy")
    assert sorted(m["user_id"] for m in queued) == sorted(chosen)
    assert all(m["payload"]["shift_id"] == shift["id"] and m["payload"]["missing"] == 2 for m in queued)
    with clean_app.app_context():
        template_id, data, page = render_message("shift_vacancy", queued[0]["payload"])
        assert template_id == TEMPLATE
        assert data["thing1"] == "北门卡口" and data["thing2"] == "卡口值守"
        assert data["thing4"] == "还缺2人，点此一键预约"
        assert page.startswith(f"pages/shifts/index?shift_id={shift['id']}&site_id=")
    # The same round again: nothing (it ran); the next lead reaches only the two not yet alerted.
    assert run(clean_app, shift) == (0, 0)
    assert run(clean_app, shift, lead=180) == (1, 2)
    assert sorted(alerted(clean_app, shift["id"])) == sorted(people)


def test_a_late_round_is_skipped_and_a_started_shift_gets_none(clean_app, shift):
    volunteers(clean_app, 3)
    assert run(clean_app, shift, after=timedelta(minutes=31)) == (0, 0)
    assert run(clean_app, shift, after=timedelta(minutes=-1)) == (0, 0)  # not yet due
    with clean_app.app_context():
        assert db.session.scalar(select(VacancyAlertRound.id)) is None


def test_a_full_or_cancelled_shift_alerts_nobody(clean_app, organizer, site, residents):
    volunteers(clean_app, 3)
    full = create_shift(organizer, site, roles=[("卡口值守", 1)], starts_at=local(days=3, hour=14))
    assert book(residents(1)[0], full).status_code == 201
    assert run(clean_app, full) == (0, 0)
    cancelled = create_shift(organizer, site, starts_at=local(days=3, hour=19))
    organizer.post(f"/api/v1/shifts/{cancelled['id']}/cancel", json={"reason": "天气原因"})
    assert run(clean_app, cancelled) == (0, 0)


def _set(app, model, where, **values):
    with app.app_context():
        db.session.execute(update(model).where(where).values(**values))
        db.session.commit()


def test_each_rule_leaves_a_person_out(clean_app, organizer, site, shift, move_shift, make_app):
    # Nine people: one passes every rule, each other one fails exactly one.
    ids = volunteers(clean_app, 9)
    ok, off, no_credit, promised, deleted, elsewhere, booked_here, overlapping, tired = ids
    _set(clean_app, VacancyAlertPref, VacancyAlertPref.user_id == off, enabled=False)
    _set(clean_app, SubscriptionCredit, SubscriptionCredit.user_id == no_credit, remaining=0)
    with clean_app.app_context():
        # `promised`: their one credit is already promised to an alert still waiting to be sent.
        db.session.add(OutboxMessage(kind="shift_vacancy", user_id=promised, payload={}, status="pending"))
        # `elsewhere`: alerts for another site only.
        other = Site(community_id=db.session.get(Site, site["id"]).community_id, name="南门", kind="checkpoint")
        db.session.add(other)
        db.session.flush()
        db.session.execute(update(VacancyAlertScope).where(VacancyAlertScope.user_id == elsewhere)
                           .values(community_id=None, site_id=other.id))
        db.session.commit()
    _set(clean_app, User, User.id == deleted, deleted_at=utcnow())
    starts = moment(shift, 0, timedelta(0))
    # Bookings made directly: `booked_here` holds the shift's other post... of this very shift.
    with clean_app.app_context():
        s = db.session.get(Shift, shift["id"])
        post = s.posts[0]
        db.session.add(Booking(shift_id=s.id, post_id=post.id, user_id=booked_here, status="booked"))
        post.booked = 1
        near = Shift(site_id=site["id"], starts_at=starts + timedelta(hours=1), ends_at=starts + timedelta(hours=6))
        long = Shift(site_id=site["id"], starts_at=starts - timedelta(hours=10), ends_at=starts - timedelta(hours=1))
        from server.models import ShiftPost
        near.posts = [ShiftPost(name="甲", capacity=5, booked=1)]
        long.posts = [ShiftPost(name="乙", capacity=5, booked=1)]
        db.session.add_all([near, long])
        db.session.flush()
        db.session.add(Booking(shift_id=near.id, post_id=near.posts[0].id, user_id=overlapping, status="booked"))
        # 9 hours yesterday-ish + this 4-hour shift = 13 hours inside 24: over the default 600 minutes.
        db.session.add(Booking(shift_id=long.id, post_id=long.posts[0].id, user_id=tired, status="booked"))
        db.session.commit()
    assert run(clean_app, shift) == (1, 1)
    assert alerted(clean_app, shift["id"]) == [ok]


def test_rest_between_shifts_leaves_a_person_out(clean_app, site, shift, make_app):
    ok, rested_too_little = volunteers(clean_app, 2)
    starts = moment(shift, 0, timedelta(0))
    with clean_app.app_context():
        from server.models import ShiftPost
        before = Shift(site_id=site["id"], starts_at=starts - timedelta(hours=3), ends_at=starts - timedelta(hours=2))
        before.posts = [ShiftPost(name="甲", capacity=5, booked=1)]
        db.session.add(before)
        db.session.flush()
        db.session.add(Booking(shift_id=before.id, post_id=before.posts[0].id, user_id=rested_too_little))
        db.session.commit()
    strict = make_app(MIN_REST_MINUTES_BETWEEN_SHIFTS=180)
    assert run(strict, shift) == (1, 1)
    assert alerted(clean_app, shift["id"]) == [ok]


def test_party_members_only_follows_the_eligibility_rule(clean_app, organizer, site):
    party_shift = create_shift(organizer, site, party_members_only=True)
    members = volunteers(clean_app, 2, party=True, prefix="p")
    volunteers(clean_app, 2, party=False, prefix="n")
    assert run(clean_app, party_shift) == (1, 2)
    assert sorted(alerted(clean_app, party_shift["id"])) == sorted(members)


def test_nearest_first_then_those_without_a_point(clean_app, site, organizer):
    with clean_app.app_context():
        db.session.execute(update(Site).where(Site.id == site["id"]).values(latitude=22.540, longitude=114.050))
        db.session.commit()
    one_post = create_shift(organizer, site, roles=[("登记", 1)], starts_at=local(days=4, hour=8))
    # index 0 has no point; 1..4 live further and further away.
    ids = volunteers(clean_app, 5, home=lambda i: None if i == 0 else (22.540 + 0.01 * (5 - i), 114.050))
    assert run(clean_app, one_post) == (1, 3)  # 1 missing x 3
    assert alerted(clean_app, one_post["id"]) == [ids[4], ids[3], ids[2]]
    assert run(clean_app, one_post, lead=180) == (1, 2)
    assert alerted(clean_app, one_post["id"])[3:] == [ids[1], ids[0]]
    with clean_app.app_context():
        distances = dict(db.session.execute(select(VacancyAlert.user_id, VacancyAlert.distance_m)).all())
    assert distances[ids[0]] is None and 1000 < distances[ids[4]] < 1200


def test_the_tie_break_differs_between_shifts(clean_app, organizer, site):
    volunteers(clean_app, 30)
    first = create_shift(organizer, site, roles=[("登记", 1)], starts_at=local(days=4, hour=8))
    second = create_shift(organizer, site, roles=[("登记", 1)], starts_at=local(days=5, hour=8))
    run(clean_app, first)
    run(clean_app, second)
    assert alerted(clean_app, first["id"]) != alerted(clean_app, second["id"])


def test_no_leads_means_no_alerts(clean_app, shift, make_app):
    volunteers(clean_app, 3)
    assert run(make_app(VACANCY_ALERT_LEADS_MINUTES=[]), shift) == (0, 0)


# --- the organizer's view -----------------------------------------------------------------------------


def test_the_organizer_sees_who_was_alerted_and_who_took_a_place(clean_app, organizer, shift, login, other_organizer):
    ids = volunteers(clean_app, 6)
    run(clean_app, shift)
    # The round ran at its (simulated) moment; the alerts went out a minute ago in real time.
    _set(clean_app, VacancyAlert, VacancyAlert.shift_id == shift["id"], created_at=utcnow() - timedelta(minutes=1))
    with clean_app.app_context():
        taker_openid = db.session.scalar(select(User.openid).where(User.id == alerted(clean_app, shift["id"])[0]))
    taker = login(taker_openid)
    assert book(taker, shift).status_code == 201
    response = organizer.get(f"/api/v1/shifts/{shift['id']}/vacancy-alerts")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["alerted"], body["took_place"]) == (6, 1)
    assert body["rounds"][0]["lead_minutes"] == 1440 and body["rounds"][0]["missing"] == 2
    first = body["items"][0]
    assert first["took_place"] is True and first["booked_at"]
    assert first["user"]["phone_masked"].count("*") == 4 and "phone" not in first["user"]
    assert first["post_name"] == "卡口值守" and first["lead_minutes"] == 1440
    assert {item["user"]["id"] for item in body["items"]} <= set(ids)
    assert other_organizer.get(f"/api/v1/shifts/{shift['id']}/vacancy-alerts").status_code == 403
    assert taker.get(f"/api/v1/shifts/{shift['id']}/vacancy-alerts").status_code == 403
    assert organizer.get("/api/v1/shifts/999999/vacancy-alerts").status_code == 404


def test_deleting_the_account_erases_the_opt_in(resident, site, clean_app):
    resident.put("/api/v1/me/vacancy-alerts", json={"enabled": True, "site_ids": [site["id"]],
                                                   "home_latitude": 22.5, "home_longitude": 114.0})
    assert resident.delete("/api/v1/me").status_code == 204
    with clean_app.app_context():
        assert db.session.get(VacancyAlertPref, resident.user["id"]) is None
        assert db.session.scalar(select(VacancyAlertScope.id)) is None


# --- settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("leads, factor, ok", [
    ([1440, 180], 3, True), ([], 3, True), (None, 3, False), ([0], 3, False), ([60, 60], 3, False),
    ([20000], 3, False), ([60], 0, False), ([60], 21, False),
])
def test_settings_are_validated(leads, factor, ok):
    from server.config import UnsafeSettings, check_settings

    config = {"APP_ENV": "development", "SECRET_KEY": "x" * 40, "LOG_FORMAT": "text", "LOG_LEVEL": "INFO",
              "VACANCY_ALERT_LEADS_MINUTES": leads, "VACANCY_ALERT_FACTOR": factor}
    if ok:
        check_settings(config)
    else:
        with pytest.raises(UnsafeSettings, match="VACANCY_ALERT"):
            check_settings(config)


def test_two_leads_due_at_once_never_alert_a_person_twice(clean_app, shift, make_app):
    volunteers(clean_app, 10)
    close = make_app(VACANCY_ALERT_LEADS_MINUTES=[60, 50])
    assert run(close, shift, lead=50) == (2, 10)  # both rounds: 6, then the 4 left
    assert len(set(alerted(clean_app, shift["id"]))) == 10
