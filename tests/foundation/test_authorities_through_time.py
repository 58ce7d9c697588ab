"""Authorities through time: names as at a date, when they were created and abolished,
and who succeeded them."""

import datetime

import pytest

from register.models import Arrangement, Authority, Membership

pytestmark = pytest.mark.django_db


def test_names_as_they_were(authorities):
    shepway = Authority.objects.get(code="SHE")
    assert shepway.name == "Folkestone and Hythe"
    assert shepway.name_on(datetime.date(2012, 4, 5)) == "Shepway"
    assert shepway.name_on(datetime.date(2018, 4, 1)) == "Folkestone and Hythe"
    doncaster = Authority.objects.get(code="DNC")
    former = doncaster.former_name_on(datetime.date(2012, 4, 5))
    assert former.official_name == "Doncaster Metropolitan Borough Council"
    assert doncaster.official_name == "City of Doncaster Council"


def test_record_dates_are_not_creation_dates(authorities):
    leeds = Authority.objects.get(code="LDS")
    assert leeds.start_date is None  # the source's 2005-06-08 is when its record began
    assert not Authority.objects.filter(
        start_date__gte=datetime.date(2005, 5, 1), start_date__lte=datetime.date(2005, 6, 30)
    ).exists()


def test_abolished_councils_end_on_their_last_day(authorities):
    ends = set(
        Authority.objects.filter(end_date__isnull=False).values_list("end_date__day", flat=True)
    )
    assert 1 not in ends  # never the successor's first day
    assert Authority.objects.get(code="HAG").end_date == datetime.date(2023, 3, 31)


@pytest.mark.parametrize(
    "code, successors",
    [
        ("HAG", {"NYE"}),
        ("WDO", {"DST"}),
        ("BMH", {"BPC"}),
        ("SBU", {"BUC"}),
        ("NTH", {"NNT", "WNT"}),
        ("CMA", {"CBD", "WAF"}),
        ("SSO", {"SMT"}),
        ("SUF", {"ESK"}),
        ("FOR", {"WSK"}),
        ("TAU", {"SWT"}),
        ("SWT", {"SMT"}),
    ],
)
def test_the_2019_to_2023_reorganisations_link_successors(authorities, code, successors):
    authority = Authority.objects.get(code=code)
    assert {a.code for a in authority.successors.all()} == successors
    for successor in authority.successors.all():
        assert successor.start_date and successor.start_date.year >= 2019


def test_the_register_compares_the_councils_of_2012(authorities):
    existing = Authority.objects.existing_on()
    assert existing.filter(code="HAG").exists()
    assert not existing.filter(code="NYE").exists()
    assert existing.exclude(tier__code="OTHER").count() == 376


def test_an_arrangement_says_who_holds_an_abolished_partners_place(client, authorities):
    arrangement = Arrangement.objects.create(
        title="Harrogate and Craven waste",
        slug="harrogate-craven-waste",
        kind="shared_service",
        status="operational",
    )
    for code in ("HAG", "CRA"):
        Membership.objects.create(
            arrangement=arrangement, authority_id=Authority.objects.get(code=code).pk
        )
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert "Abolished 31 March 2023" in page
    assert "its place is now held by" in page and "North Yorkshire" in page
