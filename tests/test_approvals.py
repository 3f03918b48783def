"""Approval (报名审核): a sign-up is pending and holds no place until an organizer approves it (a place,
or the waitlist) or rejects it with a reason (services/approvals.py); the roster's status filter."""

from factories import create_activity
from sqlalchemy import select

from server.extensions import db
from server.models import REGISTRATION_STATUSES, Activity, AuditLog, Registration
from server.services.activity_rosters import ROSTER_ORDER, STATUS_ZH


def signup(person, activity, **body):
    response = person.post(f"/api/v1/activities/{activity['id']}/registrations", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def approve(organizer, activity, registration_id):
    return organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration_id}/approve")


def reject(organizer, activity, registration_id, reason="名额仅限本小区儿童"):
    path = f"/api/v1/activities/{activity['id']}/roster/{registration_id}/reject"
    return organizer.post(path, json={"reason": reason})


def mine(person, activity):
    return person.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]


def counts(app, activity):
    with app.app_context():
        row = db.session.get(Activity, activity["id"])
        return row.confirmed_count, row.waitlist_count


def results(messages):
    return [(m["user_id"], m["payload"]["status"], m["payload"]["tip"]) for m in messages("signup_result")]


def audits(app, action):
    with app.app_context():
        return [(a.target_id, a.detail) for a in db.session.scalars(select(AuditLog).where(AuditLog.action == action))]


def test_a_sign_up_is_pending_and_holds_no_place(organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=2, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity, companions=1)
    assert registration["status"] == "pending"
    assert counts(clean_app, activity) == (0, 0)
    assert signup(person, activity)["id"] == registration["id"]  # a second tap: the same one
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster?status=pending").get_json()
    assert [i["registration_id"] for i in roster["items"]] == [registration["id"]]
    assert roster["counts"]["pending"] == 1


