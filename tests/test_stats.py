"""Statistics (`services.stats`, `GET /api/v1/stats`)."""

from datetime import date

from factories import book, create_activity, create_shift, create_site


def test_smoke(clean_app, organizer, admin, resident):
    from server.extensions import db
    from server.models import User
    from server.services.stats import compute_stats

    activity = create_activity(organizer)
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={"companions": 1})
    site = create_site(organizer)
    shift = create_shift(organizer, site)
    book(resident, shift)
    with clean_app.app_context():
        actor = db.session.get(User, admin.user["id"])
        for group_by in (None, "month", "community", "category", "site_kind"):
            stats = compute_stats(actor, date(2026, 1, 1), date(2026, 12, 31), group_by=group_by)
            print(group_by, stats.totals, stats.groups[:3], stats.top_volunteers)
        print(compute_stats(actor, date(2026, 12, 1), date(2026, 12, 31), group_by="month").groups)


def test_api_smoke(organizer, resident):
    response = organizer.get("/api/v1/stats?from=2026-01-01&to=2026-12-31&group_by=month")
    assert response.status_code == 200, response.get_json()
    print(response.get_json())
    print(resident.get("/api/v1/stats?from=2026-01-01&to=2026-12-31").get_json())
    print(organizer.get("/api/v1/stats?from=2026-01-01&to=2028-12-31").get_json())
    print(organizer.get("/api/v1/stats?from=2026-01-01&to=2026-12-31&group_by=x").get_json())
