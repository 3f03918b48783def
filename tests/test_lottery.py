"""Lottery (抽签): validation and the locked mode, entries, the seal, the draw and its public record.

The draw is recomputed here from the published JSON alone (hashlib, nothing of the server's), and by
`scripts/verify-draw`, so a change of the method that the docs do not follow fails.
"""

import hashlib
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from conftest import ROOT
from factories import activity_body, community_id, create_activity, local
from sqlalchemy import select

from server.extensions import db
from server.models import Activity, OutboxMessage, Registration
from server.services.lottery import run_due_lotteries

CLOSES = local(days=2, hour=20)
DRAW_AT = local(days=2, hour=21)
STARTS = local(days=4)


def lottery(organizer, publish=True, **overrides):
    values = {"signup_mode": "lottery", "signup_closes_at": CLOSES, "draw_at": DRAW_AT, "starts_at": STARTS,
              "capacity": 5, **overrides}
    return create_activity(organizer, publish=publish, **values)


def enter(session, activity, companions=0):
    return session.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": companions})


def seal(app):
    with app.app_context():
        return run_due_lotteries(CLOSES + timedelta(minutes=1))


def draw(app):
    with app.app_context():
        return run_due_lotteries(DRAW_AT + timedelta(minutes=1))


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def recompute(record):
    """The documented method, written out again from docs/api.md."""
    assert sha(record["salt"]) == record["commitment"]
    text = "".join(f"{e['entry']}:{e['places']}\n" for e in record["entries"])
    assert record["seed"] == sha(record["salt"] + "|" + sha(text))
    order = sorted(record["entries"], key=lambda e: (sha(f"{record['seed']}:{e['entry']}"), e["entry"]))
    withdrawn = {r["entry"] for r in record["results"] if r["outcome"] == "withdrawn"}
    free, results = record["places_available"], []
    for rank, e in enumerate(order, 1):
        if e["entry"] in withdrawn:
            outcome = "withdrawn"
        elif e["places"] <= free:
            outcome, free = "confirmed", free - e["places"]
        else:
            outcome = "waitlisted" if record["waitlist"] else "not_drawn"
        results.append({"rank": rank, "entry": e["entry"], "places": e["places"], "outcome": outcome})
    return results


def registrations(app, activity_id):
    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.activity_id == activity_id)
                                  .order_by(Registration.id)).all()
        return {r.id: (r.status, r.draw_rank, r.places) for r in rows}


def counts(app, activity_id):
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        return activity.confirmed_count, activity.waitlist_count


def signup_results(app):
    with app.app_context():
        return [(m.ref_id, m.payload["status"], m.payload["tip"]) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "signup_result").order_by(OutboxMessage.id))]


# --- validation and the locked mode --------------------------------------------------------------


