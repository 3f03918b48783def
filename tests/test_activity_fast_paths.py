"""The activity hot paths' shortcuts, each with the invariant that makes it safe.

- A sign-up costs one read, one conditional UPDATE and one INSERT (`register_for_activity`), the
  last two in one statement on PostgreSQL (`take_places_and_record`); a repeated tap takes no lock.
  (That the conditional UPDATE re-checks the same rule as the Python check is tested in
  test_activity_signup_rule.py.)
- List pages: the shared page comes from the cache and holds nothing of the caller's own; only the
  caller's registrations are read per request.
"""

import itertools
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from conftest import sql_sent
from factories import create_activity, local
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.models import Activity, Community, Registration, User
from server.models.base import utcnow
from server.services import registrations


@pytest.fixture
def statements(clean_app):
    """`with statements() as seen:` collects the SQL the app sends inside the block (on any connection)."""

    @contextmanager
    def collect():
        seen = []

        def note(statement):
            words = statement.split()
            verb = words[0].upper()
            if verb == "WITH":  # what the statement reads first (if it does) and writes, in order
                writes = [f"{word.strip('(')} {words[i + (2 if word.strip('(') == 'INSERT' else 1)].strip(chr(34))}"
                          for i, word in enumerate(words) if word.strip("(") in ("UPDATE", "INSERT")]
                seen.append(" + ".join(["SELECT"] * (words[3].strip("(") == "SELECT") + writes))
                return
            table = {"SELECT": None, "INSERT": 2, "UPDATE": 1}.get(verb)
            seen.append(verb if table is None else verb + " " + words[table].strip('"'))

        with sql_sent(clean_app, note):
            yield seen

    return collect


def without_reminders(seen):
    """The statements but the reminders' (a confirmed place schedules one or two, by the hour)."""
    return [statement for statement in seen if statement != "INSERT outbox_messages"]


def sign_up(session, activity, **body):
    return session.post(f"/api/v1/activities/{activity['id']}/registrations", json=body)


def the_read(app):
    """How a plain sign-up's read shows among the statements: on PostgreSQL the read that signs up when
    it can (`read_and_record`; when it cannot, its UPDATE matches nothing and locks nothing)."""
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    return "SELECT + UPDATE activities + INSERT registrations" if postgresql else "SELECT"


def test_a_sign_up_reads_once_updates_once_and_inserts_once(organizer, residents, statements, clean_app):
    """On PostgreSQL the read, the UPDATE and the INSERT are one statement (`read_and_record`)."""
    with clean_app.app_context():
        one_statement = db.engine.dialect.name == "postgresql"
    writes = ["SELECT + UPDATE activities + INSERT registrations"] if one_statement else [
        "SELECT", "UPDATE activities", "INSERT registrations"]
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    with statements() as seen:
        response = sign_up(first, activity)
    assert response.status_code == 201 and response.get_json()["status"] == "confirmed"
    assert without_reminders(seen) == writes, seen
    with statements() as seen:
        response = sign_up(second, activity)
    assert response.status_code == 201 and response.get_json()["waitlist_position"] == 1
    assert seen == writes, seen
    lottery = create_activity(organizer, capacity=1, signup_mode="lottery", signup_closes_at=local(days=2),
                              draw_at=local(days=2, hour=12))
    with statements() as seen:  # a lottery entry too (FOR SHARE instead of the UPDATE)
        response = sign_up(first, lottery)
    assert response.status_code == 201 and response.get_json()["status"] == "entered"
    assert seen == (writes[:1] if one_statement else ["SELECT", "SELECT", "INSERT registrations"]), seen


def test_signing_up_again_and_answering_questions_take_the_two_statements(organizer, residents, statements,
                                                                          clean_app):
    """`records_with_places`: a row to reuse, or answers to check again under the lock, keep the UPDATE
    and the write of the registration apart."""
    activity = create_activity(organizer, capacity=1)
    asking = create_activity(organizer, capacity=1, questions=[{"kind": "number", "label": "年龄", "required": False}])
    (person,) = residents(1)
    sign_up(person, activity)
    assert person.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200
    with statements() as seen:
        response = sign_up(person, activity)
    assert response.status_code == 201 and response.get_json()["status"] == "confirmed"
    assert without_reminders(seen)[:3] == [the_read(clean_app), "UPDATE activities", "UPDATE registrations"], seen
    with statements() as seen:
        response = sign_up(person, asking, answers={"q1": 7})
    assert response.status_code == 201 and response.get_json()["answers"] == {"q1": 7}
    assert without_reminders(seen)[:3] == ["SELECT", "UPDATE activities", "SELECT"], seen


def test_a_repeated_tap_is_answered_without_taking_the_lock(organizer, residents, statements, clean_app):
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    sign_up(first, activity)
    sign_up(second, activity)
    for person, position in ((first, None), (second, 1)):
        with statements() as seen:
            response = sign_up(person, activity)
        assert response.status_code == 200 and response.get_json()["waitlist_position"] == position
        assert seen == [the_read(clean_app), "SELECT"], seen  # the sign-up's read, then the registration as shown


def test_a_cached_list_page_costs_one_query_for_the_callers_own_rows(organizer, residents, client, statements):
    create_activity(organizer)
    (person,) = residents(1)
    client.get("/api/v1/activities")  # fills the cache
    with statements() as seen:
        assert client.get("/api/v1/activities").status_code == 200
    assert seen == []
    with statements() as seen:
        assert person.get("/api/v1/activities").status_code == 200
    assert seen == ["SELECT"]
    with statements() as seen:  # the caller's own rows are cached too, for this version
        assert person.get("/api/v1/activities").status_code == 200
    assert seen == []


