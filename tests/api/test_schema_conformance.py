"""Schemathesis against the live schema: every operation the OpenAPI schema describes is
called with inputs generated from it, through the WSGI application (no server), and
every response must be no server error and conform to the schema: its status code, its
content type, its headers and its body.

Bounded so that it adds seconds, not minutes: a few examples per operation, no
deadline (a shared CI machine is slow at times, which is not what this tests), and one
pytest item per operation, which pytest-xdist shares among its workers."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Loaded when the tests are collected: making the schema reads no database. Random
# inputs only (the fuzzing phase, bounded by max_examples): schemathesis's coverage phase
# makes every edge case of every parameter, hundreds for the arrangement list's twenty
# filters, and took minutes; what it found (NUL characters, addresses no route matches)
# is tested by name in test_api.py.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def unthrottled(settings):
    """Many requests in a few seconds from one client: not what the rate limit is for."""
    settings.API_ANON_RATE = ""


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_conforms(case, unthrottled):
    """On the data every test session loads (the two papers and every authority)."""
    case.call_and_validate(checks=CHECKS)
