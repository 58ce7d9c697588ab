"""Sums of savings keep the sources' qualifiers ("over", "up to", "about", "average")."""

from decimal import Decimal as D

import pytest

from register.figures import QualifiedTotal, counts_in_headline
from register.models import Status


def total(*figures):
    """A QualifiedTotal from (qualifier, amount) pairs; amount None for a percentage."""
    rows = {}
    for qualifier, amount in figures:
        row = rows.setdefault(qualifier, [qualifier, D(0), 0, 0])
        if amount is None:
            row[3] += 1
        else:
            row[1] += D(amount)
            row[2] += 1
    return QualifiedTotal.of(tuple(r) for r in rows.values())


@pytest.mark.parametrize(
    "figures, text",
    [
        ([("exactly", 1900000), ("over", 700000)], "at least £2,600,000"),
        ([("exactly", 12000), ("exactly", 12000)], "£24,000"),
        ([("up_to", 35000)], "up to £35,000"),
        ([("exactly", 10000), ("up_to", 35000)], "£10,000 to £45,000"),
        ([("about", 5000), ("exactly", 1000)], "about £6,000"),
        ([("average", 2000)], "about £2,000"),
        ([("at_least", 337), ("over", 3)], "at least £340"),
        ([("over", 700000), ("up_to", 5000)], "at least £700,000"),
        (
            [("over", 700000), (None, None), (None, None)],
            "at least £700,000 and 2 percentage savings",
        ),
        ([("average", None)], "1 percentage saving"),
        ([], "None recorded"),
    ],
)
def test_a_total_says_what_its_figures_said(figures, text):
    rows = [(q or "exactly", a) for q, a in figures]
    assert total(*rows).text == text


def test_adding_totals_keeps_an_open_upper_bound():
    exact, open_ended = total(("exactly", 10)), total(("over", 5))
    assert (exact + open_ended).upper is None
    assert (exact + open_ended).text == "at least £15"
    assert (exact + total(("up_to", 5))).text == "£10 to £15"


def test_which_statuses_count_in_a_headline():
    counted = {s for s in Status.values if counts_in_headline(s)}
    assert counted == {"in_development", "procurement", "operational", "ended"}
