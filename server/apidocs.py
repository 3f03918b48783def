"""The API documents committed under `docs/`, generated from the code: `docs/openapi.json` (the OpenAPI
document the app serves) and the error table of `docs/api.md` (from `server.errors.CATALOGUE`).

Regenerate both with `scripts/openapi` (`flask --app server.wsgi openapi-docs`); `--check` only
compares, and `tests/test_openapi.py` fails while either is out of date.
"""

import json
from pathlib import Path

from flask import current_app

from server.errors import catalogue_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"
OPENAPI_PATH = DOCS / "openapi.json"
API_MD_PATH = DOCS / "api.md"
REGENERATE = "scripts/openapi"
TABLE_START = (
    "<!-- error-catalogue: generated from server/errors.py by scripts/openapi; edit the catalogue, not this table -->"
)
TABLE_END = "<!-- /error-catalogue -->"


def openapi_text():
    """The OpenAPI document the current app serves: pretty JSON, keys sorted, with a trailing newline."""
    response = current_app.test_client().get("/" + current_app.config["OPENAPI_JSON_PATH"].lstrip("/"))
    if response.status_code != 200:
        raise RuntimeError(f"the app served its OpenAPI document with status {response.status_code}")
    return json.dumps(response.get_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def api_md_text(current):
    """`docs/api.md` as given in `current`, with the text between the table markers regenerated."""
    head, start, rest = current.partition(TABLE_START)
    _, end, tail = rest.partition(TABLE_END)
    if not start or not end:
        raise RuntimeError(f"{API_MD_PATH} lost its markers {TABLE_START!r} ... {TABLE_END!r}")
    return head + TABLE_START + "\n\n" + catalogue_markdown() + "\n" + TABLE_END + tail


def expected_documents():
    """`{path: text}`: what every generated document should contain now."""
    return {
        OPENAPI_PATH: openapi_text(),
        API_MD_PATH: api_md_text(API_MD_PATH.read_text(encoding="utf-8")),
    }


def stale_documents():
    """The generated documents whose committed text differs from what the code generates."""
    return [
        path
        for path, text in expected_documents().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write_documents():
    """Rewrite the generated documents; returns the paths that changed."""
    changed = []
    for path, text in expected_documents().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
