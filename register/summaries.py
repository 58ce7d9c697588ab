"""Reads that span relations: plain functions that aggregate in the database.

Each function takes a query set the caller has already narrowed (always through
``visible_to``), runs a fixed number of queries whatever the data size, and
returns plain data for a template or an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from . import links
from .models import Authority, Membership, Saving
from .money import sum_to_money


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


def list_totals(arrangements: QuerySet, *, unfiltered: bool = False) -> ListTotals:
    """Totals for a filtered list: 3 queries, whatever its size. ``unfiltered``: the
    arrangements are every visible one, so authorities are counted from their side."""
    ids = arrangements.order_by().values("pk")
    count = arrangements.order_by().count()
    taking_part = Membership.objects.taking_part().filter(arrangement__in=ids)
    if unfiltered:
        # Probing each of a few hundred authorities for one membership takes 4 ms at
        # national scale; counting distinct authorities over every membership, 160 ms.
        # With a filter the probe can be far slower (2 s with a region), so not then.
        authorities = Authority.objects.filter(
            Exists(taking_part.filter(authority=OuterRef("pk")))
        ).count()
    else:
        authorities = taking_part.aggregate(n=Count("authority", distinct=True))["n"]
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


# --- Scrutiny summaries -----------------------------------------------------------------
#
# Each function does its grouping in the database where the database can (counts and
# sums by group), and reads per-arrangement figures with one query where a median is
# needed: medians are computed from those rows, the same way on PostgreSQL and SQLite
# (SQLite has no percentile function). The number of queries never depends on the data.


def median(values: list) -> Decimal | None:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return Decimal(values[middle])
    return (Decimal(values[middle - 1]) + Decimal(values[middle])) / 2


def share(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal place, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class ArrangementFigures:
    """What the summaries need of each arrangement: one row per arrangement, one query."""

    pk: int
    partner_count: int
    savings_total: Decimal
    has_saving: bool


def arrangement_figures(arrangements: QuerySet) -> dict[int, ArrangementFigures]:
    rows = (
        arrangements.with_totals()
        .annotate(has_saving=Exists(Saving.objects.filter(arrangement=OuterRef("pk"))))
        .order_by()
        .values_list("pk", "partner_count", "savings_total", "has_saving")
    )
    return {row[0]: ArrangementFigures(*row) for row in rows}


@dataclass
class TierRow:
    key: str  # tier slug or level value, for links
    label: str
    is_level: bool
    authorities: int = 0
    participating: int = 0
    arrangements: int = 0
    partners_sum: int = 0
    with_savings: int = 0
    # Worked out once from every arrangement's savings total, so that a cached row
    # holds three figures rather than one amount per arrangement.
    savings_figures: int = 0
    savings_total: Decimal = Decimal(0)
    savings_median: Decimal | None = None

    @property
    def participating_share(self):
        return share(self.participating, self.authorities)

    @property
    def average_partners(self):
        if not self.arrangements:
            return None
        return (Decimal(self.partners_sum) / self.arrangements).quantize(Decimal("0.1"))

    @property
    def coverage(self):
        return share(self.with_savings, self.arrangements)

    @property
    def savings_per_authority(self):
        if not self.participating or not self.savings_figures:
            return None
        return (self.savings_total / self.participating).quantize(Decimal("1"))


def tier_summary(arrangements: QuerySet, authorities: QuerySet) -> list[TierRow]:
    """Rows for each tier level, each followed by its tiers. Four queries."""

    from .models import Tier

    figures = arrangement_figures(arrangements)
    ids = arrangements.order_by().values("pk")
    pairs = set(
        Membership.objects.taking_part()
        .filter(arrangement__in=ids)
        .order_by()
        .values_list("arrangement_id", "authority__tier_id")
        .distinct()
    )
    counts = {
        row["tier"]: row
        for row in authorities.order_by()
        .values("tier")
        .annotate(
            n=Count("pk"),
            taking_part=Count(
                "pk",
                filter=Q(
                    Exists(
                        Membership.objects.taking_part().filter(
                            authority=OuterRef("pk"), arrangement__in=ids
                        )
                    )
                ),
            ),
        )
    }
    tiers = list(Tier.objects.order_by("position", "pk"))
    by_tier = {tier.pk: set() for tier in tiers}
    for arrangement_id, tier_id in pairs:
        by_tier.setdefault(tier_id, set()).add(arrangement_id)

    def fill(row: TierRow, tier_ids: list[int]) -> TierRow:
        members: set[int] = set()
        for tier_id in tier_ids:
            members |= by_tier.get(tier_id, set())
            row.authorities += counts.get(tier_id, {}).get("n", 0)
            row.participating += counts.get(tier_id, {}).get("taking_part", 0)
        row.arrangements = len(members)
        amounts = []
        for pk in members:
            f = figures[pk]
            row.partners_sum += f.partner_count
            row.with_savings += f.has_saving
            if f.savings_total:
                amounts.append(f.savings_total)
        row.savings_figures = len(amounts)
        row.savings_total = sum(amounts, Decimal(0))
        row.savings_median = median(amounts)
        return row

    rows = []
    for level, label in Tier.Level.choices:
        level_tiers = [t for t in tiers if t.level == level]
        if not any(counts.get(t.pk) or by_tier.get(t.pk) for t in level_tiers):
            continue
        rows.append(fill(TierRow(level, label, True), [t.pk for t in level_tiers]))
        for tier in level_tiers:
            if counts.get(tier.pk) or by_tier.get(tier.pk):
                rows.append(fill(TierRow(tier.slug, tier.name, False), [tier.pk]))
    return rows


@dataclass
class AreaRow:
    slug: str
    label: str
    is_category: bool
    arrangements: int = 0
    savings: Decimal = Decimal(0)
    with_savings: int = 0
    kinds: dict = field(default_factory=dict)

    @property
    def main_kind(self):
        if not self.kinds:
            return None
        return max(self.kinds.items(), key=lambda item: (item[1], item[0]))


AREA_FIGURES_SQL = """
WITH money AS (
    SELECT arrangement_id,
           SUM(CASE WHEN amount IS NOT NULL AND basis <> 'target' THEN amount END) AS total,
           COUNT(*) AS figures
    FROM {saving} WHERE arrangement_id IN ({chosen}) GROUP BY arrangement_id
),
tags AS (
    SELECT DISTINCT t.arrangement_id, COALESCE(a.parent_id, a.id) AS area_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    WHERE t.arrangement_id IN ({chosen})
    UNION ALL
    SELECT t.arrangement_id, t.servicearea_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    WHERE a.parent_id IS NOT NULL AND t.arrangement_id IN ({chosen})
)
SELECT tags.area_id, r.kind, COUNT(*), SUM(COALESCE(money.total, 0)),
       SUM(CASE WHEN money.figures > 0 THEN 1 ELSE 0 END)