@pytest.mark.parametrize("overrides, field", [
    ({"draw_at": None}, "draw_at"),
    ({"signup_closes_at": None}, "signup_closes_at"),
    ({"draw_at": CLOSES - timedelta(minutes=1)}, "draw_at"),
    ({"draw_at": STARTS}, "draw_at"),
    ({"signup_mode": "first_come"}, "draw_at"),
])
def test_lottery_times_are_validated(organizer, overrides, field):
    body = activity_body(community_id(organizer.client, "haizhu"), **{
        "signup_mode": "lottery", "signup_closes_at": CLOSES, "draw_at": DRAW_AT, "starts_at": STARTS, **overrides})
    response = organizer.post("/api/v1/activities", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "validation_failed"
    assert field in response.get_json()["errors"]


def test_publishing_a_lottery_commits_to_a_secret_salt(organizer, client):
    activity = lottery(organizer)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["state"] == "open"
    assert len(record["commitment"]) == 64
    assert record["salt"] is None and record["seed"] is None and record["entries"] is None
    assert record["results"] is None and record["my_entry"] is None
    assert "sha256" in record["method"]
    # English, then the Chinese line the mini-program shows residents
    assert record["method"].split("\n")[1].startswith("抽签方法")


def test_mode_and_draw_time_are_locked_once_published(organizer):
    draft = lottery(organizer, publish=False)
    response = organizer.patch(f"/api/v1/activities/{draft['id']}",
                               json={"draw_at": (DRAW_AT + timedelta(minutes=30)).isoformat()})
    assert response.status_code == 200, response.get_json()
    published = lottery(organizer)
    later = (DRAW_AT + timedelta(minutes=5)).isoformat()
    for change in ({"signup_mode": "first_come", "draw_at": None}, {"draw_at": later}):
        response = organizer.patch(f"/api/v1/activities/{published['id']}", json=change)
        assert response.status_code == 409
        assert response.get_json()["error"] == "signup_mode_locked"
    # other fields still change, and the times stay checked against the draw
    response = organizer.patch(f"/api/v1/activities/{published['id']}", json={"title": "亲子手工"})
    assert response.status_code == 200
    response = organizer.patch(f"/api/v1/activities/{published['id']}",
                               json={"starts_at": DRAW_AT.isoformat(), "ends_at": STARTS.isoformat()})
    assert response.status_code == 422 and "draw_at" in response.get_json()["errors"]


def test_a_first_come_activity_has_no_draw(organizer, client):
    activity = create_activity(organizer)
    response = client.get(f"/api/v1/activities/{activity['id']}/draw")
    assert response.status_code == 404 and response.get_json()["error"] == "draw_not_found"


def test_duplicating_a_lottery_keeps_its_mode_and_moves_the_draw(organizer, clean_app):
    from server.models import User
    from server.services.activities import duplicate_activity

    activity = lottery(organizer)
    with clean_app.app_context():
        actor = db.session.get(User, organizer.user["id"])
        copy = duplicate_activity(actor, activity["id"], STARTS.date() + timedelta(days=7))
        assert copy.signup_mode == "lottery"
        assert copy.draw_at == DRAW_AT + timedelta(days=7)
        assert copy.draw_salt is None and copy.status == "draft"
        db.session.rollback()


# --- entries -------------------------------------------------------------------------------------


def test_an_entry_takes_no_place_and_a_double_tap_is_one_entry(organizer, residents, clean_app):
    activity = lottery(organizer)
    person = residents(1)[0]
    first, second = enter(person, activity), enter(person, activity)
    assert first.status_code == 201 and first.get_json()["status"] == "entered"
    assert second.status_code == 200 and second.get_json()["id"] == first.get_json()["id"]
    assert counts(clean_app, activity["id"]) == (0, 0)
    record = person.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["my_entry"] == first.get_json()["id"] and record["entry_count"] == 1


def test_an_entry_is_withdrawn_and_made_again_before_the_seal(organizer, residents, clean_app):
    activity = lottery(organizer)
    person = residents(1)[0]
    entry = enter(person, activity).get_json()
    response = person.delete(f"/api/v1/activities/{activity['id']}/registrations/me")
    assert response.status_code == 200
    assert registrations(clean_app, activity["id"])[entry["id"]][0] == "cancelled"
    again = enter(person, activity)
    assert again.status_code == 201 and again.get_json()["id"] == entry["id"]
    assert again.get_json()["status"] == "entered"


# --- seal and draw -------------------------------------------------------------------------------


def test_the_whole_lottery_open_sealed_drawn(organizer, residents, clean_app, client):
    activity = lottery(organizer, capacity=5)
    people = residents(8)
    parties = [0, 2, 0, 1, 0, 3, 0, 1]
    entries = [enter(p, activity, companions).get_json()["id"] for p, companions in zip(people, parties)]
    assert seal(clean_app) == (1, 0)
    assert seal(clean_app) == (0, 0)  # sealed once

    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["state"] == "sealed"
    assert record["entries"] == [{"entry": e, "places": 1 + c} for e, c in zip(entries, parties)]
    assert sha(record["salt"]) == record["commitment"] and record["results"] is None
    # sign-up is over: a new entry is refused; a withdrawal still counts until the draw
    late = enter(residents(9)[8], activity)
    assert late.status_code == 409 and late.get_json()["error"] == "signup_closed"
    assert people[1].delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200

    assert draw(clean_app) == (0, 1)
    assert draw(clean_app) == (0, 0)  # drawn once
    record = people[0].get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["state"] == "drawn" and record["my_entry"] == entries[0]
    assert record["places_available"] == 5 and record["waitlist"] is True
    assert record["results"] == recompute(record)
    outcomes = {r["entry"]: r for r in record["results"]}
    assert outcomes[entries[1]]["outcome"] == "withdrawn"

    rows = registrations(clean_app, activity["id"])
    confirmed = [e for e in entries if rows[e][0] == "confirmed"]
    waitlisted = [e for e in entries if rows[e][0] == "waitlisted"]
    assert rows[entries[1]] == ("cancelled", None, 3)
    for entry in entries:
        if entry != entries[1]:
            assert rows[entry][0] == outcomes[entry]["outcome"] and rows[entry][1] == outcomes[entry]["rank"]
    held = sum(rows[e][2] for e in confirmed)
    assert counts(clean_app, activity["id"]) == (held, len(waitlisted))
    assert held <= 5 and all(rows[e][2] > 5 - held for e in waitlisted)  # first fit, parties whole

    # one notice per drawn entry, none for the withdrawn one; the waitlist in drawn order
    notices = {ref: (status, tip) for ref, status, tip in signup_results(clean_app)}
    assert len(signup_results(clean_app)) == len(entries) - 1 and entries[1] not in notices
    for entry in confirmed:
        assert notices[entry] == ("中签", "已为您保留名额，请准时参加")
    by_rank = sorted(waitlisted, key=lambda e: outcomes[e]["rank"])
    for position, entry in enumerate(by_rank, 1):
        assert notices[entry] == ("未中签", f"候补第{position}位，有名额将通知您")
        mine = people[entries.index(entry)].get("/api/v1/me/registrations").get_json()["items"][0]
        assert mine["status"] == "waitlisted" and mine["waitlist_position"] == position


def test_without_a_waitlist_the_others_are_not_drawn(organizer, residents, clean_app, client):
    activity = lottery(organizer, capacity=2, waitlist_enabled=False)
    people = residents(5)
    entries = [enter(p, activity).get_json()["id"] for p in people]
    draw(clean_app)  # seals first
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert record["results"] == recompute(record)
    rows = registrations(clean_app, activity["id"])
    assert sorted(rows[e][0] for e in entries) == ["confirmed"] * 2 + ["not_drawn"] * 3
    assert counts(clean_app, activity["id"]) == (2, 0)
    assert sorted(s for _, s, _ in signup_results(clean_app)) == ["中签"] * 2 + ["未中签"] * 3
    assert {t for _, s, t in signup_results(clean_app) if s == "未中签"} == {"感谢参与，欢迎关注其他活动"}
    # a not_drawn entrant signing up again is refused: sign-up is closed
    loser = people[next(i for i, e in enumerate(entries) if rows[e][0] == "not_drawn")]
    again = enter(loser, activity)
    assert again.status_code == 409 and again.get_json()["error"] == "signup_closed"


def test_the_draw_is_anonymous_and_public(organizer, residents, clean_app, client):
    activity = lottery(organizer)
    people = residents(3)
    for p in people:
        enter(p, activity)
    draw(clean_app)
    text = json.dumps(client.get(f"/api/v1/activities/{activity['id']}/draw").get_json(), ensure_ascii=False)
    assert "居民" not in text and "o-resident" not in text and '"user' not in text


def test_a_draft_lottery_is_hidden(organizer, client):
    draft = lottery(organizer, publish=False)
    assert client.get(f"/api/v1/activities/{draft['id']}/draw").status_code == 404


def test_verify_draw_recomputes_a_real_draw_and_catches_a_change(organizer, residents, clean_app, client, tmp_path):
    activity = lottery(organizer, capacity=3)
    for index, person in enumerate(residents(6)):
        enter(person, activity, index % 2)
    draw(clean_app)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record))
    script = [sys.executable, str(ROOT / "scripts" / "verify-draw")]
    done = subprocess.run([*script, str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout

    record["results"][0], record["results"][1] = record["results"][1], record["results"][0]
    path.write_text(json.dumps(record))
    done = subprocess.run([*script, str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "rank 1" in done.stdout

    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    record["entries"][0]["places"] += 1
    path.write_text(json.dumps(record))
    done = subprocess.run([*script, str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "seed" in done.stdout


def test_a_walk_in_enters_the_lottery_and_is_drawn_without_a_message(organizer, residents, clean_app, client):
    activity = lottery(organizer, capacity=1, waitlist_enabled=False)
    walk_in = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins", json={"name": "王阿姨"})
    assert walk_in.status_code == 201, walk_in.get_json()
    assert walk_in.get_json()["status"] == "entered"
    assert counts(clean_app, activity["id"]) == (0, 0)  # no place taken before the draw
    person = residents(1)[0]
    entry = enter(person, activity).get_json()["id"]
    draw(clean_app)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert {e["entry"] for e in record["entries"]} == {walk_in.get_json()["registration_id"], entry}
    assert record["results"] == recompute(record)
    rows = registrations(clean_app, activity["id"])
    assert sorted(status for status, _, _ in rows.values()) == ["confirmed", "not_drawn"]
    # only the resident with an account is told
    assert [ref for ref, _, _ in signup_results(clean_app)] == [entry]
    # after the seal a desk cannot add an entry either
    late = organizer.post(f"/api/v1/activities/{activity['id']}/walk-ins", json={"name": "李伯"})
    assert (late.status_code, late.get_json()["error"]) == (409, "signup_closed")


def test_the_demo_data_has_a_published_lottery_with_a_question_open_to_enter(clean_app, client):
    assert clean_app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with clean_app.app_context():
        lotteries = db.session.scalars(select(Activity).where(Activity.signup_mode == "lottery")).all()
        assert lotteries and all(a.status == "published" and a.draw_commitment for a in lotteries)
        assert all(a.signup_closes_at <= a.draw_at < a.starts_at for a in lotteries)
        assert lotteries[0].questions[0]["label"] == "孩子年龄"
        assert db.session.scalars(select(Activity.claim_hours).where(Activity.claim_hours > 0)).all()
        activity_id = lotteries[0].id
    record = client.get(f"/api/v1/activities/{activity_id}/draw").get_json()
    assert record["state"] == "open" and record["commitment"]


def test_an_organizer_cancels_an_entry_before_the_draw_and_it_is_withdrawn(organizer, residents, clean_app, client,
                                                                         messages):
    activity = lottery(organizer, capacity=1)
    first, second = residents(2)
    kept, cancelled = enter(first, activity).get_json()["id"], enter(second, activity).get_json()["id"]
    seal(clean_app)
    path = f"/api/v1/activities/{activity['id']}/roster/{cancelled}/cancel"
    assert organizer.post(path, json={"reason": "重复报名"}).status_code == 200
    assert [m["user_id"] for m in messages("cancelled_by_organizer")] == [second.user["id"]]
    draw(clean_app)
    record = client.get(f"/api/v1/activities/{activity['id']}/draw").get_json()
    assert {r["entry"]: r["outcome"] for r in record["results"]} == {kept: "confirmed", cancelled: "withdrawn"}
    assert record["results"] == recompute(record)
