"""Councils side by side (/compare/): what each figure counts, that every count links to
exactly the rows behind it, honest savings, exempt records, bad addresses, the CSV, and
a number of queries that does not grow with the data."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.models import SavingsTarget
from tests.factories import SavingFactory, body, make_arrangement

pytestmark = pytest.mark.django_db

ALP_BET = "/compare/?authority=ALP&authority=BET"


def cells(page, key):
    """{row key: [counts per council]} of a table of the page."""
    return {row.key: [cell.count for cell in row.cells] for row in page.context[key]}


def listed(client, url) -> int:
    return client.get(url).context["totals"].arrangements


def test_counts_by_service_area_are_of_arrangements_each_council_takes_part_in(client, register):
    page = client.get(ALP_BET)
    assert page.status_code == 200
    areas = cells(page, "area_rows")
    assert areas["legal"] == [2, 2]  # the legal team and its costs draftsman
    assert areas["corporate"] == [2, 2]
    assert areas["fostering"] == [1, 0]
    # Regulatory services is in two regulatory services: the category counts it once.
    assert areas["building-control"] == [0, 1] and areas["licensing"] == [0, 1]
    assert areas["regulatory"] == [0, 1]
    assert "waste" not in areas  # the exempt deal, and neither takes part in it anyway
    statuses = cells(page, "status_rows")
    assert statuses["operational"] == [1, 1] and statuses["not_pursued"] == [0, 1]
    assert [c.count for c in page.context["totals"].cells] == [3, 3]


def test_every_count_links_to_a_list_of_exactly_that_many(client, register):
    page = client.get("/compare/?authority=ALP&authority=BET&authority=GAM&authority=DEL")
    rows = [*page.context["area_rows"], *page.context["status_rows"], page.context["totals"]]
    checked = 0
    for row in rows:
        for cell in row.cells:
            if cell.count:
                assert listed(client, cell.url) == cell.count, (row.key, cell.url)
                checked += 1
    assert checked > 15


def test_exempt_arrangements_count_only_for_those_who_may_see_them(client, register, viewer):
    make_arrangement("Hidden audit", members=[register.alpha, register.gamma], exempt=True)
    url = "/compare/?authority=DEL&authority=GAM"
    public = client.get(url)
    assert "waste" not in cells(public, "area_rows")
    assert "Confidential waste deal" not in body(public) and "Hidden audit" not in body(public)
    gamma_with = {
        row["authority"].code: row["counts"] for row in public.context["partners"]["common"]
    }
    client.force_login(viewer)
    signed_in = client.get(url)
    assert cells(signed_in, "area_rows")["waste"] == [1, 0]
    # Deltaby's waste deal and Gammashire's audit: one more each.
    assert [c.count for c in signed_in.context["totals"].cells] == [
        c.count + 1 for c in public.context["totals"].cells
    ]
    seen = {row["authority"].code: row["counts"] for row in signed_in.context["partners"]["common"]}
    assert seen["ALP"][1] == gamma_with["ALP"][1] + 1  # Gammashire's hidden audit with Alphaton


def test_partners_in_common_and_arrangements_together(client, register):
    partners = client.get(ALP_BET).context["partners"]
    common = {row["authority"].code: row["counts"] for row in partners["common"]}
    # Gammashire: with Alphaton in the draftsman and fostering, with Betaford in the draftsman.
    assert common == {"GAM": [2, 1], "DEL": [1, 1]}
    (pair,) = partners["pairs"]
    assert (pair["first"].code, pair["second"].code, pair["count"]) == ("ALP", "BET", 2)
    three = client.get(ALP_BET + "&authority=DEL").context["partners"]
    # Gammashire takes part with all three; Deltaby is compared, so not a partner in common.
    assert [row["authority"].code for row in three["common"]] == ["GAM"]
    assert len(three["pairs"]) == 3


def test_gaps_name_the_service_areas_one_shares_and_another_does_not(client, register):
    page = client.get(ALP_BET)
    gaps = {g["row"].key: ([c.code for c in g["shared_by"]], [c.code for c in g["not_by"]])
            for g in page.context["gaps"]}  # fmt: skip
    assert gaps["fostering"] == (["ALP"], ["BET"])
    assert gaps["licensing"] == (["BET"], ["ALP"])
    assert "legal" not in gaps  # both share it


def test_the_tier_average_says_what_it_counts_and_can_be_hidden(client, register):
    page = client.get("/compare/?authority=ALP&authority=GAM")
    averages = page.context["averages"]
    assert [(a.tier.code, a.councils) for a in averages] == [("MD", 2), ("CTY", 1)]
    areas = {row.key: row.averages for row in page.context["area_rows"]}
    # Alphaton and Betaford take part in two legal arrangements each, over two districts.
    assert areas["legal"] == [Decimal("2.0"), Decimal("1.0")]
    assert areas["fostering"] == [Decimal("0.5"), Decimal("1.0")]
    text = body(page)
    assert "across 2 councils" in text and "across 1 council," in text
    assert "those with no arrangements recorded included" in text
    hidden = client.get("/compare/?authority=ALP&authority=GAM&tier_average=0")
    assert hidden.context["averages"] == []
    assert "Average per" not in body(hidden)
    assert 'id="show-averages"' in body(hidden)
    # Anything else leaves them shown.
    assert client.get("/compare/?authority=ALP&authority=GAM&tier_average=x").context["averages"]


def test_savings_are_the_authority_pages_own_and_never_a_partnerships_as_a_councils(
    client, register
):
    SavingFactory(
        arrangement=register.legal,
        authority=register.alpha,
        amount=Decimal("12000"),
        qualifier="up_to",
        basis="achieved",
        period="financial_year",
        financial_year=2012,
    )
    SavingsTarget.objects.create(
        authority=register.alpha, financial_year=2012, amount=Decimal("1000000")
    )
    SavingFactory(arrangement=register.regulatory, amount=Decimal("40000"), qualifier="about")
    page = client.get(ALP_BET)
    alpha, beta = page.context["savings"]["per_council"]
    for council in (alpha, beta):
        own_page = client.get(council["council"].get_absolute_url()).context["savings"]
        for name in ("own_total", "own_apart", "whole_total", "whole_apart"):
            assert getattr(council["figures"], name) == getattr(own_page, name), name
        assert council["figures"].shares == len(own_page.shares)
    assert alpha["figures"].own_total.text == "up to £12,000"
    assert beta["figures"].whole_apart.text == "about £40,000"  # an idea not pursued
    text = body(page)
    # The fostering framework's "over £700,000" belongs to its partners together.
    assert "at least £850,000 and 1 percentage saving" in text
    assert "Whole-partnership figures of arrangements it takes part in" in text
    (year,) = page.context["savings"]["by_year"]
    assert year["label"] == "2012/13"
    assert year["cells"][0]["target"] == Decimal("1000000")
    assert year["cells"][1] is None
    assert alpha["chart"] is not None and beta["chart"] is None
    assert "cannot set its savings against a target" in text


def test_where_no_council_has_savings_by_year_the_page_says_it_cannot_answer(client, register):
    text = body(client.get(ALP_BET))
    assert "cannot say how their savings compare with their targets" in text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 200, "Choose 2 to 4 councils"),
        ("?authority=ALP", 200, "Choose one to three more councils to compare with Alphaton"),
        ("?authority=alp&authority=", 200, "compare with Alphaton"),
        ("?authority=ALP&authority=ALP", 400, "Alphaton is chosen more than once"),
        ("?authority=ALP&authority=ZZZ", 404, "No authority in the register has the code “ZZZ”"),
        ("?authority=ALP&authority=" + "x" * 5000, 404, "has the code “XXXXXXXXXX”"),
        (
            "?authority=ALP&authority=BET&authority=GAM&authority=DEL&authority=YRK",
            404,
            "“YRK”",
        ),
        ("?" + "&".join(["authority=ALP"] * 300), 400, "more than once"),
        (
            "?authority=ALP&authority=BET&authority=alp&authority=bet",
            400,
            "Alphaton, Betaford are each chosen more than once",
        ),
        (ALP_BET[9:] + "&format=xlsx", 400, "There is no “xlsx” download"),
    ],
)
def test_bad_choices_get_a_clear_message_and_the_form(client, register, query, status, message):
    response = client.get(f"/compare/{query}")
    assert response.status_code == status
    text = body(response)
    assert message in text
    assert 'id="compare-form"' in text and 'name="authority"' in text


def test_five_councils_are_too_many(client, register):
    make_arrangement("Fifth", members=[register.alpha])
    from tests.factories import AuthorityFactory

    AuthorityFactory(code="EPS", name="Epsilon")
    response = client.get(
        "/compare/?authority=ALP&authority=BET&authority=GAM&authority=DEL&authority=EPS"
    )
    assert response.status_code == 400
    assert "Choose at most four councils to compare: 5 are chosen" in body(response)


def test_the_form_keeps_the_councils_chosen_ticked(client, register):
    text = body(client.get("/compare/?authority=ALP"))
    assert 'value="ALP" checked' in text and 'value="BET" checked' not in text


def test_the_authority_page_links_to_the_comparison_with_it_chosen(client, register):
    text = body(client.get("/authorities/ALP/"))
    assert 'href="/compare/?authority=ALP" id="compare-link"' in text


def test_the_table_by_service_area_downloads_as_csv(client, register):
    response = client.get(ALP_BET + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="compare-alp-bet.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[0][2:] == [
        "Alphaton (ALP): arrangements it takes part in",
        "Betaford (BET): arrangements it takes part in",
        "Average per metropolitan district (arrangements taken part in, across the 2 that "
        "existed on 1 April 2012)",
    ]
    by_area = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_area[("Corporate and back office", "Legal services")] == ["2", "2", "2.0"]
    without = client.get(ALP_BET + "&tier_average=0&format=csv")
    assert len(next(csv.reader(io.StringIO(body(without))))) == 4


def test_queries_are_bounded_whatever_the_number_of_councils(
    client, register, django_assert_max_num_queries
):
    # The same bound for two councils as for four: nothing is read once per council. (The
    # targets by year read the councils' names in a query of their own, whatever the data,
    # rather than only when a council has savings and no target.)
    with django_assert_max_num_queries(19):
        client.get(ALP_BET)
    with django_assert_max_num_queries(19):
        client.get("/compare/?authority=ALP&authority=BET&authority=GAM&authority=DEL")


def test_queries_do_not_grow_with_the_data(client, register):
    from tests.browse.test_query_counts import build, count_queries

    url = "/compare/?authority=ALP&authority=BET&authority=GAM"
    small = count_queries(client, url)
    build(40, register)
    page = client.get(url)
    assert page.context["totals"].cells[1].count == 43  # Betaford: every workstream, and three more
    assert count_queries(client, url) == small


def test_the_counts_from_the_partner_words_are_those_of_the_memberships(seeded, viewer):
    """PostgreSQL counts memberships from the partner words stored on each row; they must
    be the memberships' own counts, for the public and for a viewer."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from register import comparisons
    from register.models import Authority, Tier

    if connection.vendor != "postgresql":
        pytest.skip("the partner words are counted on PostgreSQL only")
    make_arrangement("Hidden audit", members=Authority.objects.filter(code__in=["CLD", "KEN"]),
                     areas=["audit"], exempt=True)  # fmt: skip
    councils = list(Authority.objects.filter(code__in=["CLD", "KIR", "KEN"]))
    tiers = list(Tier.objects.filter(code__in=["MD", "CTY", "NMD"]))
    in_tiers = Authority.objects.existing_on().filter(tier__in=tiers)
    for user in (AnonymousUser(), viewer):
        words = comparisons.counts_from_words(user, councils, in_tiers)
        memberships = comparisons.counts_from_memberships(user, councils, in_tiers)
        assert any(group[0] == "council" for group, _ in words.by_area)
        assert any(group[0] == "tier" for group, _ in words.by_area)
        assert words.by_area == memberships.by_area
        assert words.by_status == memberships.by_status
        assert words.total == memberships.total
        assert words.sizes == memberships.sizes
        assert words.participating == {t.pk: memberships.participating.get(t.pk, 0) for t in tiers}


