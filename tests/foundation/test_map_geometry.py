"""The map's geometry: the projection, the outline derived from world-atlas, and where
authorities' points land (register/maps.py, fixtures/derive_map_outline.py)."""

import json
import math
import runpy
from pathlib import Path

import pytest

from register import maps
from register.partners import great_circle_km

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = runpy.run_path(str(ROOT / "fixtures" / "derive_map_outline.py"))

CALDERDALE = (53.721180, -1.973413)
LONDON = (51.507400, -0.127800)
BELFAST = (54.597300, -5.930100)
NEWPORT_IOW = (50.701000, -1.291000)  # on the Isle of Wight
HOLYHEAD = (53.309000, -4.633000)  # on Holy Island, off Anglesey


def test_the_projection_puts_its_origin_at_2_west_49_north():
    x, y = maps.project(49.0, -2.0)
    assert abs(x) < 1e-9 and abs(y) < 1e-9
    # North is up the grid, east along it.
    assert maps.project(50.0, -2.0)[1] > 0 and maps.project(49.0, -1.0)[0] > 0


def test_london_lands_east_and_south_of_calderdale():
    calderdale, london = maps.place(*CALDERDALE), maps.place(*LONDON)
    assert london[0] > calderdale[0]  # east: further right
    assert london[1] > calderdale[1]  # south: further down the drawing


def test_projected_distances_are_true_to_within_a_fraction_of_a_percent():
    for a, b in [(CALDERDALE, LONDON), ((50.066, -5.714), (52.48, 1.75))]:  # to Lowestoft
        (x1, y1), (x2, y2) = maps.project(*a), maps.project(*b)
        on_the_map = math.hypot(x2 - x1, y2 - y1)
        assert on_the_map == pytest.approx(great_circle_km(a, b), rel=0.005)


def test_decoding_a_topology_joins_arcs_reversing_those_marked_so():
    # Two quantized, delta-encoded arcs sharing their ends: (0,0)->(2,0)->(2,2), and
    # (0,0)->(0,2)->(2,2), which the ring uses reversed (~1). Scaled by a half and a
    # quarter, moved to 10 E, 50 N.
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [10, 50]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "id": "7", "arcs": [[0, ~1]]},
                    {"type": "Polygon", "id": "8", "arcs": [[1]]},
                ],
            }
        },
    }
    [[ring]] = SCRIPT["polygons"](topology, "countries", "7")
    assert ring == [(10, 50), (11, 50), (11, 50.5), (10, 50.5), (10, 50)]
    with pytest.raises(KeyError):
        SCRIPT["polygons"](topology, "countries", "9")


def test_clipping_keeps_what_is_inside_the_frame_and_cuts_at_its_edge():
    square = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    clipped = SCRIPT["clip"](square, (0, 0, 5, 5))
    assert sorted(clipped) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert SCRIPT["clip"](square, (2, 2, 5, 5)) == []


def test_simplifying_drops_points_on_a_straight_coast_and_keeps_corners():
    ring = [(0, 0), (5, 0.1), (10, 0), (10, 10), (5, 10.05), (0, 10)]
    assert SCRIPT["simplify"](ring, 0.5) == [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert len(SCRIPT["simplify"](ring, 0.01)) == 6


def test_the_committed_outline_is_what_the_installed_world_atlas_gives():
    """register/map_outline.json is derived from node_modules/world-atlas (installed by
    `make`, with package-lock.json's version): run the script to bring it up to date."""
    assert SCRIPT["SOURCE"].exists(), "node_modules/world-atlas is missing: run `make`"
    assert maps.OUTLINE_FILE.read_text(encoding="utf-8") == SCRIPT["expected"](), (
        "register/map_outline.json is out of date: python fixtures/derive_map_outline.py"
    )


def inside(point, ring) -> bool:
    """Even-odd rule: is (x, y) inside this ring of [x, y] points?"""
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


def test_the_outline_is_great_britain_without_northern_ireland():
    rings = json.loads(maps.OUTLINE_FILE.read_text(encoding="utf-8"))["rings"]

    def on_land(lat_long):
        return any(inside(maps.project(*lat_long), ring) for ring in rings)

    assert on_land(CALDERDALE) and on_land(LONDON)
    assert on_land(NEWPORT_IOW) and on_land(HOLYHEAD)  # islands kept
    assert not on_land(BELFAST)
    west, south, east, north = maps.FRAME
    for ring in rings:
        for x, y in ring:
            assert west - 0.05 <= x <= east + 0.05 and south - 0.05 <= y <= north + 0.05


def test_the_outline_path_fits_the_view_box():
    numbers = [
        float(n)
        for n in maps.outline_path().replace("M", " ").replace("L", " ").replace("Z", " ").split()
    ]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 0 and max(xs) <= maps.WIDTH
    assert min(ys) >= 0 and max(ys) <= maps.HEIGHT


@pytest.mark.django_db
def test_every_authority_lands_inside_the_outlines_bounding_box(authorities):
    """Every authority of England and Wales the register imports, with its point."""
    from register.models import Authority

    rings = json.loads(maps.OUTLINE_FILE.read_text(encoding="utf-8"))["rings"]
    coast = [maps.to_view(x, y) for ring in rings for x, y in ring]
    left, right = min(x for x, _ in coast), max(x for x, _ in coast)
    top, bottom = min(y for _, y in coast), max(y for _, y in coast)
    placed = Authority.objects.exclude(latitude=None).values_list("code", "latitude", "longitude")
    assert len(placed) > 300
    for code, latitude, longitude in placed:
        x, y = maps.place(float(latitude), float(longitude))
        assert left <= x <= right and top <= y <= bottom, code
