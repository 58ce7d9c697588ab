"""clean() gives every entry path the same clear messages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from register.models import Arrangement, Saving, ServiceArea

pytestmark = pytest.mark.django_db


def messages(obj):
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    return error.value.message_dict


def test_saving_messages(arrangement):
    assert "amount" in messages(Saving(arrangement=arrangement, basis="estimated"))
    assert messages(Saving(arrangement=arrangement, basis="estimated", percentage=Decimal("120")))[
        "percentage"
    ] == ["Ensure this value is less than or equal to 100."]
    assert "financial_year" in messages(
        Saving(arrangement=arrangement, basis="target", amount=1, period="financial_year")
    )


def test_arrangement_end_before_start_and_lists(arrangement):
    arrangement.start_date = datetime.date(2012, 4, 1)
    arrangement.end_date = datetime.date(2011, 4, 1)
    arrangement.barriers = ["A real barrier", "  "]
    errors = messages(arrangement)
    assert errors["end_date"] == ["The end date cannot be before the start date."]
    assert "barriers" in errors


def test_a_workstream_cannot_be_its_own_ancestor(arrangement):
    child = Arrangement.objects.create(
        title="Child", slug="child", kind="other", status="proposed", parent=arrangement
    )
    grandchild = Arrangement.objects.create(
        title="Grandchild", slug="grandchild", kind="other", status="proposed", parent=child
    )
    arrangement.parent = arrangement
    assert "parent" in messages(arrangement)
    arrangement.parent = grandchild
    assert "parent" in messages(arrangement)
    arrangement.parent = None
    arrangement.full_clean()


def test_service_areas_have_two_levels(reference_data):
    legal = ServiceArea.objects.get(slug="legal")
    nested = ServiceArea(name="Childcare law", slug="childcare-law", parent=legal)
    assert "parent" in messages(nested)
    corporate = ServiceArea.objects.get(slug="corporate")
    corporate.parent = ServiceArea.objects.get(slug="regulatory")
    assert "parent" in messages(corporate)


def test_an_arrangement_cannot_take_the_address_of_a_page(arrangement):
    """/arrangements/feed/ is the list's feed: an arrangement called "feed" could never
    be reached at its own address."""
    arrangement.slug = "feed"
    assert messages(arrangement)["slug"] == [
        "“feed” is the address of another page of the register: choose another, "
        "e.g. feed-arrangement."
    ]
    arrangement.slug = "feed-arrangement"
    arrangement.full_clean()
