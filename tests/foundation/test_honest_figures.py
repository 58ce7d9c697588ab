"""Honest figures from the two 2012 papers, read as a councillor reads them.

Each test is one rule of the brief's "Honest figures": whose saving, which savings
count, qualifiers that survive arithmetic, who takes part, and whether the register
can answer a comparison at all."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from register.figures import HEADLINE_RULE
from register.models import (
    Arrangement,
    Finding,
    Membership,
    Partnership,
    Saving,
    SavingShare,
    Source,
)
from tests.factories import body

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's words, without tags or repeated spaces."""
    page = re.sub(r"<[^>]+>", " ", body(response))
    return re.sub(r"\s+", " ", page).replace("&#x27;", "'").replace("&quot;", '"')


# --- Whose saving, and which savings count --------------------------------------------


def test_calderdale_is_never_credited_with_the_partnerships_or_an_abandoned_idea(client, seeded):
    for url in ("/authorities/CLD/", "/summary/briefing/?authority=CLD"):
        page = text_of(client.get(url))
        assert "£760,000" not in page
        # Its own figure is the £12,000 of the pension advice that was not pursued.
        assert re.search(r"own savings,? (of arrangements going ahead: )?None recorded", page) or (
            "Of arrangements going ahead: None recorded" in page
        ), url
        assert "£12,000 from ideas not yet decided or not pursued" in page
        # The fostering forecast is the whole partnership's, kept apart.
        assert "not Calderdale's alone" in page or "not to Calderdale" in page
        assert "at least £700,000" in page


def test_headline_totals_leave_out_ideas_not_pursued(client, seeded):
    home = text_of(client.get("/"))
    assert "£2,660,000" not in home
    assert "at least £2,600,000 of savings recorded for arrangements going ahead" in home
    assert "Not counted: £60,000 from ideas not yet decided or not pursued" in home
    listing = text_of(client.get("/arrangements/"))
    assert "at least £2,600,000 savings in pounds of arrangements going ahead" in listing
    assert "Shown apart, not in the total: £60,000" in listing


def test_the_summary_index_states_the_counting_rule(client, seeded):
    page = text_of(client.get("/summary/"))
    assert HEADLINE_RULE in page
    assert "Taking part means a member that has joined" in page


def test_an_arrangement_not_going_ahead_says_its_savings_are_not_counted(client, seeded):
    page = text_of(client.get("/arrangements/west-yorkshire-pension-advice/"))
    assert "never counted in headline totals" in page
    page = text_of(client.get("/arrangements/north-west-foster-care-contract/"))
    assert "never counted in headline totals" not in page


def test_targets_are_set_against_own_savings_and_shares_separately(client, seeded):
    fostering = Saving.objects.get(
        arrangement__slug="west-yorkshire-childrens-residential-and-fostering-commissioning"
    )
    # An administrator records Calderdale's share of the partnership's forecast for 2012/13.
    fostering.period, fostering.financial_year = "financial_year", 2012
    fostering.save()
    SavingShare.objects.create(
        saving=fostering,
        authority=fostering.arrangement.memberships.get(authority__code="CLD").authority,
        amount=Decimal("140000"),
    )
    page = text_of(client.get("/authorities/CLD/"))
    # A share of an "over" figure is at least its amount, in the table by year as where
    # the share is listed.
    row = re.search(r"2012/13 £1,000,000 (\S+ \S+) (at least £140,000)", page)
    assert row is not None, page[page.find("2012/13") :][:200]
    assert row.group(1) == "Not recorded"
    assert "£140,000 of at least £700,000" in page or "£140,000 of over £700,000" in page


# --- Qualifiers and the sources' own words ---------------------------------------------


def test_savings_keep_the_sources_words(client, seeded):
    north_west = text_of(client.get("/arrangements/north-west-foster-care-contract/"))
    assert "£1.9m" in north_west
    fees = Saving.objects.get(arrangement__slug="wylaw-external-fees-review")
    assert fees.display == "average 20% of fee rates"
    listing = text_of(client.get("/arrangements/", {"q": "library"}))
    assert "up to 35%" in listing or "1 percentage saving" in listing


