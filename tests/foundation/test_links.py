"""Records' addresses, reversed once and filled in, are exactly what reverse() gives."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, reverse, set_script_prefix

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


urlpatterns = [path("v2/", include("register.urls"))]  # for the test below


def test_an_address_follows_a_changed_urlconf():
    """Reversed once under one URLconf, an address is not reused under another."""
    before = detail_url("register:authority-detail", "CLD")
    with override_settings(ROOT_URLCONF=__name__):
        assert detail_url("register:authority-detail", "CLD") == "/v2/authorities/CLD/"
    assert detail_url("register:authority-detail", "CLD") == before == "/authorities/CLD/"


def test_the_placeholder_in_a_script_prefix_is_left_alone(script_prefix):
    script_prefix("/0key0/")
    assert detail_url("register:arrangement-detail", "a-b") == "/0key0/arrangements/a-b/"


@pytest.mark.parametrize("key", ["", "a/b", "..", "日本", "a b"])
def test_a_key_that_is_not_a_plain_slug_is_left_to_reverse(key):
    try:
        expected = reverse("register:arrangement-detail", args=[key])
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            detail_url("register:arrangement-detail", key)
    else:
        assert detail_url("register:arrangement-detail", key) == expected
