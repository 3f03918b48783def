"""The activity hot paths' shortcuts, each with the invariant that makes it safe.

- A sign-up costs one read, one conditional UPDATE and one INSERT (`register_for_activity`), the
  last two in one statement on PostgreSQL (`take_places_and_record`); a repeated tap takes no lock.
  (That the conditional UPDATE re-checks the same rule as the Python check is tested in
  test_activity_signup_rule.py.)
- List pages: the shared page comes from the cache and holds nothing of the caller's own; only the
  caller's registrations are read per request.
"""

import json
from contextlib import contextmanager

import pytest
from conftest import sql_sent
from factories import create_activity

from server.extensions import db


@pytest.fixture
def statements(clean_app):
    """`with statements() as seen:` collects the SQL the app sends inside the block (on any connection)."""

    @contextmanager
    def collect():
        seen = []

        def note(statement):
            words = statement.split()
            verb = words[0].upper()
            if verb == "WITH":  # what the statement writes, in order
                writes = [f"{word.strip('(')} {words[i + (2 if word.strip('(') == 'INSERT' else 1)].strip(chr(34))}"
                          for i, word in enumerate(words) if word.strip("(") in ("UPDATE", "INSERT")]
                seen.append(" + ".join(writes))
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


def test_a_sign_up_reads_once_updates_once_and_inserts_once(organizer, residents, statements, clean_app):
    """On PostgreSQL the UPDATE and the INSERT are one statement (`take_places_and_record`)."""
    with clean_app.app_context():
        one_statement = db.engine.dialect.name == "postgresql"
    writes = ["UPDATE activities + INSERT registrations"] if one_statement else ["UPDATE activities",
                                                                                 "INSERT registrations"]
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    with statements() as seen:
        response = sign_up(first, activity)
    assert response.status_code == 201 and response.get_json()["status"] == "confirmed"
    assert without_reminders(seen) == ["SELECT", *writes], seen
    with statements() as seen:
        response = sign_up(second, activity)
    assert response.status_code == 201 and response.get_json()["waitlist_position"] == 1
    assert seen == ["SELECT", *writes], seen


def test_signing_up_again_and_answering_questions_take_the_two_statements(organizer, residents, statements):
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
    assert without_reminders(seen)[:3] == ["SELECT", "UPDATE activities", "UPDATE registrations"], seen
    with statements() as seen:
        response = sign_up(person, asking, answers={"q1": 7})
    assert response.status_code == 201 and response.get_json()["answers"] == {"q1": 7}
    assert without_reminders(seen)[:3] == ["SELECT", "UPDATE activities", "SELECT"], seen


def test_a_repeated_tap_is_answered_without_taking_the_lock(organizer, residents, statements):
    activity = create_activity(organizer, capacity=1)
    first, second = residents(2)
    sign_up(first, activity)
    sign_up(second, activity)
    for person, position in ((first, None), (second, 1)):
        with statements() as seen:
            response = sign_up(person, activity)
        assert response.status_code == 200 and response.get_json()["waitlist_position"] == position
        assert seen == ["SELECT", "SELECT"], seen  # the sign-up's read, then the registration as shown


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
