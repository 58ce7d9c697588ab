"""Reads that span relations: plain functions that aggregate in the database.

Each function takes a query set the caller has already narrowed (always through
``visible_to``), runs a fixed number of queries whatever the data size, and
returns plain data for a template or an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from .models import Membership, Saving


@dataclass
class BasisTotal:
    basis: str
    label: str
    total: Decimal
    count: int


@dataclass
class ListTotals:
    arrangements: int
    authorities: int
    savings: list[BasisTotal] = field(default_factory=list)

    @property
    def savings_counted(self) -> Decimal:
        """Estimated, forecast and achieved savings together (targets excluded)."""
        return sum((t.total for t in self.savings if t.basis != Saving.Basis.TARGET), Decimal(0))


def list_totals(arrangements: QuerySet) -> ListTotals:
    """Totals for a filtered list: 3 queries, whatever its size."""
    ids = arrangements.order_by().values("pk")
    count = arrangements.order_by().count()
    authorities = (
        Membership.objects.taking_part()
        .filter(arrangement__in=ids)
        .aggregate(n=Count("authority", distinct=True))["n"]
    )
    labels = dict(Saving.Basis.choices)
    rows = (
        Saving.objects.filter(arrangement__in=ids, amount__isnull=False)
        .order_by()
        .values("basis")
        .annotate(total=Sum("amount"), n=Count("pk"))
    )
    by_basis = {row["basis"]: row for row in rows}
    savings = [
        BasisTotal(basis, labels[basis], by_basis[basis]["total"], by_basis[basis]["n"])
        for basis in labels
        if basis in by_basis
    ]
    return ListTotals(arrangements=count, authorities=authorities, savings=savings)


def savings_by_year_and_basis(savings: QuerySet) -> list[dict]:
    """Money savings grouped by financial year (None: not tied to a year) and basis."""
    return list(
        savings.filter(amount__isnull=False)
        .order_by()
        .values("financial_year", "basis")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by("financial_year", "basis")
    )


def arrangement_counts_by_service_area(arrangements: QuerySet) -> dict[int, int]:
    """Arrangements per service area (pk -> count); a category counts each arrangement
    tagged with it or with any of its services once. Two queries."""
    from .models import Arrangement

    tags = Arrangement.service_areas.through.objects.filter(
        arrangement__in=arrangements.order_by().values("pk")
    ).order_by()
    services = dict(
        tags.filter(servicearea__parent__isnull=False)
        .values("servicearea_id")
        .annotate(n=Count("arrangement_id", distinct=True))
        .values_list("servicearea_id", "n")
    )
    categories = dict(
        tags.annotate(category=Coalesce("servicearea__parent_id", "servicearea_id"))
        .values("category")
        .annotate(n=Count("arrangement_id", distinct=True))
        .values_list("category", "n")
    )
    return services | categories
