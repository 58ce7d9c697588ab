"""The geometry of the savings charts (register/charts.py), with no database: scales,
zero, negative, missing and unstated years, one year, huge numbers, and how ranges and
open-ended figures are drawn."""

import math
from decimal import Decimal

import pytest

from register import charts
from register.charts import Figure, Series, Year, savings_chart
from register.figures import QualifiedTotal

SERIES = [Series("own", "Its own savings")]


def chart_of(*years, series=SERIES, **kwargs):
    return savings_chart(list(years), series, id="c", title="T", description="D", **kwargs)


def exact(amount) -> Figure:
    return Figure.of(QualifiedTotal(Decimal(amount), Decimal(amount), False, 1, 0))


def solid(chart):
    return [r for r in chart.rects if r.kind == "solid"]


def year_lines(chart):
    return [t.text for t in chart.texts if t.bold]


def test_bars_are_as_long_as_their_figures_from_zero():
    chart = chart_of(Year(2012, {"own": exact(100)}), Year(2013, {"own": exact(300)}))
    first, second = solid(chart)
    assert first.x == second.x == charts.PAD  # both start at zero, at the left
    assert second.width == pytest.approx(3 * first.width, abs=0.2)
    assert second.y > first.y  # years go down the page in order
    # The axis runs from £0 to a round number at least as large as the largest figure.
    labels = [t.text for t in chart.texts if t.y > second.y + charts.BAR]
    assert labels[0] == "£0" and labels[-1] == "£300"


def test_a_range_is_solid_to_its_lower_end_and_hatched_to_its_upper_end():
    total = QualifiedTotal.of([("exactly", Decimal(100), 1, 0), ("up_to", Decimal(300), 1, 0)])
    chart = chart_of(Year(2012, {"own": Figure.of(total)}))
    (bar,) = solid(chart)
    (hatched,) = [r for r in chart.rects if r.kind == "range"]
    assert hatched.x == pytest.approx(bar.x + bar.width, abs=0.2)
    assert hatched.width == pytest.approx(3 * bar.width, abs=0.3)  # 100 to 400
    assert "£100 to £400" in [t.text.split(": ")[-1] for t in chart.texts]
    assert chart.legend == ["solid", "range"]


def test_up_to_only_is_hatched_from_zero_and_says_up_to():
    total = QualifiedTotal.of([("up_to", Decimal(35000), 1, 0)])
    chart = chart_of(Year(2012, {"own": Figure.of(total)}))
    assert not solid(chart)
    (hatched,) = [r for r in chart.rects if r.kind == "range"]
    assert hatched.x == charts.PAD and hatched.width > 0
    assert any(t.text == "Its own savings: up to £35,000" for t in chart.texts)


def test_an_open_ended_figure_has_an_arrow_and_says_at_least():
    total = QualifiedTotal.of([("over", Decimal(700000), 1, 0)])
    chart = chart_of(Year(2012, {"own": Figure.of(total)}))
    (bar,) = solid(chart)
    assert len(chart.arrows) == 1
    tip = max(float(p.split(",")[0]) for p in chart.arrows[0].points.split())
    assert tip > bar.x + bar.width  # the arrow points on past the lower end
    assert tip <= charts.WIDTH - charts.PAD  # and stays inside the chart
    assert "open" in chart.legend
    assert any(t.text == "Its own savings: at least £700,000" for t in chart.texts)


def test_about_survives_in_the_words():
    total = QualifiedTotal.of([("about", Decimal(1900000), 1, 0)])
    chart = chart_of(Year(2012, {"own": Figure.of(total)}))
    assert any(t.text == "Its own savings: about £1,900,000" for t in chart.texts)


def test_a_negative_year_goes_left_of_zero():
    chart = chart_of(Year(2012, {"own": exact(-200)}), Year(2013, {"own": exact(400)}))
    negative, positive = solid(chart)
    zero = [line for line in chart.lines if line.kind == "zero"]
    assert len(zero) == 1
    assert negative.x + negative.width == pytest.approx(zero[0].x1, abs=0.2)
    assert positive.x == pytest.approx(zero[0].x1, abs=0.2)
    assert positive.width == pytest.approx(2 * negative.width, abs=0.3)
    assert "-£200" in [t.text for t in chart.texts]


