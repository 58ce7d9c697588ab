"""Fixtures shared by the whole suite."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def reference_data(db):
    """Tiers, regions and the service-area taxonomy, as `make run` loads them."""
    call_command("load_reference", stdout=io.StringIO())


from tests.factories import register, viewer  # noqa: E402,F401  (fixtures for every folder)
