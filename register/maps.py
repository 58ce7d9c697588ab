"""The map of England and Wales drawn on the server: its projection, its outline and the
geometry of each page's map (dots for the authorities, lines between partners).

Pure Python, no database: a selector reads the authorities' points and who takes part in
what, and the functions here lay the map out; templates/includes/map.html only draws it.

- **Projection**: transverse Mercator on a sphere, on the British National Grid's central
  meridian (2° W) with its origin at 49° N, in kilometres. At the scale of this map it
  cannot be told from the National Grid, and it keeps shapes and distances true across
  England and Wales (within 0.1% at Land's End and Lowestoft).
- **Outline**: Great Britain's coast from Natural Earth (1:10m, public domain) through
  the npm package world-atlas, decoded, clipped to the frame and simplified by
  ``fixtures/derive_map_outline.py`` into ``register/map_outline.json`` (already in
  kilometres of this projection); a test checks that the file is what the script derives
  from the installed package. Read once per process.
- **Frame**: the rectangle of the projection that holds England and Wales (Scilly to
  Lowestoft, the Lizard to Berwick), so the south of Scotland is cut at its top edge.

Every distance given in words is great-circle (register.partners.great_circle_km), as the
partner finder gives it; the map only places the points.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .partners import great_circle_km

OUTLINE_FILE = Path(__file__).resolve().parent / "map_outline.json"

RADIUS_KM = 6371.0
CENTRAL_MERIDIAN = -2.0  # the National Grid's
ORIGIN_LATITUDE = 49.0
# England and Wales, with a margin: (west, south, east, north) in degrees.
EXTENT = (-6.55, 49.8, 1.9, 55.9)

WIDTH = 340  # viewBox units; the SVG scales to its container
LINES_TO_CANDIDATES = 10  # the partner finder joins its council to this many
FOCUS_HALF = 5  # half the side of the page's own council's square (viewBox units)


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """(x, y) in kilometres east and north of 2° W, 49° N: transverse Mercator on a
    sphere of the Earth's mean radius."""
    phi = math.radians(latitude)
    delta = math.radians(longitude - CENTRAL_MERIDIAN)
    b = math.cos(phi) * math.sin(delta)
    x = RADIUS_KM * math.atanh(b)
    y = RADIUS_KM * (math.atan2(math.tan(phi), math.cos(delta)) - math.radians(ORIGIN_LATITUDE))
    return x, y


def _frame() -> tuple[float, float, float, float]:
    """The projected rectangle (west, south, east, north, km) around EXTENT's edges."""
    west, south, east, north = EXTENT
    steps = 40
    edge = []
    for n in range(steps + 1):
        lon = west + (east - west) * n / steps
        lat = south + (north - south) * n / steps
        edge += [(south, lon), (north, lon), (lat, west), (lat, east)]
    xs, ys = zip(*(project(lat, lon) for lat, lon in edge), strict=True)
    return (
        math.floor(min(xs)),
        math.floor(min(ys)),
        math.ceil(max(xs)),
        math.ceil(max(ys)),
    )


FRAME = _frame()
SCALE = WIDTH / (FRAME[2] - FRAME[0])  # viewBox units a kilometre
HEIGHT = math.ceil((FRAME[3] - FRAME[1]) * SCALE)


def to_view(x_km: float, y_km: float) -> tuple[float, float]:
    """A projected point in viewBox units (north up), to a tenth."""
    return round((x_km - FRAME[0]) * SCALE, 1), round((FRAME[3] - y_km) * SCALE, 1)


@functools.lru_cache(maxsize=4096)
def place(latitude: float, longitude: float) -> tuple[float, float]:
    """Where a point is drawn, in viewBox units. Cached by the coordinates themselves,
    so a corrected point is simply a new entry."""
    return to_view(*project(latitude, longitude))


@functools.cache
def outline_path() -> str:
    """The coast as one SVG path (every ring a closed subpath), in viewBox units: read
    and laid out once per process."""
    data = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    parts = []
    for ring in data["rings"]:
        points = [to_view(x, y) for x, y in ring]
        head, *rest = points
        parts.append(f"M{head[0]:g} {head[1]:g}L" + " ".join(f"{x:g} {y:g}" for x, y in rest) + "Z")
    return "".join(parts)


@functools.lru_cache(maxsize=8)
def dots_path(points: tuple[tuple[float, float], ...]) -> str:
    """Many small dots as one path of zero-length strokes (drawn round by the stroke's
    caps): the background of every authority in existence, a few bytes each."""
    return "".join(f"M{x:g} {y:g}h0" for x, y in sorted(set(points)))