def test_a_zero_figure_is_seen_as_a_hairline_and_the_axis_still_has_a_scale():
    chart = chart_of(Year(2012, {"own": exact(0)}))
    (bar,) = solid(chart)
    assert bar.width == 1
    ticks = [t.text for t in chart.texts if not t.text.startswith(("2012", "Its"))]
    assert ticks[0] == "£0" and len(ticks) >= 2  # no division by zero


def test_missing_years_between_are_shown_as_none_recorded_and_unstated_last():
    chart = chart_of(
        Year(None, {"own": exact(5)}),
        Year(2015, {"own": exact(10)}),
        Year(2012, {"own": exact(20)}),
    )
    assert year_lines(chart) == ["2012/13", "2013/14", "2014/15", "2015/16", "Year not stated"]
    assert [t.text for t in chart.texts].count("None recorded") == 2


def test_a_very_wide_span_of_years_is_not_filled_in():
    chart = chart_of(Year(1990, {"own": exact(1)}), Year(2100, {"own": exact(1)}))
    assert year_lines(chart) == ["1990/91", "2100/01"]


def test_a_single_year_draws_one_bar():
    chart = chart_of(Year(2012, {"own": exact(12000)}))
    assert len(solid(chart)) == 1 and year_lines(chart) == ["2012/13"]
    assert chart.view_box == f"0 0 {charts.WIDTH} {chart.height}"


def test_huge_numbers_stay_finite_and_readable():
    huge = Decimal("987654321098765.43")
    chart = chart_of(Year(2012, {"own": exact(huge)}), Year(2013, {"own": exact(1)}))
    for rect in chart.rects:
        assert all(math.isfinite(v) for v in (rect.x, rect.y, rect.width, rect.height))
        assert rect.x >= 0 and rect.x + rect.width <= charts.WIDTH
    ticks = [t.text for t in chart.texts if t.text.startswith("£")]
    assert ticks[-1].endswith("bn") and "e+" not in "".join(ticks)
    # Too long for one line across the chart: the figure goes on a line of its own, whole.
    assert any(t.text == "£987,654,321,098,765.43" for t in chart.texts)


def test_words_too_long_for_the_chart_go_on_more_lines_never_past_its_edge():
    """The chart scales with its viewBox, so words wider than it are cut at every width:
    a long year line and a long figure are put on more lines, in order."""
    long_year = Year(
        None,
        {"own": Figure.of(QualifiedTotal(Decimal("1000000000004.99"), None, True, 3, 0))},
        note=charts.listed(["estimated", "forecast", "achieved"]),
    )
    chart = chart_of(Year(2012, {"own": exact(5)}), long_year)
    for text in chart.texts:
        width = charts.text_width(text.text)
        left = {"start": text.x, "middle": text.x - width / 2, "end": text.x - width}
        assert left[text.anchor] >= 0 and left[text.anchor] + width <= charts.WIDTH, text
    year_words = [t.text for t in chart.texts if t.bold]
    assert len(year_words) == 3  # 2012, and the year not stated on two lines
    assert " ".join(year_words[1:]) == "Year not stated (estimated, forecast and achieved)"
    assert chart.height > chart_of(Year(2012, {"own": exact(5)})).height + 3 * charts.LINE


def test_a_target_is_a_dashed_line_at_its_amount():
    chart = chart_of(Year(2012, {"own": exact(500)}, target=Decimal(1000)))
    (bar,) = solid(chart)
    targets = [line for line in chart.lines if line.kind == "target"]
    across = [line for line in targets if line.x1 == line.x2]
    assert across and across[0].x1 == pytest.approx(bar.x + 2 * bar.width, abs=0.3)
    assert across[0].y1 <= bar.y  # across the year's bars
    assert any(t.text == "Target: £1,000" for t in chart.texts)
    assert "target" in chart.legend
    assert chart.lines.index(targets[0]) > max(
        i for i, line in enumerate(chart.lines) if line.kind in ("grid", "zero")
    )  # drawn over the grid


def test_nothing_to_draw_is_no_chart():
    assert chart_of() is None
    assert chart_of(Year(2012, {"own": None})) is None
    percentages_only = QualifiedTotal(Decimal(0), Decimal(0), False, 0, 2)
    assert Figure.of(percentages_only) is None


