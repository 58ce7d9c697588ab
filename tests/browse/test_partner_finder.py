"""The partner finder page: who is ranked, how, what it hides, bad input, downloads."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from register import selectors
from register.models import Arrangement, Authority, ServiceArea
from tests.factories import AuthorityFactory, UserFactory, body, make_arrangement

pytestmark = pytest.mark.django_db

# Alphaton and Betaford 10 km apart, Gammashire 30 km away, Deltaby in Wales 150 km.
POINTS = {
    "ALP": ("53.800000", "-1.550000"),
    "BET": ("53.800000", "-1.700000"),
    "GAM": ("53.800000", "-2.000000"),
    "DEL": ("52.600000", "-2.500000"),
}


@pytest.fixture
def placed(register):
    for code, (lat, long) in POINTS.items():
        Authority.objects.filter(code=code).update(latitude=Decimal(lat), longitude=Decimal(long))
    return register


def finder(authority_code, area_slug, user=None):
    authority = selectors.partner_finder_authority(authority_code)
    area = ServiceArea.objects.get(slug=area_slug)
    tree = selectors.service_area_tree()
    return selectors.partner_finder(user or AnonymousUser(), authority, area, tree, every=True)


def by_code(result):
    return {c.authority.code: c for c in result["candidates"]}


def viewer():
    return UserFactory(permissions=["view_exempt_arrangement"])


def test_candidates_are_councils_of_today_never_the_council_itself(placed):
    AuthorityFactory(code="OLD", name="Oldtown", end_date=datetime.date(2019, 3, 31))
    AuthorityFactory(code="NEW", name="Newtown", start_date=datetime.date.today())
    AuthorityFactory(code="OTH", name="Some agency", tier="OTHER")
    codes = set(by_code(finder("ALP", "legal")))
    assert codes == {"BET", "GAM", "DEL", "NEW"}


def test_each_part_of_the_score_from_the_register(placed):
    found = by_code(finder("ALP", "legal"))
    beta, gamma, delta = found["BET"], found["GAM"], found["DEL"]
    # Betaford: about 10 km, same region, same tier; shares legal (two arrangements, none
    # welcoming); already a partner of Alphaton in two.
    assert beta.km == pytest.approx(9.9, abs=0.3)
    assert (beta.shared, beta.same_tier, beta.sharing, beta.welcoming) == ("region", True, 2, 0)
    assert beta.partners_in == 2  # the legal team and the costs draftsman
    assert beta.score == beta.distance_points + 10 + beta.tier_points + 10 + 10
    # Gammashire: a county, in the costs draftsman only; partners in two.
    assert (gamma.same_tier, gamma.sharing, gamma.partners_in) == (False, 1, 2)
    # Deltaby: Wales, no legal; a partner of Alphaton in the fostering framework.
    assert (delta.shared, delta.sharing, delta.partners_in, delta.sharing_points) == (
        "",
        0,
        1,
        0,
    )
    assert [c.authority.code for c in finder("ALP", "legal")["candidates"]][:2] == ["BET", "GAM"]


def test_the_usual_tier_comes_from_the_register_and_says_when_there_is_too_little(client, placed):
    # Legal: two arrangements (single tier in both, upper in one): too few to say.
    result = finder("ALP", "legal")
    assert (result["area_arrangements"], result["usual_levels"]) == (2, [])
    assert not any(c.usual_level for c in result["candidates"])
    assert "too few to say which tier level usually delivers it" in body(
        client.get("/authorities/ALP/partners/?service_area=legal")
    )
    # Three more with the county alone: upper tier takes part in four of five.
    for n in range(3):
        make_arrangement(f"County legal {n}", members=[placed.gamma], areas=["legal"])
    result = finder("ALP", "legal")
    assert result["usual_levels"] == ["Upper tier"]
    assert [(row["label"], row["count"]) for row in result["level_counts"]] == [
        ("Upper tier", 4),
        ("Single tier", 2),
    ]
    found = by_code(result)
    assert found["GAM"].usual_level and not found["BET"].usual_level
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    assert "the usual tier level for this service is upper tier" in page


def test_an_arrangement_welcoming_new_members_adds_to_its_partners_scores(placed):
    found = by_code(finder("BET", "fostering"))
    assert (found["GAM"].sharing, found["GAM"].welcoming, found["GAM"].sharing_points) == (
        1,
        1,
        15,
    )
    assert found["GAM"].arrangements[0].open_to_members is True
    assert found["GAM"].arrangements[0].lead_name == "Gammashire"


def test_arrangements_not_pursued_do_not_count_as_sharing(placed):
    found = by_code(finder("ALP", "licensing"))
    assert found["BET"].sharing == 0 and found["DEL"].sharing == 0


def test_a_category_includes_its_services(placed):
    assert by_code(finder("ALP", "corporate"))["BET"].sharing == 2


def test_exempt_arrangements_move_no_score_for_those_who_may_not_see_them(placed):
    hidden = make_arrangement(
        "Secret legal pact",
        members=[placed.alpha, placed.delta],
        lead=placed.delta,
        areas=["legal"],
        exempt=True,
    )
    public = by_code(finder("ALP", "legal"))["DEL"]
    seen = by_code(finder("ALP", "legal", user=viewer()))["DEL"]
    assert (public.sharing, public.partners_in, public.arrangements) == (0, 1, [])
    assert (seen.sharing, seen.partners_in) == (1, 2)
    assert seen.score > public.score
    # The waste deal: Deltaby alone, exempt.
    assert by_code(finder("ALP", "waste"))["DEL"].sharing == 0
    assert by_code(finder("ALP", "waste", user=viewer()))["DEL"].sharing == 1
    # Neither the page nor its download names it, nor counts it.
    from django.test import Client

    client = Client()
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    download = body(client.get("/authorities/ALP/partners/?service_area=legal&_export=csv"))
    for text in (page, download):
        assert hidden.title not in text
    rows = {row["Code"]: row for row in csv.DictReader(io.StringIO(download))}
    assert rows["DEL"]["Arrangements it shares with this council"] == "1"
    assert "2 arrangements of legal services" in page  # not three
    client.force_login(viewer())
    assert hidden.title in body(client.get("/authorities/ALP/partners/?service_area=legal"))


def test_the_page_explains_the_score_and_lists_the_ranked_councils(client, placed):
    response = client.get("/authorities/ALP/partners/?service_area=legal")
    page = body(response)
    assert response.status_code == 200
    assert "Scored out of 100: up to 40 for distance" in page
    assert "Alphaton takes part in 2 of them" in page
    assert "The 3 highest scoring of 3 councils" in page
    assert 'href="/authorities/BET/"' in page
    assert "10 km" in page
    assert f'href="{placed.legal.get_absolute_url()}"' in page
    assert "led by Alphaton" in page


def test_the_download_has_every_council_and_each_part_of_the_score(client, placed):
    text = body(client.get("/authorities/ALP/partners/?service_area=legal&_export=csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["Code"] for row in rows] == ["BET", "GAM", "DEL"]
    beta = rows[0]
    assert beta["Rank"] == "1"
    parts = (
        "Distance points (of 40)",
        "Place points (of 20)",
        "Tier points (of 15)",
        "Sharing points (of 15)",
        "Partner points (of 10)",
    )
    assert int(beta["Score (out of 100)"]) == sum(int(beta[p]) for p in parts)
    assert beta["Place in common"] == "region"
    assert (
        "Shared legal team (lead: Alphaton)"
        in beta["Its arrangements of the service (the last three added: title, lead)"]
    )
    for export_format in ("xlsx", "json"):
        response = client.get(
            f"/authorities/ALP/partners/?service_area=legal&_export={export_format}"
        )
        assert response.status_code == 200


def test_only_the_first_50_are_listed_and_the_total_is_said(client, placed):
    for n in range(52):
        AuthorityFactory(code=f"Q{n:02d}", name=f"Extra {n:02d}")
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    assert "The 50 highest scoring of 55 councils" in page
    assert page.count('<tr class="govuk-table__row">') == 51  # the heading row and 50
    text = body(client.get("/authorities/ALP/partners/?service_area=legal&_export=csv"))
    assert len(list(csv.DictReader(io.StringIO(text)))) == 55
    # A download in a format not offered is the page, bounded as ever, saying so.
    page = body(client.get("/authorities/ALP/partners/?service_area=legal&_export=latex"))
    assert page.count('<tr class="govuk-table__row">') == 51


@pytest.mark.parametrize(
    "query, said",
    [
        ("", "Choose a service area above"),
        ("?service_area=", "Choose a service area to find partners for."),
        ("?service_area=nowhere", "There is no service area \u201cnowhere\u201d"),
        ("?service_area=" + "x" * 5000, "There is no service area"),
        ("?service_area=legal&service_area=nowhere", "Choose one service area"),
        ("?service_area=legal&sort=score", "cannot be sorted"),
        ("?service_area=legal&_export=latex", "There is no \u201clatex\u201d download"),
    ],
)
def test_bad_or_missing_input_asks_for_a_choice_never_a_500(client, placed, query, said):
    response = client.get(f"/authorities/ALP/partners/{query}")
    assert response.status_code == 200
    page = body(response)
    assert '<select class="govuk-select' in page and 'name="service_area"' in page
    if said:
        assert said in page
    assert len(page) < 200_000


@pytest.mark.parametrize(
    "query",
    [
        "service_area=legal&service_area=fostering",
        "service_area=legal&service_area=legal",
        "service_area=legal&service_area=" + "x" * 5000,
        "service_area=&service_area=legal",
    ],
)
def test_two_service_areas_are_refused_never_one_picked(client, placed, query):
    response = client.get(f"/authorities/ALP/partners/?{query}")
    assert response.status_code == 200
    page = body(response)
    assert "Choose one service area: the address gave 2." in page
    assert response.context["area"] is None and "How councils are scored" not in page
    assert 'id="partners-map"' not in page and len(page) < 200_000
    download = client.get(f"/authorities/ALP/partners/?{query}&_export=csv")
    assert download.status_code == 400 and "Choose one service area" in body(download)


def test_councils_at_one_point_are_the_same_approximate_location_not_0_km(client, placed):
    Authority.objects.filter(code="BET").update(
        latitude=Decimal("53.8"), longitude=Decimal("-1.55")
    )
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    betaford = page.split('href="/authorities/BET/"')[1].split("</tr>")[0]
    assert "Same approximate location (40 points)" in betaford
    assert " 0 km" not in betaford


def test_a_nul_in_the_address_is_refused_as_elsewhere_not_a_500(client, placed):
    assert client.get("/authorities/ALP/partners/?service_area=%00").status_code == 400


def test_a_download_without_a_service_is_the_page_asking_for_one(client, placed):
    response = client.get("/authorities/ALP/partners/?_export=csv")
    assert response.status_code == 400
    assert "Choose a service area" in body(response)


def test_an_unknown_council_is_a_404_and_lower_case_is_redirected(client, placed):
    assert client.get("/authorities/ZZZ/partners/?service_area=legal").status_code == 404
    response = client.get("/authorities/alp/partners/?service_area=legal")
    assert response.status_code == 301
    assert response["Location"] == "/authorities/ALP/partners/?service_area=legal"


def test_a_council_without_a_point_says_no_distances_are_known(client, placed):
    Authority.objects.filter(code="ALP").update(latitude=None, longitude=None)
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    assert "no distances are known" in page
    assert all(c.km is None for c in finder("ALP", "legal")["candidates"])


def test_a_derived_point_makes_distances_approximate_and_says_why(client, placed):
    Authority.objects.filter(code="ALP").update(
        coordinates_note="Approximate: the point of a larger council."
    )
    page = body(client.get("/authorities/ALP/partners/?service_area=legal"))
    assert "Distances from Alphaton are approximate" in page
    assert "About 10 km" in page


def test_reachable_from_the_authority_and_service_area_pages(client, placed):
    authority_page = body(client.get("/authorities/ALP/"))
    assert 'action="/authorities/ALP/partners/"' in authority_page
    assert '<option value="legal">' in authority_page
    area_page = body(client.get("/service-areas/legal/"))
    assert 'action="/service-areas/legal/partners/"' in area_page
    assert '<option value="ALP">Alphaton</option>' in area_page
    chosen = client.get("/service-areas/legal/partners/?authority=alp")
    assert chosen["Location"] == "/authorities/ALP/partners/?service_area=legal"
    for bad in ("", "ZZZ", "x" * 500, "ALPHA"):
        response = client.get(f"/service-areas/legal/partners/?authority={bad}")
        assert response["Location"] == "/service-areas/legal/?partner_error=1#find-partners"
    assert "Choose a council from the list" in body(
        client.get("/service-areas/legal/?partner_error=1")
    )
    assert client.get("/service-areas/nowhere/partners/?authority=ALP").status_code == 404
    # Two councils: neither is picked in silence.
    two = client.get("/service-areas/legal/partners/?authority=ALP&authority=BET")
    assert two["Location"] == "/service-areas/legal/?partner_error=many#find-partners"
    assert "Choose one council: the address named more than one." in body(
        client.get(two["Location"])
    )


def test_query_count_is_bounded_whatever_the_number_of_councils_and_arrangements(
    client, placed, django_assert_max_num_queries
):
    url = "/authorities/ALP/partners/?service_area=legal"
    with django_assert_max_num_queries(12) as small:
        body(client.get(url))
    for n in range(40):
        council = AuthorityFactory(code=f"Q{n:02d}", name=f"Extra {n:02d}")
        make_arrangement(
            f"Legal {n}", members=[council, placed.beta], lead=council, areas=["legal"]
        )
    assert Arrangement.objects.count() > 40
    with django_assert_max_num_queries(len(small.captured_queries)):
        body(client.get(url))
    with django_assert_max_num_queries(len(small.captured_queries)):
        body(client.get(url + "&_export=csv"))


def test_an_abolished_council_or_another_body_is_not_ranked_and_is_pointed_on(client, placed):
    """The finder is for councils in existence: an abolished one's page says so and links
    to the finder of the councils that took over its area; its own page offers no finder;
    the service area's chooser refuses it, as it refuses another public body."""
    gone = AuthorityFactory(
        code="XGN", name="Oldtown", tier="NMD", end_date=datetime.date(2019, 3, 31)
    )
    gone.successors.add(placed.alpha)
    response = client.get("/authorities/XGN/partners/?service_area=legal")
    assert response.status_code == 200
    page = body(response)
    assert "Oldtown was abolished: its last day was 31 March 2019." in page
    assert 'href="/authorities/ALP/partners/?service_area=legal"' in page
    assert "How councils are scored" not in page and 'id="choose-service"' not in page
    assert response.context["table"].rows.data.data == []
    assert (
        client.get("/authorities/XGN/partners/?service_area=legal&_export=csv").status_code == 400
    )
    assert 'id="find-partners"' not in body(client.get("/authorities/XGN/"))
    assert 'id="find-partners"' in body(client.get("/authorities/ALP/"))
    body_ = AuthorityFactory(code="XPB", name="A pension fund", tier="OTHER")
    for code in (gone.code, body_.code):
        response = client.get(f"/service-areas/legal/partners/?authority={code}")
        assert response.status_code == 302
        assert "partner_error=1" in response["Location"]
    assert "is not a council" in body(client.get("/authorities/XPB/partners/"))


@pytest.mark.parametrize("asked", ["LEGAL", " legal ", "Legal"])
def test_a_service_area_in_capitals_or_with_spaces_is_the_same_service(client, placed, asked):
    response = client.get("/authorities/ALP/partners/", {"service_area": asked})
    assert response.status_code == 200
    assert response.context["area"].slug == "legal"
    assert "How councils are scored" in body(response)
