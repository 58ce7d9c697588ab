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

from .partners import distance_words, great_circle_km

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
    title: str = ""  # the tooltip; the name when empty

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

    @property
    def tooltip(self) -> str:
        return self.title or self.name


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
    lead (or the page's council), when both have points. ``beside`` names the one it is
    measured from when the two have the very same point."""

    point: Point
    role: str  # the words for its role, e.g. "lead"; empty for a partner
    km: float | None
    beside: str = ""

    @property
    def distance(self) -> str:
        if self.beside:
            return f"same approximate location as {self.beside}"
        if self.km is not None:
            return distance_words(self.km)
        return "" if self.point.located else "no point recorded"


@dataclass
class Row:
    label: str
    url: str
    members: list[Member]
    more: int = 0  # its partners left out of the table and the drawing (MAP_PARTNERS)


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
    limit_note: str = ""  # what the map and its table leave out, when they are capped
    more_url: str = ""  # where the rest is, with
    more_label: str = ""  # the words of the link there
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


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _hub(members: list[tuple[Point, str]]) -> Point:
    """Whom an arrangement's lines start from: its lead, else its host, else the first
    partner by name."""
    for wanted in ("lead", "host"):
        for point, role in members:
            if role == wanted:
                return point
    return min((point for point, _ in members), key=lambda p: (p.name, p.code))


# --- Authorities at one point -------------------------------------------------------------

DOT_RADIUS = 3.5  # a ringed dot's (viewBox units; register_tags.map_dots draws it)
CO_LOCATED = "drawn side by side: the register has the same approximate location for"


def _marks(points: list[tuple[Point, str]]) -> tuple[dict[int, Dot], int]:
    """A mark for each located authority ((point, kind): kind "focus" or "involved"), by
    pk, and how many points are shared by more than one. Authorities at the very same
    point (a point worked out from a larger council's, say) are not stacked, where only
    the top one could be seen or selected: the page's own council's square stays on the
    point and the others' dots are set evenly round it, just clear of it and of one
    another, each still a link to its own page, its tooltip naming the others there."""
    at: dict[tuple[float, float], list[tuple[Point, str]]] = {}
    for point, kind in points:
        at.setdefault(place(point.latitude, point.longitude), []).append((point, kind))
    marks: dict[int, Dot] = {}
    shared = 0
    for (x, y), here in at.items():
        if len(here) == 1:
            [(point, kind)] = here
            marks[point.pk] = Dot(point.code, point.name, point.url, x, y, kind)
            continue
        shared += 1
        here.sort(key=lambda m: (m[1] != "focus", m[0].name, m[0].code))
        ring = [m for m in here if m[1] != "focus"]
        if len(ring) < len(here):  # the square stays put
            square, _ = here[0]
            marks[square.pk] = Dot(
                square.code,
                square.name,
                square.url,
                x,
                y,
                "focus",
                _beside_title(square, here),
            )
            radius = FOCUS_HALF * math.sqrt(2) + DOT_RADIUS + 1
        else:
            radius = 0.0
        if len(ring) > 1:  # dots a little apart from one another round the ring
            radius = max(radius, (DOT_RADIUS + 0.5) / math.sin(math.pi / len(ring)))
        for n, (point, kind) in enumerate(ring):
            angle = 2 * math.pi * n / len(ring) - math.pi / 2  # the first above the point
            marks[point.pk] = Dot(
                point.code,
                point.name,
                point.url,
                round(x + radius * math.cos(angle), 1),
                round(y + radius * math.sin(angle), 1),
                kind,
                _beside_title(point, here),
            )
    return marks, shared


def _beside_title(point: Point, here: list[tuple[Point, str]]) -> str:
    others = [p.name for p, _ in here if p.pk != point.pk]
    return f"{point.name} ({CO_LOCATED} it and {_names(others)})"


def _same_point(a: Point, b: Point) -> bool:
    return a.located and b.located and place(*a.coordinates) == place(*b.coordinates)


# --- The maps of arrangements ---------------------------------------------------------------

MAP_PARTNERS = 300  # the most partners a map and its table show, in the arrangements' order


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
    more_url: str = "",
    more_label: str = "",
    totals: dict[int, int] | None = None,
) -> Map:
    """The map of some arrangements: a ringed dot for each authority taking part, a line
    from each arrangement's lead (or host, or ``hub``: the page's council) to each of its
    other partners, and a small dot for every other authority in ``current``.

    ``arrangements`` are (pk, title, url) in the page's order; ``memberships`` (arrangement
    pk, authority pk, role) of those taking part; ``points`` every authority by pk;
    ``scope`` says in words which arrangements these are ("on this page of the list").
    ``totals``, when given, is how many take part in each arrangement (by pk): then
    ``memberships`` need hold only those of the arrangements drawn (every one taking part
    in each, up to the one where MAP_PARTNERS run out), not of the rest.

    The map and its table hold the first MAP_PARTNERS partners, arrangement by arrangement
    in the page's order (the last one drawn perhaps in part), so the page's size does not
    grow with the number of partners; when that leaves any out, they say so and point to
    ``more_url`` (``more_label``), where every partner is listed. Its words describe only
    what is drawn: how many ringed dots, whether a square and lines, and how many
    authorities taking part could not be placed."""
    members: dict[int, list[tuple[Point, str]]] = {}
    for arrangement_id, authority_id, role in memberships:
        members.setdefault(arrangement_id, []).append((points[authority_id], role))
    if totals is None:
        totals = {pk: len(its) for pk, its in members.items()}
    with_partners = [a for a in arrangements if totals.get(a[0])]
    partners_total = sum(totals[pk] for pk, _, _ in with_partners)
    hub_drawn = hub is not None and hub.located
    rows = []
    involved: dict[int, Point] = {}
    joins: list[tuple[Point, Point]] = []  # (from, to) of each line, both with points
    unjoined = 0  # arrangements whose lines would start from an authority with no point
    budget = MAP_PARTNERS
    for pk, label, url in with_partners:
        if budget <= 0:
            break
        its = members[pk]
        start = hub if hub is not None and any(p.pk == hub.pk for p, _ in its) else _hub(its)
        ordered = sorted(its, key=lambda m: (m[0].pk != start.pk, m[0].name, m[0].code))
        kept, budget = ordered[:budget], budget - len(ordered)
        row = []
        for point, role in kept:
            involved[point.pk] = point
            words = role if role in ("lead", "host") else ""
            if point.pk == start.pk:
                row.append(Member(point, words, None))
                continue
            same = _same_point(start, point)
            row.append(Member(point, words, _km(start, point), start.name if same else ""))
            if start.located and point.located and not same:
                joins.append((start, point))
        if len(its) > 1 and not start.located:
            unjoined += 1
        rows.append(Row(label, url, row, more=len(ordered) - len(kept)))
    located = [(p, "involved") for p in involved.values() if p.located and p != hub]
    if hub_drawn:
        located.append((hub, "focus"))
    dots, shared = _marks(located)
    lines: dict[tuple, Line] = {}
    for a_point, b_point in joins:
        key = tuple(sorted((a_point.pk, b_point.pk)))
        if key not in lines:
            a, b = dots[a_point.pk], dots[b_point.pk]
            lines[key] = Line(a.x, a.y, b.x, b.y, "partners", (a.code, b.code))
    unplaced = sorted(p.name for p in involved.values() if not p.located)
    ringed = sum(d.kind == "involved" for d in dots.values())
    legend = (
        ["background"]
        + (["involved"] if ringed else [])
        + (["focus"] if hub_drawn else [])
        + (["partners"] if lines else [])
    )
    shown = sum(len(row.members) for row in rows)
    limit_note = ""
    if shown < partners_total:
        cut = rows[-1]
        first = (
            "the first arrangement" if len(rows) == 1 else f"the first {len(rows):,} arrangements"
        )
        limit_note = (
            f"Showing the partners of {first} of the {len(with_partners):,} with partners, "
            f"in the order listed{f' ({cut.label} in part)' if cut.more else ''}: "
            f"{shown:,} of the {partners_total:,} places taken by partners in these "
            "arrangements (an authority in two of them counts twice). The map and its "
            "table stop there to keep the page quick to load."
        )
    description = _arrangements_words(
        len(arrangements),
        len(with_partners),
        scope,
        hub,
        ringed=ringed,
        lines=len(lines),
        unplaced=len(unplaced),
        unjoined=unjoined,
        shared=shared,
        limit=(
            f" The map and the table show the partners of {first} of the "
            f"{len(with_partners):,} (see below the map)."
            if limit_note
            else ""
        ),
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
        unplaced=unplaced,
        focus_name=hub.name if hub is not None else "",
        distance_note=(
            f"{hub.name} first, then each other partner with its distance from {hub.name}"
            if hub is not None
            else "the lead first (or the host, or without either the first by name), then "
            "each other partner with its distance from it"
        ),
        limit_note=limit_note,
        more_url=more_url if limit_note else "",
        more_label=more_label if limit_note else "",
    )


def _arrangements_words(
    found: int,
    with_partners: int,
    scope: str,
    hub: Point | None,
    *,
    ringed: int,
    lines: int,
    unplaced: int,
    unjoined: int,
    shared: int,
    limit: str,
) -> str:
    """The map's description for a screen reader: what it counts, then only what is
    drawn."""
    hub_drawn = hub is not None and hub.located
    if not with_partners:
        words = (
            "A map of England and Wales with every authority in existence today as a small "
            f"grey dot: no arrangement {scope} has partners to join."
        )
        if hub is not None:
            words += (
                f" {hub.name} is the square."
                if hub_drawn
                else f" {hub.name} has no point recorded, so it is not drawn."
            )
        return words
    if with_partners == found:
        counted = (
            f"The arrangement {scope} has partners taking part."
            if found == 1
            else f"Both arrangements {scope} have partners taking part."
            if found == 2
            else f"All {found:,} arrangements {scope} have partners taking part."
        )
    else:
        rest = found - with_partners
        counted = (
            f"{with_partners:,} of the {found:,} arrangements {scope} "
            f"{'has' if with_partners == 1 else 'have'} partners taking part "
            f"({rest:,} {'has' if rest == 1 else 'have'} none, so nothing to draw)."
        )
    drawn = []
    if hub_drawn:
        drawn.append(f"{hub.name} as a square")
    if ringed:
        drawn.append(
            (
                _plural(ringed, "other authority", "other authorities")
                if hub_drawn
                else _plural(ringed, "authority", "authorities")
            )
            + " taking part, "
            + ("a ringed dot" if ringed == 1 else "each a ringed dot")
        )
    if lines:
        drawn.append(
            f"{_plural(lines, 'line')}, from {hub.name} to its partners"
            if hub_drawn
            else f"{_plural(lines, 'line')}, from each arrangement's lead (or host) to its "
            "other partners"
        )
    words = f"A map of England and Wales. {counted}{limit}"
    if drawn:
        words += " Drawn: " + "; ".join(drawn) + "."
    words += " Every other authority in existence today is a small grey dot."
    if hub is not None and not hub.located:
        words += (
            f" {hub.name} has no point recorded, so it is not drawn and no line starts from it."
        )
    if unjoined and hub is None:
        words += (
            f" No line is drawn for {_plural(unjoined, 'arrangement')} whose lead (or host) "
            "has no point recorded."
        )
    if unplaced:
        words += (
            f" {_plural(unplaced, 'authority', 'authorities')} taking part could not be "
            "placed (no point recorded): named below the map."
        )
    if shared:
        words += (
            " Where authorities share one approximate location, their marks are drawn side "
            f"by side round it, with no line between them ({_plural(shared, 'such location')})."
        )
    who = hub.name if hub is not None else "the lead"
    return (
        words + " The table below the map lists the same arrangements and partners, with how "
        f"far each partner is from {who}."
    )


def _in_drawing_order(dots) -> list[Dot]:
    """Involved dots by name, the page's own council last (drawn on top)."""
    return sorted(dots, key=lambda d: (d.kind == "focus", d.name, d.code))


