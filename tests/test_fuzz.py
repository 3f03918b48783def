"""Fuzzing: schemathesis generates requests for every operation of `/api/v1/openapi.json`, valid and
invalid ones, and sends them to the app (WSGI, in process) as a resident and as an organizer.

Fails on any 5xx, any response that does not match its documented schema or content type, and any
error that is not the contract's JSON body with a catalogued id. Bounded: `FUZZ_EXAMPLES` examples
per operation and generation mode (positive, negative), deterministic (derandomized), so the whole
run takes well under two minutes on two cores. Runs on PostgreSQL in CI (TEST_DATABASE_URL).
"""

import os

import hypothesis
import pytest
import schemathesis
from factories import create_activity, create_shift, create_site
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from server.errors import CATALOGUE

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# Operations that end the caller's session or account: fuzzing them would log the caller out (or
# delete them) halfway through the run. Their bad input is covered by their own tests.
SKIPPED = {("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/me")}


def assert_contract_error(case, response):
    """An error answer is the contract's JSON body with a catalogued id (and flat string `errors`)."""
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (
        f"{case.method} {case.formatted_path}: {response.status_code} is not JSON: {response.text[:200]}"
    )
    body = response.json()
    assert body.get("error") in CATALOGUE, (case.method, case.formatted_path, body)
    assert isinstance(body.get("message"), str) and body["message"], body
    for field, messages in body.get("errors", {}).items():
        assert isinstance(field, str) and all(isinstance(m, str) for m in messages), body


def operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in SKIPPED:
            yield operation


def fuzz(app, headers):
    """Send FUZZ_EXAMPLES positive and negative examples of every operation with `headers`."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    count = 0
    for operation in operations(schema):
        for mode in schemathesis.GenerationMode:
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate],
            )
            @given(case=strategy)
            def run(case):
                nonlocal count
                count += 1
                try:
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS)
                    assert_contract_error(case, response)
                except (Exception, BaseExceptionGroup) as error:  # schemathesis' failures, or a crash
                    failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {error!r}"[:1500])

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                pass  # nothing to negate (an operation without parameters or body)
    return count, failures


@pytest.fixture
def fuzz_data(organizer, resident):
    """Something to find: an activity, a site and a shift, and a registration and a booking."""
    activity = create_activity(organizer)
    site = create_site(organizer)
    shift = create_shift(organizer, site)
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    resident.post(f"/api/v1/shifts/{shift['id']}/bookings", json={"role_id": shift["roles"][0]["id"]})


@pytest.mark.parametrize("role", ["resident", "organizer"])
def test_fuzz_the_api(request, clean_app, fuzz_data, role):
    session = request.getfixturevalue(role)
    count, failures = fuzz(clean_app, session.headers)
    assert count > 100
    assert not failures, "\n\n".join(failures)