def test_approving_confirms_while_places_fit(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=2, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity, companions=1)
    response = approve(organizer, activity, registration["id"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    assert mine(person, activity)["status"] == "confirmed"
    assert counts(clean_app, activity) == (2, 0)
    assert results(messages) == [(person.user["id"], "审核通过", "已为您保留名额，请准时参加")]
    assert person.user["id"] in {m["user_id"] for m in messages("activity_reminder")}
    assert [target for target, _ in audits(clean_app, "registration.approve")] == [registration["id"]]
    with clean_app.app_context():
        row = db.session.get(Registration, registration["id"])
        assert row.decided_by_id == organizer.user["id"] and row.decided_at is not None


def test_approving_when_full_waitlists(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=1, signup_mode="approval")
    first, second = residents(2)
    approve(organizer, activity, signup(first, activity)["id"])
    response = approve(organizer, activity, signup(second, activity)["id"])
    assert response.get_json()["status"] == "waitlisted"
    assert response.get_json()["waitlist_position"] == 1
    assert mine(second, activity)["waitlist_position"] == 1
    assert counts(clean_app, activity) == (1, 1)
    assert results(messages)[-1] == (second.user["id"], "审核通过", "名额已满，已为您候补第1位")
    # The waitlist then moves up as always.
    first.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert mine(second, activity)["status"] == "confirmed"


def test_approving_when_full_without_a_waitlist_is_capacity_full(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=1, signup_mode="approval", waitlist_enabled=False)
    first, second = residents(2)
    approve(organizer, activity, signup(first, activity)["id"])
    registration = signup(second, activity)
    response = approve(organizer, activity, registration["id"])
    assert (response.status_code, response.get_json()["error"]) == (409, "capacity_full")
    assert mine(second, activity)["status"] == "pending"
    assert counts(clean_app, activity) == (1, 0)
    assert len(results(messages)) == 1


def test_rejecting_records_the_reason_and_tells_the_person(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=1, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity)
    response = reject(organizer, activity, registration["id"])
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["reject_reason"]) == ("rejected", "名额仅限本小区儿童")
    assert counts(clean_app, activity) == (0, 0)
    assert results(messages) == [(person.user["id"], "未通过", "名额仅限本小区儿童")]
    assert audits(clean_app, "registration.reject") == [
        (registration["id"], {"activity_id": activity["id"], "reason": "名额仅限本小区儿童"})
    ]
    listed = person.get("/api/v1/me/registrations?include_cancelled=true").get_json()["items"]
    assert [(i["status"], i["reject_reason"]) for i in listed] == [("rejected", "名额仅限本小区儿童")]
    again = person.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert (again.status_code, again.get_json()["error"]) == (409, "signup_rejected")


def test_a_reject_needs_a_reason(organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=1, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity)
    for body in ({}, {"reason": ""}, {"reason": "很" * 201}):
        response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/reject", json=body)
        assert (response.status_code, response.get_json()["error"]) == (422, "validation_failed")
    assert mine(person, activity)["status"] == "pending"


def test_a_decided_or_withdrawn_sign_up_is_not_pending(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=3, signup_mode="approval")
    first, second = residents(2)
    decided = signup(first, activity)
    approve(organizer, activity, decided["id"])
    withdrawn = signup(second, activity)
    assert second.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200
    for registration_id in (decided["id"], withdrawn["id"]):
        for response in (approve(organizer, activity, registration_id), reject(organizer, activity, registration_id)):
            assert (response.status_code, response.get_json()["error"]) == (409, "not_pending")
    assert counts(clean_app, activity) == (1, 0)
    assert len(results(messages)) == 1


def test_only_its_organizers_decide(organizer, other_organizer, residents, clean_app):
    activity = create_activity(organizer, capacity=3, signup_mode="approval")
    first, second = residents(2)
    registration = signup(first, activity)
    for caller in (other_organizer, second):
        assert approve(caller, activity, registration["id"]).status_code == 403
        assert reject(caller, activity, registration["id"]).status_code == 403
    assert approve(organizer, activity, 999999).get_json()["error"] == "registration_not_found"
    assert approve(organizer, {"id": 999999}, registration["id"]).get_json()["error"] == "activity_not_found"
    assert mine(first, activity)["status"] == "pending"


def test_no_approval_once_it_has_started(organizer, residents, clean_app, move_activity):
    from datetime import datetime, timedelta, timezone

    activity = create_activity(organizer, capacity=3, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity)
    move_activity(activity["id"], datetime.now(timezone.utc) - timedelta(minutes=10))
    response = approve(organizer, activity, registration["id"])
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")
    assert reject(organizer, activity, registration["id"]).status_code == 200  # holds nothing: may still be rejected


def test_cancelling_the_activity_ends_pending_sign_ups(organizer, residents, clean_app, messages):
    activity = create_activity(organizer, capacity=3, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity)
    organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "场地维修"})
    with clean_app.app_context():
        assert db.session.get(Registration, registration["id"]).status == "cancelled"
    assert [m["user_id"] for m in messages("cancelled_by_organizer")] == [person.user["id"]]


def test_a_pending_sign_up_cannot_check_in(organizer, residents):
    activity = create_activity(organizer, capacity=3, signup_mode="approval")
    (person,) = residents(1)
    registration = signup(person, activity)
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert (response.status_code, response.get_json()["error"]) == (409, "registration_not_confirmed")


def test_the_roster_lists_every_status_in_order_and_filters_by_one(organizer, residents):
    assert set(ROSTER_ORDER) == set(REGISTRATION_STATUSES) == set(STATUS_ZH)
    activity = create_activity(organizer, capacity=1, signup_mode="approval")
    first, second, third = residents(3)
    approve(organizer, activity, signup(first, activity)["id"])
    signup(second, activity)
    reject(organizer, activity, signup(third, activity)["id"])
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert [i["status"] for i in roster["items"]] == ["confirmed", "pending", "rejected"]
    assert roster["items"][2]["reject_reason"] == "名额仅限本小区儿童"
    only = organizer.get(f"/api/v1/activities/{activity['id']}/roster?status=rejected").get_json()
    assert [i["status"] for i in only["items"]] == ["rejected"]
    assert only["counts"]["pending"] == 1  # counts still count everyone
    bad = organizer.get(f"/api/v1/activities/{activity['id']}/roster?status=nonsense")
    assert (bad.status_code, bad.get_json()["error"]) == (422, "validation_failed")
    exported = organizer.get(f"/api/v1/activities/{activity['id']}/roster?format=csv")
    text = exported.get_data().decode("utf-8-sig")
    assert "待审核" in text and "未通过" in text
