"""The console's activity form sets `certificate_enabled` (参加活动证明) with a checkbox."""

import re
from datetime import timedelta

from factories import community_id, local

from server.extensions import db
from server.models import Activity


def form(community, **overrides):
    starts = local(days=5, hour=9)
    values = {
        "community_id": str(community),
        "title": "社区读书会",
        "category": "culture",
        "venue": "党群服务中心二楼",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "audience": "all",
        "cancel_cutoff_minutes": "0",
        "description": "一起读书",
    }
    values.update(overrides)
    return values


def version_in(html):
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


def certificate_enabled(app, activity_id):
    with app.app_context():
        return db.session.get(Activity, activity_id).certificate_enabled


def test_the_certificate_checkbox_creates_and_clears_the_flag(desk, clean_app, client):
    console = desk()
    haizhu = community_id(client, "haizhu")
    assert 'name="certificate_enabled"' in console.get("/console/activities/new").get_data(as_text=True)
    values = form(haizhu, certificate_enabled="true", certificate_enabled__present="1")
    response = console.post("/console/activities/new", values)
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    activity_id = int(re.search(r"/activities/(\d+)/edit", edit_url).group(1))
    assert certificate_enabled(clean_app, activity_id) is True
    html = console.get(edit_url).get_data(as_text=True)
    assert re.search(r'name="certificate_enabled" value="true" checked', html)

    # Unticked: the browser sends only the hidden marker.
    values = form(haizhu, certificate_enabled__present="1", version=version_in(html))
    assert console.post(edit_url, values).status_code == 302
    assert certificate_enabled(clean_app, activity_id) is False


def test_a_form_without_the_checkbox_leaves_certificates_off(desk, clean_app, client):
    console = desk()
    response = console.post("/console/activities/new", form(community_id(client, "haizhu")))
    activity_id = int(re.search(r"/activities/(\d+)/edit", response.headers["Location"]).group(1))
    assert certificate_enabled(clean_app, activity_id) is False
