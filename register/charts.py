"""Charts drawn on the server: the geometry of a bar chart of money by financial year.

Pure Python, no database and no Django: a page's reads give the figures (totals that
keep their qualifiers, as register.figures.QualifiedTotal does), ``savings_chart`` lays
them out, and a template (templates/register/includes/savings_chart.html) only draws the
rectangles, lines and words it is given. The chart is an SVG that scales with its
viewBox, so it fits a 320 px screen and a printed page alike.

How a figure is drawn (the legend says the same in words):

- an exact figure: a solid bar from zero to it;
- a range ("up to" figures in it): a solid bar to the lower end and a hatched, lighter
  bar on to the upper end; a total of "up to" figures only is hatched from zero;
- open-ended (an "over" or "at least" figure in it): a solid bar to the lower end and a
  short hatched tail ending in an arrow: more than this, by an amount nobody stated;
- "about" figures: the words beside the bar say "about"; the bar is drawn at the figure;
- a target: a dashed vertical line across the year's bars, named in words.

Hatching, outlines and dashes carry every distinction, so the chart reads in black and
white. Every figure is also written out in words above its bar, exactly as the table
beside the chart gives it.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 340  # viewBox units; the SVG scales to its container
PAD = 8
TAIL = 22  # the open-ended tail, beyond the lower end
FONT = 14  # 12 px or more on a 320 px screen
LINE = 18  # a line of words
BAR = 14
YEAR_GAP = 12
AXIS = 24  # room for the axis labels under the last year
MAX_GAP_YEARS = 20  # years with nothing are shown between others when the span is no wider
# The characters of words that fit across the chart: Arial at FONT averages about 0.55 em
# a character, bold a little more. Longer words go on more lines, never past the edge
# (the chart scales with its viewBox, so what does not fit is cut at every width).
CHARS_PER_LINE = int((WIDTH - 2 * PAD) / (FONT * 0.6))


def text_width(words: str) -> float:
    """About how wide these words are drawn, at most (viewBox units)."""
    return len(words) * FONT * 0.6


def lines_of(words: str) -> list[str]:
    """Words as the lines they take across the chart."""
    return textwrap.wrap(words, CHARS_PER_LINE, break_on_hyphens=False) or [""]


def listed(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class Figure:
    """One figure to draw: its lower end, its upper end (None: open-ended), and the
    words the table gives for it."""

    lower: Decimal
    upper: Decimal | None
    text: str
    approximate: bool = False

    @classmethod
    def of(cls, total) -> Figure | None:
        """From a QualifiedTotal (None when it holds no money figure), or an amount."""
        if total is None:
            return None
        if isinstance(total, Decimal | int):
            from .money import format_money

            return cls(Decimal(total), Decimal(total), format_money(total))
        if not total.figures:
            return None
        return cls(total.lower, total.upper, total.money, total.approximate)

    @property
    def is_range(self) -> bool:
        return self.upper is not None and self.upper > self.lower

    @property
    def is_open(self) -> bool:
        return self.upper is None


@dataclass(frozen=True)
class Series:
    key: str
    label: str  # as the words above each bar begin: "Its own savings"
    outline: bool = False  # drawn as an outline (a second series), not filled


@dataclass
class Year:
    """One year's figures: by series key, and the target (an amount) if any."""

    year: int | None  # None: the source does not say which year
    figures: dict = field(default_factory=dict)
    target: Decimal | None = None
    note: str = ""  # more words for the year's line, e.g. the bases in it


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # solid, range, outline


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # grid, zero, target


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    bold: bool = False


