"""Schemathesis against the live schema: every operation the OpenAPI schema describes is
called with inputs generated from it, through the WSGI application (no server), and
every response must be no server error and conform to the schema: its status code, its
content type, its headers and its body.

Bounded so that it adds seconds, not minutes: a few examples per operation, no
deadline (a shared CI machine is slow at times, which is not what this tests), and one
pytest item per operation, which pytest-xdist shares among its workers."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
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
def in_the_tests_transaction():
    """The WSGI application is called directly, as a server would: at the end of each
    request Django closes the database connection, which is the test's own (on
    PostgreSQL, the transaction its data lives in). Django's test client stops that for
    its requests, and so does this, for schemathesis's."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


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
def test_every_operation_conforms(case, unthrottled, in_the_tests_transaction):
    """On the data every test session loads (the two papers and every authority)."""
    case.call_and_validate(checks=CHECKS)
