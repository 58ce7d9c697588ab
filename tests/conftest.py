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


@pytest.fixture(autouse=True)
def versions_inline(request, monkeypatch):
    """A test runs inside one transaction that never commits, so a new data version
    written after the commit (as in production: register/caching.py) would never be
    written, and a test could not see its own changes through the cache. Tests that
    really commit (django_db(transaction=True)) keep the production behaviour, and
    tests/browse/test_caching.py checks it there."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        return
    from register import caching

    monkeypatch.setattr(caching, "in_transaction", lambda connection: False)


@pytest.fixture
def reference_data(db):
    """Tiers, regions and the service-area taxonomy, as `make run` loads them."""
    call_command("load_reference", stdout=io.StringIO())


from tests.factories import register, viewer  # noqa: E402,F401  (fixtures for every folder)