def test_the_maybe_benefits_keep_their_may(seeded):
    pension = Arrangement.objects.get(slug="west-yorkshire-pension-advice")
    assert any(benefit.startswith("There may also be") for benefit in pension.benefits)


def test_national_figures_keep_over_at_least_and_undated(client, seeded):
    over = Finding.objects.get(
        statement="Cumulative efficiency savings from shared service partnerships",
        source__date__year=2019,
    )
    assert over.value_display == "over £1,340,000,000"
    at_least = Finding.objects.get(statement="Councils engaged in shared service arrangements")
    assert at_least.value_display == "at least 337"
    lgc = Finding.objects.get(statement="Examples of districts sharing with other districts")
    assert lgc.source.date is None and lgc.source.date_display == "date not stated"
    year_only = Finding.objects.get(
        statement="Shared service partnerships on the map", qualifier="over"
    )
    assert year_only.source.date_display == "2018"
    page = text_of(client.get("/summary/national/"))
    assert "over £1,340,000,000" in page and "date not stated" in page
    assert "January 2013" in page or "29 January 2013" in page


def test_the_nlgn_report_notes_both_its_titles_and_its_date(seeded):
    nlgn = Source.objects.get(slug="nlgn-sharing-necessities-2011")
    assert "Shared Necessities" in nlgn.note and "Sharing Necessities" in nlgn.note
    assert "March 1st 2011" in nlgn.note


def test_the_pension_resource_is_pursued_and_its_partner_an_inference(client, seeded):
    resource = Arrangement.objects.get(slug="wylaw-shared-pension-advice-resource")
    assert resource.status == "in_development"
    assert "is also being pursued" in resource.summary
    wyps = resource.memberships.get(authority__code="WYP")
    assert wyps.inferred and wyps.role == "prospective"
    page = text_of(client.get(resource.get_absolute_url()))
    assert "Inferred by the register" in page


def test_the_papers_requests_and_recommendations_are_held(client, seeded):
    page = text_of(client.get("/sources/calderdale-use-of-resources-2012-04-05/"))
    assert "12 January 2012" in page
    assert "ensure that the required budgets savings are achieved" in page
    page = text_of(client.get("/sources/county-review-group-2012-02-21/"))
    assert "20th September 2011" in page
    assert "what further evidence, if any, it requires" in page


# --- Taking part -------------------------------------------------------------------------


def test_taking_part_means_joined(client, seeded):
    fostering = Arrangement.objects.get(
        slug="west-yorkshire-childrens-residential-and-fostering-commissioning"
    )
    assert fostering.partner_count == 5  # not Doncaster, which only wishes to join
    joined = set(
        Membership.objects.taking_part().values_list("authority__code", flat=True).distinct()
    )
    assert joined == {"BRD", "CLD", "KIR", "LDS", "WKF"}  # not DNC, not WYP
    home = text_of(client.get("/"))
    assert "5 authorities taking part" in home
    assert Membership.objects.filter(authority__code="DNC", role="joining").exists()


# --- Can the register answer? ----------------------------------------------------------


def test_the_tier_page_says_it_cannot_answer_and_quotes_the_evidence(client, seeded):
    page = text_of(client.get("/summary/tiers/"))
    assert (
        "The register holds arrangements from one partnership of metropolitan districts, so "
        "it cannot yet say whether sharing is more successful or cost-effective in "
        "single-tier authorities" in page
    )
    assert "Examples of districts sharing with other districts" in page
    assert "92" in page and "56" in page
    assert "date not stated" in page
    assert "at least 10 of its authorities" in page  # the rule, in words


@pytest.mark.parametrize("url", ["/summary/service-areas/", "/summary/regions/"])
def test_every_comparison_page_states_its_coverage(client, seeded, url):
    page = text_of(client.get(url))
    assert "How much of each group the register covers" in page
    assert "so it cannot yet say" in page