def test_a_council_created_after_the_reference_date_is_not_counted_in_its_tiers_average(
    client, register
):
    import datetime

    from tests.factories import AuthorityFactory

    AuthorityFactory(code="NEW", name="Newtown", tier="MD", start_date=datetime.date(2019, 4, 1))
    page = client.get("/compare/?authority=ALP&authority=NEW")
    (average,) = page.context["averages"]
    assert average.councils == 2  # Alphaton and Betaford, not Newtown
    assert [c.code for c in average.compared] == ["ALP"]
    assert [c.code for c in average.not_counted] == ["NEW"]
    assert "Newtown did not exist then, so is not counted in it" in body(page)


def test_partners_in_common_are_the_first_few_and_say_how_many_more(client, register, monkeypatch):
    from register import comparisons

    monkeypatch.setattr(comparisons, "PARTNERS_SHOWN", 1)
    page = client.get(ALP_BET)
    assert [row["authority"].code for row in page.context["partners"]["common"]] == ["DEL"]
    assert "1 more authority takes part with both; the 1 that share most" in body(page)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(["authority", "tier_average", "format", "junk"]),
            st.one_of(
                st.sampled_from(["ALP", "bet", "GAM", "DEL", "csv", "0", "", "\x00", "ZZZ"]),
                st.text(max_size=20),
            ),
        ),
        max_size=7,
    )
)
def test_no_address_causes_a_server_error(client, register, params):
    data = {}
    for key, value in params:
        data.setdefault(key, []).append(value)
    assert client.get("/compare/", data).status_code < 500


def test_a_council_chosen_twice_is_told_so_once(client, register):
    page = body(client.get("/compare/?authority=ALP&authority=alp"))
    assert "Alphaton is chosen more than once" in page
    assert "Choose at least two councils" not in page


def test_another_public_body_is_not_compared_and_not_offered_for_comparison(client, register):
    """Compare is for councils: a police force is told apart in words, and its page does
    not offer the comparison."""
    from tests.factories import AuthorityFactory

    AuthorityFactory(code="WYP", name="West Yorkshire Police", tier="OTHER")
    response = client.get("/compare/?authority=ALP&authority=WYP")
    assert response.status_code == 400
    assert "West Yorkshire Police (other public body) is not a council" in body(response)
    page = body(client.get("/authorities/WYP/"))
    assert 'id="compare-link"' not in page
    # Nor does the comparison's form offer it.
    form = body(client.get("/compare/?authority=ALP"))
    assert 'value="WYP"' not in form and 'value="BET"' in form
    assert 'id="compare-link"' in body(client.get("/authorities/ALP/"))
