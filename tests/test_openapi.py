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


def test_the_committed_documents_are_current(app):
    """docs/openapi.json and the error table of docs/api.md are generated from the code."""
    from server import apidocs

    with app.app_context():
        stale = apidocs.stale_documents()
    assert not stale, (
        f"out of date: {', '.join(str(p.relative_to(apidocs.DOCS.parent)) for p in stale)}; "
        f"regenerate with {apidocs.REGENERATE} (flask --app server.wsgi openapi-docs) and commit the result"
    )


def test_the_committed_openapi_document_is_pretty_sorted_json_with_a_trailing_newline():
    import json

    from server.apidocs import OPENAPI_PATH

    text = OPENAPI_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_description_lists_every_catalogued_error_id_with_its_status(client):
    from server.errors import CATALOGUE

    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    for error_id, spec in CATALOGUE.items():
        assert f"| {spec.status}" in description and f"`{error_id}` | {spec.message} |" in description, error_id


def test_docs_api_md_lists_every_catalogued_error_id():
    from server.apidocs import API_MD_PATH
    from server.errors import CATALOGUE

    text = API_MD_PATH.read_text(encoding="utf-8")
    for error_id in CATALOGUE:
        assert f"`{error_id}`" in text, error_id


def test_schemas_are_described_by_their_own_docstring(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Community"]["description"] == "A community (社区) of the sub-district."
    assert schemas["Error"]["additionalProperties"] is False  # a description does not drop it
    # A schema without a docstring of its own does not borrow marshmallow's.
    assert "Base schema class" not in str(schemas)


def test_the_repository_refers_only_to_files_it_contains():
    """Users of the repository have no `shared/`: README, docs, code and tests point at files in it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    miniprogram = root / "miniprogram"
    paths = [root / "README.md", *(root / "docs").glob("*.md"), *miniprogram.glob("*.md"), *miniprogram.glob("*.js")]
    paths += [*root.glob("server/**/*.py"), *root.glob("tests/*.py"), *filter(Path.is_file, root.glob("scripts/*"))]
    folders = ("api", "components", "constants", "controllers", "packageOrganizer", "pages", "services", "tests", "utils")
    for folder in folders:
        paths += (miniprogram / folder).rglob("*.js")
    this_test = Path(__file__).resolve()
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.resolve() == this_test:
            continue
        assert "shared/" not in text, f"{path.relative_to(root)} refers to shared/, which users do not have"
        outside = re.search(r"\b(API|WECHAT)\.md\b", text)
        assert not outside, f"{path.relative_to(root)} names {outside.group()}, which is outside the repository"
    for doc in (root / "README.md", *(root / "docs").glob("*.md"), root / "miniprogram" / "README.md"):
        for target in re.findall(r"\]\(([^)#:]+)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.relative_to(root)} links to a missing {target}"
