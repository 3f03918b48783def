"""Subscribe-message templates and the credits users give by accepting them."""

KEYS = ["activity_reminder", "shift_reminder", "waitlist_promoted", "cancelled_by_organizer",
        "schedule_changed", "notice", "signup_result", "shift_swap", "shift_vacancy"]


def test_templates_are_listed_for_anyone(client):
    items = client.get("/api/v1/subscriptions/templates").get_json()["items"]
    assert [item["key"] for item in items] == KEYS
    assert items[0]["template_id"] == "tmpl-activity-reminder"


def test_each_accept_is_one_credit(resident):
    resident.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder", "tmpl-shift-reminder"]})
    response = resident.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder"]})
    assert response.status_code == 200
    remaining = {item["key"]: item["remaining"] for item in resident.get("/api/v1/me/subscriptions").get_json()["items"]}
    assert remaining == {"activity_reminder": 2, "shift_reminder": 1, "waitlist_promoted": 0,
                         "cancelled_by_organizer": 0, "schedule_changed": 0, "notice": 0,
                         "signup_result": 0, "shift_swap": 0, "shift_vacancy": 0}


def test_a_template_repeated_in_one_report_counts_once(resident):
    resident.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-waitlist-promoted"] * 3})
    items = resident.get("/api/v1/me/subscriptions").get_json()["items"]
    assert next(i for i in items if i["key"] == "waitlist_promoted")["remaining"] == 1


def test_unknown_template_is_422_and_counts_nothing(resident):
    response = resident.post("/api/v1/me/subscriptions", json={"accepted": ["tmpl-activity-reminder", "evil"]})
    assert response.status_code == 422
    assert all(item["remaining"] == 0 for item in resident.get("/api/v1/me/subscriptions").get_json()["items"])


def test_subscriptions_need_login(client):
    assert client.get("/api/v1/me/subscriptions").status_code == 401
    assert client.post("/api/v1/me/subscriptions", json={"accepted": []}).status_code == 401
