"""Dates as the papers give them: exact days, months, seasons, years, financial years.

A council paper says "April 2012" or "spring 2012" and means exactly that, so the
register stores a date together with its precision and shows it the same way.
A partial date is stored as the first day of the period it names.
"""

import datetime

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    SEASON = "season", "Season"
    YEAR = "year", "Year"


# Meteorological seasons, as UK councils use them: the first month of each.
SEASON_START_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}
_SEASON_BY_MONTH = {
    12: "winter",
    1: "winter",
    2: "winter",
    3: "spring",
    4: "spring",
    5: "spring",
    6: "summer",
    7: "summer",
    8: "summer",
    9: "autumn",
    10: "autumn",
    11: "autumn",
}


def season_of(date: datetime.date) -> str:
    return _SEASON_BY_MONTH[date.month]


def normalise_partial_date(date: datetime.date | None, precision: str) -> datetime.date | None:
    """The first day of the period a partial date names, so equal periods compare equal."""
    if date is None:
        return None
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.SEASON:
        month = SEASON_START_MONTHS[season_of(date)]
        year = date.year - 1 if date.month in (1, 2) else date.year
        return datetime.date(year, month, 1)
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    return date


def format_partial_date(date: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """'19 March 2012', 'April 2012', 'spring 2012' or '2012'."""
    if date is None:
        return ""
    if precision == DatePrecision.MONTH:
        return f"{date:%B %Y}"
    if precision == DatePrecision.SEASON:
        season = season_of(date)
        year = date.year - 1 if date.month in (1, 2) else date.year
        return f"{season} {year}"
    if precision == DatePrecision.YEAR:
        return str(date.year)
    return f"{date.day} {date:%B %Y}"


def partial_date_end(date: datetime.date, precision: str) -> datetime.date:
    """The last day of the period a partial date names."""
    start = normalise_partial_date(date, precision)
    if precision == DatePrecision.MONTH:
        return _add_months(start, 1) - datetime.timedelta(days=1)
    if precision == DatePrecision.SEASON:
        return _add_months(start, 3) - datetime.timedelta(days=1)
    if precision == DatePrecision.YEAR:
        return datetime.date(start.year, 12, 31)
    return start


def _add_months(date: datetime.date, months: int) -> datetime.date:
    month_index = date.month - 1 + months
    return datetime.date(date.year + month_index // 12, month_index % 12 + 1, 1)


def financial_year_label(start_year: int | None) -> str:
    """A UK financial year, April to March, as councils write it: 2012 -> '2012/13'."""
    if start_year is None:
        return ""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_year_of(date: datetime.date) -> int:
    """The starting year of the financial year a date falls in (1 April to 31 March)."""
    return date.year if date.month >= 4 else date.year - 1


def parse_financial_year(text: str) -> int | None:
    """'2012/13', '2012-13' or '2012' -> 2012; anything else -> None."""
    text = (text or "").strip()
    if not text:
        return None
    head, separator, tail = text.replace("-", "/").partition("/")
    if not (head.isdigit() and len(head) == 4):
        return None
    year = int(head)
    if separator and (not tail.isdigit() or int(tail) % 100 != (year + 1) % 100):
        return None
    if not 1900 <= year <= 2200:
        return None
    return year