def test_the_summary_chart_adds_up_the_pages_rows_by_year():
    """The same totals by year as the savings summary's own: the rows' totals added by
    year, the bases in each named."""
    rows = [
        {"financial_year": 2012, "basis": "estimated", "basis_label": "Estimated",
         "total": QualifiedTotal.of([("over", Decimal(700000), 1, 0)])},
        {"financial_year": 2012, "basis": "achieved", "basis_label": "Achieved",
         "total": QualifiedTotal.of([("exactly", Decimal(50000), 1, 0)])},
        {"financial_year": None, "basis": "forecast", "basis_label": "Forecast",
         "total": QualifiedTotal.of([("up_to", Decimal(35000), 1, 0)])},
    ]  # fmt: skip
    chart = charts.by_year_chart(rows)
    words = [t.text for t in chart.texts]
    assert "2012/13 (estimated and achieved)" in words
    assert "Savings: at least £750,000" in words
    assert "Year not stated (forecast)" in words and "Savings: up to £35,000" in words


def test_the_authority_chart_keeps_its_shares_apart_from_its_own_savings():
    rows = [
        {"year": 2012, "target": Decimal(1000000), "shares": Decimal(12000),
         "recorded": QualifiedTotal.of([("exactly", Decimal(50000), 1, 0)])},
        {"year": 2013, "target": Decimal(1500000), "shares": None, "recorded": None},
    ]  # fmt: skip
    chart = charts.targets_chart(rows, "Calderdale")
    words = [t.text for t in chart.texts]
    assert "Its own savings: £50,000" in words and "Its shares: £12,000" in words
    assert "Its own savings: £62,000" not in words  # never added together
    assert [r.kind for r in chart.rects] == ["solid", "outline"]
    assert chart.title == "Calderdale: savings by financial year against its target"


# --- On the pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_summary_chart_shows_the_pages_own_totals_by_year(client, register):
    from tests.factories import SavingFactory

    SavingFactory(
        arrangement=register.fostering,
        amount=Decimal("30000"),
        qualifier="up_to",
        basis="achieved",
        period="financial_year",
        financial_year=2013,
    )
    response = client.get("/summary/savings/")
    chart = response.context["savings_chart"]
    words = [t.text for t in chart.texts]
    # The page's own rows by year and basis, added up by year, each written in the chart.
    by_year = {}
    for row in response.context["rows"]:
        by_year[row["year_label"]] = by_year.get(row["year_label"], QualifiedTotal()) + row["total"]
    totals = {label: total.money for label, total in by_year.items() if total.figures}
    assert totals == {
        "2012/13": "£50,000",
        "2013/14": "up to £30,000",
        "Year not stated": "at least £800,000",
    }
    for label, money in totals.items():
        assert any(w.startswith(label) for w in words)
        assert f"Savings: {money}" in words
    text = response.content.decode()
    assert 'role="img"' in text and '<title id="savings-chart-title">' in text


@pytest.mark.django_db
def test_the_authority_chart_draws_its_targets_table(client, register):
    from register.models import SavingsTarget

    SavingsTarget.objects.create(
        authority=register.alpha, financial_year=2012, amount=Decimal("1000000")
    )
    response = client.get("/authorities/ALP/")
    chart = response.context["savings_chart"]
    assert [row["label"] for row in response.context["targets_by_year"]] == ["2012/13"]
    assert "Target: £1,000,000" in [t.text for t in chart.texts]
    assert 'id="own-savings-chart"' in response.content.decode()
    # Betaford has no target and no savings of its own by year: no chart.
    assert client.get("/authorities/BET/").context["savings_chart"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "function"),
    [("/authorities/ALP/", "targets_chart"), ("/summary/savings/", "by_year_chart")],
)
def test_a_chart_adds_no_query_to_its_page(client, register, monkeypatch, url, function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from register.models import SavingsTarget

    SavingsTarget.objects.create(authority=register.alpha, financial_year=2012, amount=1000)
    client.get(url)  # anything read once per process
    with CaptureQueriesContext(connection) as with_chart:
        assert client.get(url).context["savings_chart"] is not None
    monkeypatch.setattr(charts, function, lambda *args, **kwargs: None)
    with CaptureQueriesContext(connection) as without:
        assert client.get(url).context["savings_chart"] is None
    assert len(with_chart) == len(without)
