"""Records' addresses, reversed once and filled in, are exactly what reverse() gives."""

import pytest
from django.urls import reverse, set_script_prefix

from register.links import detail_url


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize(
    "name, key",
    [
        ("register:arrangement-detail", "shared-legal-team"),
        ("register:service-area-detail", "legal"),
        ("register:source-detail", "a-report-2012"),
        ("register:authority-detail", "CLD"),
        ("register:authority-detail", "A&B é?#"),  # quoted as reverse() quotes it
    ],
)
def test_a_records_address_is_what_reverse_gives(name, key, script_prefix):
    assert detail_url(name, key) == reverse(name, args=[key])
    # Served under a prefix (SCRIPT_NAME), after the address was first reversed without.
    script_prefix("/register/")
    assert detail_url(name, key) == reverse(name, args=[key])
    assert detail_url(name, key).startswith("/register/")