# --- What a page's map shows ------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """An authority as the map knows it: where it is (None: no point recorded)."""

    pk: int
    code: str
    name: str
    url: str
    latitude: float | None
    longitude: float | None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def coordinates(self) -> tuple[float, float] | None:
        return (self.latitude, self.longitude) if self.located else None


@dataclass(frozen=True)
class Dot:
    code: str
    name: str
    url: str
    x: float
    y: float
    kind: str  # involved, focus

    # Numbers as the SVG takes them, written here once: a template would localise each.
    @property
    def cx(self) -> str:
        return f"{self.x:g}"

    @property
    def cy(self) -> str:
        return f"{self.y:g}"

    @property
    def corner(self) -> tuple[str, str]:
        """The top left corner of the square drawn for the page's own council."""
        return f"{self.x - FOCUS_HALF:.1f}", f"{self.y - FOCUS_HALF:.1f}"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # partners, candidate
    ends: tuple[str, str] = ("", "")  # the codes of the two authorities it joins


@dataclass(frozen=True)
class Member:
    """One partner in the table beside the map: its distance from the arrangement's
    lead (or the page's council), when both have points."""

    point: Point
    role: str  # the words for its role, e.g. "lead"; empty for a partner
    km: float | None

    @property
    def distance(self) -> str:
        if self.km is not None:
            return f"{self.km:,.0f} km"
        return "" if self.point.located else "no point recorded"


@dataclass
class Row:
    label: str
    url: str
    members: list[Member]


@dataclass
class Map:
    id: str
    title: str
    description: str
    background: str
    dots: list[Dot]
    lines: list[Line]
    legend: list[str]  # the kinds drawn: background, involved, focus, partners, candidate
    rows: list[Row] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # involved, with no point
    focus_name: str = ""  # the page's own council, drawn as a square
    distance_note: str = ""  # the table's words for whom each distance is from
    candidate_lines: int = 0
    background_label: str = "an authority in existence today"  # the key's words
    involved_label: str = "an authority taking part"
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def outline(self) -> str:
        return outline_path()

    def lines_path(self, kind: str) -> str:
        """The lines of one kind as one SVG path: a few hundred lines cost one element."""
        return "".join(
            f"M{line.x1:g} {line.y1:g}L{line.x2:g} {line.y2:g}"
            for line in self.lines
            if line.kind == kind
        )

    @property
    def partner_lines(self) -> str:
        return self.lines_path("partners")

    @property
    def candidate_lines_path(self) -> str:
        return self.lines_path("candidate")


def background(points) -> str:
    """The dots of these authorities (every one in existence today, with a point)."""
    return dots_path(tuple(place(p.latitude, p.longitude) for p in points if p.located))


def _km(a: Point, b: Point) -> float | None:
    km = great_circle_km(a.coordinates, b.coordinates)
    return None if km is None else round(km)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _hub(members: list[tuple[Point, str]]) -> Point:
    """Whom an arrangement's lines start from: its lead, else its host, else the first
    partner by name."""
    for wanted in ("lead", "host"):
        for point, role in members:
            if role == wanted:
                return point
    return min((point for point, _ in members), key=lambda p: (p.name, p.code))


