"""Reminders are recorded with the change that causes them, voided by cancellations, moved with the activity."""

from datetime import datetime, timedelta, timezone

from factories import book, create_activity, create_shift, create_site, local


def now():
    return datetime.now(timezone.utc)


def close(a, b, seconds=5):
    return abs((a - b).total_seconds()) < seconds


def test_sign_up_records_a_reminder_at_each_lead(organizer, resident, messages):
    activity = create_activity(organizer, starts_at=local(days=3, hour=10))
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    pending = messages("activity_reminder", "pending")
    start = local(days=3, hour=10)
    assert [m["due_at"] for m in pending] == [start - timedelta(minutes=1440), start - timedelta(minutes=60)]
    assert {m["user_id"] for m in pending} == {resident.user["id"]}
    assert pending[0]["payload"]["title"] == activity["title"]


def test_inside_a_lead_window_the_reminder_is_due_at_once(organizer, resident, messages):
    start = now() + timedelta(hours=2)
    activity = create_activity(organizer, starts_at=start)
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    due = [m["due_at"] for m in messages("activity_reminder", "pending")]
    assert len(due) == 2
    assert close(due[0], now())
    assert close(due[1], start - timedelta(minutes=60), seconds=1)


def test_inside_every_window_there_is_one_reminder_at_once(organizer, resident, messages):
    activity = create_activity(organizer, starts_at=now() + timedelta(minutes=30))
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    due = [m["due_at"] for m in messages("activity_reminder")]
    assert len(due) == 1 and close(due[0], now())


def test_waitlisted_get_reminders_only_when_promoted(organizer, residents, messages):
    activity = create_activity(organizer, capacity=1)
    holder, waiting = residents(2)
    holder.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    waiting.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    assert {m["user_id"] for m in messages("activity_reminder")} == {holder.user["id"]}
    holder.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert {m["user_id"] for m in messages("activity_reminder", "pending")} == {waiting.user["id"]}
    assert {m["user_id"] for m in messages("activity_reminder", "void")} == {holder.user["id"]}
    assert [m["user_id"] for m in messages("waitlist_promoted")] == [waiting.user["id"]]


def test_moving_an_activity_moves_its_reminders(organizer, resident, messages):
    activity = create_activity(organizer, starts_at=local(days=3, hour=10))
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    new_start = local(days=5, hour=15)
    organizer.patch(f"/api/v1/activities/{activity['id']}", json={
        "starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=2)).isoformat()})
    pending = messages("activity_reminder", "pending")
    assert [m["due_at"] for m in pending] == [new_start - timedelta(days=1), new_start - timedelta(hours=1)]
    assert pending[0]["payload"]["starts_at"] == new_start.astimezone(timezone.utc).isoformat()
    assert len(messages("activity_reminder", "void")) == 2


def test_editing_the_description_leaves_reminders_alone(organizer, resident, messages):
    activity = create_activity(organizer)
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    before = messages("activity_reminder")
    organizer.patch(f"/api/v1/activities/{activity['id']}", json={"description": "带好党员证"})
    assert messages("activity_reminder") == before


def test_organizer_cancel_voids_reminders_and_notifies(organizer, resident, messages):
    activity = create_activity(organizer)
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    organizer.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "场地维修"})
    assert messages("activity_reminder", "pending") == []
    [notice] = messages("cancelled_by_organizer")
    assert close(notice["due_at"], now())


def test_booking_records_shift_reminders_and_cancelling_voids_them(organizer, resident, messages):
    shift = create_shift(organizer, create_site(organizer), starts_at=local(days=3, hour=8))
    book(resident, shift)
    pending = messages("shift_reminder", "pending")
    assert len(pending) == 2
    assert pending[0]["payload"]["post"] == "卡口值守"
    resident.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert messages("shift_reminder", "pending") == []


def test_moving_a_shift_moves_its_reminders(organizer, resident, messages):
    shift = create_shift(organizer, create_site(organizer), starts_at=local(days=3, hour=8))
    book(resident, shift)
    new_start = local(days=4, hour=14)
    response = organizer.patch(f"/api/v1/shifts/{shift['id']}", json={
        "starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=4)).isoformat()})
    assert response.status_code == 200
    assert [m["due_at"] for m in messages("shift_reminder", "pending")] == [
        new_start - timedelta(days=1), new_start - timedelta(hours=1)]


def test_cancelled_shift_voids_reminders(organizer, resident, messages):
    shift = create_shift(organizer, create_site(organizer))
    book(resident, shift)
    organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "撤点"})
    assert messages("shift_reminder", "pending") == []
    assert len(messages("cancelled_by_organizer")) == 1
