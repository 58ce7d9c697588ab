"""The partner finder's score: how likely a council is to be a good partner for another
in one service, out of 100, from parts that each say what they weigh.

Pure functions of plain values: ``register.selectors.partner_finder`` gathers what they
need in a fixed number of queries, and the page and its download show every part.

=========================  =====  ===========================================================
part                        most  how
=========================  =====  ===========================================================
distance                     40   40 at the same point, falling evenly to 0 at 200 km apart
                                  (great-circle distance between the councils' points)
shared place                 20   20 for the same county or combined authority (a district and
                                  its county count as the same county); 10 for the same
                                  region only
tier                         15   10 for the same tier; 5 for a tier level that usually takes
                                  part in arrangements of the service in this register
already shares the service   15   10 for taking part in an arrangement of the service that is
                                  going ahead or being considered; 5 more when one of them
                                  welcomes new members
already partners             10   10 for taking part with this council in any arrangement
=========================  =====  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DISTANCE_POINTS = 40
DISTANCE_LIMIT_KM = 200
PLACE_POINTS = 20
REGION_POINTS = 10
SAME_TIER_POINTS = 10
USUAL_LEVEL_POINTS = 5
SHARES_POINTS = 10
WELCOMES_POINTS = 5
PARTNERS_POINTS = 10
MOST = (
    DISTANCE_POINTS
    + PLACE_POINTS
    + SAME_TIER_POINTS
    + USUAL_LEVEL_POINTS
    + SHARES_POINTS
    + WELCOMES_POINTS
    + PARTNERS_POINTS
)
# What is "usual" needs something to go on: fewer arrangements than this say nothing.
USUAL_AT_LEAST = 5

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


def great_circle_km(a: tuple | None, b: tuple | None) -> float | None:
    """The great-circle distance in km between two (latitude, longitude) points in
    degrees (haversine), or None when either is not known."""
    if a is None or b is None or None in a or None in b:
        return None
    lat1, long1, lat2, long2 = (math.radians(float(v)) for v in (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((long2 - long1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_words(km: float) -> str:
    """A distance between two different points, to the kilometre: never "0 km", which
    reads as the same place."""
    return "under 1 km" if km < 0.5 else f"{km:,.0f} km"


def distance_points(km: float | None) -> int:
    """Up to 40: 40 at no distance, 0 at 200 km or more, evenly between; 0 when the
    distance is not known (the page says so)."""
    if km is None:
        return 0
    return round(DISTANCE_POINTS * max(0.0, 1 - km / DISTANCE_LIMIT_KM))


@dataclass(frozen=True)
class Place:
    """Where a council is, as the score compares it: its own id, its county's id (a
    shire district's), its combined authority's code and its region's id."""

    pk: int
    county_id: int | None = None
    combined_authority: str = ""
    region_id: int | None = None


def shared_place(a: Place, b: Place) -> str:
    """What the two councils share, most telling first: "county", "combined authority",
    "region" or "" (nothing)."""
    same_county = a.county_id is not None and a.county_id == b.county_id
    if same_county or a.pk == b.county_id or b.pk == a.county_id:
        return "county"
    if a.combined_authority and a.combined_authority == b.combined_authority:
        return "combined authority"
    if a.region_id and a.region_id == b.region_id:
        return "region"
    return ""


def place_points(shared: str) -> int:
    """Up to 20: 20 for a county or combined authority in common, 10 for a region."""
    if shared in ("county", "combined authority"):
        return PLACE_POINTS
    return REGION_POINTS if shared == "region" else 0


def usual_levels(counts: Mapping[str, int], arrangements: int) -> set[str]:
    """The tier levels that most often take part in the service's arrangements: the
    commonest (all of them when tied), from {level: arrangements it takes part in}. None
    when there are fewer than USUAL_AT_LEAST arrangements to go on."""
    if arrangements < USUAL_AT_LEAST or not counts:
        return set()
    most = max(counts.values())
    return {level for level, n in counts.items() if n == most}


