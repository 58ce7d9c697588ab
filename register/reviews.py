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

from .dates import format_partial_date
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


@dataclass(frozen=True)
class KeyDate:
    what: str
    date: datetime.date
    shown: str
    days: int  # from today: negative when it has passed

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def when(self) -> str:
        """'today', 'in 3 days', '12 days ago'."""
        if self.days == 0:
            return "today"
        n = abs(self.days)
        days = f"{n} day{'' if n == 1 else 's'}"
        return f"{days} ago" if self.overdue else f"in {days}"


def falling_due(arrangements, until: datetime.date):
    """Those of ``arrangements`` still running with a key date on or before ``until``."""
    on_or_before = Q()
    for field, _ in KEY_DATES:
        on_or_before |= Q(**{f"{field}__lte": until})
    return arrangements.exclude(status__in=NOT_RUNNING).filter(on_or_before)


def key_dates_due(arrangement: Arrangement, today: datetime.date, until: datetime.date):
    """Its key dates on or before ``until``, soonest (most overdue) first."""
    found = []
    for field, what in KEY_DATES:
        date = getattr(arrangement, field)
        if date is None or date > until:
            continue
        shown = arrangement.end_display if field == "end_date" else format_partial_date(date, "day")
        found.append(KeyDate(what, date, shown, (date - today).days))
    return sorted(found, key=lambda key: key.date)
