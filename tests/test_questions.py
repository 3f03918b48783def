"""Sign-up questions (报名问题): definitions checked and given ids, answers checked at sign-up (hostile
input included), shown on the roster and in its files, and erased with the account
(server/services/questions.py)."""

import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest
from conftest import TEST_DATABASE_URL
from sqlalchemy import create_engine, func, select, text

from server.extensions import db
from server.localtime import to_local
from server.models import Activity, Registration, User
from server.services.activities import duplicate_activity
from tests.factories import activity_body, community_id, create_activity

AGE = {"kind": "number", "label": "孩子的年龄", "required": True, "min": 3, "max": 12}
SIZE = {"kind": "choice", "label": "衣服尺码", "required": False, "options": ["S", "M", "L"]}
NOTE = {"kind": "text", "label": "过敏情况", "required": False}
QUESTIONS = [AGE, SIZE, NOTE]


def sign_up(person, activity, **body):
    return person.post(f"/api/v1/activities/{activity['id']}/registrations", json=body)


def errors_of(response, status=422, error="validation_failed"):
    body = response.get_json()
    assert (response.status_code, body["error"]) == (status, error), body
    return body.get("errors")


def registration_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Registration))


# --- definitions ---------------------------------------------------------------------------------


def test_questions_get_ids_by_position_and_every_key(organizer):
    activity = create_activity(organizer, questions=[{**NOTE, "id": "q9"}, AGE, {**SIZE, "options": [" S ", "M"]}])
    assert activity["questions"] == [
        {"id": "q1", "kind": "text", "label": "过敏情况", "required": False, "options": [], "min": None, "max": None},
        {"id": "q2", "kind": "number", "label": "孩子的年龄", "required": True, "options": [], "min": 3, "max": 12},
        {"id": "q3", "kind": "choice", "label": "衣服尺码", "required": False, "options": ["S", "M"],
         "min": None, "max": None},
    ]
    assert organizer.get(f"/api/v1/activities/{activity['id']}").get_json()["questions"] == activity["questions"]


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"kind": "choice", "label": "尺码", "options": ["S"]}, "options"),
        ({"kind": "choice", "label": "尺码", "options": [f"选项{i}" for i in range(11)]}, "options"),
        ({"kind": "choice", "label": "尺码", "options": ["S", " S"]}, "options"),
        ({"kind": "choice", "label": "尺码", "options": ["S", "  "]}, "options"),
        ({"kind": "text", "label": "备注", "options": ["S", "M"]}, "options"),
        ({"kind": "number", "label": "年龄", "min": 10, "max": 3}, "max"),
        ({"kind": "text", "label": "备注", "min": 1}, "min"),
        ({"kind": "choice", "label": "尺码", "options": ["S", "M"], "max": 1}, "max"),
        ({"kind": "text", "label": "   "}, "label"),
    ],
)
def test_a_bad_question_is_refused_at_its_index_and_nothing_is_created(organizer, client, clean_app, question, field):
    body = activity_body(community_id(client, "haizhu"), questions=[NOTE, question])
    errors = errors_of(organizer.post("/api/v1/activities", json=body))
    assert list(errors) == [f"questions.1.{field}"], errors
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_labels_must_be_unique(organizer, client):
    body = activity_body(community_id(client, "haizhu"), questions=[NOTE, {**NOTE, "label": "过敏情况 "}])
    assert list(errors_of(organizer.post("/api/v1/activities", json=body))) == ["questions.1.label"]


@pytest.mark.parametrize(
    "questions",
    [
        [NOTE] * 6,
        [{"kind": "date", "label": "日期"}],
        [{**AGE, "min": True}],
        [{**AGE, "min": 1.5}],
        [{**AGE, "max": 10**30}],
        ["q1"],
        {"q1": NOTE},
        [{**NOTE, "label": "x" * 51}],
        [{**NOTE, "label": "a\x00b"}],
        [{**SIZE, "options": ["S", ["M"]]}],
    ],
)
def test_malformed_definitions_are_a_clean_422(organizer, client, questions):
    body = activity_body(community_id(client, "haizhu"), questions=questions)
    assert all(key.startswith("questions") for key in errors_of(organizer.post("/api/v1/activities", json=body)))


