"""When arrangements fall due for review, and whether their records are confirmed.

An arrangement carries up to three key dates: the date the partners agreed to review it,
the next date a partner may leave under a break clause, and its end date. One still
running (any status but "Not pursued" and "Ended after operating") is **due** when one
of those dates falls within the next N days (``?within=``, 90 unless given), and
**overdue** when one has passed. A record no council has confirmed for over a year is
flagged on its page (``Arrangement.confirmation_is_stale``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

from .dates import (
    DatePrecision,
    format_partial_date,
    normalise_partial_date,
    partial_date_end,
)
from .filters import repeated
from .models import Arrangement, Status

DEFAULT_WITHIN = 90
MOST_WITHIN = 3660  # ten years: further ahead than any agreement's review is planned
WHOLE_NUMBER = re.compile(r"[0-9]{1,5}")

# (field, what it is): the key dates, in the order a page shows them.
KEY_DATES = (
    ("review_date", "Review"),
    ("break_date", "Break clause"),
    ("end_date", "End"),
)

# Arrangements no longer running are never due: there is nothing left to review.
NOT_RUNNING = (Status.NOT_PURSUED, Status.ENDED)


def parse_within(query) -> tuple[int, str | None]:
    """The number of days ahead asked for by ``?within=``, and why it is refused if it is
    (then the default is returned with the message). A whole number from 0 to
    MOST_WITHIN; blank is the default."""
    message = repeated(query, "within")
    if message:
        return DEFAULT_WITHIN, message
    given = query.get("within", "").strip()
    if not given:
        return DEFAULT_WITHIN, None
    if WHOLE_NUMBER.fullmatch(given) and int(given) <= MOST_WITHIN:
        return int(given), None
    return DEFAULT_WITHIN, (
        f"Give the number of days ahead as a whole number from 0 to {MOST_WITHIN}, "
        f"e.g. 90, not ‘{given[:40]}’."
    )


def horizon(within: int, until: datetime.date) -> tuple[str, str]:
    """The days ahead in words, in full and short: 'in the next 90 days (up to 25
    February 2027)' and 'in the next 90 days'; 'today (27 November 2026)' and 'today'."""
    if within == 0:
        return f"today ({until.day} {until:%B %Y})", "today"
    short = "in the next day" if within == 1 else f"in the next {within} days"
    return f"{short} (up to {until.day} {until:%B %Y})", short


@dataclass(frozen=True)
class KeyDate:
    """One key date of an arrangement as a reader is told it. ``date`` is the last day of
    the period it names ("2026" is 31 December 2026; a review or break date is a day),
    which is what it is compared with: an end "during 2026" has not passed until 2026
    has, and is not due within 35 days because 2027 begins then."""

    what: str
    date: datetime.date
    shown: str
    days: int  # from today to its last day: negative when it has passed
    precision: str = DatePrecision.DAY
    first_days: int = 0  # from today to its first day, for a period

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def machine(self) -> str:
        """The date as a <time> element's datetime: the year or month a period names."""
        if self.precision == DatePrecision.YEAR:
            return f"{self.date:%Y}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.date:%Y-%m}"
        return self.date.isoformat()

    @property
    def when(self) -> str:
        """'today', 'in 3 days', '12 days ago'; for a period, 'ends during 2026, in 34
        days at the latest', 'ends during 2027, in 35 to 399 days', 'ended during 2025,
        at least 330 days ago'."""
        if self.precision == DatePrecision.DAY:
            return days_words(self.days)
        if self.overdue:
            return f"ended during {self.shown}, at least {count_days(-self.days)} ago"
        if self.first_days <= 0:
            latest = "today" if self.days == 0 else f"in {count_days(self.days)} at the latest"
            return f"ends during {self.shown}, {latest}"
        return f"ends during {self.shown}, in {self.first_days} to {count_days(self.days)}"


def count_days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def days_words(days: int) -> str:
    """'today', 'in 3 days', '12 days ago'."""
    if days == 0:
        return "today"
    return f"{count_days(-days)} ago" if days < 0 else f"in {count_days(days)}"


def key_date(arrangement: Arrangement, field: str, what: str, today: datetime.date):
    """One of its key dates as a reader is told it (None when it has none)."""
    date = getattr(arrangement, field)
    if date is None:
        return None
    if field != "end_date" or arrangement.end_precision == DatePrecision.DAY:
        return KeyDate(what, date, format_partial_date(date, "day"), (date - today).days)
    first = normalise_partial_date(date, arrangement.end_precision)
    last = partial_date_end(date, arrangement.end_precision)
    return KeyDate(
        what,
        last,
        arrangement.end_display,
        (last - today).days,
        precision=arrangement.end_precision,
        first_days=(first - today).days,
    )


def ending_between(start: datetime.date | None, until: datetime.date) -> Q:
    """Key dates whose last day is on or after ``start`` (if given) and on or before
    ``until``: an end given as a month, season or year counts from the period's first day
    to its last, whichever day of it is stored."""
    after = datetime.timedelta(days=1)
    found = Q()
    for field, _ in KEY_DATES:
        if field != "end_date":
            found |= Q(**{f"{field}__lte": until}, **({f"{field}__gte": start} if start else {}))
            continue
        for precision in DatePrecision.values:
            # The last day of the period is on or before `until` exactly when the period
            # begins before the one holding the day after it.
            bounds = {"end_date__lt": normalise_partial_date(until + after, precision)}
            if start:
                bounds["end_date__gte"] = normalise_partial_date(start, precision)
            found |= Q(end_precision=precision, **bounds)
    return found


def falling_due(arrangements, until: datetime.date):
    """Those of ``arrangements`` still running with a key date on or before ``until``."""
    return arrangements.exclude(status__in=NOT_RUNNING).filter(ending_between(None, until))


def key_dates_due(arrangement: Arrangement, today: datetime.date, until: datetime.date):
    """Its key dates on or before ``until``, soonest (most overdue) first."""
    found = [key_date(arrangement, field, what, today) for field, what in KEY_DATES]
    return sorted(
        (key for key in found if key is not None and key.date <= until),
        key=lambda key: key.date,
    )
