"""The map on the list page, an authority's page and the partner finder: present, lines
only between partners of the arrangements in view, nothing exempt for those who may not
see it, and a fixed number of queries."""

import math
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from register import maps, selectors
from register.models import Arrangement, Authority, Membership, ServiceArea
from register.signals import refreshed_once
from register.templatetags import register_tags
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
    assert "All 4 arrangements found have partners taking part." in found.description
    assert "Drawn: 4 authorities taking part, each a ringed dot; 5 lines," in found.description
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


# --- What the map's words say is what it draws ------------------------------------------


def point(pk, code, latitude=None, longitude=None) -> maps.Point:
    return maps.Point(pk, code, code.title(), f"/authorities/{code}/", latitude, longitude)


def drawn(found_map) -> tuple[int, int]:
    """(ringed dots, squares) in the drawn map, as the template writes them."""
    svg = str(register_tags.map_dots(found_map.dots))
    return svg.count("<circle"), svg.count("<rect")


HUB = point(1, "HUB", 53.7, -1.9)
NEAR = point(2, "NEA", 53.8, -1.5)
FAR = point(3, "FAR", 51.5, -0.1)
NOWHERE = point(4, "NOW")


def test_the_description_counts_only_the_ringed_dots_drawn_and_says_who_is_not_placed():
    # The page's own council (a square) and a partner with no point are no ringed dots.
    found = maps.arrangements_map(
        [(10, "Pact", "/a/pact/")],
        [(10, 1, "lead"), (10, 2, "partner"), (10, 3, "partner"), (10, 4, "partner")],
        {p.pk: p for p in (HUB, NEAR, FAR, NOWHERE)},
        [],
        id="m",
        title="t",
        scope="listed here",
        hub=HUB,
    )
    assert drawn(found) == (2, 1)
    assert "2 other authorities taking part, each a ringed dot" in found.description
    assert "1 authority taking part could not be placed (no point recorded)" in found.description
    assert "4 authorities" not in found.description
    assert found.unplaced == ["Now"]


def test_without_the_hubs_point_no_square_or_line_is_promised():
    hub = point(1, "HUB")
    found = maps.arrangements_map(
        [(10, "Pact", "/a/pact/")],
        [(10, 1, "lead"), (10, 2, "partner"), (10, 3, "partner")],
        {p.pk: p for p in (hub, NEAR, FAR)},
        [],
        id="m",
        title="t",
        scope="listed here",
        hub=hub,
    )
    assert found.lines == [] and drawn(found) == (2, 0)
    assert "square" not in found.description and ", from" not in found.description
    assert "Hub has no point recorded, so it is not drawn and no line starts from it" in (
        found.description
    )
    # Without a page's council: a lead with no point starts no line, and none is promised.
    found = maps.arrangements_map(
        [(10, "Pact", "/a/pact/")],
        [(10, 4, "lead"), (10, 2, "partner"), (10, 3, "partner")],
        {p.pk: p for p in (NOWHERE, NEAR, FAR)},
        [],
        id="m",
        title="t",
        scope="found",
    )
    assert found.lines == [] and "a line" not in found.description
    assert "No line is drawn for 1 arrangement whose lead" in found.description


def test_the_finder_description_counts_what_is_drawn():
    found = maps.candidates_map(point(1, "HUB"), [NEAR, FAR, NOWHERE], [], id="m")
    assert found.lines == [] and drawn(found) == (2, 0)
    assert "square" not in found.description and "dashed line" not in found.description
    assert "Hub has no point recorded, so it is not drawn" in found.description
    assert "2 of the 3 councils listed" in found.description
    assert "1 council listed could not be placed (no point recorded)" in found.description
    found = maps.candidates_map(HUB, [NEAR, FAR, NOWHERE], [], id="m")
    assert drawn(found) == (2, 1) and len(found.lines) == 2
    assert "a dashed line from Hub to each of the 2" in found.description


def test_councils_sharing_one_point_are_drawn_side_by_side_and_said_to_share_it():
    twin = point(5, "TWI", *NEAR.coordinates)  # the same (approximate) point as Near
    found = maps.arrangements_map(
        [(10, "Pact", "/a/pact/")],
        [(10, 2, "lead"), (10, 5, "partner"), (10, 3, "partner")],
        {p.pk: p for p in (NEAR, twin, FAR)},
        [],
        id="m",
        title="t",
        scope="found",
    )
    near, twin_dot = (next(d for d in found.dots if d.code == c) for c in ("NEA", "TWI"))
    # Not stacked: at least a dot's width apart, both close to the point they share.
    gap = math.dist((near.x, near.y), (twin_dot.x, twin_dot.y))
    assert 7 <= gap <= 12
    assert "Twi" in near.title and "Nea" in twin_dot.title and "same approximate" in near.title
    assert pairs(found) == {frozenset(("NEA", "FAR"))}  # no line between the two
    [row] = found.rows
    distances = {m.point.code: m.distance for m in row.members}
    assert distances["TWI"] == "same approximate location as Nea"
    assert "0 km" not in distances.values()
    assert "drawn side by side" in found.description
    svg = str(register_tags.map_dots(found.dots))
    assert svg.count("<circle") == 3 and "same approximate location" in svg
    # Beside the page's own council: the square stays on the point, the dot moves aside.
    found = maps.candidates_map(NEAR, [twin, FAR], [], id="m")
    square = next(d for d in found.dots if d.kind == "focus")
    beside = next(d for d in found.dots if d.code == "TWI")
    assert (square.x, square.y) == maps.place(*NEAR.coordinates)
    assert math.dist((square.x, square.y), (beside.x, beside.y)) >= maps.FOCUS_HALF + 3.5
    assert [line.ends for line in found.lines] == [("NEA", "FAR")]


