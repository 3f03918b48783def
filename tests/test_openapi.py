"""The OpenAPI document and the rendered docs."""


def test_openapi_document_lists_the_contract_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/auth/phone", "/api/v1/me",
                 "/api/v1/communities", "/api/v1/users/{user_id}/roles", "/api/v1/users/{user_id}/roles/{role}",
                 "/api/v1/health"):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v1/me"]) >= {"get", "patch", "delete"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "errors"}


def test_no_schema_has_a_session_key_field(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for name, schema in spec["components"]["schemas"].items():
        assert "session_key" not in schema.get("properties", {}), name


def test_rendered_docs_are_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "swagger" in response.get_data(as_text=True).lower()
