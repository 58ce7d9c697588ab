"""Summary figures computed by hand from the small register of the browse tests.

Visible to the public: Shared legal team (Alphaton lead, Betaford; legal; £100,000
estimated, £50,000 achieved in 2012/13, a £999,999 target), Costs draftsman (Alphaton,
Betaford, Gammashire; legal; up to 35% achieved), Fostering framework (Alphaton,
Gammashire, Deltaby; fostering; over £700,000 forecast), Regulatory services (Betaford,
Deltaby; building control and licensing; no savings). Exempt: Confidential waste deal
(Deltaby; waste; £5,000 estimated).
"""

import html
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from register import summaries
from register.models import Arrangement, Authority, Tier
from tests.factories import body, make_arrangement

pytestmark = pytest.mark.django_db

D = Decimal


def tier_rows(user=None):
    arrangements = Arrangement.objects.visible_to(user or AnonymousUser())
    return {row.key: row for row in summaries.tier_summary(arrangements, Authority.objects.all())}


def test_median_and_share():
    assert summaries.median([]) is None
    assert summaries.median([3]) == 3
    assert summaries.median([D(1), D(10), D(4)]) == 4
    assert summaries.median([D(150000), D(700000)]) == D(425000)
    assert summaries.share(1, 3) == D("33.3")
    assert summaries.share(1, 0) is None


def test_by_tier(register):
    rows = tier_rows()
    md = rows["metropolitan-district"]
    assert (md.authorities, md.participating, md.participating_share) == (2, 2, D("100.0"))
    assert (md.arrangements, md.average_partners, md.with_savings, md.coverage) == (
        4,
        D("2.5"),
        3,
        D("75.0"),
    )
    # Legal £150,000, fostering over £700,000, the draftsman's up to 35%: all going ahead.
    assert (md.savings.text, md.savings_median, md.savings_per_authority) == (
        "at least £850,000 and 1 percentage saving",
        D(425000),
        D(425000),
    )
    county = rows["county"]
    assert (county.arrangements, county.average_partners, county.with_savings) == (2, D("3.0"), 2)
    assert (county.savings.lower, county.savings_median) == (D(700000), D(700000))
    wales = rows["welsh-unitary"]
    assert (wales.arrangements, wales.with_savings, wales.savings_median) == (2, 1, D(700000))
    single = rows["single"]  # metropolitan districts and Welsh unitaries together
    assert (single.authorities, single.participating, single.arrangements) == (3, 3, 4)
    assert single.savings_median == D(425000)
    assert single.savings_per_authority == D(283333)  # £850,000 over 3 authorities
    assert rows["upper"].arrangements == 2
    assert "lower" not in rows  # no shire districts in this register


def test_by_service_area(register):
    rows = {
        row.slug: row
        for row in summaries.service_area_summary(Arrangement.objects.visible_to(AnonymousUser()))
    }
    corporate = rows["corporate"]
    assert (corporate.arrangements, corporate.savings.lower, corporate.with_savings) == (
        2,
        D(150000),
        2,
    )
    assert corporate.kinds == {"shared_service": 1, "hosted_resource": 1}
    assert rows["legal"].arrangements == 2
    assert rows["childrens-services"].kinds == {"joint_procurement": 1}
    assert rows["regulatory"].arrangements == 1  # two services, one arrangement
    assert rows["building-control"].arrangements == rows["licensing"].arrangements == 1
    assert "waste" not in rows and "environment-transport-waste" not in rows


def test_savings_by_year_and_targets(register):
    from register.models import Saving, SavingsTarget

    by_year = summaries.savings_by_year(Saving.objects.visible_to(AnonymousUser()))
    found = {
        (r["financial_year"], r["basis"]): (r["total"].text, r["arrangements"])
        for r in by_year.rows
    }
    # Going ahead only; targets are not savings; qualifiers and percentages kept.
    assert found == {
        (None, "estimated"): ("£100,000", 1),
        (None, "forecast"): ("at least £700,000", 1),
        (None, "achieved"): ("1 percentage saving", 1),
        (2012, "achieved"): ("£50,000", 1),
    }
    assert not by_year.apart
    # An idea not pursued: its savings are a total apart (targets still left out), and
    # the rows of arrangements going ahead do not change.
    for basis, amount in (("estimated", 30000), ("target", 90000)):
        Saving.objects.create(
            arrangement=register.regulatory,
            authority=register.beta,
            amount=amount,
            qualifier="about",
            basis=basis,
            period="financial_year",
            financial_year=2012,
        )
    by_year = summaries.savings_by_year(Saving.objects.visible_to(AnonymousUser()))
    assert by_year.apart.text == "about £30,000"
    assert {
        (r["financial_year"], r["basis"]): (r["total"].text, r["arrangements"])
        for r in by_year.rows
    } == found
    SavingsTarget.objects.create(authority=register.alpha, financial_year=2012, amount=1000000)
    Saving.objects.create(
        arrangement=register.legal,
        authority=register.alpha,
        amount=12000,
        basis="estimated",
        period="financial_year",
        financial_year=2012,
    )
    (target,) = summaries.targets_beside_savings(Authority.objects.all(), Saving.objects.all())
    assert (target["target"], target["recorded"].text) == (D(1000000), "£12,000")


def test_pipeline_as_of_a_date(client, register):
    page = client.get("/summary/pipeline/", {"as_of": "2012-04-05"}).content.decode()
    milestones = page.split('id="milestone-table"')[1]
    assert "Commence tender" in milestones  # April 2012 is not over on 5 April
    assert "Market engagement day" not in milestones  # 19 March 2012 has passed
    earlier = client.get("/summary/pipeline/", {"as_of": "2012-03-01"}).content.decode()
    assert "Market engagement day" in earlier.split('id="milestone-table"')[1]
    assert "Top heavy" in page.split('id="not-pursued"')[1]
    bad = client.get("/summary/pipeline/", {"as_of": "banana"})
    assert bad.status_code == 200
    assert "Enter the date as year-month-day" in bad.content.decode()


