"""An exempt arrangement (Schedule 12A) is invisible to anyone not signed in, on every path,
and visible to a signed-in Viewer."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from register.models import Arrangement
from tests.factories import body

pytestmark = pytest.mark.django_db

SECRET = "Confidential waste deal"


@pytest.fixture
def secret_register(register):
    # Make the exempt arrangement related to a public one, so related links are tested too.
    register.secret.service_areas.add(*register.legal.service_areas.all())
    return register


@pytest.fixture
def viewer_role(db):
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user("reader", password="a long enough password 1")
    user.groups.add(Group.objects.get(name="Viewer"))
    return user


PATHS = [
    ("list", "/arrangements/", SECRET),
    ("search", "/arrangements/?q=confidential", SECRET),
    ("csv export", "/arrangements/?_export=csv", SECRET),
    ("json export", "/arrangements/?_export=json", SECRET),
    ("related links", "{legal}", SECRET),
    ("authority page", "/authorities/DEL/", SECRET),
    ("service area page", "/service-areas/waste/", SECRET),
    ("home figures", "/", ">5</a> arrangements recorded"),
    ("summary totals", "/summary/", ">5 arrangements</a>"),
    ("tier summary", "/summary/tiers/", "Of 5 arrangements in view"),
    ("savings summary", "/summary/savings/", "£105,000"),
]


@pytest.mark.parametrize("name, path, marker", PATHS, ids=[p[0] for p in PATHS])
def test_hidden_from_the_public_and_shown_to_viewers(
    client, secret_register, viewer_role, name, path, marker
):
    path = path.format(legal=secret_register.legal.get_absolute_url())
    public = client.get(path)
    assert public.status_code == 200
    assert marker not in body(public)
    client.force_login(viewer_role)
    assert marker in body(client.get(path))


def test_detail_page_is_a_404_for_the_public(client, secret_register, viewer_role):
    url = secret_register.secret.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(viewer_role)
    page = client.get(url).content.decode()
    assert "Exempt information under Schedule 12A" in page


def test_a_signed_in_user_without_a_role_does_not_see_exempt_records(client, secret_register):
    nobody = User.objects.create_user("nobody", password="a long enough password 1")
    client.force_login(nobody)
    assert SECRET not in client.get("/arrangements/").content.decode()
    assert Arrangement.objects.visible_to(nobody).filter(exempt=True).count() == 0
