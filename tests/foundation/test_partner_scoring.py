"""The partner finder's score, part by part (register/partners.py): plain functions."""

import pytest

from register import partners
from register.partners import Candidate, Place


class Named:
    def __init__(self, name, code):
        self.name, self.code = name, code


def test_great_circle_distance_is_in_km_and_unknown_without_a_point():
    leeds, bradford = (53.7997, -1.5492), (53.7960, -1.7594)
    assert partners.great_circle_km(leeds, bradford) == pytest.approx(13.8, abs=0.2)
    # London to Edinburgh, about 534 km as the crow flies.
    assert partners.great_circle_km((51.5072, -0.1276), (55.9533, -3.1883)) == pytest.approx(
        534, abs=3
    )
    assert partners.great_circle_km(leeds, leeds) == 0
    assert partners.great_circle_km(leeds, None) is None
    assert partners.great_circle_km(leeds, (None, None)) is None


@pytest.mark.parametrize(
    "km, points",
    [(0, 40), (50, 30), (100, 20), (199, 0), (200, 0), (750, 0), (None, 0)],
)
def test_distance_weighs_up_to_40_falling_to_none_at_200_km(km, points):
    assert partners.distance_points(km) == points


def test_a_place_in_common_county_first_then_combined_authority_then_region():
    county = Place(1, None, "", 7)
    district = Place(2, 1, "", 7)
    other_district = Place(3, 1, "", 7)
    metropolitan = Place(4, None, "WYCA", 7)
    neighbour = Place(5, None, "WYCA", 7)
    far = Place(6, None, "GMCA", 8)
    assert partners.shared_place(district, other_district) == "county"
    assert partners.shared_place(district, county) == "county"
    assert partners.shared_place(county, district) == "county"
    assert partners.shared_place(metropolitan, neighbour) == "combined authority"
    assert partners.shared_place(metropolitan, district) == "region"
    assert partners.shared_place(metropolitan, far) == ""
    # Nothing known is nothing in common, not a match of two blanks.
    assert partners.shared_place(Place(8), Place(9)) == ""
    assert [partners.place_points(s) for s in ("county", "combined authority", "region", "")] == [
        20,
        20,
        10,
        0,
    ]


def test_the_usual_tier_level_is_the_commonest_and_needs_enough_to_go_on():
    assert partners.usual_levels({"single": 6, "lower": 2}, 7) == {"single"}
    assert partners.usual_levels({"single": 5, "lower": 5}, 8) == {"single", "lower"}
    assert partners.usual_levels({"single": 4, "lower": 1}, 4) == set()  # four: too few
    assert partners.usual_levels({}, 0) == set()


@pytest.mark.parametrize(
    "same, usual, points",
    [(True, True, 15), (True, False, 10), (False, True, 5), (False, False, 0)],
)
def test_tier_weighs_up_to_15(same, usual, points):
    assert partners.tier_points(same, usual) == points


@pytest.mark.parametrize(
    "arrangements, welcoming, points", [(0, 0, 0), (1, 0, 10), (3, 1, 15), (0, 1, 0)]
)
def test_sharing_the_service_weighs_up_to_15_with_5_for_a_welcome(arrangements, welcoming, points):
    assert partners.sharing_points(arrangements, welcoming) == points


def test_being_partners_already_weighs_10():
    assert partners.partner_points(0) == 0
    assert partners.partner_points(4) == 10


def candidate(name, km, **parts):
    values = {
        "shared": "",
        "same_tier": False,
        "usual_level": False,
        "sharing": 0,
        "welcoming": 0,
        "partners_in": 0,
    }
    return Candidate(authority=Named(name, name[:3].upper()), km=km, **(values | parts))


def test_the_score_adds_the_parts_and_can_reach_100_and_no_more():
    best = candidate(
        "Best",
        0,
        shared="county",
        same_tier=True,
        usual_level=True,
        sharing=2,
        welcoming=1,
        partners_in=1,
    )
    assert best.score == partners.MOST == 100
    assert sum(w["most"] for w in partners.WEIGHTS) == 100
    middling = candidate("Middling", 100, shared="region", sharing=1)
    assert (middling.distance_points, middling.place_points, middling.sharing_points) == (
        20,
        10,
        10,
    )
    assert middling.score == 40


def test_ranking_by_score_then_distance_unknown_last_then_name():
    ranked = partners.ranked(
        [
            candidate("Far", 150),
            candidate("Unknown", None, partners_in=1),
            candidate("Near", 10),
            candidate("Also near", 10),
            candidate("Sharing", 150, sharing=1),
        ]
    )
    # Near/Also near: 38; Sharing: 20; Far: 10; Unknown: 10 but no distance, so last.
    assert [c.authority.name for c in ranked] == ["Also near", "Near", "Sharing", "Far", "Unknown"]
