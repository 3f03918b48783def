"""Swaps and hand-over (换班): offering a booking by name or to anyone, claiming it under every booking
rule, the atomic hand-over, the organizer's approval near the start, what ends an offer, the notices
and reminders, and the races: two takers, a claim against the giver's cancellation, an approval
against a withdrawal."""

from datetime import datetime, timedelta, timezone

import pytest
from conftest import race
from factories import book, create_shift, create_site, local
from sqlalchemy import select, update

from server.extensions import db
from server.models import AuditLog, Booking, ShiftPost, ShiftSwap, User


def booked(session, shift, post_index=0):
    response = book(session, shift, post_index)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def offer(session, booking_id, phone=None):
    return session.post(f"/api/v1/shift-bookings/{booking_id}/swap", json={"phone": phone} if phone else {})


def offered(session, booking_id, phone=None):
    response = offer(session, booking_id, phone)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def claim(session, swap_id):
    return session.post(f"/api/v1/shift-swaps/{swap_id}/claim")


def set_phone(app, session, phone):
    with app.app_context():
        db.session.execute(update(User).where(User.id == session.user["id"]).values(phone=phone))
        db.session.commit()


def counts(app, shift):
    """`(booked per post, booked rows)`: the posts' counters and the bookings they must agree with."""
    with app.app_context():
        posts = db.session.scalars(select(ShiftPost).where(ShiftPost.shift_id == shift["id"]).order_by(ShiftPost.id)).all()
        rows = db.session.scalars(
            select(Booking).where(Booking.shift_id == shift["id"], Booking.status == "booked")
        ).all()
        return [p.booked for p in posts], sorted(b.user_id for b in rows)


def error(response):
    return response.status_code, response.get_json()["error"]


@pytest.fixture
def approval_hours(clean_app):
    def set_hours(hours):
        clean_app.config["SWAP_APPROVAL_HOURS"] = hours
    yield set_hours
    clean_app.config["SWAP_APPROVAL_HOURS"] = 24


# --- offering ----------------------------------------------------------------------------------------


