"""Run the suite in another order, to show that no test depends on the ones before it.

    pytest -p tests.ordering --order=transactional-first
    pytest -p tests.ordering --order=reversed
    pytest -p tests.ordering --order=shuffled:42

pytest-django runs the tests that really commit (and so end with the database put back:
tests/conftest.py) after the others; `transactional-first` runs them before everything
else instead. The order is the same in every xdist worker.
"""

import random

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--order",
        default=None,
        help="transactional-first, reversed or shuffled[:SEED] (default: pytest-django's)",
    )


def commits(item) -> bool:
    """pytest-django's rule for a test that runs outside a rolled-back transaction."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(trylast=True)  # after pytest-django's own sort
def pytest_collection_modifyitems(config, items):
    order = config.getoption("--order")
    if not order:
        return
    if order == "transactional-first":
        items.sort(key=lambda item: not commits(item))
    elif order == "reversed":
        items.reverse()
    elif order.startswith("shuffled"):
        _, _, seed = order.partition(":")
        random.Random(seed or "0").shuffle(items)
    else:
        raise pytest.UsageError(f"--order: unknown order {order!r}")