FROM tags
JOIN {arrangement} r ON r.id = tags.arrangement_id
LEFT JOIN money ON money.arrangement_id = tags.arrangement_id
GROUP BY tags.area_id, r.kind
"""


def area_figures(arrangements: QuerySet) -> list[tuple]:
    """(area id, kind, arrangements, savings total, arrangements with savings) for every
    service area and kind, in one grouped query: a category counts each arrangement
    tagged with it or any of its services once (DISTINCT on the category of each tag),
    a service each arrangement tagged with it (tags are unique)."""
    from django.db import connection

    from .models import Arrangement, ServiceArea

    try:
        chosen, params = arrangements.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an invalid one, say)
        return []
    sql = AREA_FIGURES_SQL.format(
        chosen=chosen,
        saving=Saving._meta.db_table,
        tags=Arrangement.service_areas.through._meta.db_table,
        area=ServiceArea._meta.db_table,
        arrangement=Arrangement._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params * 3)
        return cursor.fetchall()


def service_area_summary(arrangements: QuerySet) -> list[AreaRow]:
    """Categories, each followed by its services with arrangements. Two queries."""
    from .models import ServiceArea

    areas = list(ServiceArea.objects.order_by("position", "name", "pk"))
    rows = {area.pk: AreaRow(area.slug, area.name, area.parent_id is None) for area in areas}
    for area_id, kind, count, total, with_savings in area_figures(arrangements):
        row = rows[area_id]
        row.arrangements += count
        row.savings += sum_to_money(total)
        row.with_savings += with_savings
        row.kinds[kind] = count
    out = []
    for category in (a for a in areas if a.parent_id is None):
        if not rows[category.pk].arrangements:
            continue
        out.append(rows[category.pk])
        out += [rows[a.pk] for a in areas if a.parent_id == category.pk and rows[a.pk].arrangements]
    return out


def savings_by_year(savings: QuerySet) -> list[dict]:
    """Money savings by financial year, basis and cashable; with how many arrangements."""
    return list(
        savings.filter(amount__isnull=False)
        .order_by()
        .values("financial_year", "basis", "cashable")
        .annotate(
            total=Sum("amount"),
            figures=Count("pk"),
            arrangements=Count("arrangement", distinct=True),
        )
        .order_by("financial_year", "basis", "cashable")
    )


def targets_beside_savings(authorities: QuerySet, savings: QuerySet) -> list[dict]:
    """Per authority and financial year: its budget savings target, and the money savings
    recorded for it in that year (``savings``, already narrowed to what the reader may
    see). A row for every year that has either; two queries."""
    from .dates import financial_year_label
    from .models import SavingsTarget

    targets = {
        (t.authority_id, t.financial_year): t
        for t in SavingsTarget.objects.filter(authority__in=authorities).select_related("authority")
    }
    recorded = {
        (row["authority"], row["financial_year"]): row["total"]
        for row in savings.counted()
        .filter(authority__in=authorities, financial_year__isnull=False)
        .order_by()
        .values("authority", "financial_year")
        .annotate(total=Sum("amount"))
    }
    named = {t.authority_id: t.authority for t in targets.values()}
    missing = {pk for pk, _ in recorded} - set(named)
    named |= {a.pk: a for a in Authority.objects.filter(pk__in=missing)} if missing else {}
    rows = [
        {
            "authority": named[pk],
            "year": year,
            "label": financial_year_label(year),
            "target": targets[(pk, year)].amount if (pk, year) in targets else None,
            "recorded": recorded.get((pk, year)),
        }
        for pk, year in set(targets) | set(recorded)
    ]
    return sorted(rows, key=lambda row: (row["authority"].name, row["authority"].pk, row["year"]))


def status_counts(arrangements: QuerySet) -> list[dict]:
    from .models import Status

    counts = dict(
        arrangements.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Status.choices
    ]


def upcoming_milestones(arrangements: QuerySet, as_of, limit: int = 50) -> list:
    """The next `limit` planned milestones whose date (or the period it names: a month,
    a season, a year) has not passed on ``as_of``. Two queries: those still running that
    started before ``as_of`` (only as far back as a period can reach), then the next ones."""
    import datetime

    from .dates import partial_date_end
    from .models import Milestone

    planned = Milestone.objects.filter(
        arrangement__in=arrangements.order_by().values("pk"), status=Milestone.Status.PLANNED
    ).select_related("arrangement")
    reach = {"month": 31, "season": 92, "year": 366}
    running = planned.filter(
        Q(date__lt=as_of)
        & (
            Q(date_precision="month", date__gte=as_of - datetime.timedelta(days=reach["month"]))
            | Q(date_precision="season", date__gte=as_of - datetime.timedelta(days=reach["season"]))
            | Q(date_precision="year", date__gte=as_of - datetime.timedelta(days=reach["year"]))
        )
    ).order_by("date", "pk")
    still_running = [m for m in running if partial_date_end(m.date, m.date_precision) >= as_of]
    upcoming = list(planned.filter(date__gte=as_of).order_by("date", "pk")[:limit])
    return (still_running + upcoming)[:limit]


# --- Summary pages ----------------------------------------------------------------------
#
# One function per page: the figures of the arrangements in view (already narrowed by the
# list's filters and by what the reader may see), each with the address of the filtered
# list behind it. ``narrowing`` is the (parameter, value) pairs in force, which every
# link carries on.


def index_figures(arrangements: QuerySet, narrowing) -> dict:
    from .models import Finding, Partnership, ServiceArea

    totals = list_totals(arrangements, unfiltered=not narrowing)
    covered = arrangements.filter(Exists(Saving.objects.filter(arrangement=OuterRef("pk")))).count()
    statuses = {s["status"]: s["count"] for s in status_counts(arrangements)}
    return {
        "totals": totals,
        "covered": covered,
        "coverage": share(covered, totals.arrangements),
        "operational": statuses["operational"],
        "not_pursued": statuses["not_pursued"],
        "finding_count": Finding.objects.count(),
        "corporate": arrangements.filter(
            Exists(
                ServiceArea.objects.filter(
                    Q(slug="corporate") | Q(parent__slug="corporate"),
                    arrangements=OuterRef("pk"),
                )
            )
        ).count(),
        "partnership_count": Partnership.objects.count(),
    }


def tier_figures(arrangements: QuerySet, narrowing) -> dict:
    regions = [v for k, v in narrowing if k == "region"]
    authorities = Authority.objects.all()
    if regions:
        authorities = authorities.filter(region__slug__in=regions)
    rows = tier_summary(arrangements, authorities)
    only_regions = all(k == "region" for k, _ in narrowing)
    region_params = {"region": regions} if regions else {}
    for row in rows:
        key = "tier_level" if row.is_level else "tier"
        row.list_url = links.arrangements_url(narrowing, **{key: row.key})
        row.savings_url = links.arrangements_url(narrowing, **{key: row.key, "has_savings": "yes"})
        row.authorities_url = links.authorities_url(**{key: row.key}, **region_params)
        row.participating_url = (
            links.authorities_url(**{key: row.key, "participating": "yes"}, **region_params)
            if only_regions
            else None
        )
    coverage = [
        f"{row.with_savings} of {row.arrangements} {row.label.lower()} arrangement"
        f"{'' if row.arrangements == 1 else 's'} {'has' if row.with_savings == 1 else 'have'}"
        " a savings figure"
        for row in rows
        if row.is_level and row.arrangements
    ]
    return {
        "rows": rows,
        "levels": {row.key: row for row in rows if row.is_level},
        "total": arrangements.count(),
        "coverage": coverage,
    }


COMPARED_CATEGORIES = (
    ("corporate", "Corporate and back office"),
    ("childrens-services", "Children's services"),
    ("adults-health", "Adults and health"),
)


def service_area_figures(arrangements: QuerySet, narrowing) -> dict:
    from .models import Kind

    rows = service_area_summary(arrangements)
    kinds = dict(Kind.choices)
    for row in rows:
        row.list_url = links.arrangements_url(narrowing, service_area=row.slug)
        row.kind_links = [
            (
                kinds[kind],
                count,
                links.arrangements_url(narrowing, service_area=row.slug, kind=kind),
            )
            for kind, count in sorted(row.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        row.main_kind_label = kinds[row.main_kind[0]] if row.main_kind else None
    categories = {row.slug: row for row in rows if row.is_category}
    total = arrangements.count()
    compare = [
        (
            label,
            categories.get(slug),
            share(getattr(categories.get(slug), "arrangements", 0), total),
        )
        for slug, label in COMPARED_CATEGORIES
    ]
    biggest = max((r.arrangements for r in rows if r.is_category), default=0)
    return {"rows": rows, "compare": compare, "total": total, "biggest": biggest}


def savings_figures(arrangements: QuerySet, narrowing, user) -> dict:
    from .dates import financial_year_label

    savings = Saving.objects.filter(arrangement__in=arrangements.order_by().values("pk"))
    rows = savings_by_year(savings)
    labels = dict(Saving.Basis.choices)
    for row in rows:
        row["year_label"] = financial_year_label(row["financial_year"]) or "Year not stated"
        row["basis_label"] = labels[row["basis"]]
        row["url"] = links.arrangements_url(
            narrowing, saving_basis=row["basis"], financial_year=row["financial_year"]
        )
    by_year: dict = {}
    for row in rows:
        if row["basis"] != Saving.Basis.TARGET:
            by_year[row["year_label"]] = by_year.get(row["year_label"], 0) + row["total"]
    largest = max(by_year.values(), default=0)
    chart = [
        {"label": label, "total": total, "percent": int(total * 100 / largest) if largest else 0}
        for label, total in by_year.items()
    ]
    from .models import SavingsTarget

    with_targets = Authority.objects.filter(
        Exists(SavingsTarget.objects.filter(authority=OuterRef("pk")))
    )
    return {
        "rows": rows,
        "chart": chart,
        "targets": targets_beside_savings(with_targets, Saving.objects.visible_to(user)),
        "savings_without_amount": savings.filter(amount__isnull=True).count(),
    }


NOT_PURSUED_SHOWN = 20


def pipeline_figures(arrangements: QuerySet, narrowing, as_of) -> dict:
    statuses = status_counts(arrangements)
    for row in statuses:
        row["url"] = links.arrangements_url(narrowing, status=row["status"])
    # The first few only: at national scale there are thousands; the list has them all.
    not_pursued = list(
        arrangements.filter(status="not_pursued")
        .order_by("title", "pk")
        .only("title", "slug", "barriers", "summary")[:NOT_PURSUED_SHOWN]
    )
    return {
        "statuses": statuses,
        "not_pursued": not_pursued,
        "not_pursued_count": next(s["count"] for s in statuses if s["status"] == "not_pursued"),
        "not_pursued_url": links.arrangements_url(narrowing, status="not_pursued"),
        "milestones": upcoming_milestones(arrangements, as_of),
    }


def national_figures() -> dict:
    """The national sources' findings, grouped by source in date order."""
    from .models import Finding, Source

    sources = (
        Source.objects.filter(findings__isnull=False).distinct().order_by("date", "title", "pk")
    )
    findings = list(
        Finding.objects.select_related("source").order_by(
            "source__date", "source_id", "position", "pk"
        )
    )
    return {"grouped": [(s, [f for f in findings if f.source_id == s.pk]) for s in sources]}