@dataclass(frozen=True)
class Arrow:
    points: str  # an SVG polygon's points


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rects: list[Rect]
    lines: list[Line]
    texts: list[Text]
    arrows: list[Arrow]
    legend: list[str]  # the kinds drawn (solid, range, open, outline, target)
    font: int = FONT

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def year_label(year: int | None) -> str:
    if year is None:
        return "Year not stated"
    return f"{year}/{(year + 1) % 100:02d}"


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``span`` into about
    ``ticks`` parts."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def short_money(value: float) -> str:
    """An axis label: '£0', '£500', '£250k', '£1.5m', '£2bn'."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= size:
            number = f"{value / size:,.2f}".rstrip("0").rstrip(".")
            return f"{sign}£{number}{suffix}"
    number = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{sign}£{number}"


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    left: float
    right: float

    def __call__(self, value) -> float:
        value = float(value)
        return round(self.left + (value - self.low) / (self.high - self.low) * self.plot, 1)

    @property
    def plot(self) -> float:
        return self.right - self.left

    @classmethod
    def of(cls, values: list[float], left: float, right: float) -> tuple[Scale, list[float]]:
        """A scale from zero (or the lowest negative value) to the highest value, widened
        to round ticks; and the ticks."""
        low = min([0.0, *values])
        high = max([0.0, *values])
        step = nice_step(high - low)
        low = math.floor(low / step) * step
        high = math.ceil(high / step) * step
        if high <= low:
            high = low + step
        count = round((high - low) / step)
        ticks = [low + n * step for n in range(count + 1)]
        return cls(low, high, left, right), ticks


def fill_years(years: list[Year]) -> list[Year]:
    """The years in order, with the years between that have nothing (when the span is
    not too wide to show them), and "year not stated" last."""
    by_year = {y.year: y for y in years}
    stated = sorted(y for y in by_year if y is not None)
    if stated and stated[-1] - stated[0] <= MAX_GAP_YEARS:
        stated = list(range(stated[0], stated[-1] + 1))
    out = [by_year.get(year) or Year(year) for year in stated]
    if None in by_year:
        out.append(by_year[None])
    return out


def savings_chart(
    years: list[Year],
    series: list[Series],
    *,
    id: str,
    title: str,
    description: str,
    target_label: str = "Target",
) -> Chart | None:
    """The geometry of a chart of these years' figures, a row of bars for each year;
    None when there is no money figure or target to draw."""
    drawn = [f for y in years for f in y.figures.values() if f is not None] + [
        Figure.of(y.target) for y in years if y.target is not None
    ]
    if not drawn:
        return None
    values = []
    for figure in drawn:
        values += [float(figure.lower)]
        if figure.upper is not None:
            values.append(float(figure.upper))
    right = WIDTH - PAD
    if any(f.is_open for f in drawn):
        right -= TAIL  # room for a tail beyond the highest lower end
    scale, ticks = Scale.of(values, PAD, right)
    zero = scale(0)
    rects, lines, texts, arrows, legend = [], [], [], [], set()
    y = PAD
    for year in fill_years(years):
        note = f" ({year.note})" if year.note else ""
        for part in lines_of(year_label(year.year) + note):
            y += LINE
            texts.append(Text(PAD, y - 4, part, bold=True))
        top = y
        shown = False
        for one in series:
            figure = year.figures.get(one.key)
            if figure is None:
                continue
            shown = True
            for part in lines_of(f"{one.label}: {figure.text}"):
                y += LINE
                texts.append(Text(PAD, y - 4, part))
            rects_for(figure, scale, zero, y, one.outline, rects, arrows, legend)
            y += BAR + 4
        if year.target is not None:
            shown = True
            from .money import format_money

            for part in lines_of(f"{target_label}: {format_money(year.target)}"):
                y += LINE
                texts.append(Text(PAD, y - 4, part))
            x = scale(year.target)
            # A dashed line from zero to the target, ending in a dashed rule across the
            # year's bars, so that each bar can be read against it.
            lines.append(Line(zero, y + BAR / 2, x, y + BAR / 2, "target"))
            lines.append(Line(x, top + 2, x, y + BAR, "target"))
            legend.add("target")
            y += BAR + 4
        if not shown:
            y += LINE
            texts.append(Text(PAD, y - 4, "None recorded"))
        y += YEAR_GAP
    bottom = y
    grid = []
    for tick in ticks:
        x = scale(tick)
        grid.append(Line(x, PAD, x, bottom, "zero" if tick == 0 else "grid"))
        label = short_money(tick)
        half = text_width(label) / 2
        # Centred under its line, unless that would run past an edge of the chart.
        anchor = "start" if x - half < 0 else "end" if x + half > WIDTH else "middle"
        texts.append(Text(x, bottom + FONT + 4, label, anchor))
    if zero not in [scale(t) for t in ticks]:
        grid.append(Line(zero, PAD, zero, bottom, "zero"))
    lines = grid + lines  # the grid first, under the bars and targets
    order = ["solid", "range", "open", "outline", "target"]
    return Chart(
        id=id,
        title=title,
        description=description,
        width=WIDTH,
        height=int(bottom + AXIS),
        rects=rects,
        lines=lines,
        texts=texts,
        arrows=arrows,
        legend=[kind for kind in order if kind in legend],
    )


def rects_for(figure, scale, zero, y, outline, rects, arrows, legend) -> None:
    """The bar of one figure at height ``y``: solid (or outlined) to its lower end, then
    hatched to its upper end, or an arrow for an open end."""
    solid = "outline" if outline else "solid"
    lower = scale(figure.lower)
    start, end = sorted((zero, lower))
    if end > start:
        rects.append(Rect(start, y, round(end - start, 1), BAR, solid))
        legend.add(solid)
    if figure.is_range:
        upper = scale(figure.upper)
        rects.append(Rect(lower, y, round(upper - lower, 1), BAR, "range"))
        legend.add("range")
    elif figure.is_open:
        tip = min(lower + TAIL, WIDTH - PAD)
        rects.append(Rect(lower, y, round(tip - 6 - lower, 1), BAR, "range"))
        middle = y + BAR / 2
        arrows.append(Arrow(f"{tip - 6},{y - 3} {tip},{middle} {tip - 6},{y + BAR + 3}"))
        legend.add("open")
    elif not end > start:
        # A zero figure: a hairline at zero, so that "nothing" is seen, not missed.
        rects.append(Rect(zero, y, 1, BAR, solid))
        legend.add(solid)


# --- The register's two charts ----------------------------------------------------------


def by_year_chart(rows: list[dict], *, id: str = "savings-chart") -> Chart | None:
    """The savings summary's chart: its rows (savings_by_year's, each with its year, basis
    and total) added up by year exactly as the page's own figures by year are, the bases
    in each year named."""
    from .figures import QualifiedTotal

    totals: dict = {}
    bases: dict = {}
    for row in rows:
        year = row["financial_year"]
        totals[year] = totals.get(year, QualifiedTotal()) + row["total"]
        if row["total"].figures:
            label = row.get("basis_label") or row["basis"]
            bases.setdefault(year, [])
            if label.lower() not in bases[year]:
                bases[year].append(label.lower())
    years = [
        Year(year, {"savings": Figure.of(total)}, note=listed(bases.get(year, [])))
        for year, total in totals.items()
        if total.figures
    ]
    return savings_chart(
        years,
        [Series("savings", "Savings")],
        id=id,
        title="Savings recorded by financial year",
        description=(
            "A bar for each financial year: the money savings recorded of arrangements going "
            "ahead, estimated, forecast and achieved together (a year between others with none "
            "is shown as none recorded). The table beside it gives the "
            "same figures by basis."
        ),
    )


def targets_chart(rows: list[dict], name: str, *, id: str = "own-savings-chart") -> Chart | None:
    """An authority's chart: by financial year, its own savings, its shares of
    whole-arrangement savings (apart, never added) and its target, from the rows of
    summaries.targets_beside_savings for that authority."""
    years = [
        Year(
            row["year"],
            {
                "own": Figure.of(row["recorded"]),
                "shares": Figure.of(row["shares"]),
            },
            target=row["target"],
        )
        for row in rows
    ]
    return savings_chart(
        years,
        [Series("own", "Its own savings"), Series("shares", "Its shares", outline=True)],
        id=id,
        title=f"{name}: savings by financial year against its target",
        description=(
            f"For each financial year: {name}'s budget savings target, its own savings of "
            "arrangements going ahead, and apart from them its shares of whole-arrangement "
            "savings. The table beside it gives the same figures; a year between others "
            "with nothing recorded is shown in the chart only, as none recorded."
        ),
        target_label="Target",
    )
