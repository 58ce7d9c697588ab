"""The map on the list page, an authority's page and the partner finder: present, lines
only between partners of the arrangements in view, nothing exempt for those who may not
see it, and a fixed number of queries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register import maps, selectors
from register.models import Arrangement, Authority, ServiceArea
from tests.factories import AuthorityFactory, body, make_arrangement

pytestmark = pytest.mark.django_db

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


def pairs(found_map) -> set[frozenset]:
    return {frozenset(line.ends) for line in found_map.lines}


def linked(html: str, map_id: str) -> set[str]:
    """The authority codes whose dots link to their pages in the drawn map."""
    svg = html.split(f'id="{map_id}"')[1].split("</svg>")[0]
    return {part.split("/")[0] for part in svg.split('href="/authorities/')[1:]}


def test_the_list_page_maps_the_arrangements_on_it(client, placed):
    response = client.get("/arrangements/")
    html = body(response)
    assert 'id="arrangements-map"' in html and "The map as a table" in html
    found = response.context["map"]
    # Each line joins an arrangement's lead (the legal team's Alphaton, the draftsman's
    # Betaford, fostering's Gammashire; regulatory services has none, so its first
    # partner by name, Betaford) to each other partner.
    assert pairs(found) == {
        frozenset(p)
        for p in [("ALP", "BET"), ("BET", "GAM"), ("GAM", "ALP"), ("GAM", "DEL"), ("BET", "DEL")]
    }
    assert {dot.code for dot in found.dots} == {"ALP", "BET", "GAM", "DEL"}
    assert linked(html, "arrangements-map") == {"ALP", "BET", "GAM", "DEL"}
    assert "the 4 authorities taking part in the 4 arrangements found" in found.description
    # The table gives each partner's distance from the lead.
    legal = next(row for row in found.rows if row.label == "Shared legal team")
    assert [(m.point.code, m.role, m.km) for m in legal.members] == [
        ("ALP", "lead", None),
        ("BET", "", 10),
    ]


def test_the_list_map_follows_the_filter_and_the_page(client, placed):
    found = client.get("/arrangements/", {"status": "procurement"}).context["map"]
    assert [row.label for row in found.rows] == ["Fostering framework"]
    assert pairs(found) == {frozenset(("GAM", "ALP")), frozenset(("GAM", "DEL"))}
    for n in range(30):
        make_arrangement(f"Zz pair {n:02}", members=[placed.alpha, placed.delta], lead=placed.alpha)
    first = client.get("/arrangements/", {"sort": "title"}).context["map"]
    assert len(first.rows) == 25 and frozenset(("ALP", "DEL")) in pairs(first)
    second = client.get("/arrangements/", {"sort": "title", "page": 2}).context["map"]
    # The second page holds only the last of the 34 by title: pairs of Alphaton and
    # Deltaby, and none of the others' lines.
    assert {row.label for row in second.rows} <= {f"Zz pair {n:02}" for n in range(30)}
    assert pairs(second) == {frozenset(("ALP", "DEL"))}
    assert "on this page of the list" in second.description


def test_an_exempt_arrangement_is_never_drawn_for_the_public(client, placed, viewer):
    # Betaford and Deltaby: partners only in the exempt deal (regulatory services gone).
    placed.secret.memberships.create(authority=placed.beta, role="partner")
    Arrangement.objects.filter(pk=placed.regulatory.pk).delete()
    public = client.get("/arrangements/").context["map"]
    assert frozenset(("DEL", "BET")) not in pairs(public)
    assert "Confidential waste deal" not in body(client.get("/arrangements/"))
    client.force_login(viewer)
    seen = client.get("/arrangements/").context["map"]
    assert frozenset(("DEL", "BET")) in pairs(seen)
    assert "Confidential waste deal" in [row.label for row in seen.rows]
    # On Deltaby's page too.
    client.logout()
    public_page = client.get("/authorities/DEL/").context["map"]
    assert "Confidential waste deal" not in [row.label for row in public_page.rows]
    assert frozenset(("DEL", "BET")) not in pairs(public_page)


def test_an_authority_page_joins_it_to_its_partners(client, placed):
    response = client.get("/authorities/GAM/")
    html = body(response)
    found = response.context["map"]
    assert 'id="authority-map"' in html
    # Gammashire takes part in the draftsman (with Alphaton and Betaford) and fostering
    # (with Alphaton and Deltaby): every line starts at Gammashire, drawn as a square.
    assert pairs(found) == {frozenset(("GAM", c)) for c in ("ALP", "BET", "DEL")}
    assert [dot.code for dot in found.dots if dot.kind == "focus"] == ["GAM"]
    assert {row.label for row in found.rows} == {"Costs draftsman", "Fostering framework"}
    assert "Square: Gammashire" in html


def test_an_authority_page_lines_are_bounded_by_its_lists(client, placed):
    for n in range(12):
        partner = AuthorityFactory(code=f"P{n:02}"[:3], name=f"Partner {n}")
        make_arrangement(f"Aa {n:02}", members=[placed.beta, partner], lead=partner)
    found = client.get("/authorities/BET/").context["map"]
    # Betaford is a partner in 14 (the first ten by title are listed) and lead of one.
    assert len(found.rows) == 11
    assert {row.label for row in found.rows} >= {f"Aa {n:02}" for n in range(10)}
    assert not {row.label for row in found.rows} & {"Aa 10", "Aa 11"}


def test_an_authority_with_no_arrangements_or_no_point_still_gets_its_map(client, placed):
    AuthorityFactory(code="LON", name="Lonely", latitude=None, longitude=None)
    response = client.get("/authorities/LON/")
    html = body(response)
    assert response.status_code == 200 and 'id="authority-map"' in html
    found = response.context["map"]
    assert found.lines == [] and found.rows == []
    assert "Lonely has no point recorded" in found.description
    abolished = make_arrangement("Point-less pair", members=[placed.alpha], lead=placed.alpha)
    abolished.memberships.create(authority=Authority.objects.get(code="LON"), role="partner")
    found = client.get("/authorities/ALP/").context["map"]
    assert "Lonely" in found.unplaced
    assert "Not on the map, as no point is recorded for it: Lonely" in body(
        client.get("/authorities/ALP/")
    )


def test_the_partner_finder_maps_its_council_and_the_councils_listed(client, placed):
    response = client.get("/authorities/ALP/partners/", {"service_area": "legal"})
    html = body(response)
    found = response.context["map"]
    assert 'id="partners-map"' in html
    assert [dot.code for dot in found.dots if dot.kind == "focus"] == ["ALP"]
    shown = {c.authority.code for c in response.context["shown"]}
    assert {dot.code for dot in found.dots if dot.kind == "involved"} == shown
    assert all(line.ends[0] == "ALP" and line.kind == "candidate" for line in found.lines)
    assert len(found.lines) == min(len(shown), maps.LINES_TO_CANDIDATES)


def test_the_map_costs_two_queries_on_the_list_page_and_none_in_the_finder(placed):
    rows = list(Arrangement.objects.visible_to(AnonymousUser()))
    with CaptureQueriesContext(connection) as queries:
        selectors.arrangement_list_map(rows, len(rows))
    assert len(queries) == 2
    authority = selectors.partner_finder_authority("ALP")
    area = ServiceArea.objects.get(slug="legal")
    tree = selectors.service_area_tree()
    counts = []
    for every in (False, True):  # a download draws no map
        with CaptureQueriesContext(connection) as queries:
            result = selectors.partner_finder(AnonymousUser(), authority, area, tree, every)
        counts.append(len(queries))
        assert ("map" in result) is not every
    assert counts[0] == counts[1]


def test_the_map_adds_no_query_per_arrangement_or_partner(client, placed):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    urls = ["/arrangements/?per_page=100", "/authorities/ALP/"]
    before = [count(url) for url in urls]
    for n in range(20):
        extra = AuthorityFactory(code=f"X{n:02}"[:3], name=f"Extra {n}")
        make_arrangement(f"More {n}", members=[placed.alpha, placed.beta, extra], lead=extra)
    assert [count(url) for url in urls] == before