def test_questions_may_change_until_someone_signs_up_then_are_locked(organizer, resident):
    activity = create_activity(organizer, questions=[NOTE])
    url = f"/api/v1/activities/{activity['id']}"
    response = organizer.patch(url, json={"questions": [NOTE, AGE]})
    assert response.status_code == 200, response.get_json()
    assert [q["id"] for q in response.get_json()["questions"]] == ["q1", "q2"]
    assert sign_up(resident, activity, answers={"q2": 7}).status_code == 201
    errors_of(organizer.patch(url, json={"questions": [NOTE]}), 409, "questions_locked")
    errors_of(organizer.patch(url, json={"questions": []}), 409, "questions_locked")
    # The same questions (as read from the activity, ids and all) are no change; other fields still save.
    same = organizer.get(url).get_json()["questions"]
    response = organizer.patch(url, json={"title": "亲子活动", "questions": same})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["questions"] == same
    assert organizer.get(url).get_json()["questions"] == same


def test_a_cancelled_registration_still_locks_the_questions(organizer, resident):
    activity = create_activity(organizer, questions=[NOTE])
    assert sign_up(resident, activity).status_code == 201
    assert resident.delete(f"/api/v1/activities/{activity['id']}/registrations/me").status_code == 200
    errors_of(organizer.patch(f"/api/v1/activities/{activity['id']}", json={"questions": []}), 409, "questions_locked")


def test_duplicating_copies_the_questions(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=QUESTIONS)
    assert sign_up(resident, activity, answers={"q1": 5}).status_code == 201  # a locked original copies too
    with clean_app.app_context():
        actor = db.session.get(User, organizer.user["id"])
        original = db.session.get(Activity, activity["id"])
        copy = duplicate_activity(actor, activity["id"], to_local(original.starts_at).date() + timedelta(days=7))
        db.session.commit()
        copied = organizer.get(f"/api/v1/activities/{copy.id}").get_json()
    assert copied["questions"] == activity["questions"]
    response = organizer.patch(f"/api/v1/activities/{copied['id']}", json={"questions": [NOTE]})
    assert response.status_code == 200, response.get_json()  # the copy has no sign-ups yet


# --- answers -------------------------------------------------------------------------------------


def test_valid_answers_are_stored_normalised_and_shown_back(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=QUESTIONS)
    response = sign_up(resident, activity, answers={"q1": "7", "q2": "M", "q3": "  花生 "})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["answers"] == {"q1": 7, "q2": "M", "q3": "花生"}
    mine = resident.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]
    assert mine["answers"] == {"q1": 7, "q2": "M", "q3": "花生"}
    listed = resident.get("/api/v1/me/registrations").get_json()["items"][0]
    assert listed["answers"] == {"q1": 7, "q2": "M", "q3": "花生"}


def test_optional_questions_may_be_left_out_and_nothing_is_stored_as_null(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=[NOTE, SIZE])
    response = sign_up(resident, activity, answers={"q1": "   ", "q2": None})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["answers"] is None
    with clean_app.app_context():
        assert db.session.scalar(text("select count(*) from registrations where answers is null")) == 1


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, {"q1": ["请回答此问题"]}),
        ({"q1": ""}, {"q1": ["请回答此问题"]}),
        ({"q1": None}, {"q1": ["请回答此问题"]}),
        ({"q1": 2}, {"q1": ["请填写 3 到 12 之间的整数"]}),
        ({"q1": 13}, {"q1": ["请填写 3 到 12 之间的整数"]}),
        ({"q1": 7.5}, {"q1": ["请填写整数"]}),
        ({"q1": 7.0}, {"q1": ["请填写整数"]}),
        ({"q1": True}, {"q1": ["请填写整数"]}),
        ({"q1": "七"}, {"q1": ["请填写整数"]}),
        ({"q1": "７"}, {"q1": ["请填写整数"]}),
        ({"q1": "1e3"}, {"q1": ["请填写整数"]}),
        ({"q1": 10**40}, {"q1": ["请填写 3 到 12 之间的整数"]}),
        ({"q1": -(10**40)}, {"q1": ["请填写 3 到 12 之间的整数"]}),
        ({"q1": "9" * 5000}, {"q1": ["请填写整数"]}),
        ({"q1": [7]}, {"q1": ["请填写整数"]}),
        ({"q1": {"v": 7}}, {"q1": ["请填写整数"]}),
        ({"q1": 7, "q2": "XL"}, {"q2": ["请从选项中选择"]}),
        ({"q1": 7, "q2": ["M"]}, {"q2": ["请从选项中选择"]}),
        ({"q1": 7, "q2": 1}, {"q2": ["请从选项中选择"]}),
        ({"q1": 7, "q3": "x" * 101}, {"q3": ["不能超过 100 个字"]}),
        ({"q1": 7, "q3": "a\x00b"}, {"q3": ["不能包含 NUL 字符"]}),
        ({"q1": 7, "q3": {"a": 1}}, {"q3": ["请填写文字"]}),
        ({"q1": 7, "q3": 12}, {"q3": ["请填写文字"]}),
        ({"q1": 7, "q9": "x"}, {"q9": ["没有这个问题"]}),
        ({"q1": 7, "__proto__": "x"}, {"__proto__": ["没有这个问题"]}),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(organizer, resident, clean_app, answers, expected):
    activity = create_activity(organizer, questions=QUESTIONS)
    errors = errors_of(sign_up(resident, activity, answers=answers))
    assert errors == {f"answers.{key}": messages for key, messages in expected.items()}
    assert registration_count(clean_app) == 0
    with clean_app.app_context():
        assert db.session.get(Activity, activity["id"]).confirmed_count == 0