# --- Figures stored on each arrangement --------------------------------------------------


def test_stored_figures_match_the_records_and_follow_every_change(seeded, capsys):
    call_command("check_register")
    assert "match" in capsys.readouterr().out
    fostering = Arrangement.objects.get(
        slug="west-yorkshire-childrens-residential-and-fostering-commissioning"
    )
    assert (fostering.savings_lower, fostering.savings_upper) == (Decimal("700000"), None)
    Saving.objects.create(arrangement=fostering, amount=50000, basis="achieved")
    Membership.objects.filter(arrangement=fostering, authority__code="DNC").update(
        role="partner"
    )  # a bulk update, which no signal sees
    fostering.refresh_from_db()
    assert fostering.savings_lower == Decimal("750000")
    assert fostering.savings_figures == 2 and fostering.partner_count == 5
    with pytest.raises(Exception, match="stored figure\\(s\\), 0 search document"):
        call_command("check_register")
    assert "partner_count is 5, should be 6" in capsys.readouterr().out
    call_command("check_register", "--fix")
    fostering.refresh_from_db()
    assert fostering.partner_count == 6
    # A partnership renamed by a bulk update, which no signal sees: its arrangements'
    # search documents are out of date, and said to be.
    partnership = Partnership.objects.exclude(short_name="").first()
    in_it = sorted(partnership.arrangements.values_list("pk", flat=True))
    Partnership.objects.filter(pk=partnership.pk).update(short_name="ZZWY")
    capsys.readouterr()
    with pytest.raises(Exception, match=f"0 stored figure\\(s\\), {len(in_it)} search"):
        call_command("check_register")
    assert f"arrangements {', '.join(map(str, in_it))}." in capsys.readouterr().out
    call_command("check_register", "--fix")
    call_command("check_register")
    assert "match" in capsys.readouterr().out


def test_saving_an_arrangement_never_overwrites_its_stored_figures(seeded):
    stale = Arrangement.objects.get(slug="north-west-foster-care-contract")
    Saving.objects.create(arrangement=stale, amount=100000, basis="achieved")
    stale.summary = "Edited after a saving was added elsewhere"
    stale.save()
    stale.refresh_from_db()
    assert stale.savings_lower == Decimal("2000000")


def test_deleting_a_service_area_works_out_its_arrangements_again(register):
    from register.figures import stored_figures_drift
    from register.models import ServiceArea
    from register.search import search_document_drift

    regulatory = register.regulatory
    regulatory.refresh_from_db()
    assert regulatory.first_service_area == "Building control"
    ServiceArea.objects.get(slug="building-control").delete()
    regulatory.refresh_from_db()
    assert regulatory.first_service_area == "Licensing"
    assert "Building control" not in regulatory.search_document
    assert stored_figures_drift() == [] and search_document_drift() == []


def test_the_savings_summary_sets_targets_against_the_arrangements_in_view_only(client, seeded):
    """Narrowed to ideas not pursued, the summary's targets table shows none of the
    savings of arrangements going ahead beside the targets."""
    fostering = Saving.objects.get(
        arrangement__slug="west-yorkshire-childrens-residential-and-fostering-commissioning"
    )
    fostering.period, fostering.financial_year = "financial_year", 2012
    fostering.save()
    SavingShare.objects.create(
        saving=fostering,
        authority=fostering.arrangement.memberships.get(authority__code="CLD").authority,
        amount=Decimal("140000"),
    )
    whole = client.get("/summary/savings/").context["targets"]
    assert any(row["shares"] for row in whole)
    narrowed = client.get("/summary/savings/", {"status": "not_pursued"}).context["targets"]
    assert narrowed and not any(row["shares"] or row["recorded"] for row in narrowed)
    assert {(r["authority"].pk, r["year"], r["target"]) for r in narrowed if r["target"]} == {
        (r["authority"].pk, r["year"], r["target"]) for r in whole if r["target"]
    }