def test_offer_to_anyone_then_claim_hands_over_atomically(clean_app, organizer, residents, messages):
    shift = create_shift(organizer, create_site(organizer), roles=[("卡口值守", 1)])
    giver, taker = residents(2)
    booking_id = booked(giver, shift)
    swap = offered(giver, booking_id)
    assert (swap["status"], swap["named"], swap["mine"], swap["role"]["name"]) == ("open", False, True, "卡口值守")
    # The giver stays booked while it is offered; the post stays full.
    assert counts(clean_app, shift) == ([1], [giver.user["id"]])
    listed = taker.get("/api/v1/shift-swaps").get_json()["items"]
    assert [s["id"] for s in listed] == [swap["id"]]
    assert listed[0]["giver_name"] == "居**" and listed[0]["claim_problem"] is None
    assert giver.get("/api/v1/shift-swaps").get_json()["items"] == []  # not one's own
    response = claim(taker, swap["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "done" and body["taker_name"] == "居**"
    assert counts(clean_app, shift) == ([1], [taker.user["id"]])
    assert [b["shift_id"] for b in taker.get("/api/v1/me/shifts").get_json()["items"]] == [shift["id"]]
    assert giver.get("/api/v1/me/shifts").get_json()["items"] == []
    # Reminders moved: the giver's are void, the taker's pending.
    pending = messages("shift_reminder", "pending")
    assert pending and {m["user_id"] for m in pending} == {taker.user["id"]}
    told = messages("shift_swap")
    assert {(m["user_id"], m["payload"]["status"]) for m in told} == {
        (giver.user["id"], "已接班"), (taker.user["id"], "接班成功")}
    assert told[0]["payload"]["swap_id"] == swap["id"]
    # History: the swap names who took it and the booking they got; the giver's row is cancelled.
    with clean_app.app_context():
        row = db.session.get(ShiftSwap, swap["id"])
        assert (row.taker_id, row.booking_id) == (taker.user["id"], booking_id)
        assert db.session.get(Booking, booking_id).status == "cancelled"
        assert db.session.get(Booking, row.taker_booking_id).user_id == taker.user["id"]
    # Once taken, nobody else can take it.
    assert error(claim(taker, swap["id"])) == (409, "swap_taken")


def test_named_offer_is_for_that_person_only(clean_app, organizer, residents, messages):
    shift = create_shift(organizer, create_site(organizer))
    giver, named, stranger = residents(3)
    set_phone(clean_app, named, "13800001111")
    set_phone(clean_app, giver, "13800002222")
    booking_id = booked(giver, shift)
    assert error(offer(giver, booking_id, "13900000000")) == (404, "swap_person_not_found")
    assert offer(giver, booking_id, "138 0000 2222").status_code == 422  # one's own number
    assert offer(giver, booking_id, "12345").status_code == 422
    swap = offered(giver, booking_id, "138-0000-1111")
    assert swap["named"] is True and swap["named_name"] == "居**"
    assert [(m["user_id"], m["payload"]["status"]) for m in messages("shift_swap")] == [(named.user["id"], "换班邀请")]
    # The stranger sees nothing of it.
    assert stranger.get("/api/v1/shift-swaps").get_json()["items"] == []
    assert error(stranger.get(f"/api/v1/shift-swaps/{swap['id']}")) == (404, "swap_not_found")
    assert error(claim(stranger, swap["id"])) == (404, "swap_not_found")
    mine = named.get("/api/v1/shift-swaps").get_json()["items"]
    assert [(s["id"], s["to_me"]) for s in mine] == [(swap["id"], True)]
    assert claim(named, swap["id"]).get_json()["status"] == "done"
    assert counts(clean_app, shift)[1] == [named.user["id"]]


def test_offers_by_phone_are_rate_limited_per_client(clean_app, organizer, residents):
    shift = create_shift(organizer, create_site(organizer))
    (giver,) = residents(1)
    booking_id = booked(giver, shift)
    clean_app.config["RATE_LIMIT_SWAP_PHONE"] = "2/hour"
    try:
        answers = [offer(giver, booking_id, "13900000000").status_code for _ in range(3)]
    finally:
        clean_app.config["RATE_LIMIT_SWAP_PHONE"] = "1000/minute"
        clean_app.extensions["rate_limiter"].reset()
    assert answers == [404, 404, 429]
    assert offer(giver, booking_id).status_code == 201  # to anyone: not limited


def test_one_live_offer_per_booking_and_withdrawal(organizer, residents):
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    booking_id = booked(giver, shift)
    swap = offered(giver, booking_id)
    assert error(offer(giver, booking_id)) == (409, "swap_exists")
    assert [s["id"] for s in giver.get("/api/v1/me/swaps").get_json()["items"]] == [swap["id"]]
    # Only the giver withdraws; then it is closed and a new offer may be made.
    assert error(taker.delete(f"/api/v1/shift-bookings/{booking_id}/swap")) == (404, "booking_not_found")
    withdrawn = giver.delete(f"/api/v1/shift-bookings/{booking_id}/swap")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert error(giver.delete(f"/api/v1/shift-bookings/{booking_id}/swap")) == (404, "swap_not_found")
    assert error(claim(taker, swap["id"])) == (409, "swap_closed")
    assert offer(giver, booking_id).status_code == 201


def test_only_my_active_booking_can_be_offered(clean_app, organizer, residents, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    giver, other = residents(2)
    booking_id = booked(giver, shift)
    assert error(offer(other, booking_id)) == (404, "booking_not_found")
    assert error(offer(giver, 999999)) == (404, "booking_not_found")
    now = datetime.now(timezone.utc)
    move_shift(shift["id"], now - timedelta(minutes=5), now + timedelta(hours=3))
    assert error(offer(giver, booking_id)) == (409, "shift_started")


# --- the taker passes every rule ------------------------------------------------------------------------


def test_the_taker_passes_every_booking_rule(clean_app, organizer, residents, resident):
    site = create_site(organizer)
    shift = create_shift(organizer, site, starts_at=local(days=3, hour=8))
    clash = create_shift(organizer, site, starts_at=local(days=3, hour=10))
    giver, busy, twice = residents(3)
    booking_id = booked(giver, shift)
    booked(busy, clash)
    booked(twice, shift)
    swap = offered(giver, booking_id)
    assert error(claim(giver, swap["id"])) == (409, "swap_own")
    assert error(claim(busy, swap["id"])) == (409, "shift_overlap")
    assert error(claim(twice, swap["id"])) == (409, "already_booked")
    problem = busy.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()["claim_problem"]
    assert "时间冲突" in problem
    # Refusals change nothing: still open, the giver still booked.
    assert giver.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()["status"] == "open"
    assert counts(clean_app, shift)[1] == sorted([giver.user["id"], twice.user["id"]])


def test_party_members_only_uses_the_one_eligibility_rule(clean_app, organizer, residents, login):
    shift = create_shift(organizer, create_site(organizer), party_members_only=True)
    member = login("demo-party-member")
    (plain,) = residents(1)
    booking_id = booked(member, shift)
    swap = offered(member, booking_id)
    assert plain.get("/api/v1/shift-swaps").get_json()["items"] == []  # not eligible-looking
    assert error(claim(plain, swap["id"])) == (403, "not_eligible")


def test_the_taker_reuses_their_cancelled_row(clean_app, organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("卡口值守", 1), ("测温", 1)])
    giver, taker = residents(2)
    earlier = booked(taker, shift, 1)
    assert taker.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    swap = offered(giver, booked(giver, shift, 0))
    assert claim(taker, swap["id"]).status_code == 200
    mine = taker.get("/api/v1/me/shifts").get_json()["items"]
    assert [(b["id"], b["role"]["name"]) for b in mine] == [(earlier, "卡口值守")]
    assert counts(clean_app, shift)[0] == [1, 0]


# --- the organizer's approval near the start -------------------------------------------------------------


def test_a_claim_near_the_start_waits_for_approval(clean_app, organizer, residents, messages, approval_hours):
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    booking_id = booked(giver, shift)
    swap = offered(giver, booking_id)
    assert swap["needs_approval"] is True
    body = claim(taker, swap["id"]).get_json()
    assert body["status"] == "pending"
    assert counts(clean_app, shift)[1] == [giver.user["id"]]  # still the giver's
    assert [m["payload"]["status"] for m in messages("shift_swap")] == ["待审核"]
    assert error(claim(residents(3)[2], swap["id"])) == (409, "swap_taken")
    listed = organizer.get("/api/v1/rosters/swaps?live=true").get_json()["items"]
    assert [(s["id"], s["status"], s["taker_name"]) for s in listed] == [(swap["id"], "pending", "居民1")]
    # Volunteers don't approve.
    assert error(taker.post(f"/api/v1/shift-swaps/{swap['id']}/approve")) == (403, "forbidden")
    approved = organizer.post(f"/api/v1/shift-swaps/{swap['id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "done"
    assert counts(clean_app, shift) == ([1], [taker.user["id"]])
    assert error(organizer.post(f"/api/v1/shift-swaps/{swap['id']}/approve")) == (409, "swap_not_pending")
    with clean_app.app_context():
        audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "swap.approve")).all()
        assert [a.target_id for a in audit] == [swap["id"]]


def test_approval_checks_the_rules_again(clean_app, organizer, residents, approval_hours):
    approval_hours(24 * 7)
    site = create_site(organizer)
    shift = create_shift(organizer, site, starts_at=local(days=3, hour=8))
    clash = create_shift(organizer, site, starts_at=local(days=3, hour=9))
    giver, taker = residents(2)
    swap = offered(giver, booked(giver, shift))
    assert claim(taker, swap["id"]).get_json()["status"] == "pending"
    booked(taker, clash)  # meanwhile
    refused = organizer.post(f"/api/v1/shift-swaps/{swap['id']}/approve")
    assert error(refused) == (409, "shift_overlap")
    assert refused.get_json()["message"].startswith("居民1")
    assert counts(clean_app, shift)[1] == [giver.user["id"]]


def test_rejection_ends_the_offer_and_tells_both(clean_app, organizer, residents, messages, approval_hours):
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    booking_id = booked(giver, shift)
    swap = offered(giver, booking_id)
    claim(taker, swap["id"])
    assert organizer.post(f"/api/v1/shift-swaps/{swap['id']}/reject", json={"reason": " "}).status_code == 422
    rejected = organizer.post(f"/api/v1/shift-swaps/{swap['id']}/reject", json={"reason": "新人须先培训"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert counts(clean_app, shift)[1] == [giver.user["id"]]
    told = [(m["user_id"], m["payload"]["status"]) for m in messages("shift_swap")][1:]
    assert sorted(told) == sorted([(giver.user["id"], "未通过"), (taker.user["id"], "未通过")])
    assert offer(giver, booking_id).status_code == 201  # may offer again


def test_another_communitys_organizer_cannot_decide(organizer, other_organizer, residents, approval_hours):
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    swap = offered(giver, booked(giver, shift))
    claim(taker, swap["id"])
    assert error(other_organizer.post(f"/api/v1/shift-swaps/{swap['id']}/approve")) == (403, "forbidden")
    assert error(other_organizer.post(f"/api/v1/shift-swaps/{swap['id']}/reject", json={"reason": "不行"})) == (
        403, "forbidden")


# --- what ends an offer -----------------------------------------------------------------------------------


def test_cancelling_the_booking_or_the_shift_ends_the_offer(clean_app, organizer, residents):
    shift = create_shift(organizer, create_site(organizer))
    giver, taker, other = residents(3)
    swap = offered(giver, booked(giver, shift))
    assert giver.delete(f"/api/v1/shifts/{shift['id']}/bookings/me").status_code == 200
    body = giver.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()
    assert (body["status"], body["end_reason"]) == ("ended", "booking_cancelled")
    assert error(claim(taker, swap["id"])) == (409, "swap_closed")
    second = offered(other, booked(other, shift))
    assert organizer.post(f"/api/v1/shifts/{shift['id']}/cancel", json={"reason": "天气原因"}).status_code == 200
    assert other.get(f"/api/v1/shift-swaps/{second['id']}").get_json()["end_reason"] == "shift_cancelled"


def test_an_organizers_release_or_move_ends_the_offer(organizer, residents):
    site = create_site(organizer)
    shift = create_shift(organizer, site, roles=[("卡口值守", 2), ("测温", 2)])
    giver, other = residents(2)
    first = booked(giver, shift)
    swap = offered(giver, first)
    moved = organizer.post(f"/api/v1/shift-bookings/{first}/move",
                           json={"shift_id": shift["id"], "role_id": shift["roles"][1]["id"]})
    assert moved.status_code == 200
    assert giver.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()["end_reason"] == "booking_moved"
    second = offered(other, booked(other, shift))
    released = organizer.post(f"/api/v1/shift-bookings/{second['booking_id']}/release", json={"reason": "人员调整"})
    assert released.status_code == 200
    assert other.get(f"/api/v1/shift-swaps/{second['id']}").get_json()["end_reason"] == "booking_released"


def test_after_the_cutoff_the_way_out_is_a_swap(clean_app, organizer, residents, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    booking_id = booked(giver, shift)
    now = datetime.now(timezone.utc)
    move_shift(shift["id"], now + timedelta(minutes=60), now + timedelta(hours=4))
    refused = giver.delete(f"/api/v1/shifts/{shift['id']}/bookings/me")
    assert error(refused) == (409, "cancel_cutoff_passed")
    assert "换班" in refused.get_json()["message"] and "联系组织者" not in refused.get_json()["message"]
    swap = offered(giver, booking_id)
    clean_app.config["SWAP_APPROVAL_HOURS"] = 0  # never: handed over at once
    try:
        assert claim(taker, swap["id"]).get_json()["status"] == "done"
    finally:
        clean_app.config["SWAP_APPROVAL_HOURS"] = 24


def test_the_offer_expires_when_the_shift_starts(clean_app, organizer, residents, move_shift):
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    swap = offered(giver, booked(giver, shift))
    now = datetime.now(timezone.utc)
    move_shift(shift["id"], now - timedelta(minutes=1), now + timedelta(hours=3))
    assert giver.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()["status"] == "expired"
    assert taker.get("/api/v1/shift-swaps").get_json()["items"] == []
    assert error(claim(taker, swap["id"])) == (409, "swap_expired")


def test_deleting_an_account_ends_its_offers_and_claims(clean_app, organizer, residents, approval_hours):
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer), roles=[("卡口值守", 3)])
    giver, taker, leaver = residents(3)
    swap = offered(giver, booked(giver, shift))
    claim(leaver, swap["id"])
    own = offered(leaver, booked(leaver, create_shift(organizer, create_site(organizer, name="南门"))))
    assert leaver.delete("/api/v1/me").status_code == 204
    assert giver.get(f"/api/v1/shift-swaps/{swap['id']}").get_json()["end_reason"] == "account_deleted"
    with clean_app.app_context():
        assert db.session.get(ShiftSwap, own["id"]).end_reason == "account_deleted"
    assert offer(giver, swap["booking_id"]).status_code == 201


def test_bad_input_never_fails_the_server(organizer, residents):
    shift = create_shift(organizer, create_site(organizer))
    (giver,) = residents(1)
    booking_id = booked(giver, shift)
    for body in ({"phone": 13800001111}, {"phone": ["1"]}, {"phone": "x" * 5000}, {"other": 1}):
        assert giver.post(f"/api/v1/shift-bookings/{booking_id}/swap", json=body).status_code == 422
    assert giver.post("/api/v1/shift-swaps/0/claim").status_code == 404
    assert giver.get("/api/v1/shift-swaps?date=not-a-date").status_code == 422
    assert organizer.post("/api/v1/shift-swaps/1/reject", json={"reason": 5}).status_code == 422


# --- races (real concurrent clients; exact on PostgreSQL) -----------------------------------------------


def test_two_takers_of_one_offer_one_wins(clean_app, live_server, organizer, residents):
    shift = create_shift(organizer, create_site(organizer), roles=[("卡口值守", 1)])
    giver, first, second = residents(3)
    swap = offered(giver, booked(giver, shift))
    results = race(live_server, [("POST", f"/api/v1/shift-swaps/{swap['id']}/claim", s.headers, None)
                                 for s in (first, second)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"] == "swap_taken"
    posts, holders = counts(clean_app, shift)
    assert posts == [1] and len(holders) == 1 and holders[0] in (first.user["id"], second.user["id"])


def test_a_claim_racing_the_givers_cancellation(clean_app, live_server, organizer, residents):
    for _ in range(3):
        shift = create_shift(organizer, create_site(organizer, name=f"卡口{_}"), starts_at=local(days=3 + _, hour=8),
                             roles=[("卡口值守", 1)])
        giver, taker = residents(2)
        swap = offered(giver, booked(giver, shift))
        results = race(live_server, [
            ("POST", f"/api/v1/shift-swaps/{swap['id']}/claim", taker.headers, None),
            ("DELETE", f"/api/v1/shifts/{shift['id']}/bookings/me", giver.headers, None),
        ])
        (claim_status, claim_body), (cancel_status, _) = results
        posts, holders = counts(clean_app, shift)
        if claim_status == 200:  # the swap happened: the cancel found no booking
            assert cancel_status == 404 and posts == [1] and holders == [taker.user["id"]], results
        else:  # the cancel happened: the claim found the offer ended
            assert cancel_status == 200 and claim_body["error"] == "swap_closed", results
            assert posts == [0] and holders == []


def test_approval_racing_withdrawal(clean_app, live_server, organizer, residents, approval_hours):
    approval_hours(24 * 7)
    for index in range(3):
        shift = create_shift(organizer, create_site(organizer, name=f"测温点{index}"),
                             starts_at=local(days=3 + index, hour=8), roles=[("测温", 1)])
        giver, taker = residents(2)
        booking_id = booked(giver, shift)
        swap = offered(giver, booking_id)
        assert claim(taker, swap["id"]).get_json()["status"] == "pending"
        results = race(live_server, [
            ("POST", f"/api/v1/shift-swaps/{swap['id']}/approve", organizer.headers, None),
            ("DELETE", f"/api/v1/shift-bookings/{booking_id}/swap", giver.headers, None),
        ])
        (approve_status, approve_body), (withdraw_status, withdraw_body) = results
        posts, holders = counts(clean_app, shift)
        assert posts == [1], results
        if approve_status == 200:
            assert withdraw_status == 404 and holders == [taker.user["id"]], results
        else:
            assert approve_body["error"] == "swap_not_pending" and withdraw_status == 200, results
            assert holders == [giver.user["id"]]


def test_demo_data_shows_an_offer_and_a_pending_claim(clean_app):
    runner = clean_app.test_cli_runner()
    for _ in range(2):  # idempotent
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    with clean_app.app_context():
        swaps = db.session.scalars(select(ShiftSwap).order_by(ShiftSwap.id)).all()
        assert sorted(s.status for s in swaps) == ["open", "pending"]
        for swap in swaps:
            assert swap.booking.status == "booked" and swap.booking.user_id == swap.giver_id


# --- found in review -----------------------------------------------------------------------------------


def test_a_named_offer_is_the_named_persons_even_for_an_organizer(clean_app, organizer, residents):
    """An organizer sees every swap of their community, but an offer to a named fellow volunteer is
    theirs to take: anyone else, the organizer too, is told it does not exist."""
    shift = create_shift(organizer, create_site(organizer))
    giver, fellow = residents(2)
    set_phone(clean_app, fellow, "13812345678")
    swap = offered(giver, booked(giver, shift), phone="13812345678")
    assert organizer.get(f"/api/v1/shift-swaps/{swap['id']}").status_code == 200  # organizers see it
    assert error(claim(organizer, swap["id"])) == (404, "swap_not_found")
    assert counts(clean_app, shift)[1] == [giver.user["id"]]
    assert claim(fellow, swap["id"]).status_code == 200


def test_a_rejection_reason_is_read_only_by_those_it_is_about(clean_app, organizer, residents, approval_hours):
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer))
    giver, taker, bystander = residents(3)
    swap = offered(giver, booked(giver, shift))
    claim(taker, swap["id"])
    assert organizer.post(f"/api/v1/shift-swaps/{swap['id']}/reject", json={"reason": "上次值守迟到"}).status_code == 200
    url = f"/api/v1/shift-swaps/{swap['id']}"
    reasons = [session.get(url).get_json()["reject_reason"] for session in (giver, taker, organizer, bystander)]
    assert reasons == ["上次值守迟到", "上次值守迟到", "上次值守迟到", None]


def test_deleting_the_account_empties_the_reasons_copied_into_their_messages(
        clean_app, organizer, residents, messages, approval_hours):
    """A rejection's reason is about the giver and the taker: erased from the swap with their account,
    and from the messages that carried it to them (what the message was about stays)."""
    approval_hours(24 * 7)
    shift = create_shift(organizer, create_site(organizer))
    giver, taker = residents(2)
    swap = offered(giver, booked(giver, shift))
    claim(taker, swap["id"])
    assert organizer.post(f"/api/v1/shift-swaps/{swap['id']}/reject", json={"reason": "身体原因不宜"}).status_code == 200
    mine = lambda: [m["payload"] for m in messages("shift_swap") if m["user_id"] == taker.user["id"]]  # noqa: E731
    assert any("身体原因不宜" in p["tip"] for p in mine())
    assert taker.delete("/api/v1/me").status_code == 204
    assert mine() and all(p["tip"] == "" and p["post"] for p in mine())
    assert any("身体原因不宜" in m["payload"]["tip"] for m in messages("shift_swap") if m["user_id"] == giver.user["id"])