def arrangements_map(
    arrangements: list[tuple[int, str, str]],
    memberships: list[tuple[int, int, str]],
    points: dict[int, Point],
    current: list[Point],
    *,
    id: str,
    title: str,
    scope: str,
    hub: Point | None = None,
) -> Map:
    """The map of some arrangements: a ringed dot for each authority taking part, a line
    from each arrangement's lead (or host, or ``hub``: the page's council) to each of its
    other partners, and a small dot for every other authority in ``current``.

    ``arrangements`` are (pk, title, url) in the page's order; ``memberships`` (arrangement
    pk, authority pk, role) of those taking part; ``points`` every authority by pk;
    ``scope`` says in words which arrangements these are ("on this page of the list")."""
    members: dict[int, list[tuple[Point, str]]] = {}
    for arrangement_id, authority_id, role in memberships:
        members.setdefault(arrangement_id, []).append((points[authority_id], role))
    dots: dict[int, Dot] = {}
    lines: dict[tuple, Line] = {}
    rows = []
    unplaced: dict[int, str] = {}
    involved: set[int] = set()
    if hub is not None and hub.located:
        x, y = place(hub.latitude, hub.longitude)
        dots[hub.pk] = Dot(hub.code, hub.name, hub.url, x, y, "focus")
    for pk, label, url in arrangements:
        its = members.get(pk, [])
        if not its:
            continue
        start = hub if hub is not None and any(p.pk == hub.pk for p, _ in its) else _hub(its)
        row = []
        for point, role in sorted(its, key=lambda m: (m[0].pk != start.pk, m[0].name)):
            involved.add(point.pk)
            row.append(
                Member(point, role if role in ("lead", "host") else "", _km(start, point))
                if point.pk != start.pk
                else Member(point, role if role in ("lead", "host") else "", None)
            )
            if not point.located:
                unplaced[point.pk] = point.name
                continue
            if point.pk not in dots:
                x, y = place(point.latitude, point.longitude)
                dots[point.pk] = Dot(point.code, point.name, point.url, x, y, "involved")
            if point.pk != start.pk and start.located:
                key = tuple(sorted((start.pk, point.pk)))
                a, b = dots.get(start.pk) or _dot(start), dots[point.pk]
                if key not in lines and (a.x, a.y) != (b.x, b.y):
                    lines[key] = Line(a.x, a.y, b.x, b.y, "partners", (a.code, b.code))
        rows.append(Row(label, url, row))
    legend = (
        ["background"]
        + (["involved"] if any(d.kind == "involved" for d in dots.values()) else [])
        + (["focus"] if hub is not None and hub.located else [])
        + (["partners"] if lines else [])
    )
    joined = "from each arrangement's lead (or host) to each of its other partners"
    if hub is not None:
        joined = f"from {hub.name} (a square) to each of its partners in them"
    if rows:
        description = (
            f"A map of England and Wales: the {_plural(len(involved), 'authority', 'authorities')} "
            f"taking part in the {_plural(len(rows), 'arrangement')} {scope}, each a ringed "
            f"dot, with a line {joined}; every other authority in existence today is a small "
            "grey dot. The table below the map lists the same arrangements and partners, "
            "with how far each partner is from "
            + (hub.name if hub is not None else "the lead")
            + "."
        )
    else:
        description = (
            "A map of England and Wales with every authority in existence today as a small "
            f"grey dot: no arrangement {scope} has partners to join."
        )
        if hub is not None:
            description += (
                f" {hub.name} is the square."
                if hub.located
                else f" {hub.name} has no point recorded, so it is not drawn."
            )
    return Map(
        id=id,
        title=title,
        description=description,
        background=background(current),
        dots=_in_drawing_order(dots.values()),
        lines=list(lines.values()),
        legend=legend,
        rows=rows,
        unplaced=sorted(unplaced.values()),
        focus_name=hub.name if hub is not None else "",
        distance_note=(
            f"{hub.name} first, then each other partner with its distance from {hub.name}"
            if hub is not None
            else "the lead first (or the host, or without either the first by name), then "
            "each other partner with its distance from it"
        ),
    )


def _dot(point: Point) -> Dot:
    x, y = place(point.latitude, point.longitude)
    return Dot(point.code, point.name, point.url, x, y, "involved")


def _in_drawing_order(dots) -> list[Dot]:
    """Involved dots by name, the page's own council last (drawn on top)."""
    return sorted(dots, key=lambda d: (d.kind == "focus", d.name, d.code))


def candidates_map(focus: Point, candidates: list[Point], current: list[Point], *, id: str) -> Map:
    """The partner finder's map: its council, a ringed dot for each council listed, and a
    dashed line from the council to each of the first LINES_TO_CANDIDATES."""
    dots: dict[int, Dot] = {}
    lines = []
    start = None
    if focus.located:
        x, y = place(focus.latitude, focus.longitude)
        start = dots[focus.pk] = Dot(focus.code, focus.name, focus.url, x, y, "focus")
    unplaced = []
    for rank, point in enumerate(candidates):
        if not point.located:
            unplaced.append(point.name)
            continue
        x, y = place(point.latitude, point.longitude)
        dot = dots.setdefault(point.pk, Dot(point.code, point.name, point.url, x, y, "involved"))
        if (
            start is not None
            and rank < LINES_TO_CANDIDATES
            and (dot.x, dot.y)
            != (
                start.x,
                start.y,
            )
        ):
            lines.append(Line(start.x, start.y, dot.x, dot.y, "candidate", (start.code, dot.code)))
    first = min(len(candidates), LINES_TO_CANDIDATES)
    description = (
        f"A map of England and Wales: {focus.name} (a square) and the "
        f"{_plural(len(candidates), 'council')} listed in the table above (ringed dots), with "
        f"a dashed line from {focus.name} to each of the {_plural(first, 'highest score')}; "
        "every other council ranked is a small grey dot. The table gives each council's "
        "distance and score."
    )
    if not focus.located:
        description += f" {focus.name} has no point recorded, so it is not drawn."
    return Map(
        id=id,
        title=f"Councils that could share with {focus.name}",
        description=description,
        background=background(current),
        dots=_in_drawing_order(dots.values()),
        lines=lines,
        legend=["background", "involved", "focus"] + (["candidate"] if lines else []),
        unplaced=sorted(unplaced),
        focus_name=focus.name,
        candidate_lines=first,
        background_label="a council ranked",
        involved_label="a council listed",
    )
