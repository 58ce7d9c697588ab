"""Fixtures shared by the whole suite.

The test database is loaded once per session (per xdist worker) with what `make run`
loads: reference data, the 376 authorities and the seed papers (tests/session_data.py).
A test asks for the part it stands on:

- `seeded`: all of it;
- `authorities`: the reference data and the authorities, without the seed papers;
- `reference_data`: the reference data alone (as the small `register` does).

The later parts are deleted inside the test's own transaction, and its rollback brings
them back. A test that asks for none of them (only `db`) sees all of it.
"""

import os
import re
from contextlib import contextmanager

import pytest

from tests.session_data import STAGES, SessionData

DATABASE_FIXTURES = {
    "django_db_setup",  # under db, transactional_db and every fixture built on them
    "live_server",
}


def uses_the_database(item) -> bool:
    """Whether pytest-django lets this test reach the test database at all (it blocks
    every other test's queries)."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db")) or bool(names & DATABASE_FIXTURES)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items):
    """`no_database`: a test that cannot reach the test database, so gives the same
    result whichever database the suite runs on (CI runs it once, not once for each)."""
    for item in items:
        if not uses_the_database(item):
            item.add_marker(pytest.mark.no_database)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with the session's data loaded into it."""
    data = SessionData()
    with django_db_blocker.unblock():
        data.load()
    with restore_after_commits(data):
        yield data
    with django_db_blocker.unblock():
        end_other_sessions(data.connection)


def end_other_sessions(connection) -> None:
    """A live server's request thread can still hold a connection when the session ends
    (a browser keeps its HTTP connection open), and PostgreSQL refuses to drop a database
    in use: pytest-django would warn and leave the test database behind."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@contextmanager
def restore_after_commits(data: SessionData):
    """A test that really commits (django_db(transaction=True), transactional_db,
    live_server) ends with Django emptying every table: `flush`, and then content types
    and permissions made afresh. Instead, the tables are put back as they were loaded, so
    the tests after it find the session's data, in whatever order they run (and on
    PostgreSQL in a tenth of the time a flush takes: truncating every table takes most of
    a second)."""
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        if self.available_apps is not None or self.serialized_rollback:
            flush(self)  # Django's own way for these; the data is then put back
        for alias in self._databases_names(include_mirrors=False):
            if alias != data.alias:
                raise pytest.UsageError(f"The session's data is loaded into {data.alias!r} only")
        data.restore()

    TransactionTestCase._fixture_teardown = _fixture_teardown
    try:
        yield
    finally:
        TransactionTestCase._fixture_teardown = flush


class RegisterStage:
    """How much of the session's data this test stands on; it can only narrow."""

    def __init__(self, data: SessionData):
        self.data = data
        self.current = STAGES[-1]

    def narrow_to(self, stage: str) -> None:
        if STAGES.index(stage) > STAGES.index(self.current):
            raise pytest.UsageError(
                f"This test already stands on the {self.current!r} data only and cannot "
                f"also have the {stage!r} data: ask for one of reference_data, "
                "authorities and seeded."
            )
        if stage != self.current:
            self.data.narrow(self.current, stage)
            self.current = stage


@pytest.fixture
def register_stage(db, django_db_setup) -> RegisterStage:
    return RegisterStage(django_db_setup)


@pytest.fixture
def reference_data(register_stage):
    """Tiers, regions and the service-area taxonomy, as `make run` loads them, and no
    authorities or arrangements."""
    register_stage.narrow_to("reference")


@pytest.fixture
def authorities(register_stage):
    """The reference data and the 376 England and Wales authorities of 1 April 2012, as
    set-up imports them; no seed papers."""
    register_stage.narrow_to("authorities")


@pytest.fixture
def imported_authorities(authorities, django_db_setup) -> str:
    """The authorities as `import_authorities` loaded them at the start of the session,
    and what it reported then: its tests read the one import rather than run their own
    (each takes seconds)."""
    return django_db_setup.reports["authorities"]


@pytest.fixture
def seeded(register_stage):
    """Everything set-up loads: reference data, authorities, the two papers and the
    national figures."""
    register_stage.narrow_to("seed")


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Hashing a password as production does takes a million PBKDF2 rounds; no test is
    about that, and users are made in most of them."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _shared_cache(settings) -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.fixture(scope="session", autouse=True)
def cache_per_worker():
    """Under pytest-xdist every worker has a test database of its own, and so a cache of
    its own: in Redis (REDIS_URL), which the workers share, its keys carry the worker's
    name, and `clear_cache` removes that worker's keys only."""
    from django.conf import settings
    from django.test import override_settings

    if not (XDIST_WORKER and _shared_cache(settings)):
        yield
        return
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-test-{XDIST_WORKER}"
    with override_settings(
        CACHES={**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
    ):
        yield


def clear_cache():
    from django.conf import settings
    from django.core.cache import cache

    if not (XDIST_WORKER and _shared_cache(settings)):
        cache.clear()
        return
    # Django's RedisCache.clear() empties the whole Redis database, other workers' keys too.
    client = cache._cache.get_client(write=True)
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", cache.key_prefix) + ":*"
    keys = list(client.scan_iter(match=pattern, count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def empty_cache(cache_per_worker):
    """Each test starts with no cached figures. Between tests the database is rolled back,
    and with it the data version, so figures cached by one test could match the next."""
    clear_cache()
    yield
    clear_cache()


from tests.factories import register, viewer  # noqa: E402,F401  (fixtures for every folder)
