"""Claimable offers: a freed place is held for the next waitlisted party that fits until a deadline;
accepted it is confirmed, declined or unclaimed it passes on (services/offers.py)."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from factories import create_activity, soon
from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, Registration
from server.services.offers import MIN_CLAIM, expire_due_offers, offer_deadline


def signup(person, activity, **body):
    response = person.post(f"/api/v1/activities/{activity['id']}/registrations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cancel(person, activity):
    return person.delete(f"/api/v1/activities/{activity['id']}/registrations/me")


def accept(person, activity):
    return person.post(f"/api/v1/activities/{activity['id']}/registrations/me/accept")


def decline(person, activity):
    return person.post(f"/api/v1/activities/{activity['id']}/registrations/me/decline")


def mine(person, activity):
    return person.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]


def counts(app, activity):
    with app.app_context():
        row = db.session.get(Activity, activity["id"])
        return row.confirmed_count, row.waitlist_count


def held_places(app, activity):
    """The places the rows hold (confirmed and offered), to compare with `confirmed_count`."""
    with app.app_context():
        rows = db.session.scalars(
            select(Registration).where(
                Registration.activity_id == activity["id"], Registration.status.in_(("confirmed", "offered"))
            )
        ).all()
        return sum(r.places for r in rows)


def pass_deadline(app, registration_id):
    """Time travel: the offer's deadline is a minute ago."""
    with app.app_context():
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id)
            .values(offer_expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
        )
        db.session.commit()


def sweep(app):
    with app.app_context():
        return expire_due_offers()


def offers_sent(messages):
    return [m for m in messages("signup_result") if m["payload"]["status"] == "待确认"]


def queue(organizer, residents, capacity=1, waiting=2, **overrides):
    """An activity with `claim_hours` 24: `capacity` people confirmed, `waiting` more waitlisted."""
    activity = create_activity(organizer, capacity=capacity, claim_hours=24, **overrides)
    people = residents(capacity + waiting)
    for person in people:
        signup(person, activity)
    return activity, people[:capacity], people[capacity:]


def test_a_freed_place_is_offered_and_held(organizer, residents, clean_app, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    assert cancel(holder, activity).status_code == 200

    offer = mine(first, activity)
    assert offer["status"] == "offered"
    deadline = datetime.fromisoformat(offer["offer_expires_at"])
    assert timedelta(hours=23, minutes=58) < deadline - datetime.now(timezone.utc) <= timedelta(hours=24)
    assert mine(second, activity)["status"] == "waitlisted"
    assert mine(second, activity)["waitlist_position"] == 1
    # The place is held: counted, so nobody else can take it.
    assert counts(clean_app, activity) == (1, 1)
    assert held_places(clean_app, activity) == 1
    (notice,) = offers_sent(messages)
    assert notice["user_id"] == first.user["id"]
    assert notice["payload"]["tip"].startswith("请于") and notice["payload"]["tip"].endswith("前确认名额")
    assert len(notice["payload"]["tip"]) <= 20
    assert messages("waitlist_promoted") == []


def test_a_newcomer_cannot_take_a_held_place(organizer, residents, login, clean_app):
    activity, (holder,), (first,) = queue(organizer, residents, waiting=1)
    cancel(holder, activity)
    newcomer = login("o-newcomer")
    assert signup(newcomer, activity)["status"] == "waitlisted"
    assert mine(first, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 1)


def test_accepting_confirms_and_schedules_reminders(organizer, residents, clean_app, messages):
    activity, (holder,), (first, _) = queue(organizer, residents)
    cancel(holder, activity)
    response = accept(first, activity)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    assert counts(clean_app, activity) == (1, 1)
    assert [m["user_id"] for m in messages("activity_reminder")].count(first.user["id"]) >= 1
    # Accepting twice: there is no offer any more.
    again = accept(first, activity)
    assert (again.status_code, again.get_json()["error"]) == (409, "no_offer")


def test_declining_passes_the_place_to_the_next(organizer, residents, clean_app, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    response = decline(first, activity)
    assert (response.status_code, response.get_json()) == (200, {"status": "cancelled"})
    assert mine(first, activity) is None
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)
    assert [m["user_id"] for m in offers_sent(messages)] == [first.user["id"], second.user["id"]]


def test_giving_up_an_offer_like_any_registration_passes_it_on(organizer, residents, clean_app):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    assert cancel(first, activity).status_code == 200
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)


def test_the_sweeper_expires_an_unclaimed_offer_and_offers_the_next(organizer, residents, clean_app, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    pass_deadline(clean_app, mine(first, activity)["id"])
    assert sweep(clean_app) == 1
    assert sweep(clean_app) == 0  # once
    with clean_app.app_context():
        rows = {r.user_id: r.status for r in db.session.scalars(select(Registration))}
    assert rows[first.user["id"]] == "expired"
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)
    assert [m["user_id"] for m in offers_sent(messages)] == [first.user["id"], second.user["id"]]
    # An expired offer cannot be claimed, and says so.
    response = accept(first, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "offer_expired")


