"""The admin's list filters are the list page's FilterSet filters: the same arrangements."""

import pytest
from django.contrib.auth.models import User
from django.http import QueryDict

from register.filters import ArrangementFilterSet
from register.models import Arrangement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, value",
    [
        ("tier", "metropolitan-district"),
        ("tier", "county"),
        ("tier_level", "single"),
        ("tier_level", "upper"),
        ("region", "wales"),
        ("region", "yorkshire-and-the-humber"),
    ],
)
def test_admin_list_filter_matches_the_list_page(client, register, name, value):
    client.force_login(User.objects.create_superuser("root", password="a long enough password 1"))
    response = client.get("/admin/register/arrangement/", {name: value})
    assert response.status_code == 200
    in_admin = {row.pk for row in response.context["cl"].result_list}
    data = QueryDict(mutable=True)
    data[name] = value
    on_list = {a.pk for a in ArrangementFilterSet(data, queryset=Arrangement.objects.all()).qs}
    assert in_admin == on_list
    assert in_admin  # each value chosen above matches something in the small register
