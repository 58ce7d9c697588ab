"""Free-text search on the seed papers: the same answers on PostgreSQL and SQLite."""

import pytest

from register.models import Arrangement, Authority
from register.search import search_arrangements, stem

pytestmark = pytest.mark.django_db


def found(text):
    from django.db import connection

    return sorted(
        search_arrangements(Arrangement.objects.all(), text, connection.vendor).values_list(
            "slug", flat=True
        )
    )


FOSTERING = "west-yorkshire-childrens-residential-and-fostering-commissioning"
NORTH_WEST = "north-west-foster-care-contract"
PENSIONS = ["west-yorkshire-pension-advice", "wylaw-shared-pension-advice-resource"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("barristers", ["wylaw-barristers-panel"]),
        ("Doncaster", [FOSTERING]),
        ("costs draftsman", ["wylaw-shared-costs-draftsman"]),
        ("GovX", ["wylaw-govx-hub"]),
        # Stemming: "fostering" finds "foster care", on both databases.
        ("fostering placements", [NORTH_WEST, FOSTERING]),
        # Service areas are searched too: the West Yorkshire commissioning is tagged
        # "Fostering" and "Children's residential care".
        ("foster care", [NORTH_WEST, FOSTERING]),
        ("pension advice", ["west-yorkshire-hr-joint-working", *PENSIONS]),
        ("Pension Service", ["west-yorkshire-hr-joint-working", *PENSIONS]),
        ("zebra", []),
    ],
)
def test_seed_searches(seeded, text, expected):
    assert found(text) == expected


def test_partner_names_are_searchable_and_kept_current(seeded):
    assert len(found("Kirklees")) == 22
    kirklees = Authority.objects.get(code="KIR")
    kirklees.name = "Huddersfield"
    kirklees.save()
    assert len(found("Huddersfield")) == 22
    # Still found by the old name only where the text itself says Kirklees.
    assert found("Kirklees") == ["wylaw-barristers-panel"]


def test_light_stemming():
    assert stem("fostering") == "foster"
    assert stem("barristers") == "barrist"
    assert stem("services") == "servic"
    assert stem("legal") == "legal"


def test_a_partnership_is_found_by_its_short_name_after_any_save(seeded):
    """The document holds the partnership's name and short name whichever way it is
    written: after its partners change, and after a save of the arrangement alone."""
    with_partnership = found("AWYA")
    assert with_partnership
    arrangement = Arrangement.objects.get(slug=with_partnership[0])
    arrangement.title = f"{arrangement.title} (renamed)"
    arrangement.save()
    assert found("AWYA") == with_partnership
    other = Arrangement.objects.filter(partnership__isnull=True).first()
    other.partnership = arrangement.partnership
    other.save()
    assert found("AWYA") == sorted([*with_partnership, other.slug])
