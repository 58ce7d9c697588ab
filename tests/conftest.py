"""Fixtures shared by the whole suite."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached figures. Between tests the database is rolled back,
    and with it the data version, so figures cached by one test could match the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference_data(db):
    """Tiers, regions and the service-area taxonomy, as `make run` loads them."""
    call_command("load_reference", stdout=io.StringIO())


from tests.factories import register, viewer  # noqa: E402,F401  (fixtures for every folder)
