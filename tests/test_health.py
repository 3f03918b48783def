"""Health check: ok with both dependencies up; 503 naming the one that is down."""


def test_health_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "ok"}


def test_health_names_redis_when_it_is_down(clean_app, make_app):
    # Nothing listens on port 1: the connection is refused at once.
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["db"], body["redis"], body["error"]) == ("ok", "down", "dependency_unavailable")
    assert "redis" in body["message"]


def test_health_names_the_database_when_it_is_down(clean_app, make_app, tmp_path):
    # SQLite cannot create a file in a missing directory.
    app = make_app(DATABASE_URL="sqlite:///" + str(tmp_path / "missing" / "app.db"))
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["db"], body["redis"]) == ("down", "ok")