@pytest.mark.parametrize("answers", [["q1"], "q1=7", 7, None, {"q" * 17: "x"}])
def test_answers_of_the_wrong_shape_are_a_clean_client_error(organizer, resident, clean_app, answers):
    activity = create_activity(organizer, questions=QUESTIONS)
    response = sign_up(resident, activity, answers=answers)
    assert 400 <= response.status_code < 500, response.get_json()
    assert registration_count(clean_app) == 0


def test_a_lone_surrogate_in_raw_json_is_refused(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=[NOTE])
    body = '{"answers": {"q1": "\\ud800"}}'
    response = resident.client.post(
        f"/api/v1/activities/{activity['id']}/registrations", data=body,
        headers={"Authorization": f"Bearer {resident.token}", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.get_json()
    assert registration_count(clean_app) == 0


def test_a_huge_integer_literal_is_a_clean_client_error(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=[AGE])
    body = '{"answers": {"q1": ' + "9" * 5000 + "}}"
    response = resident.client.post(
        f"/api/v1/activities/{activity['id']}/registrations", data=body,
        headers={"Authorization": f"Bearer {resident.token}", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.get_json()
    assert registration_count(clean_app) == 0


def test_answers_to_an_activity_without_questions_are_refused(organizer, resident):
    activity = create_activity(organizer)
    assert errors_of(sign_up(resident, activity, answers={"q1": "x"})) == {"answers.q1": ["没有这个问题"]}
    assert sign_up(resident, activity, answers={}).status_code == 201


def test_a_repeated_tap_answers_the_first_sign_up_whatever_it_sends(organizer, resident):
    activity = create_activity(organizer, questions=[AGE])
    assert sign_up(resident, activity, answers={"q1": 5}).status_code == 201
    again = sign_up(resident, activity, answers={"q1": "nonsense"})
    assert again.status_code == 200
    assert again.get_json()["answers"] == {"q1": 5}


def test_a_risky_text_answer_refuses_the_sign_up(organizer, resident, emulator, clean_app):
    emulator.mark_text("违禁标记", "risky", 20006)
    activity = create_activity(organizer, questions=[NOTE])
    response = sign_up(resident, activity, answers={"q1": "违禁标记"})
    assert set(errors_of(response, 422, "content_risky")) == {"answers.q1"}
    assert registration_count(clean_app) == 0


def test_walk_in_answers_are_checked_but_required_ones_may_be_left_out(organizer, clean_app):
    activity = create_activity(organizer, questions=QUESTIONS)
    url = f"/api/v1/activities/{activity['id']}/walk-ins"
    errors = errors_of(organizer.post(url, json={"name": "王阿姨", "answers": {"q1": 99}}))
    assert errors == {"answers.q1": ["请填写 3 到 12 之间的整数"]}
    assert registration_count(clean_app) == 0
    response = organizer.post(url, json={"name": "王阿姨", "answers": {"q2": "L"}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["answers"] == {"q2": "L"}
    response = organizer.post(url, json={"name": "李叔"})
    assert response.status_code == 201 and response.get_json()["answers"] is None


# --- roster, files, account deletion ---------------------------------------------------------------


def test_the_roster_shows_each_persons_answers(organizer, residents):
    activity = create_activity(organizer, questions=QUESTIONS)
    first, second = residents(2)
    assert sign_up(first, activity, answers={"q1": 4, "q3": "无"}).status_code == 201
    assert sign_up(second, activity, answers={"q1": 9, "q2": "S"}).status_code == 201
    items = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()["items"]
    assert [item["answers"] for item in items] == [{"q1": 4, "q3": "无"}, {"q1": 9, "q2": "S"}]


def test_roster_files_have_a_column_per_question(organizer, residents):
    activity = create_activity(organizer, questions=QUESTIONS)
    first, second = residents(2)
    assert sign_up(first, activity, answers={"q1": 4, "q3": "=1+1"}).status_code == 201
    assert sign_up(second, activity, answers={"q1": 9, "q2": "S"}).status_code == 201
    url = f"/api/v1/activities/{activity['id']}/roster?format="
    rows = list(csv.reader(io.StringIO(organizer.get(url + "csv").data.decode("utf-8-sig"))))
    assert rows[0][-3:] == ["孩子的年龄", "衣服尺码", "过敏情况"]
    assert [row[-3:] for row in rows[1:]] == [["4", "", "'=1+1"], ["9", "S", ""]]

    sheet = openpyxl.load_workbook(io.BytesIO(organizer.get(url + "xlsx").data)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(index for index, row in enumerate(table) if row[0] == "序号")
    assert table[header][-4:] == ["孩子的年龄", "衣服尺码", "过敏情况", "签名"]
    assert [row[-4:-1] for row in table[header + 1:]] == [[4, None, "'=1+1"], [9, "S", None]]
    assert isinstance(table[header + 1][-4], int)  # a number answer stays a number


def test_answers_are_erased_with_the_account(organizer, resident, clean_app):
    activity = create_activity(organizer, questions=QUESTIONS)
    assert sign_up(resident, activity, answers={"q1": 8, "q3": "对芒果过敏"}).status_code == 201
    with clean_app.app_context():
        assert "对芒果过敏" in json.dumps(db.session.scalar(select(Registration.answers)), ensure_ascii=False)
    assert resident.delete("/api/v1/me").status_code == 204
    with clean_app.app_context():
        assert db.session.scalar(text("select count(*) from registrations where answers is not null")) == 0
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


# --- an edit of the questions racing the first sign-up ---------------------------------------------


def _waiting_for_a_lock(engine, seconds=10):
    """Wait until another backend waits for a row lock (the sign-up queued behind ours)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as probe:
            waiting = probe.scalar(text(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()"
            ))
        if waiting:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: two connections really wait for each other")
def test_a_sign_up_racing_an_edit_of_the_questions_is_checked_against_the_new_ones(
    organizer, resident, live_server, clean_app
):
    """The sign-up reads the questions (a number), then waits for the activity's lock while the edit
    (to a text question) commits: its answer is checked again against what is asked now."""
    import threading

    import requests

    activity = create_activity(organizer, questions=[AGE])
    engine = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    result = {}

    def sign_up_now():
        response = requests.post(f"{live_server}/api/v1/activities/{activity['id']}/registrations",
                                 headers=resident.headers, json={"answers": {"q1": 5}}, timeout=30)
        result["response"] = (response.status_code, response.json())

    try:
        with engine.connect() as editor:
            editor.execute(text("select id from activities where id = :id for update"), {"id": activity["id"]})
            thread = threading.Thread(target=sign_up_now)
            thread.start()
            assert _waiting_for_a_lock(engine), "the sign-up never queued for the activity's lock"
            editor.execute(
                text("update activities set questions = cast(:q as json) where id = :id"),
                {"id": activity["id"],
                 "q": json.dumps([{"id": "q1", **NOTE, "options": [], "min": None, "max": None}])},
            )
            editor.commit()
            thread.join(30)
    finally:
        engine.dispose()
    status, body = result["response"]
    assert (status, body["error"], body["errors"]) == (422, "validation_failed", {"answers.q1": ["请填写文字"]})
    assert registration_count(clean_app) == 0
    with clean_app.app_context():
        assert db.session.get(Activity, activity["id"]).confirmed_count == 0