LINK = re.compile(r'href="(/(?:arrangements|authorities)/\?[^"]*)">([\d,]+)<')


@pytest.mark.parametrize(
    "url",
    [
        "/summary/tiers/",
        "/summary/service-areas/",
        "/summary/savings/",
        "/summary/pipeline/",
        "/summary/",
        "/summary/tiers/?region=wales",
        "/summary/service-areas/?status=operational",
        "/summary/briefing/?partnership=northern",
        "/summary/briefing/?authority=DEL",
    ],
)
def test_every_figure_leads_to_a_list_with_the_same_count(client, register, url):
    page = client.get(url).content.decode()
    links = LINK.findall(page)
    assert links, "the page has figures that link to lists"
    for href, figure in links:
        response = client.get(html.unescape(href))
        table = response.context["table"]
        assert table.page.paginator.count == int(figure.replace(",", "")), href


def test_narrowing_is_applied_and_shown(client, register):
    page = client.get("/summary/tiers/", {"region": "wales"}).content.decode()
    assert "This summary covers only the arrangements matching:" in page
    assert "Region of a partner: Wales" in page
    # Only fostering and regulatory have a Welsh partner.
    assert "Of 2 arrangements in view" in page
    bad = client.get("/summary/tiers/", {"status": "banana"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_briefing(client, register):
    page = client.get("/summary/briefing/", {"partnership": "northern"}).content.decode()
    assert "Shared services: Northern partners" in page
    assert "2 arrangements</a>, with 3 authorities taking part" in page
    assert "app-print-section" in page
    assert client.get("/summary/briefing/", {"partnership": "nowhere"}).status_code == 404


def test_national_picture_lists_findings_with_their_sources(client, register):
    from register.models import Finding, Source

    source = Source.objects.create(slug="map", title="National map", url="https://example.org/map")
    Finding.objects.create(source=source, statement="Councils sharing", value=95, unit="percent")
    page = client.get("/summary/national/").content.decode()
    assert "National map" in page and "95%" in page and "https://example.org/map" in page


SUMMARY_PAGES = [
    "/summary/",
    "/summary/tiers/",
    "/summary/service-areas/",
    "/summary/savings/",
    "/summary/pipeline/?as_of=2012-04-05",
    "/summary/national/",
    "/summary/briefing/?authority=ALP",
]


@pytest.mark.parametrize("url", SUMMARY_PAGES)
def test_summary_query_count_is_fixed(client, register, url):
    from tests.browse.test_query_counts import build, count_queries

    small = count_queries(client, url)
    build(40, register)
    assert count_queries(client, url) == small


def test_pipeline_shows_the_first_twenty_not_pursued_and_links_to_the_rest(client, register):
    for n in range(22):
        make_arrangement(f"Dropped idea {n:02d}", status="not_pursued")
    response = client.get("/summary/pipeline/")
    shown = response.context["not_pursued"]
    assert len(shown) == 20
    assert [a.title for a in shown][:2] == ["Dropped idea 00", "Dropped idea 01"]
    text = body(response)
    assert "The first 20 of 23, by title." in text
    assert "See all 23 not pursued in the list" in text
    listed = client.get(response.context["not_pursued_url"])
    assert listed.context["totals"].arrangements == 23


def test_list_totals_count_authorities_the_same_way_with_and_without_filters(register):
    visible = Arrangement.objects.filter(exempt=False)
    assert summaries.list_totals(visible, unfiltered_for=AnonymousUser()).authorities == 4
    assert summaries.list_totals(visible).authorities == 4
    assert summaries.list_totals(visible.filter(status="not_pursued")).authorities == 2


def test_tier_medians_with_odd_and_even_counts(register):
    """The median is worked out in SQL: the middle amount, or the mean of the two."""
    district = Authority.objects.create(
        code="SHD", name="Shireton", tier=Tier.objects.get(code="NMD"), gss_code="X99999999"
    )
    for amount in ("100", "200", "900.50"):
        make_arrangement(
            f"Deal {amount}",
            members=[district],
            savings=[{"amount": D(amount), "basis": "estimated"}],
        )
    make_arrangement("No money", members=[district])  # counted, but not in the median
    lower = tier_rows()["lower"]
    assert (lower.arrangements, lower.savings_figures, lower.savings_median) == (4, 3, D(200))
    assert lower.savings.text == "£1,200.50"
    make_arrangement(
        "Deal 1000", members=[district], savings=[{"amount": D(1000), "basis": "achieved"}]
    )
    assert tier_rows()["lower"].savings_median == D("550.25")


def test_summaries_of_nothing(register):
    nothing = Arrangement.objects.none()
    assert summaries.service_area_summary(nothing) == []
    rows = summaries.tier_summary(nothing, Authority.objects.all())
    assert rows and all(row.arrangements == 0 for row in rows)


@pytest.mark.parametrize(
    "url",
    [
        "/summary/",
        "/summary/tiers/",
        "/summary/service-areas/",
        "/summary/savings/",
        "/summary/pipeline/",
    ],
)
@pytest.mark.parametrize("bad", ["start_year_min=abc", "region=nowhere"])
def test_a_bad_narrowing_gets_a_page_not_an_error(client, register, url, bad):
    response = client.get(f"{url}?{bad}")
    assert response.status_code == 200
    assert "govuk-error" in body(response)


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_pipeline_as_of_far_outside_the_register_gets_a_message(client, register, as_of):
    response = client.get(f"/summary/pipeline/?as_of={as_of}")
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2100." in body(response)
