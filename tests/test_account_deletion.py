"""Deleting an account (PIPL): nothing the person typed or WeChat told us about them stays, in any
table; the counts of what they took part in stay."""

import json
from datetime import timedelta

from sqlalchemy import JSON, String, select, text

from server.extensions import db
from server.models import Activity, Registration
from server.services.accounts import ERASED, KEPT
from tests.factories import community_id, create_activity

# Text the resident types (or WeChat verifies for them), each findable anywhere in the database.
NICKNAME, REAL_NAME, PHONE = "昵称标记甲", "姓名标记乙", "13912345678"
REMARKS = ("备注标记丙-过去", "备注标记丁-将来")


def _text_columns():
    return {
        f"{table.name}.{column.name}": (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (String, JSON))
    }


def _every_stored_text():
    """Every value of every text and JSON column of every table, read with plain SQL."""
    values = []
    for table, column in _text_columns().values():
        for (value,) in db.session.execute(select(column)).all():
            if value is not None:
                values.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return values


def test_every_text_column_is_either_erased_or_kept_for_a_reason(clean_app):
    """A new column that may hold a person's text must be sorted into ERASED or KEPT (accounts.py)."""
    with clean_app.app_context():
        columns = set(_text_columns())
    assert not set(ERASED) & set(KEPT)
    assert columns - set(ERASED) - set(KEPT) == set(), "classify these columns in server/services/accounts.py"
    assert set(ERASED) | set(KEPT) <= columns, "ERASED or KEPT names a column that does not exist"


def test_deleting_an_account_leaves_none_of_its_text_and_keeps_the_counts(
    organizer, resident, emulator, clean_app, client
):
    haizhu = community_id(client, "haizhu")
    patch = resident.patch("/api/v1/me", json={"nickname": NICKNAME, "real_name": REAL_NAME, "community_id": haizhu})
    assert patch.status_code == 200, patch.get_json()
    code = emulator.mint_phone_code(PHONE)["code"]
    assert resident.post("/api/v1/auth/phone", json={"code": code}).status_code == 200
    past, future = create_activity(organizer), create_activity(organizer, title="青年学堂")
    for activity, remark in zip((past, future), REMARKS):
        response = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"remark": remark})
        assert response.status_code == 201, response.get_json()
    with clean_app.app_context():
        # The first activity took place yesterday: its registration is history, not a future place.
        activity = db.session.get(Activity, past["id"])
        activity.starts_at -= timedelta(days=4)
        activity.ends_at -= timedelta(days=4)
        db.session.commit()
        stored = "\n".join(_every_stored_text())
        assert all(marker in stored for marker in (NICKNAME, REAL_NAME, PHONE, *REMARKS))

    assert resident.delete("/api/v1/me").status_code == 204

    with clean_app.app_context():
        stored = "\n".join(_every_stored_text())
        for marker in (NICKNAME, REAL_NAME, PHONE, *REMARKS, "demo-resident"):
            assert marker not in stored
        # The rows stay, so the past activity still counts the person; the future place was given up.
        rows = dict(
            db.session.execute(
                select(Registration.activity_id, Registration.status).where(
                    Registration.user_id == resident.user["id"]
                )
            ).all()
        )
        assert rows == {past["id"]: "confirmed", future["id"]: "cancelled"}
        assert db.session.get(Activity, past["id"]).confirmed_count == 1
        assert db.session.scalar(text("select count(*) from registrations where remark <> ''")) == 0