def test_accepting_after_the_deadline_expires_it_even_before_the_sweeper(organizer, residents, clean_app, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    pass_deadline(clean_app, mine(first, activity)["id"])
    response = accept(first, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "offer_expired")
    # ...and that request passed the place on (committed, though it answered an error).
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)
    assert sweep(clean_app) == 0
    assert len(offers_sent(messages)) == 2


def test_declining_after_the_deadline_is_offer_expired(organizer, residents, clean_app):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    pass_deadline(clean_app, mine(first, activity)["id"])
    response = decline(first, activity)
    assert (response.status_code, response.get_json()["error"]) == (409, "offer_expired")
    assert mine(second, activity)["status"] == "offered"


def test_no_offer_without_one(organizer, residents, login):
    activity, _, (first, _) = queue(organizer, residents)
    for call in (accept, decline):
        response = call(first, activity)  # waitlisted, not offered
        assert (response.status_code, response.get_json()["error"]) == (409, "no_offer")
    stranger = login("o-stranger")
    assert accept(stranger, activity).get_json()["error"] == "no_offer"
    assert accept(stranger, {"id": 999999}).status_code == 404


def test_offers_go_first_fit(organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=3, claim_hours=24)
    holder, other, family, single = residents(4)
    signup(holder, activity, companions=1)
    signup(other, activity)
    signup(family, activity, companions=2)
    signup(single, activity)
    # Holder gives up 2 places: the family of 3 does not fit, the single behind it gets an offer.
    cancel(holder, activity)
    assert mine(family, activity)["status"] == "waitlisted"
    assert mine(single, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (2, 1)


def test_claim_hours_zero_confirms_at_once_as_before(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    holder, first = residents(2)
    signup(holder, activity)
    signup(first, activity)
    cancel(holder, activity)
    assert mine(first, activity)["status"] == "confirmed"
    assert [m["user_id"] for m in messages("waitlist_promoted")] == [first.user["id"]]


def test_the_deadline_is_at_most_half_the_time_left_before_the_start(organizer, residents):
    activity = create_activity(organizer, capacity=1, claim_hours=24, starts_at=soon(600))
    holder, first = residents(2)
    signup(holder, activity)
    signup(first, activity)
    cancel(holder, activity)
    offer = mine(first, activity)
    assert offer["status"] == "offered"
    left = datetime.fromisoformat(offer["offer_expires_at"]) - datetime.now(timezone.utc)
    assert timedelta(hours=4, minutes=50) < left <= timedelta(hours=5)


def test_too_close_to_the_start_the_place_is_confirmed_at_once(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1, claim_hours=24, starts_at=soon(50))
    holder, first = residents(2)
    signup(holder, activity)
    signup(first, activity)
    cancel(holder, activity)
    assert mine(first, activity)["status"] == "confirmed"
    assert [m["user_id"] for m in messages("waitlist_promoted")] == [first.user["id"]]
    assert offers_sent(messages) == []


def test_the_deadline_rule():
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)

    def rule(claim_hours, hours_to_start):
        activity = SimpleNamespace(claim_hours=claim_hours, starts_at=now + timedelta(hours=hours_to_start))
        return offer_deadline(activity, now)

    assert rule(0, 100) is None
    assert rule(24, 100) == now + timedelta(hours=24)
    assert rule(24, 10) == now + timedelta(hours=5)
    assert rule(1, 100) == now + timedelta(hours=1)
    assert rule(24, 1) == now + MIN_CLAIM  # exactly 30 minutes left: still offered
    assert rule(24, 0.99) is None
    assert rule(168, 0.2) is None


def test_a_walk_in_on_the_waitlist_is_confirmed_at_once(organizer, residents):
    activity = create_activity(organizer, capacity=1, claim_hours=24)
    (holder,) = residents(1)
    signup(holder, activity)
    walk_in = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins", json={"name": "王阿姨"}).get_json()
    assert walk_in["status"] == "waitlisted"
    cancel(holder, activity)
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert {i["registration_id"]: i["status"] for i in roster["items"]}[walk_in["registration_id"]] == "confirmed"


def test_an_offer_cannot_check_in(organizer, residents, move_activity):
    activity, (holder,), (first, _) = queue(organizer, residents)
    cancel(holder, activity)
    offer = mine(first, activity)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{offer['id']}/check-in")
    assert response.status_code == 409
    assert response.get_json()["error"] == "registration_not_confirmed"
    assert "确认" in response.get_json()["message"]


def test_the_organizer_may_cancel_an_offer_and_the_next_is_offered(organizer, residents, clean_app):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    offer = mine(first, activity)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{offer['id']}/cancel",
                              json={"reason": "未按时确认"})
    assert response.status_code == 200
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)