def candidates_map(focus: Point, candidates: list[Point], current: list[Point], *, id: str) -> Map:
    """The partner finder's map: its council, a ringed dot for each council listed, and a
    dashed line from the council to each of the first LINES_TO_CANDIDATES (those with a
    point; none when the council has none). Its words describe only what is drawn."""
    located = [(p, "involved") for p in candidates if p.located]
    if focus.located:
        located.append((focus, "focus"))
    dots, shared = _marks(located)
    start = dots.get(focus.pk)
    lines = []
    for point in candidates[:LINES_TO_CANDIDATES]:
        if start is not None and point.located and not _same_point(focus, point):
            dot = dots[point.pk]
            lines.append(Line(start.x, start.y, dot.x, dot.y, "candidate", (start.code, dot.code)))
    unplaced = sorted(p.name for p in candidates if not p.located)
    ringed = len(candidates) - len(unplaced)
    first = min(len(candidates), LINES_TO_CANDIDATES)
    drawn = []
    if start is not None:
        drawn.append(f"{focus.name} as a square")
    if ringed:
        listed = (
            f"the {_plural(ringed, 'council')}"
            if ringed == len(candidates)
            else f"{ringed:,} of the {_plural(len(candidates), 'council')}"
        )
        drawn.append(
            f"{listed} listed in the table above, "
            + ("a ringed dot" if ringed == 1 else "each a ringed dot")
        )
    if lines:
        drawn.append(
            f"a dashed line from {focus.name} to each of the {_plural(len(lines), 'council')} "
            f"of the {_plural(first, 'highest score')} that "
            + ("has a point" if len(lines) == 1 else "have a point")
            if len(lines) < first
            else f"a dashed line from {focus.name} to each of the {_plural(first, 'highest score')}"
        )
    description = "A map of England and Wales."
    if drawn:
        description += " Drawn: " + "; ".join(drawn) + "."
    description += " Every other council ranked is a small grey dot."
    if start is None:
        description += (
            f" {focus.name} has no point recorded, so it is not drawn and no line starts from it."
        )
    if unplaced:
        description += (
            f" {_plural(len(unplaced), 'council')} listed could not be placed (no point "
            "recorded): named below the map."
        )
    if shared:
        description += (
            " Where councils share one approximate location, their marks are drawn side by "
            "side round it, with no line between them."
        )
    description += " The table gives each council's distance and score."
    return Map(
        id=id,
        title=f"Councils that could share with {focus.name}",
        description=description,
        background=background(current),
        dots=_in_drawing_order(dots.values()),
        lines=lines,
        legend=["background"]
        + (["involved"] if ringed else [])
        + (["focus"] if start is not None else [])
        + (["candidate"] if lines else []),
        unplaced=unplaced,
        focus_name=focus.name,
        candidate_lines=first,
        background_label="a council ranked",
        involved_label="a council listed",
    )
