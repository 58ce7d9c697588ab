"""Figures of groups of arrangements: by tier, tier level, region and service-area
category.

Each is read in a pass over the arrangements' own rows, from what every row stores
(register/figures.py): the tiers, levels and regions of the members that have joined,
as bit masks; the members themselves, as a bit set; the savings with their qualifiers.
Rows are grouped by mask (an arrangement of a metropolitan district and a county has
both bits), so a group's figures are sums over the masks that carry its bit, and every
arrangement counts once in each group it belongs to. Nothing reads the memberships, so
the cost follows the number of arrangements in view, not of their partners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Aggregate,
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from .figures import (
    QualifiedTotal,
    authorities_in_words,
    partner_positions,
    partner_word_aggregates,
)
from .models import Arrangement


@dataclass
class GroupFigures:
    """What a group's rows add up to."""

    arrangements: int = 0
    partners_sum: int = 0
    with_savings: int = 0
    savings: QualifiedTotal = field(default_factory=QualifiedTotal)  # going ahead only
    amounts: list = field(default_factory=list)  # each going-ahead total, for a median
    sources: set = field(default_factory=set)  # partnerships, or unconnected arrangements


def source_key(path: str = ""):
    """What an arrangement (at ``path``) comes from: its partnership (negative keys), or
    for one with no partnership, its programme or itself."""
    return Case(
        When(**{f"{path}partnership_id__isnull": False}, then=F(f"{path}partnership_id") * -1),
        default=Coalesce(f"{path}parent_id", f"{path}id"),
        output_field=BigIntegerField(),
    )


@dataclass
class ByMask:
    """The arrangements in view grouped by one stored mask, with who takes part in them:
    three queries."""

    rows: dict[int, GroupFigures]

    @classmethod
    def of(cls, arrangements: QuerySet, mask_field: str) -> ByMask:
        from .models import GOING_AHEAD
        from .summaries import _total_of, total_columns

        arrangements = arrangements.order_by()
        rows: dict[int, GroupFigures] = {}
        going = ExpressionWrapper(Q(status__in=GOING_AHEAD), output_field=BooleanField())
        # Who takes part comes in the same pass, where the partner words can say.
        positions = partner_positions()
        words = partner_word_aggregates() if positions is not None else {}
        grouped = list(
            arrangements.annotate(going=going)
            .values(mask_field, "going")
            .annotate(
                n=Count("pk"),
                partners=Sum("partner_count"),
                with_savings=Count("pk", filter=Q(has_savings=True)),
                **total_columns("savings"),
                **words,
            )
        )
        taking_part = authorities_in_words(grouped, positions) if positions is not None else None
        for row in grouped:
            figures = rows.setdefault(row[mask_field], GroupFigures())
            figures.arrangements += row["n"]
            figures.partners_sum += row["partners"] or 0
            figures.with_savings += row["with_savings"]
            if row["going"]:
                figures.savings += _total_of(row, "savings")
        for mask, source in (
            arrangements.annotate(source=source_key()).values_list(mask_field, "source").distinct()
        ):
            rows.setdefault(mask, GroupFigures()).sources.add(source)
        return cls(rows, arrangements, mask_field, taking_part)

    def __init__(self, rows, arrangements=None, mask_field="", taking_part=None):
        self.rows, self.arrangements, self.mask_field = rows, arrangements, mask_field
        # The authorities taking part in any of the arrangements, where the partner words
        # could say (None: ask the memberships).
        self.taking_part: set[int] | None = taking_part

    def group(self, bits: int, sources: bool = False) -> GroupFigures:
        """The figures of the arrangements whose mask shares any of ``bits`` (with the
        sources they come from, when asked: a union of sets, so only where needed)."""
        out = GroupFigures()
        for mask, figures in self.rows.items():
            if mask & bits:
                out.arrangements += figures.arrangements
                out.partners_sum += figures.partners_sum
                out.with_savings += figures.with_savings
                out.savings += figures.savings
                if sources:
                    out.sources |= figures.sources
        return out

    def medians(self, groups: dict) -> dict:
        """{key: (how many going-ahead arrangements have a money figure, the median of
        their at-least totals)} for each group of ``bits``: one query. PostgreSQL works
        the medians out itself; elsewhere they are worked out here."""
        from django.db import connection
        from django.db.models.lookups import GreaterThan

        from .models import GOING_AHEAD

        with_money = self.arrangements.filter(status__in=GOING_AHEAD, savings_figures__gt=0)
        if connection.vendor == "postgresql":
            keys = list(groups)
            aggregates = {}
            for number, key in enumerate(keys):
                chosen = GreaterThan(F(self.mask_field).bitand(groups[key]), 0)
                aggregates[f"n{number}"] = Count("pk", filter=chosen)
                aggregates[f"m{number}"] = Median("savings_lower", filter=chosen)
            row = with_money.aggregate(**aggregates) if aggregates else {}
            return {
                key: (row[f"n{number}"], _decimal(row[f"m{number}"]))
                for number, key in enumerate(keys)
            }
        from .summaries import median

        amounts = list(with_money.values_list(self.mask_field, "savings_lower"))
        out = {}
        for key, bits in groups.items():
            chosen = [amount for mask, amount in amounts if mask & bits]
            out[key] = (len(chosen), median(chosen))
        return out


class Median(Aggregate):
    """PostgreSQL's median of a column (percentile_cont)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class CategoryFigures:
    arrangements: int = 0
    sources: int = 0  # partnerships, or unconnected arrangements, they come from
    partners: set = field(default_factory=set)  # authorities taking part


def by_category(arrangements: QuerySet) -> dict[int, CategoryFigures]:
    """Service-area categories (an arrangement tagged with a category or any of its
    services counts once in it): their arrangements, the sources those come from and the
    authorities taking part, by category's key. One grouped pass over the tags, with the
    partner words OR-ed on PostgreSQL (and a query for the positions); elsewhere the
    memberships are read too."""
    from .models import Membership

    tags = Arrangement.service_areas.through.objects.filter(
        arrangement__in=arrangements.order_by().values("pk")
    ).order_by()
    category = Coalesce("servicearea__parent_id", "servicearea_id")
    positions = partner_positions()
    aggregates = {
        "arrangements": Count("arrangement_id", distinct=True),
        "sources": Count(source_key("arrangement__"), distinct=True),
    }
    if positions is not None:
        aggregates |= partner_word_aggregates("arrangement__")
    out = {
        row["category"]: CategoryFigures(
            row["arrangements"],
            row["sources"],
            authorities_in_words([row], positions) if positions is not None else set(),
        )
        for row in tags.values(category=category).annotate(**aggregates)
    }
    if positions is None:
        memberships = Membership.objects.taking_part().filter(
            arrangement__in=tags.values("arrangement_id")
        )
        per_arrangement: dict[int, set[int]] = {}
        for arrangement_id, authority_id in memberships.values_list(
            "arrangement_id", "authority_id"
        ):
            per_arrangement.setdefault(arrangement_id, set()).add(authority_id)
        for category_id, arrangement_id in tags.values_list(category, "arrangement_id"):
            out[category_id].partners |= per_arrangement.get(arrangement_id, set())
    return out
