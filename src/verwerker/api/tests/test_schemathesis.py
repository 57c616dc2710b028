"""Schemathesis against the live OpenAPI document, inside the suite: a bounded number of generated requests
per operation (valid and invalid ones), sent through the WSGI application with every middleware, must
give no 500, no response outside the schema, and nothing of another client.

Client A's token makes the client calls, a staff token with every role the house calls; client B has a
file, a job and an outbox item, whose names and ids must never appear in what A is shown."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from verwerker.api.tests.conftest import ACTOR
from verwerker.datafiles.synthetic import address_csv
from verwerker.testing import receive_file

MAX_EXAMPLES = 12
B_FILE_NAME = "leden-beeland-geheim.csv"


@pytest.fixture
def world(db, client_a, client_b, draft, token_for):
    """Two clients with objects, a client token of A, a staff token with every role, and B's markers."""
    from verwerker.accounts.actions import do_create_staff_user
    from verwerker.facilities.models import ConfidentialityAgreement
    from verwerker.intake.actions import do_put_in_outbox

    roles = ["database", "relation", "print", "privacy", "admin"]
    staff_user, _password = do_create_staff_user("alles", roles=roles, actor=ACTOR)
    ConfidentialityAgreement.objects.create(user=staff_user, version="t", signed_on="2025-12-01", recorded_by="test")
    _row, a = token_for(client=client_a, contact=client_a.contacts.get())
    _row, staff_token = token_for(user=staff_user, roles=roles)
    receive_file(client_a, "aland.csv", address_csv(5, seed=1))
    job_b = draft(receive_file(client_b, B_FILE_NAME, address_csv(5, seed=2)))
    item_b = do_put_in_outbox(client_b, "weigeringen-job-77-b.csv", b"x\n", actor=ACTOR)
    return {
        "a": a,
        "staff": staff_token,
        "b": client_b.pk,
        "b_job": job_b.pk,
        "b_file": job_b.data_file_id,
        "b_item": item_b.pk,
    }


@pytest.fixture
def api_schema(world):
    """The live document, fetched from the application itself (WSGI, in this thread and transaction)."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # As Django's test client does: a request must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _leaks(world, response, case) -> str | None:
    """What of client B a client-A response shows, if anything."""
    if case.path.startswith("/api/v1/house/") or "json" not in response.headers.get("Content-Type", [""])[0]:
        return None
    text = response.text or ""
    if B_FILE_NAME in text:
        return "another client's file name"
    try:
        body = json.loads(text)
    except ValueError:
        return None
    rows = body.get("results", [body]) if isinstance(body, dict) else body
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("client") == world["b"]:
            return f"an object of client {world['b']}"
    return None


def test_the_api_holds_to_its_schema_and_leaks_nothing(api_schema, world):
    """Every operation of the document, MAX_EXAMPLES generated requests each (schemathesis' strategies
    driven by hypothesis here: its pytest plugin does not run under this pytest)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    calls = {f"{op.method.upper()} {op.path}": _fuzz(op, world) for op in operations}
    assert min(calls.values()) >= 3, calls  # every operation really was called


def _fuzz(operation, world) -> int:
    calls = 0

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        token = world["staff"] if case.path.startswith("/api/v1/house/") else world["a"]
        nonlocal calls
        calls += 1
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance],
            headers={"Authorization": f"Bearer {token}"},
        )
        leak = _leaks(world, response, case)
        assert leak is None, f"{case.method} {case.formatted_path}: {leak}"

    run()
    return calls
