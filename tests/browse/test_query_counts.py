"""Every list and detail page runs the same number of SQL queries for 5 rows as for 50."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.figures import refresh_stored_figures
from register.models import Arrangement, Authority, Membership, Milestone, Saving, Tier
from register.search import refresh_search_documents
from register.signals import refreshed_once
from tests.factories import body, make_arrangement

pytestmark = pytest.mark.django_db


def build(size, register, abolished=False):
    """`size` arrangements, each with partners, savings and milestones, as workstreams of
    one programme, plus `size` councils that all take part in that programme.

    Stored figures, search documents and totals are refreshed once, at the end, as an
    import refreshes them (the programme's rows, written in bulk, send no signals):
    refreshing them after every row made the data take longer to build than the pages
    take to answer."""
    with refreshed_once():
        tier = Tier.objects.get(code="NMD")
        councils = [
            Authority.objects.create(
                code=f"Q{n:02d}"[:3],
                name=f"Council {n}",
                tier=tier,
                end_date=datetime.date(2019, 3, 31) if abolished else None,
            )
            for n in range(size)
        ]
        for council in councils if abolished else ():
            council.successors.add(register.gamma)
        programme = make_arrangement("Programme", members=[register.alpha], areas=["legal"])
        for n, council in enumerate(councils):
            arrangement = make_arrangement(
                f"Workstream {n}",
                members=[council, register.beta],
                lead=council,
                areas=["legal", "fostering"],
                parent=programme,
            )
            Saving.objects.create(arrangement=arrangement, amount=Decimal(n), basis="estimated")
        Membership.objects.bulk_create(
            Membership(arrangement=programme, authority=council) for council in councils
        )
        Saving.objects.bulk_create(
            Saving(
                arrangement=programme,
                amount=Decimal(n),
                basis="achieved",
                authority=council,
                period="financial_year",
                financial_year=2012,
            )
            for n, council in enumerate(councils)
        )
        Milestone.objects.bulk_create(
            Milestone(arrangement=programme, title=f"Milestone {n}") for n in range(size)
        )
    refresh_stored_figures([programme.pk])
    refresh_search_documents([programme.pk])
    return programme


PAGES = [
    "/",
    "/arrangements/?per_page=100",
    "/arrangements/?per_page=100&q=workstream&service_area=corporate&tier_level=lower",
    "/arrangements/?per_page=100&_export=csv",
    "/arrangements/{programme}/",
    "/authorities/?per_page=100",
    "/authorities/ALP/",
    "/authorities/BET/",
    "/compare/?authority=ALP&authority=BET&authority=GAM",
    "/service-areas/",
    "/service-areas/legal/?per_page=100",
    "/authorities/BET/partners/?service_area=legal",
    "/authorities/BET/partners/?service_area=corporate&_export=csv",
    # The JSON API: a page of each list, and records with many partners and savings.
    "/api/v1/arrangements/?page_size=100",
    "/api/v1/arrangements/?page_size=100&service_area=legal&tier_level=lower&q=workstream",
    "/api/v1/arrangements/{programme}/",
    "/api/v1/savings/?page_size=100",
    "/api/v1/savings/?page_size=100&authority=BET&has_savings=yes",
    "/api/v1/authorities/?page_size=100",
    "/api/v1/authorities/BET/",
    "/api/v1/service-areas/?page_size=100",
    "/api/v1/summaries/",
]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body(response)  # a streamed export queries as it streams
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_query_count_does_not_grow_with_rows(client, register, url):
    assert_query_count_does_not_grow(client, register, url)


@pytest.mark.parametrize("url", ["/summary/briefing/?authority=BET", "/arrangements/{programme}/"])
def test_partners_abolished_since_add_no_queries_per_row(client, register, url):
    """Each partner abolished since, with who holds its place, in a briefing describing
    up to 30 arrangements and on an arrangement's page."""
    assert_query_count_does_not_grow(client, register, url, abolished=True)


def assert_query_count_does_not_grow(client, register, url, abolished=False):
    programme = build(5, register, abolished)
    small = count_queries(client, url.format(programme=programme.slug))
    Arrangement.objects.filter(title__startswith="Workstream").delete()
    Membership.objects.filter(authority__code__startswith="Q").delete()
    Saving.objects.filter(authority__code__startswith="Q").delete()
    Authority.objects.filter(code__startswith="Q").delete()
    Arrangement.objects.filter(pk=programme.pk).delete()
    programme = build(50, register, abolished)
    large = count_queries(client, url.format(programme=programme.slug))
    assert small == large, f"{url}: {small} queries with 5 rows, {large} with 50"


def test_an_authority_page_costs_the_same_with_or_without_a_target(client, register):
    """Its savings by year read the authority's name in a query of their own whatever the
    data: it had been read again only when the authority had savings but no target."""
    from register.models import SavingsTarget

    saving = Saving.objects.create(
        arrangement=register.legal,
        authority=register.alpha,
        amount=Decimal("1000"),
        basis="achieved",
        period="financial_year",
        financial_year=2013,
    )
    assert saving.arrangement.status in ("operational", "in_development", "procurement", "ended")
    without = count_queries(client, "/authorities/ALP/")
    SavingsTarget.objects.create(authority=register.alpha, financial_year=2013, amount=5000)
    page = client.get("/authorities/ALP/")
    assert [row["target"] for row in page.context["targets_by_year"]] == [Decimal(5000)]
    assert count_queries(client, "/authorities/ALP/") == without