def test_the_cached_page_holds_nothing_of_the_caller(organizer, residents, clean_app):
    activity = create_activity(organizer)
    (person,) = residents(1)
    sign_up(person, activity)
    listed = person.get("/api/v1/activities").get_json()["items"]  # the first read fills the cache
    assert listed[0]["my_registration"]["status"] == "confirmed"
    redis = clean_app.extensions["redis"]
    # A stored page is `<version>\n<item ids>\n<JSON>`, each item's own row a placeholder (server.api.pages).
    pages = [json.loads(redis.get(key).split(b"\n", 2)[2]) for key in redis.keys("cache:activities:page:*")]
    assert pages and all(item["my_registration"] == "\0" for page in pages for item in page["items"])


# --- `read_and_record`: the sign-up in its read, exactly where the ordinary path would sign up ----------

_H = timedelta(hours=1)
# (status, starts_at, ends_at, signup_opens_at, signup_closes_at), relative to now
_STATES = {
    "open": ("published", 2 * _H, 4 * _H, None, None),
    "opens later": ("published", 2 * _H, 4 * _H, _H, None),
    "closed": ("published", 2 * _H, 4 * _H, -2 * _H, -_H),
    "ended": ("published", -3 * _H, -_H, None, None),
    "draft": ("draft", 2 * _H, 4 * _H, None, None),
    "cancelled": ("cancelled", 2 * _H, 4 * _H, None, None),
    "sealed": ("published", 2 * _H, 4 * _H, None, None),  # a lottery whose entries were sealed
}
_QUESTIONS = {"none": None, "empty": [], "one": [{"id": "q1", "kind": "number", "label": "年龄", "required": True,
                                                  "options": [], "min": 1, "max": 99}]}
# (capacity, confirmed_count, places)
_SIZES = ((3, 0, 1), (3, 3, 1), (3, 2, 2), (2, 0, 3))
# (state, audience, size, waitlist, mode, questions): every state and size for a plain sign-up, and what
# makes one not plain (audience, mode, questions) with places free and without
_CASES = [*itertools.product(_STATES, ("all",), _SIZES, (True, False), ("first_come",), ("none",)),
          *itertools.product(("open",), ("all", "party_members"), _SIZES[:2], (True,),
                             ("first_come", "lottery", "approval"), _QUESTIONS),
          ("sealed", "all", _SIZES[0], True, "lottery", "none")]
# The caller's own row on an open activity: none, or one in this status (and a deleted caller).
_CALLERS = (None, "confirmed", "waitlisted", "cancelled", "rejected", "deleted")


def _outcome(user_id, activity_id, places, remark):
    """What `register_for_activity` answers (status, created, waitlist position, or the error id), and
    the activity's counts after it, all rolled back."""
    try:
        registration, created = registrations.register_for_activity(user_id, activity_id, places - 1, remark)
        answer = (registration["status"], created, registration["waitlist_position"])
    except DomainError as error:
        answer = error.error
    counts = tuple(db.session.execute(select(Activity.confirmed_count, Activity.waitlist_count)
                                      .where(Activity.id == activity_id)).one())
    db.session.rollback()
    return answer, counts


def test_the_sign_up_in_its_read_answers_as_the_ordinary_path(clean_app):
    """`read_and_record`'s invariant, over a table of activities (states, audiences, sizes, waitlists,
    modes, questions) and callers (live, deleted, holding a row in each status): a sign-up without a
    remark (which takes it, on PostgreSQL) answers and counts exactly as one with a remark (which
    cannot: the remark is checked before the lock), including when it records nothing and the ordinary
    path goes on from its read."""
    now = utcnow()
    with clean_app.app_context():
        community = Community(code="fast", name="快路社区")
        db.session.add(community)
        db.session.flush()
        caller = User(nickname="fast")  # no openid: the remark is not sent to WeChat's content check
        db.session.add(caller)

        def activity(state="open", audience="all", size=(3, 0, 1), waitlist=True, mode="first_come", asks="none"):
            status, starts, ends, opens, closes = (
                value if isinstance(value, str) or value is None else now + value for value in _STATES[state])
            row = Activity(community_id=community.id, title=state, category="other", starts_at=starts, ends_at=ends,
                           signup_opens_at=opens, signup_closes_at=closes, capacity=size[0],
                           confirmed_count=size[1], waitlist_enabled=waitlist, audience=audience, status=status,
                           signup_mode=mode, questions=_QUESTIONS[asks], draw_sealed_at=now if state == "sealed" else None)
            db.session.add(row)
            return row

        activities = [activity(*case) for case in _CASES]
        callers = []
        for held in _CALLERS:
            person = User(nickname=f"fast-{held}", deleted_at=now if held == "deleted" else None)
            place = activity()
            db.session.add(person)
            db.session.flush()
            if held not in (None, "deleted"):
                db.session.add(Registration(activity_id=place.id, user_id=person.id, status=held, companions=0,
                                            remark="", registered_at=now))
            callers.append((held, person, place))
        db.session.commit()

        answers = set()
        for case, row in zip(_CASES, activities):
            places = case[2][2]
            fast = _outcome(caller.id, row.id, places, "")
            assert fast == _outcome(caller.id, row.id, places, "备注"), case
            answers.add(fast[0] if isinstance(fast[0], str) else fast[0][0])
        for held, person, place in callers:
            fast = _outcome(person.id, place.id, 1, "")
            assert fast == _outcome(person.id, place.id, 1, "备注"), held
            answers.add(fast[0] if isinstance(fast[0], str) else fast[0][0])
        # The table reaches every answer, so agreement is not vacuous.
        assert answers >= {"confirmed", "waitlisted", "entered", "pending", "capacity_full", "activity_not_found",
                           "activity_not_open", "signup_not_open", "signup_closed", "not_eligible",
                           "validation_failed", "signup_rejected", "token_invalid"}, answers
