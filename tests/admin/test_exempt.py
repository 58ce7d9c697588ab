"""An exempt arrangement (Schedule 12A) is invisible, on every path, to anyone not signed
in and to a signed-in user without a role, and visible to a Viewer and to anyone given the
permission to see exempt arrangements.

This is where exempt visibility is tested: one test per path, each asking as all four."""

import pytest

from tests.factories import AuthorityFactory, MembershipFactory, UserFactory, body

pytestmark = pytest.mark.django_db

SECRET = "Confidential waste deal"


@pytest.fixture
def secret_register(register):
    # Make the exempt arrangement related to a public one, so related links are tested
    # too, and give it a partner that takes part in nothing else.
    register.secret.service_areas.add(*register.legal.service_areas.all())
    secretby = AuthorityFactory(code="SEC", name="Secretby", tier="NMD")
    MembershipFactory(arrangement=register.secret, authority=secretby)
    return register


@pytest.fixture
def readers(roles, viewer):
    """Who asks, and whether they may see exempt records."""
    return [
        ("public", None, False),
        ("signed in without a role", UserFactory(username="nobody"), False),
        ("Viewer", UserFactory(username="reader", roles=["Viewer"]), True),
        ("given the permission", viewer, True),
    ]


DETAIL = "Exempt information under Schedule 12A"
PATHS = [
    ("list", "/arrangements/", SECRET),
    ("list filtered by a partner", "/arrangements/?authority=DEL", SECRET),
    ("search", "/arrangements/?q=confidential", SECRET),
    ("csv export", "/arrangements/?_export=csv", SECRET),
    ("json export", "/arrangements/?_export=json", SECRET),
    ("detail", "{secret}", DETAIL),  # a 404 for those not allowed
    ("related links", "{legal}", SECRET),
    ("authority page", "/authorities/DEL/", SECRET),
    ("authorities taking part", "/authorities/?participating=yes", "Secretby"),
    ("service area page", "/service-areas/waste/", SECRET),
    ("home figures", "/", ">5</a> arrangements recorded"),
    ("summary totals", "/summary/", ">5 arrangements</a>"),
    ("tier summary", "/summary/tiers/", "Of 5 arrangements in view"),
    # The Welsh unitaries' median saving: of £700,000 and the exempt £5,000.
    ("tier summary figures", "/summary/tiers/", "£352,500"),
    ("service area summary", "/summary/service-areas/", "Waste"),
    ("savings summary", "/summary/savings/", "£105,000"),
    ("partner finder", "/authorities/ALP/partners/?service_area=waste", SECRET),
    (
        "partner finder download",
        "/authorities/ALP/partners/?service_area=legal&_export=csv",
        SECRET,
    ),
]


@pytest.mark.parametrize("name, path, marker", PATHS, ids=[p[0] for p in PATHS])
def test_shown_only_to_those_allowed(client, secret_register, readers, name, path, marker):
    path = path.format(
        legal=secret_register.legal.get_absolute_url(),
        secret=secret_register.secret.get_absolute_url(),
    )
    for reader, user, allowed in readers:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        if allowed:
            assert response.status_code == 200, reader
            assert marker in body(response), reader
        elif name == "detail":
            assert response.status_code == 404, reader
        else:
            assert response.status_code == 200, reader
            assert marker not in body(response), reader