def test_the_list_map_says_how_many_of_its_arrangements_have_partners(client, placed):
    make_arrangement("Alone in the world")  # no partner taking part
    response = client.get("/arrangements/")
    found = response.context["map"]
    assert len(found.rows) == 4
    assert "4 of the 5 arrangements found have partners taking part" in found.description
    assert "1 has none" in found.description
    assert escape(found.description) in body(response)


def cut_label(found) -> str:
    return escape(found.rows[-1].label)


def test_the_map_and_its_table_are_bounded_however_many_partners(client, placed):
    many = [AuthorityFactory(code=f"M{n:02}", name=f"Many {n:02}") for n in range(60)]
    with refreshed_once():  # stored figures once for all, as an import does
        for n in range(12):
            make_arrangement(f"Big {n:02}", members=[placed.alpha, *many], lead=placed.alpha)
    response = client.get("/arrangements/", {"per_page": 100, "sort": "title"})
    found = response.context["map"]
    html = body(response)
    table = html.split('id="arrangements-map-table"')[1].split("</table>")[0]
    assert sum(len(row.members) for row in found.rows) == maps.MAP_PARTNERS
    assert table.count('<li><a class="govuk-link"') == maps.MAP_PARTNERS
    total = (
        Membership.objects.taking_part()
        .filter(arrangement__in=Arrangement.objects.visible_to(AnonymousUser()))
        .count()
    )
    assert total > 12 * 61
    drawn = len(found.rows)
    listed = (
        Arrangement.objects.visible_to(AnonymousUser())
        .filter(pk__in=Membership.objects.taking_part().values("arrangement"))
        .count()
    )
    assert 1 < drawn < listed
    assert (
        f"Showing the partners of the first {drawn} arrangements of the {listed} with "
        f"partners, in the order listed ({cut_label(found)} in part): "
        f"{maps.MAP_PARTNERS:,} of the {total:,} places taken by partners" in html
    )
    assert f"show the partners of the first {drawn} arrangements of the {listed}" in html
    assert 'href="#downloads"' in html and 'id="downloads"' in html
    cut = found.rows[-1]
    assert cut.more and f"and {cut.more} more" in table
    size = len(html)
    with refreshed_once():
        for n in range(12, 40):
            make_arrangement(f"Big {n:02}", members=[placed.alpha, *many], lead=placed.alpha)
    assert len(body(client.get("/arrangements/", {"per_page": 100}))) < size + 40_000


def test_a_map_cut_within_its_first_arrangement_says_the_first_arrangement(
    client, placed, monkeypatch
):
    monkeypatch.setattr(maps, "MAP_PARTNERS", 2)
    html = body(client.get("/arrangements/", {"sort": "title", "q": "legal"}))
    assert "Showing the partners of the first arrangement of the" in html
    assert "first 1 arrangement" not in html


def test_the_map_reads_the_partners_of_the_arrangements_it_draws_and_counts_the_rest(placed):
    many = [AuthorityFactory(code=f"M{n:02}", name=f"Many {n:02}") for n in range(60)]
    with refreshed_once():
        for n in range(12):
            make_arrangement(f"Big {n:02}", members=[placed.alpha, *many], lead=placed.alpha)
    make_arrangement("Alone in the world")
    # In the page's order, not the table's: the "Big" ones first, the last made first.
    rows = Arrangement.objects.order_by("-pk").values_list("pk", "title", "slug")
    listed = sorted(rows, key=lambda row: not row[1].startswith("Big"))
    ids = [pk for pk, _, _ in listed]
    every = list(
        Membership.objects.taking_part()
        .filter(arrangement__in=ids)
        .order_by("arrangement_id", "pk")
        .values_list("arrangement_id", "authority_id", "role")
    )
    found = selectors.map_memberships(ids)
    # Each arrangement's count; the rows of those drawn, in the page's order, up to the
    # one where the map's partners run out (61 a "Big" one: the fifth starts at 244).
    assert found.totals == dict(Counter(row[0] for row in every))
    bigs = [pk for pk, title, _ in listed if title.startswith("Big")]
    drawn = set(bigs[: math.ceil(maps.MAP_PARTNERS / 61)])
    assert {row[0] for row in found.rows} == drawn
    assert sorted(found.rows) == sorted(row for row in every if row[0] in drawn)
    points, current = selectors.map_points()

    def drawn_map(rows, totals):
        return maps.arrangements_map(
            listed, rows, points, current, id="m", title="t", scope="found", totals=totals
        )

    bounded, whole = drawn_map(found.rows, found.totals), drawn_map(every, None)
    assert bounded == whole and bounded.limit_note
    assert f"of the {len(every):,} places taken by partners" in bounded.limit_note
    assert selectors.map_memberships([]) == selectors.MapMemberships([], {})
