import datetime
from decimal import Decimal

import pytest

from register.dates import (
    financial_year_label,
    financial_year_of,
    format_partial_date,
    normalise_partial_date,
    parse_financial_year,
    partial_date_end,
)
from register.money import format_money, format_percentage, sum_to_money


@pytest.mark.parametrize(
    "date, precision, shown",
    [
        (datetime.date(2012, 3, 19), "day", "19 March 2012"),
        (datetime.date(2012, 4, 1), "month", "April 2012"),
        (datetime.date(2012, 3, 1), "season", "spring 2012"),
        (datetime.date(2012, 7, 15), "season", "summer 2012"),
        (datetime.date(2013, 1, 10), "season", "winter 2012"),
        (datetime.date(2011, 1, 1), "year", "2011"),
        (None, "day", ""),
    ],
)
def test_partial_dates_are_shown_as_the_papers_write_them(date, precision, shown):
    assert format_partial_date(date, precision) == shown


def test_partial_date_periods():
    assert normalise_partial_date(datetime.date(2012, 4, 17), "month") == datetime.date(2012, 4, 1)
    assert normalise_partial_date(datetime.date(2013, 2, 1), "season") == datetime.date(2012, 12, 1)
    assert partial_date_end(datetime.date(2012, 3, 1), "season") == datetime.date(2012, 5, 31)
    assert partial_date_end(datetime.date(2012, 2, 1), "month") == datetime.date(2012, 2, 29)
    assert partial_date_end(datetime.date(2012, 6, 1), "year") == datetime.date(2012, 12, 31)


def test_financial_years():
    assert financial_year_label(2012) == "2012/13"
    assert financial_year_label(1999) == "1999/00"
    assert financial_year_of(datetime.date(2012, 3, 31)) == 2011
    assert financial_year_of(datetime.date(2012, 4, 1)) == 2012
    assert parse_financial_year("2012/13") == 2012
    assert parse_financial_year("2012-13") == 2012
    assert parse_financial_year("2012") == 2012
    for bad in ("2012/14", "12/13", "banana", "", "2012/", "9999"):
        assert parse_financial_year(bad) is None, bad


def test_money_and_percentages():
    assert format_money(Decimal("700000")) == "£700,000"
    assert format_money(Decimal("1900000.00")) == "£1,900,000"
    assert format_money(Decimal("12000.5")) == "£12,000.50"
    assert format_percentage(Decimal("2.50")) == "2.5%"
    assert format_percentage(Decimal("35.00")) == "35%"


def test_sums_from_raw_sql_become_pounds_and_pence():
    assert sum_to_money(0.1 + 0.2) == Decimal("0.30")  # SQLite sums decimals as floats
    assert sum_to_money(Decimal("150000")) == Decimal("150000.00")
    assert sum_to_money(None) == Decimal("0.00")
