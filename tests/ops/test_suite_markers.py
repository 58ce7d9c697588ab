"""CI runs the tests marked no_database once, not once per database: the mark must go
on exactly the tests that cannot reach the test database."""

import pytest
from django.db import connection


def test_a_test_that_asks_for_no_database_is_marked(request):
    assert request.node.get_closest_marker("no_database")


def test_a_test_on_the_db_fixture_is_not_marked(request, db):
    assert connection.vendor  # reachable
    assert not request.node.get_closest_marker("no_database")


@pytest.mark.django_db
def test_a_test_with_the_django_db_mark_is_not_marked(request):
    assert not request.node.get_closest_marker("no_database")


def test_a_test_on_a_fixture_built_on_the_database_is_not_marked(request, register):
    assert not request.node.get_closest_marker("no_database")