def test_cancelling_the_activity_ends_offers(organizer, residents, clean_app, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "天气原因"})
    assert response.status_code == 200
    with clean_app.app_context():
        statuses = {r.user_id: r.status for r in db.session.scalars(select(Registration))}
    assert statuses[first.user["id"]] == statuses[second.user["id"]] == "cancelled"
    assert counts(clean_app, activity) == (0, 0)
    told = {m["user_id"] for m in messages("cancelled_by_organizer")}
    assert {first.user["id"], second.user["id"]} <= told
    assert sweep(clean_app) == 0


def test_raising_the_capacity_offers_the_new_places(organizer, residents, clean_app):
    activity, _, (first, second) = queue(organizer, residents)
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"capacity": 2})
    assert response.status_code == 200, response.get_json()
    assert mine(first, activity)["status"] == "offered"
    assert mine(second, activity)["status"] == "waitlisted"
    # The held place counts: the capacity cannot go below it.
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"capacity": 1})
    assert response.status_code == 409


def test_notices_reach_people_holding_an_offer(organizer, residents):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/notices", json={"text": "改在二楼"})
    assert response.status_code == 201, response.get_json()
    reached = {e["registration_id"] for e in response.get_json()["unreachable"]}
    assert mine(first, activity)["id"] in reached  # no notice credit in tests: listed to phone
    assert mine(second, activity)["id"] not in reached


def test_deleting_the_account_gives_the_offer_up(organizer, residents, clean_app):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    response = first.delete("/api/v1/me")
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)


def test_the_scheduler_job_expires_due_offers(organizer, residents, clean_app):
    from server.scheduler import expire_offers

    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    pass_deadline(clean_app, mine(first, activity)["id"])
    expire_offers(clean_app)
    assert mine(second, activity)["status"] == "offered"
    assert counts(clean_app, activity) == (1, 0)


def test_moving_the_activity_tells_a_person_holding_an_offer(organizer, residents, messages):
    activity, (holder,), (first, second) = queue(organizer, residents)
    cancel(holder, activity)
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"venue": "二楼活动室"})
    assert response.status_code == 200, response.get_json()
    told = [m["user_id"] for m in messages("schedule_changed")]
    assert first.user["id"] in told and second.user["id"] not in told


def test_narrowing_the_audience_counts_a_person_holding_an_offer(organizer, residents, login):
    activity = create_activity(organizer, capacity=1, claim_hours=24)
    (holder,) = residents(1)
    outsider = login("o-outsider")  # no community: not a resident of the activity's
    signup(holder, activity)
    signup(outsider, activity)
    cancel(holder, activity)
    assert mine(outsider, activity)["status"] == "offered"
    response = organizer.patch(f"/api/v1/activities/{activity['id']}", json={"audience": "community_residents"})
    assert (response.status_code, response.get_json()["error"]) == (409, "schedule_change_refused")


def test_a_walk_in_is_refused_for_a_phone_holding_an_offer(organizer, residents, emulator):
    activity = create_activity(organizer, capacity=1, claim_hours=24)
    holder, first = residents(2)
    first.post("/api/v1/auth/phone", json={"code": emulator.mint_phone_code("13912345678")["code"]})
    signup(holder, activity)
    signup(first, activity)
    cancel(holder, activity)
    assert mine(first, activity)["status"] == "offered"
    response = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins",
                              json={"name": "张三", "phone": "13912345678"})
    assert (response.status_code, response.get_json()["error"]) == (409, "walk_in_duplicate")


def test_moving_the_activity_earlier_shortens_open_offers_or_confirms_them(organizer, residents, clean_app):
    activity, (holder,), (first, second) = queue(organizer, residents, starts_at=soon(3 * 24 * 60))
    cancel(holder, activity)
    assert mine(first, activity)["status"] == "offered"  # 24 hours to claim
    path = f"/api/v1/activities/{activity['id']}"

    def move(minutes):
        starts = soon(minutes)
        response = organizer.patch(path, json={"starts_at": starts.isoformat(),
                                               "ends_at": (starts + timedelta(hours=2)).isoformat()})
        assert response.status_code == 200, response.get_json()

    move(600)  # 10 hours from now: half of it is left to claim, not the 24 hours first given
    left = datetime.fromisoformat(mine(first, activity)["offer_expires_at"]) - datetime.now(timezone.utc)
    assert timedelta(hours=4, minutes=50) < left <= timedelta(hours=5)
    move(50)  # too close for an offer: the place is confirmed, as a new offer would be
    assert mine(first, activity)["status"] == "confirmed"
    assert mine(second, activity)["status"] == "waitlisted"
    assert counts(clean_app, activity) == (1, 1)
