"""The whole register's totals, stored by status (models.StatusTotal).

A list nobody has narrowed shows totals over every arrangement a reader may see: how many
there are, the authorities taking part, and the savings by basis. Adding those up from
every arrangement's row takes a pass over the whole table on each request (about 60 ms
at 50,000 arrangements). So they are added up once per status, exempt or not, whenever
an arrangement changes (``recompute``, called by the one write path in register.signals,
in the same transaction as the change), and a page adds up those fourteen rows
(``whole_register``). A narrowed list still adds up its own rows (summaries.list_totals).

``drift`` compares what is stored with a fresh count, for ``check_register``.
"""

from __future__ import annotations

import functools
import operator
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import Count, Sum

from .figures import authorities_in_words, partner_positions, partner_word_aggregates

# Any number: names the PostgreSQL advisory lock held while the totals are rewritten.
STATUS_TOTALS_LOCK = 0x5EED_0019

# How each kind of aggregate adds up across rows (as SQL's do: SUM leaves out NULLs and
# is NULL with nothing to add; BOOL_OR is true if any is).
_SUM, _ANY = "sum", "any"


def list_aggregates() -> dict:
    """The aggregates a list's totals are made of (summaries.list_totals), but for who
    takes part: the count, and each basis's and all savings' qualified-total parts."""
    from .figures import COUNTED_BASES
    from .summaries import total_columns

    aggregates = {"n": Count("pk")}
    for basis in COUNTED_BASES:
        aggregates |= total_columns(basis)
    return aggregates | total_columns("savings")


_OR = "or"


def _kind(expression) -> str:
    if isinstance(expression, Count | Sum):
        return _SUM
    # BIT_OR of the partner words (PostgreSQL only, so named rather than imported).
    return _OR if type(expression).__name__ == "BitOr" else _ANY


def _to_json(value):
    return str(value) if isinstance(value, Decimal) else value


def combine(rows: list[dict], aggregates: dict) -> dict:
    """Stored figures of several groups added up into one row, as one aggregate over all
    their arrangements would have given (money back to Decimal)."""
    out = {}
    for name, expression in aggregates.items():
        values = [row.get(name) for row in rows]
        kind = _kind(expression)
        if kind == _ANY:
            out[name] = any(bool(v) for v in values)
            continue
        if kind == _OR:
            present = [v for v in values if v is not None]
            out[name] = functools.reduce(operator.or_, present) if present else None
            continue
        present = [Decimal(v) if isinstance(v, str) else v for v in values if v is not None]
        out[name] = sum(present) if present else None
    return out


def computed(arrangement_model=None, membership_model=None) -> dict[tuple[bool, str], dict]:
    """A fresh count, by (exempt, status): {"arrangements", "figures", "taking_part"}. Two
    queries on PostgreSQL (one pass over the arrangements, their partner words included),
    three elsewhere (who takes part from the memberships)."""
    from .models import Arrangement, Membership

    arrangement_model = arrangement_model or Arrangement
    membership_model = membership_model or Membership
    aggregates = list_aggregates()
    positions = partner_positions()
    words = partner_word_aggregates() if positions is not None else {}
    rows = (
        arrangement_model._base_manager.order_by()
        .values("exempt", "status")
        .annotate(**aggregates, **words)
    )
    groups = {}
    for row in rows:
        key = (row["exempt"], row["status"])
        groups[key] = {
            "arrangements": row["n"],
            "figures": {name: _to_json(row[name]) for name in aggregates},
            "taking_part": (
                sorted(authorities_in_words([row], positions)) if positions is not None else []
            ),
        }
    if positions is None:
        pairs = (
            membership_model._base_manager.filter(role__in=Membership.JOINED)
            .order_by()
            .values_list("arrangement__exempt", "arrangement__status", "authority_id")
            .distinct()
        )
        for exempt, status, authority in pairs:
            if (exempt, status) in groups:
                groups[(exempt, status)]["taking_part"].append(authority)
        for group in groups.values():
            group["taking_part"].sort()
    return groups


def recompute(
    using: str = "default", arrangement_model=None, membership_model=None, total_model=None
):
    """Rewrite the stored totals from the arrangements as they now are, inside the
    caller's transaction. On PostgreSQL writers take turns (a lock held to the end of
    the transaction), so each counts after the one before has committed, and no change
    is left out by whichever wrote last; SQLite lets one writer in at a time anyway."""
    from .models import StatusTotal

    total_model = total_model or StatusTotal
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STATUS_TOTALS_LOCK])
        groups = computed(arrangement_model, membership_model)
        total_model._base_manager.using(using).all().delete()
        total_model._base_manager.using(using).bulk_create(
            total_model(exempt=exempt, status=status, **values)
            for (exempt, status), values in sorted(groups.items())
        )


def whole_register(include_exempt: bool) -> tuple[dict[bool, dict], set[int], dict[str, int]]:
    """The stored totals of every arrangement (exempt ones only if ``include_exempt``):
    rows of list aggregates for the arrangements going ahead (True) and the rest
    (False), the authorities taking part in any, and how many there are of each status.
    One query."""
    from .models import GOING_AHEAD, StatusTotal

    stored = StatusTotal.objects.all()
    if not include_exempt:
        stored = stored.filter(exempt=False)
    aggregates = list_aggregates()
    by_going: dict[bool, list[dict]] = {True: [], False: []}
    taking_part: set[int] = set()
    by_status: dict[str, int] = {}
    for total in stored:
        by_going[total.status in GOING_AHEAD].append(total.figures)
        taking_part.update(total.taking_part)
        by_status[total.status] = by_status.get(total.status, 0) + total.arrangements
    rows = {going: combine(figures, aggregates) for going, figures in by_going.items() if figures}
    return rows, taking_part, by_status


def drift() -> list[str]:
    """What the stored totals say that a fresh count does not, in words (empty: none)."""
    from .models import StatusTotal

    fresh = computed()
    stored = {
        (t.exempt, t.status): {
            "arrangements": t.arrangements,
            "figures": t.figures,
            "taking_part": t.taking_part,
        }
        for t in StatusTotal.objects.all()
    }
    problems = []
    for key in sorted(set(fresh) | set(stored)):
        name = f"{key[1]}{' (exempt)' if key[0] else ''}"
        if key not in stored:
            problems.append(f"stored totals: no row for {name} arrangements")
        elif key not in fresh:
            problems.append(f"stored totals: a row for {name} arrangements, and there are none")
        elif _normalised(stored[key]) != _normalised(fresh[key]):
            problems.append(f"stored totals: {name} arrangements are not added up as stored")
    return problems


def _normalised(group: dict) -> dict:
    figures = {k: (Decimal(v) if isinstance(v, str) else v) for k, v in group["figures"].items()}
    return {**group, "figures": figures, "taking_part": sorted(group["taking_part"])}
