"""Plain wording: what is not recorded says so, and dates say what they are."""

import pytest

from tests.factories import body

pytestmark = pytest.mark.django_db


def test_an_arrangement_page_says_what_its_dates_are(client, seeded):
    page = body(client.get("/arrangements/wylaw-barristers-panel/"))
    assert "As reported on" in page and "5 April 2012" in page
    assert "Record last changed" in page
    assert "Last updated" not in page
    assert "Part of" in page and "WYLaw: West Yorkshire legal services collaboration" in page


def test_nothing_reads_none(client, seeded):
    page = body(client.get("/arrangements/north-west-foster-care-contract/"))
    assert ">None<" not in page and "None:" not in page and "None named" not in page
    assert 'Part of</dt><dd class="govuk-summary-list__value">—' in page
    listing = body(client.get("/arrangements/", {"q": "foster care contract"}))
    assert ">None<" not in listing