def briefing_figures(user, *, partnership=None, authority=None) -> dict:
    """What a briefing on one partnership or one authority shows."""
    import datetime

    from django.db.models import F

    from .models import Arrangement, Milestone, Source

    visible = Arrangement.objects.visible_to(user)
    if partnership is not None:
        chosen = visible.filter(partnership=partnership)
        authorities = partnership.members.all()
        params = {"partnership": partnership.slug}
    else:
        chosen = visible.filter(
            Exists(Membership.objects.filter(arrangement=OuterRef("pk"), authority=authority))
        )
        authorities = Authority.objects.filter(pk=authority.pk)
        params = {"authority": authority.code}
    chosen = Arrangement.objects.filter(pk__in=chosen.values("pk"))
    ids = chosen.values("pk")
    statuses = status_counts(chosen)
    for row in statuses:
        row["url"] = links.arrangements_url((), status=row["status"], **params)
    return {
        "subject": partnership or authority,
        "params": params,
        "totals": list_totals(chosen),
        "list_url": links.arrangements_url((), **params),
        "statuses": [s for s in statuses if s["count"]],
        "arrangements": list(chosen.with_totals().select_related("parent").order_by("title", "pk")),
        "targets": targets_beside_savings(authorities, Saving.objects.visible_to(user)),
        "savings": list(
            Saving.objects.filter(arrangement__in=ids)
            .select_related("arrangement", "authority")
            .order_by("financial_year", "pk")
        ),
        "milestones": list(
            Milestone.objects.filter(arrangement__in=ids)
            .select_related("arrangement")
            .order_by(F("date").asc(nulls_last=True), "pk")
        ),
        "barriers": list(chosen.exclude(barriers=[]).order_by("title", "pk")),
        "sources": list(
            Source.objects.filter(arrangements__in=ids).distinct().order_by("date", "pk")
        ),
        "today": datetime.date.today(),
    }