def tier_points(same_tier: bool, usual_level: bool) -> int:
    """Up to 15: 10 for the same tier as the council, 5 for a usual tier level."""
    return (SAME_TIER_POINTS if same_tier else 0) + (USUAL_LEVEL_POINTS if usual_level else 0)


def sharing_points(arrangements: int, welcoming: int) -> int:
    """Up to 15: 10 for taking part in any arrangement of the service, 5 more when one of
    them welcomes new members."""
    if not arrangements:
        return 0
    return SHARES_POINTS + (WELCOMES_POINTS if welcoming else 0)


def partner_points(shared_arrangements: int) -> int:
    """Up to 10: 10 for taking part with this council in any arrangement already."""
    return PARTNERS_POINTS if shared_arrangements else 0


@dataclass
class Candidate:
    """One council as the finder ranks it, with every part of its score."""

    authority: object
    km: float | None
    shared: str
    same_tier: bool
    usual_level: bool
    sharing: int  # arrangements of the service it takes part in (that the viewer may see)
    welcoming: int  # of those, how many welcome new members
    partners_in: int  # arrangements it takes part in with this council (visible)
    approximate: bool = False  # a distance from a point that is not the council's own
    arrangements: list = field(default_factory=list)  # the first few, for the page

    @property
    def distance_points(self) -> int:
        return distance_points(self.km)

    @property
    def distance(self) -> str:
        """The distance in words: "About" when either point is worked out rather than the
        council's own; never "0 km", which would read as a measured nothing where the two
        councils have the same (approximate) point."""
        if self.km is None:
            return "Not known"
        if self.km == 0:
            return "Same approximate location"
        words = distance_words(self.km)
        return f"About {words}" if self.approximate else words[0].upper() + words[1:]

    @property
    def place_points(self) -> int:
        return place_points(self.shared)

    @property
    def tier_points(self) -> int:
        return tier_points(self.same_tier, self.usual_level)

    @property
    def sharing_points(self) -> int:
        return sharing_points(self.sharing, self.welcoming)

    @property
    def partner_points(self) -> int:
        return partner_points(self.partners_in)

    @property
    def score(self) -> int:
        return (
            self.distance_points
            + self.place_points
            + self.tier_points
            + self.sharing_points
            + self.partner_points
        )


def ranked(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Highest score first; then nearest (unknown distances last); then by name and code,
    so that the order never changes between two requests."""
    return sorted(
        candidates,
        key=lambda c: (
            -c.score,
            c.km is None,
            c.km if c.km is not None else 0,
            c.authority.name,
            c.authority.code,
        ),
    )


# What the page says about each part, in the order the score adds them.
WEIGHTS = [
    {
        "part": "distance",
        "most": DISTANCE_POINTS,
        "how": f"{DISTANCE_POINTS} at the same place, falling evenly to none at "
        f"{DISTANCE_LIMIT_KM} km or more apart, as the crow flies between the two councils' "
        "points (none when a point is not known)",
    },
    {
        "part": "a place in common",
        "most": PLACE_POINTS,
        "how": f"{PLACE_POINTS} for the same county (a shire district and its county count as "
        f"one) or the same combined authority; {REGION_POINTS} for the same region only",
    },
    {
        "part": "tier",
        "most": SAME_TIER_POINTS + USUAL_LEVEL_POINTS,
        "how": f"{SAME_TIER_POINTS} for the same tier as this council; {USUAL_LEVEL_POINTS} "
        "for a tier level that usually takes part in arrangements of this service in the "
        f"register (the level taking part in most of them, when there are at least "
        f"{USUAL_AT_LEAST} to go on)",
    },
    {
        "part": "sharing this service already",
        "most": SHARES_POINTS + WELCOMES_POINTS,
        "how": f"{SHARES_POINTS} for taking part in an arrangement of this service that is "
        f"going ahead or being considered; {WELCOMES_POINTS} more when one of them welcomes "
        "new members",
    },
    {
        "part": "being a partner of this council already",
        "most": PARTNERS_POINTS,
        "how": f"{PARTNERS_POINTS} for taking part with this council in any arrangement",
    },
]
assert sum(w["most"] for w in WEIGHTS) == MOST == 100
