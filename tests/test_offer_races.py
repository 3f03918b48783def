"""Races around offers and approval, with real concurrent clients (and concurrent sweepers) on
PostgreSQL: nothing is given twice, nothing overbooked, every notice sent once."""

import threading
from datetime import datetime, timedelta, timezone

from conftest import race
from factories import create_activity
from sqlalchemy import select, update

from server.extensions import db
from server.models import Activity, Registration
from server.services.offers import expire_due_offers


def signup(person, activity):
    response = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def rows(app, activity):
    with app.app_context():
        return {
            r.user_id: r
            for r in db.session.scalars(select(Registration).where(Registration.activity_id == activity["id"]))
        }


def assert_counts_agree(app, activity):
    """`confirmed_count` is exactly the places held by confirmed and offered rows; `waitlist_count`
    the waitlisted rows; the capacity holds."""
    with app.app_context():
        row = db.session.get(Activity, activity["id"])
        registrations = db.session.scalars(select(Registration).where(Registration.activity_id == activity["id"])).all()
        held = sum(r.places for r in registrations if r.status in ("confirmed", "offered"))
        waiting = sum(1 for r in registrations if r.status == "waitlisted")
        assert (row.confirmed_count, row.waitlist_count) == (held, waiting)
        assert held <= row.capacity


def expire_all(app, activity):
    with app.app_context():
        db.session.execute(
            update(Registration)
            .where(Registration.activity_id == activity["id"], Registration.status == "offered")
            .values(offer_expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
        )
        db.session.commit()


def sweepers(app, count):
    """Run `expire_due_offers` in `count` threads at the same instant; returns what each expired."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        with app.app_context():
            barrier.wait()
            results[index] = expire_due_offers()
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def offer_notices(messages):
    return [m["user_id"] for m in messages("signup_result") if m["payload"]["status"] == "待确认"]


def setup_offers(organizer, residents, clean_app, capacity, waiting):
    """`capacity` holders give up their places: the first `capacity` of `waiting` get offers."""
    activity = create_activity(organizer, capacity=capacity, claim_hours=24)
    people = residents(capacity + waiting)
    for person in people:
        signup(person, activity)
    holders, queue = people[:capacity], people[capacity:]
    for holder in holders:
        assert holder.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200
    return activity, queue


def test_two_sweepers_expiring_at_once_pass_each_place_on_once(organizer, residents, clean_app, messages):
    activity, queue = setup_offers(organizer, residents, clean_app, capacity=3, waiting=8)
    statuses = rows(clean_app, activity)
    assert [statuses[p.user["id"]].status for p in queue] == ["offered"] * 3 + ["waitlisted"] * 5
    expire_all(clean_app, activity)

    assert sum(sweepers(clean_app, 3)) == 3  # three offers expired, each once

    statuses = rows(clean_app, activity)
    assert [statuses[p.user["id"]].status for p in queue] == ["expired"] * 3 + ["offered"] * 3 + ["waitlisted"] * 2
    assert_counts_agree(clean_app, activity)
    notified = offer_notices(messages)
    assert sorted(notified) == sorted(p.user["id"] for p in queue[:6])  # every offer told once
    assert len(notified) == len(set(notified))


def test_accepts_racing_the_sweeper(organizer, residents, clean_app, live_server, messages):
    """Half the offers are past their deadline: accepting those is refused whoever comes first, the
    others are confirmed; the expired places pass on once."""
    activity, queue = setup_offers(organizer, residents, clean_app, capacity=4, waiting=8)
    offered, waiting = queue[:4], queue[4:]
    late = offered[:2]
    with clean_app.app_context():
        db.session.execute(
            update(Registration)
            .where(Registration.user_id.in_([p.user["id"] for p in late]),
                   Registration.activity_id == activity["id"])
            .values(offer_expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
        )
        db.session.commit()
    path = f"/api/v1/activities/{activity['id']}/registrations/me/accept"
    swept = []
    sweeper = threading.Thread(target=lambda: swept.extend(sweepers(clean_app, 2)))
    sweeper.start()
    answers = race(live_server, [("POST", path, p.headers, None) for p in offered])
    sweeper.join(60)

    assert [status for status, _ in answers[:2]] == [409, 409]
    assert {body["error"] for _, body in answers[:2]} == {"offer_expired"}
    assert [(status, body["status"]) for status, body in answers[2:]] == [(200, "confirmed")] * 2
    statuses = rows(clean_app, activity)
    assert [statuses[p.user["id"]].status for p in offered] == ["expired", "expired", "confirmed", "confirmed"]
    assert [statuses[p.user["id"]].status for p in waiting] == ["offered", "offered", "waitlisted", "waitlisted"]
    assert_counts_agree(clean_app, activity)
    notified = offer_notices(messages)
    assert len(notified) == len(set(notified)) == 6


def test_approval_racing_the_owners_withdrawal(organizer, residents, clean_app, live_server, messages):
    activity = create_activity(organizer, capacity=10, signup_mode="approval")
    people = residents(8)
    registrations = [signup(p, activity) for p in people]
    requests = []
    for person, registration in zip(people, registrations):
        requests.append(("POST", f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/approve",
                         organizer.headers, None))
        requests.append(("DELETE", f"/api/v1/activities/{activity['id']}/registrations/me", person.headers, None))
    answers = race(live_server, requests)

    for index in range(len(people)):
        (approved, approve_body), (withdrawn, _) = answers[2 * index], answers[2 * index + 1]
        assert withdrawn == 200  # giving up always works: a pending sign-up, or the place just approved
        assert approved == 200 or approve_body["error"] == "not_pending"
    statuses = rows(clean_app, activity)
    assert {r.status for r in statuses.values()} == {"cancelled"}
    assert_counts_agree(clean_app, activity)
    approved = sum(1 for status, _ in answers[::2] if status == 200)
    assert len([m for m in messages("signup_result") if m["payload"]["status"] == "审核通过"]) == approved


def test_many_approvals_at_once_never_overbook(organizer, other_organizer, admin, residents, clean_app, live_server):
    activity = create_activity(organizer, capacity=5, signup_mode="approval", waitlist_enabled=False)
    people = residents(16)
    registrations = [signup(p, activity) for p in people]
    path = f"/api/v1/activities/{activity['id']}/roster/{{}}/approve"
    deciders = (organizer, admin)
    answers = race(live_server, [("POST", path.format(r["id"]), deciders[i % 2].headers, None)
                                 for i, r in enumerate(registrations)])
    outcomes = sorted((status, body.get("status") or body.get("error")) for status, body in answers)
    assert outcomes == [(200, "confirmed")] * 5 + [(409, "capacity_full")] * 11
    assert_counts_agree(clean_app, activity)
    statuses = [r.status for r in rows(clean_app, activity).values()]
    assert (statuses.count("confirmed"), statuses.count("pending")) == (5, 11)
