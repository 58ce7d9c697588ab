"""After signing in, everyone lands on a page that exists."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password 1"


@pytest.fixture
def staff_member():
    return User.objects.create_user("officer", password=PASSWORD, is_staff=True)


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/", "http://evil.example/admin/"],
)
def test_an_unsafe_next_lands_on_the_admin_index(client, staff_member, unsafe):
    response = client.post(
        f"/admin/login/?next={unsafe}", {"username": "officer", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_a_safe_next_is_still_followed(client, staff_member):
    response = client.post(
        "/admin/login/?next=/arrangements/", {"username": "officer", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/arrangements/"
