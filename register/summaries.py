"""Reads that span relations: plain functions that aggregate in the database.

Each function takes a query set the caller has already narrowed (always through
``visible_to``), runs a fixed number of queries whatever the data size, and
returns plain data for a template or an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import links
from .figures import (
    QualifiedTotal,
    authorities_in_words,
    partner_positions,
    partner_word_aggregates,
)
from .models import GOING_AHEAD, Authority, Membership, Saving, Status
from .money import sum_to_money


@dataclass
class BasisTotal:
    basis: str
    label: str
    total: QualifiedTotal


@dataclass
class ListTotals:
    """Totals over a list of arrangements. ``headline`` counts savings only of
    arrangements going ahead (figures.HEADLINE_RULE); ``apart`` holds the rest, to be
    shown apart. Targets are in neither."""

    arrangements: int
    authorities: int
    headline: QualifiedTotal = field(default_factory=QualifiedTotal)
    apart: QualifiedTotal = field(default_factory=QualifiedTotal)
    by_basis: list[BasisTotal] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)  # how many of each status


def authorities_from_memberships(arrangements: QuerySet) -> set[int]:
    return set(
        Membership.objects.taking_part()
        .filter(arrangement__in=arrangements.order_by().values("pk"))
        .values_list("authority_id", flat=True)
        .distinct()
    )


def taking_part_authorities(arrangements: QuerySet) -> set[int]:
    """The authorities that take part (joined) in any of the arrangements: on PostgreSQL
    one pass over their rows, OR-ing each row's partner words; elsewhere, or when an
    authority has no position the words hold, from the memberships. Two queries."""
    positions = partner_positions()
    if positions is None:
        return authorities_from_memberships(arrangements)
    row = arrangements.order_by().aggregate(**partner_word_aggregates())
    return authorities_in_words([row], positions)


@dataclass
class InView:
    """What one pass over the arrangements in view says of them as a whole."""

    arrangements: int
    taking_part: set[int]  # the authorities taking part in any of them
    partnerships: int  # the partnerships those with partners come from
    unconnected: int  # and the arrangements (or programmes) of their own

    @classmethod
    def of(cls, arrangements: int, taking_part: set[int], sources: set) -> InView:
        """From the set of sources (groups.source_key) a grouped pass collected."""
        partnerships = sum(1 for source in sources if source < 0)
        return cls(arrangements, taking_part, partnerships, len(sources) - partnerships)


def taking_part_and_sources(arrangements: QuerySet) -> InView:
    """How many arrangements there are, the authorities taking part in any of them, and
    how many partnerships and unconnected arrangements those with partners come from
    (groups.source_key): one pass over their rows, two queries (more where the
    memberships must say who takes part)."""
    from .groups import source_key

    source = source_key()
    with_partners = Q(partner_count__gt=0)
    aggregates = {
        "n": Count("pk"),
        "partnerships": Count(
            source, distinct=True, filter=with_partners & Q(partnership__isnull=False)
        ),
        "unconnected": Count(
            source, distinct=True, filter=with_partners & Q(partnership__isnull=True)
        ),
    }
    positions = partner_positions()
    if positions is not None:
        aggregates |= partner_word_aggregates()
    row = arrangements.order_by().aggregate(**aggregates)
    if positions is None:
        taking_part = authorities_from_memberships(arrangements)
    else:
        taking_part = authorities_in_words([row], positions)
    return InView(row["n"], taking_part, row["partnerships"] or 0, row["unconnected"] or 0)


def any_true(condition):
    """An aggregate that is true when ``condition`` holds for any row: BOOL_OR on
    PostgreSQL, the largest 0 or 1 elsewhere."""
    from django.db import connection
    from django.db.models import BooleanField, ExpressionWrapper, IntegerField, Max
    from django.db.models.functions import Cast

    flag = ExpressionWrapper(condition, output_field=BooleanField())
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import BoolOr

        return BoolOr(flag)
    return Max(Cast(flag, IntegerField()))


def total_columns(prefix: str, name: str | None = None) -> dict:
    """Aggregates that sum the stored ``<prefix>_...`` columns of the rows into the parts
    of a QualifiedTotal, named ``<name>:<part>`` (no upper bound stored: open-ended)."""
    name = name or prefix
    return {
        f"{name}:lower": Sum(f"{prefix}_lower"),
        f"{name}:upper": Sum(f"{prefix}_upper"),
        f"{name}:open": any_true(Q(**{f"{prefix}_upper__isnull": True})),
        f"{name}:approximate": any_true(Q(**{f"{prefix}_approximate": True})),
        f"{name}:figures": Sum(f"{prefix}_figures"),
        f"{name}:percentages": Sum(f"{prefix}_percentages"),
    }


def _total_of(row: dict, name: str) -> QualifiedTotal:
    if not row:
        return QualifiedTotal()
    return QualifiedTotal(
        sum_to_money(row[f"{name}:lower"]),
        None if row[f"{name}:open"] else sum_to_money(row[f"{name}:upper"]),
        bool(row[f"{name}:approximate"]),
        int(row[f"{name}:figures"] or 0),
        int(row[f"{name}:percentages"] or 0),
    )


def by_going_ahead(arrangements: QuerySet, aggregates: dict) -> tuple[dict, dict[str, int]]:
    """The aggregates over the arrangements going ahead (True) and the rest (False), and
    how many there are of each status: one pass over their rows, grouped by status and
    then added up (register.totals.combine) rather than filtered in every aggregate."""
    from .totals import combine

    rows = list(arrangements.order_by().values("status").annotate(**aggregates))
    by_status = {row["status"]: row["n"] for row in rows}
    by_going = {
        going: [row for row in rows if (row["status"] in GOING_AHEAD) == going]
        for going in (True, False)
    }
    return {going: combine(part, aggregates) for going, part in by_going.items() if part}, by_status


def list_totals(arrangements: QuerySet, *, unfiltered_for=None) -> ListTotals:
    """Totals for a list. ``unfiltered_for`` says the arrangements are every one that
    this user may see, nothing narrowed: their totals are added up from the stored
    totals by status (register.totals), one query. Otherwise two queries, each one pass
    over the arrangements' own rows (their stored figures), whatever the filter."""
    from . import totals as stored_totals
    from .figures import COUNTED_BASES
    from .permissions import can_see_exempt

    if unfiltered_for is not None:
        rows, authorities, by_status = stored_totals.whole_register(can_see_exempt(unfiltered_for))
    else:
        aggregates = stored_totals.list_aggregates()
        # Who takes part comes in the same pass, where the partner words can say.
        positions = partner_positions()
        if positions is not None:
            aggregates |= partner_word_aggregates()
        rows, by_status = by_going_ahead(arrangements, aggregates)
        if positions is None:
            authorities = authorities_from_memberships(arrangements)
        else:
            authorities = authorities_in_words(rows.values(), positions)
    going, apart = rows.get(True, {}), rows.get(False, {})
    by_basis = [
        BasisTotal(basis, Saving.Basis(basis).label, _total_of(going, basis))
        for basis in COUNTED_BASES
    ]
    by_basis = [b for b in by_basis if b.total]
    headline = QualifiedTotal()
    for basis in by_basis:
        headline += basis.total
    return ListTotals(
        arrangements=(going.get("n") or 0) + (apart.get("n") or 0),
        authorities=len(authorities),
        headline=headline,
        apart=_total_of(apart, "savings"),
        by_basis=by_basis,
        by_status=by_status,
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
    has_saving: bool
    going_ahead: bool
    savings: QualifiedTotal


def arrangement_figures(arrangements: QuerySet) -> dict[int, ArrangementFigures]:
    rows = arrangements.order_by().values_list(
        "pk",
        "partner_count",
        "has_savings",
        "status",
        "savings_lower",
        "savings_upper",
        "savings_approximate",
        "savings_figures",
        "savings_percentages",
    )
    return {
        pk: ArrangementFigures(pk, partners, has, status in GOING_AHEAD, QualifiedTotal(*money))
        for pk, partners, has, status, *money in rows
    }


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
    # Savings of the arrangements going ahead only (figures.HEADLINE_RULE), worked out
    # once, so that a cached row holds a few figures rather than one per arrangement.
    savings_figures: int = 0
    savings: QualifiedTotal = field(default_factory=QualifiedTotal)
    savings_median: Decimal | None = None
    sources: int = 0  # partnerships or unconnected arrangements its records come from
    bits: int = 0  # its tiers, as a mask

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
        """The at-least sum divided by the authorities taking part: an average."""
        if not self.participating or not self.savings.figures:
            return None
        return (self.savings.lower / self.participating).quantize(Decimal("1"))


class TierRows(list):
    """Tier rows, with what the coverage of the same arrangements needs."""

    taking_part: set[int]
    sources: set
    total: int


def tier_summary(
    arrangements: QuerySet, authorities: QuerySet, taking_part: set[int] | None = None
) -> TierRows:
    """Rows for each tier level, each followed by its tiers: the arrangements' rows
    grouped by their tier masks (register/groups.py), and the authorities counted from
    the set of those taking part (OR-ed in the same pass, where the partner words can
    say). Four queries, five when the memberships are asked who takes part."""
    from .figures import mask
    from .groups import ByMask
    from .models import Tier

    by_tier = ByMask.of(arrangements, "tier_mask")
    if taking_part is None:
        taking_part = by_tier.taking_part
    if taking_part is None:
        taking_part = taking_part_authorities(arrangements)
    members: dict[int, set[int]] = {}
    for pk, tier_id in authorities.order_by().values_list("pk", "tier_id"):
        members.setdefault(tier_id, set()).add(pk)
    tiers = list(Tier.objects.order_by("position", "pk"))

    def fill(row: TierRow, tier_ids: list[int]) -> TierRow:
        figures = by_tier.group(mask(tier_ids), sources=row.is_level)
        for tier_id in tier_ids:
            row.authorities += len(members.get(tier_id, ()))
            row.participating += len(members.get(tier_id, set()) & taking_part)
        row.arrangements = figures.arrangements
        row.partners_sum = figures.partners_sum
        row.with_savings = figures.with_savings
        row.savings = figures.savings
        row.sources = len(figures.sources)
        row.bits = mask(tier_ids)
        return row

    rows = TierRows()
    rows.taking_part = taking_part
    rows.sources = set().union(*(figures.sources for mask, figures in by_tier.rows.items() if mask))
    rows.total = sum(figures.arrangements for figures in by_tier.rows.values())
    for level, label in Tier.Level.choices:
        level_tiers = [t for t in tiers if t.level == level]
        level_row = fill(TierRow(level, label, True), [t.pk for t in level_tiers])
        if not (level_row.authorities or level_row.arrangements):
            continue
        rows.append(level_row)
        for tier in level_tiers:
            row = fill(TierRow(tier.slug, tier.name, False), [tier.pk])
            if row.authorities or row.arrangements:
                rows.append(row)
    medians = by_tier.medians(
        {(row.key, row.is_level): row.bits for row in rows if row.arrangements}
    )
    for row in rows:
        row.savings_figures, row.savings_median = medians.get((row.key, row.is_level), (0, None))
    return rows


@dataclass
class AreaRow:
    slug: str
    label: str
    is_category: bool
    arrangements: int = 0
    savings: QualifiedTotal = field(default_factory=QualifiedTotal)  # going ahead only
    with_savings: int = 0
    kinds: dict = field(default_factory=dict)

    @property
    def main_kind(self):
        if not self.kinds:
            return None
        return max(self.kinds.items(), key=lambda item: (item[1], item[0]))


# Savings of arrangements going ahead only (figures.HEADLINE_RULE), from the figures
# stored on each arrangement row.
AREA_FIGURES_SQL = """
WITH tags AS (
    SELECT DISTINCT t.arrangement_id, COALESCE(a.parent_id, a.id) AS area_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    WHERE t.arrangement_id IN ({chosen})
    UNION ALL
    SELECT t.arrangement_id, t.servicearea_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    WHERE a.parent_id IS NOT NULL AND t.arrangement_id IN ({chosen})
)
SELECT tags.area_id, r.kind, COUNT(*),
       SUM(CASE WHEN r.has_savings THEN 1 ELSE 0 END),
       SUM(CASE WHEN {going} THEN r.savings_lower ELSE 0 END),
       SUM(CASE WHEN {going} THEN r.savings_upper ELSE 0 END),
       MAX(CASE WHEN {going} AND r.savings_upper IS NULL THEN 1 ELSE 0 END),
       MAX(CASE WHEN {going} AND r.savings_approximate THEN 1 ELSE 0 END),
       SUM(CASE WHEN {going} THEN r.savings_figures ELSE 0 END),
       SUM(CASE WHEN {going} THEN r.savings_percentages ELSE 0 END)
FROM tags
JOIN {arrangement} r ON r.id = tags.arrangement_id
GROUP BY tags.area_id, r.kind
"""


def area_figures(arrangements: QuerySet) -> list[tuple]:
    """(area id, kind, arrangements, arrangements with savings, and the going-ahead
    savings as lower, upper, open-ended, approximate, money figures, percentages) for
    every service area and kind, in one grouped query: a category counts each
    arrangement tagged with it or any of its services once (DISTINCT on the category of
    each tag), a service each arrangement tagged with it (tags are unique)."""
    from django.db import connection

    from .models import Arrangement, ServiceArea

    try:
        chosen, params = arrangements.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (an invalid one, say)
        return []
    going = "r.status IN ({})".format(", ".join(f"'{status}'" for status in GOING_AHEAD))
    sql = AREA_FIGURES_SQL.format(
        chosen=chosen,
        going=going,
        tags=Arrangement.service_areas.through._meta.db_table,
        area=ServiceArea._meta.db_table,
        arrangement=Arrangement._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params * 2)
        return cursor.fetchall()


def service_area_summary(arrangements: QuerySet) -> list[AreaRow]:
    """Categories, each followed by its services with arrangements. Two queries."""
    from .models import ServiceArea

    areas = list(ServiceArea.objects.order_by("position", "name", "pk"))
    rows = {area.pk: AreaRow(area.slug, area.name, area.parent_id is None) for area in areas}
    for area_id, kind, count, with_savings, *money in area_figures(arrangements):
        lower, upper, open_ended, approximate, figures, percentages = money
        row = rows[area_id]
        row.arrangements += count
        row.with_savings += with_savings
        row.kinds[kind] = count
        row.savings += QualifiedTotal(
            sum_to_money(lower),
            None if open_ended else sum_to_money(upper),
            bool(approximate),
            int(figures or 0),
            int(percentages or 0),
        )
    out = []
    for category in (a for a in areas if a.parent_id is None):
        if not rows[category.pk].arrangements:
            continue
        out.append(rows[category.pk])
        out += [rows[a.pk] for a in areas if a.parent_id == category.pk and rows[a.pk].arrangements]
    return out


@dataclass
class SavingsByYear:
    rows: list[dict]  # of arrangements going ahead, by financial year, basis and cashable
    apart: QualifiedTotal  # of those not going ahead: shown apart, never added in


def savings_by_year(savings: QuerySet) -> SavingsByYear:
    """Savings (targets aside) of arrangements going ahead, by financial year, basis and
    cashable: each group a QualifiedTotal, with how many arrangements it comes from; and,
    from the same pass, the total of those not going ahead. Two grouped queries."""
    savings = savings.exclude(basis=Saving.Basis.TARGET).order_by()
    keys = ("financial_year", "basis", "cashable")
    groups: dict[tuple, list] = {}
    apart: list[tuple] = []
    for *key, qualifier, going, total, money, percent in (
        savings.values(*keys, "qualifier")
        .annotate(
            going=Case(
                When(arrangement__status__in=GOING_AHEAD, then=Value(True)),
                default=Value(False),
            ),
            total=Sum("amount"),
            money=Count("pk", filter=Q(amount__isnull=False)),
            percent=Count("pk", filter=Q(amount__isnull=True, percentage__isnull=False)),
        )
        .values_list(*keys, "qualifier", "going", "total", "money", "percent")
    ):
        row = (qualifier, total, money, percent)
        if going:
            groups.setdefault(tuple(key), []).append(row)
        else:
            apart.append(row)
    arrangements = {
        tuple(row[:3]): row[3]
        for row in savings.in_headline()
        .values(*keys)
        .annotate(n=Count("arrangement", distinct=True))
        .values_list(*keys, "n")
    }
    order = [basis for basis, _ in Saving.Basis.choices]
    rows = [
        {
            "financial_year": year,
            "basis": basis,
            "cashable": cashable,
            "total": QualifiedTotal.of(rows),
            "arrangements": arrangements.get((year, basis, cashable), 0),
        }
        for (year, basis, cashable), rows in sorted(
            groups.items(),
            key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, order.index(kv[0][1]), str(kv[0][2])),
        )
    ]
    return SavingsByYear(rows, QualifiedTotal.of(apart))


def targets_beside_savings(authorities: QuerySet, savings: QuerySet) -> list[dict]:
    """Per authority and financial year: its budget savings target, its own savings in
    that year (money, of arrangements going ahead, as a QualifiedTotal), and apart from
    them its shares of whole-arrangement savings in that year (a QualifiedTotal too, each
    share with the qualifier of the figure it is a share of). ``savings`` is already
    narrowed to what the reader may see. A row for every year with any of the three;
    four queries, whatever the data."""
    from .dates import financial_year_label
    from .models import SavingShare, SavingsTarget

    targets = {
        (t.authority_id, t.financial_year): t
        for t in SavingsTarget.objects.filter(authority__in=authorities)
    }
    own: dict[tuple, list] = {}
    for pk, year, *summed_row in (
        savings.counted()
        .in_headline()
        .filter(authority__in=authorities, financial_year__isnull=False)
        .order_by()
        .values("authority", "financial_year", "qualifier")
        .annotate(
            total=Sum("amount"),
            money=Count("pk"),
            percent=Value(0),
        )
        .values_list("authority", "financial_year", "qualifier", "total", "money", "percent")
    ):
        own.setdefault((pk, year), []).append(tuple(summed_row))
    # A share keeps the qualifier of the figure it is a share of: a share of "up to
    # £100,000" is up to its amount, not exactly it.
    shares: dict[tuple, list] = {}
    for pk, year, *summed_row in (
        SavingShare.objects.filter(
            authority__in=authorities,
            saving__in=savings.counted().in_headline().filter(financial_year__isnull=False),
            amount__isnull=False,
        )
        .order_by()
        .values("authority", "saving__financial_year", "saving__qualifier")
        .annotate(total=Sum("amount"), money=Count("pk"), percent=Value(0))
        .values_list(
            "authority", "saving__financial_year", "saving__qualifier", "total", "money", "percent"
        )
    ):
        shares.setdefault((pk, year), []).append(tuple(summed_row))
    # Every authority asked about, read whatever the rows hold, so that the number of
    # queries does not depend on which of them have targets.
    named = {a.pk: a for a in authorities}
    rows = [
        {
            "authority": named[pk],
            "year": year,
            "label": financial_year_label(year),
            "target": targets[(pk, year)].amount if (pk, year) in targets else None,
            "recorded": QualifiedTotal.of(own[(pk, year)]) if (pk, year) in own else None,
            "shares": QualifiedTotal.of(shares[(pk, year)]) if (pk, year) in shares else None,
        }
        for pk, year in set(targets) | set(own) | set(shares)
    ]
    return sorted(rows, key=lambda row: (row["authority"].name, row["authority"].pk, row["year"]))


@dataclass
class AuthoritySavings:
    """An authority's savings, kept apart by whose they are (figures, "Whose"): its own,
    its shares of whole-arrangement savings, and the whole-arrangement figures of the
    arrangements it takes part in, which are not its alone. Never added together.

    The lists hold the first ``SHOWN`` of each (the largest whole-partnership figures);
    the totals and counts are of all of them, so a page stays the same size however many
    there are, and links to the list that holds the rest."""

    SHOWN = 10

    own: list
    own_total: QualifiedTotal
    own_apart: QualifiedTotal
    own_count: int
    shares: list
    whole: list
    whole_total: QualifiedTotal
    whole_apart: QualifiedTotal
    whole_count: int
    all_url: str = ""


def going_and_apart(savings: QuerySet) -> tuple[QualifiedTotal, QualifiedTotal, int]:
    """The qualified totals of savings (targets aside) of arrangements going ahead and of
    the rest, and how many savings there are, targets included: one grouped query."""
    going = ExpressionWrapper(Q(arrangement__status__in=GOING_AHEAD), output_field=BooleanField())
    rows = (
        savings.order_by()
        .annotate(
            going=going,
            target=ExpressionWrapper(Q(basis=Saving.Basis.TARGET), output_field=BooleanField()),
        )
        .values("qualifier", "going", "target")
        .annotate(
            n=Count("pk"),
            total=Sum("amount"),
            money=Count("pk", filter=Q(amount__isnull=False)),
            percent=Count("pk", filter=Q(amount__isnull=True, percentage__isnull=False)),
        )
    )
    parts: dict[bool, list] = {True: [], False: []}
    count = 0
    for row in rows:
        count += row["n"]
        if not row["target"]:
            parts[row["going"]].append(
                (row["qualifier"], row["total"], row["money"], row["percent"])
            )
    return QualifiedTotal.of(parts[True]), QualifiedTotal.of(parts[False]), count


def authority_savings(authority, savings: QuerySet) -> AuthoritySavings:
    """``savings``: those the reader may see. Five queries, whatever their number."""
    from .models import SavingShare

    shown = AuthoritySavings.SHOWN
    own_rows = savings.filter(authority=authority)
    whole_rows = savings.filter(
        authority__isnull=True,
        arrangement__in=Membership.objects.taking_part()
        .filter(authority=authority)
        .values("arrangement"),
    )
    own_total, own_apart, own_count = going_and_apart(own_rows)
    whole_total, whole_apart, whole_count = going_and_apart(whole_rows)
    own = list(
        own_rows.select_related("arrangement", "source").order_by(
            F("financial_year").asc(nulls_last=True), "arrangement__title", "pk"
        )[:shown]
    )
    # The largest whole-partnership figures: ranked over narrow rows (a big council's
    # thousands), then only the first few read whole with their arrangements.
    is_target = ExpressionWrapper(Q(basis=Saving.Basis.TARGET), output_field=BooleanField())
    largest = ("is_target", F("amount").desc(nulls_last=True), "arrangement__title", "pk")
    first = whole_rows.annotate(is_target=is_target).order_by(*largest).values("pk")[:shown]
    whole = list(
        Saving.objects.filter(pk__in=first)
        .select_related("arrangement", "source")
        .annotate(is_target=is_target)
        .order_by(*largest)
    )
    shares = list(
        SavingShare.objects.filter(authority=authority, saving__in=savings)
        .select_related("saving__arrangement")
        .order_by("saving__arrangement__title", "pk")
    )
    return AuthoritySavings(
        own=own,
        own_total=own_total,
        own_apart=own_apart,
        own_count=own_count,
        shares=shares,
        whole=whole,
        whole_total=whole_total,
        whole_apart=whole_apart,
        whole_count=whole_count,
        all_url=links.arrangements_url(authority=authority.code, has_savings="yes"),
    )


def status_counts(arrangements: QuerySet, counts: dict[str, int] | None = None) -> list[dict]:
    """Every status with how many of the arrangements have it: from ``counts`` where the
    caller has them (ListTotals.by_status), else one query."""
    from .models import Status

    if counts is None:
        counts = dict(
            arrangements.order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
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


def index_figures(arrangements: QuerySet, narrowing, *, unfiltered_for=None) -> dict:
    """``unfiltered_for``: the arrangements are every one this user may see (list_totals);
    their totals and counts by status then come from the stored totals."""
    from .models import Finding, Partnership, ServiceArea

    totals = list_totals(arrangements, unfiltered_for=unfiltered_for)
    covered = arrangements.filter(Exists(Saving.objects.filter(arrangement=OuterRef("pk")))).count()
    statuses = totals.by_status
    return {
        "totals": totals,
        "covered": covered,
        "coverage": share(covered, totals.arrangements),
        "operational": statuses.get("operational", 0),
        "not_pursued": statuses.get("not_pursued", 0),
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
    authorities = Authority.objects.existing_on()
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
    from .models import Tier

    compared = [
        GroupCoverage(row.key, row.label, row.authorities, row.participating, row.sources)
        for row in rows
        if row.is_level and row.key != Tier.Level.OTHER
    ]
    return {
        "rows": rows,
        "levels": {row.key: row for row in rows if row.is_level},
        "total": rows.total,
        "coverage": coverage,
        "answer": coverage_of_groups(
            compared,
            "whether sharing is more successful or cost-effective in single-tier authorities "
            "than in counties and districts",
            "tier",
            InView.of(rows.total, rows.taking_part, rows.sources),
        ),
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
    in_view = taking_part_and_sources(arrangements)
    total = in_view.arrangements
    compare = [
        (
            label,
            categories.get(slug),
            share(getattr(categories.get(slug), "arrangements", 0), total),
        )
        for slug, label in COMPARED_CATEGORIES
    ]
    biggest = max((r.arrangements for r in rows if r.is_category), default=0)
    return {
        "rows": rows,
        "compare": compare,
        "total": total,
        "biggest": biggest,
        "answer": coverage_of_groups(
            service_area_groups(arrangements),
            "which services benefit most from sharing",
            "service_area",
            in_view,
        ),
    }


def councils() -> set[int]:
    """Every council (upper, lower or single tier) of the reference date, for groups of
    arrangements."""
    from .models import Tier

    return set(Authority.objects.exclude(tier__level=Tier.Level.OTHER).values_list("pk", flat=True))


def service_area_groups(arrangements: QuerySet) -> list[GroupCoverage]:
    """Coverage of each service-area category: every council, those taking part in its
    arrangements, and the sources those come from. Two queries."""
    from .groups import CategoryFigures, by_category
    from .models import ServiceArea

    everyone = councils()
    figures = by_category(arrangements)
    none = CategoryFigures()
    return [
        GroupCoverage(
            area.slug,
            area.name,
            len(everyone),
            len(figures.get(area.pk, none).partners & everyone),
            figures.get(area.pk, none).sources,
        )
        for area in ServiceArea.objects.filter(parent__isnull=True).order_by("position", "name")
    ]


def savings_figures(arrangements: QuerySet, narrowing) -> dict:
    from .dates import financial_year_label
    from .models import SavingsTarget

    savings = Saving.objects.filter(arrangement__in=arrangements.order_by().values("pk"))
    by_year_and_basis = savings_by_year(savings)
    rows = by_year_and_basis.rows
    # The rows count arrangements going ahead only; their links keep any status the
    # summary is narrowed by, among those.
    chosen = [v for k, v in narrowing if k == "status"]
    going_ahead = [s for s in (chosen or GOING_AHEAD) if s in GOING_AHEAD]
    others = [(k, v) for k, v in narrowing if k != "status"]
    for row in rows:
        row["year_label"] = financial_year_label(row["financial_year"]) or "Year not stated"
        row["basis_label"] = Saving.Basis(row["basis"]).label
        row["url"] = links.arrangements_url(
            others,
            saving_basis=row["basis"],
            financial_year=row["financial_year"] or "not-stated",
            status=going_ahead,
        )
    with_targets = Authority.objects.filter(
        Exists(SavingsTarget.objects.filter(authority=OuterRef("pk")))
    )
    return {
        "rows": rows,
        "apart": by_year_and_basis.apart,
        "apart_url": links.arrangements_url(
            narrowing,
            status=[s for s, _ in Status.choices if s not in GOING_AHEAD],
            has_savings="yes",
        ),
        # The savings recorded beside the targets are those of the arrangements in view.
        "targets": targets_beside_savings(with_targets, savings),
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


# --- Can the register answer? -----------------------------------------------------------

MIN_AUTHORITIES = 10
MIN_SOURCES = 3
COMPARISON_RULE = (
    "A comparison page draws a conclusion only when every group it compares has records "
    f"for at least {MIN_AUTHORITIES} of its authorities, drawn from at least {MIN_SOURCES} "
    "separate partnerships or unconnected arrangements. Below that, what the register "
    "holds shows who has entered records, not how the groups differ, and the page says so."
)


@dataclass
class GroupCoverage:
    key: str
    label: str
    authorities: int  # in the group
    with_records: int  # of them, taking part in an arrangement in view
    sources: int  # separate partnerships or unconnected arrangements those come from

    @property
    def enough(self) -> bool:
        return self.with_records >= MIN_AUTHORITIES and self.sources >= MIN_SOURCES


@dataclass
class Coverage:
    groups: list[GroupCoverage]
    held: str
    can_conclude: bool
    verdict: str
    evidence: list


def _plural(name: str) -> str:
    name = name[0].lower() + name[1:] if not name[:2].isupper() else name
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


def _number(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))


def coverage_of_groups(
    groups: list[GroupCoverage], question: str, bears_on: str, in_view: InView
) -> Coverage:
    """Whether the groups' coverage (worked out by the caller) is enough to compare them
    (COMPARISON_RULE), what the register holds (``in_view``), in words, and the national
    evidence. Two queries."""
    from .models import Finding

    taking_part = in_view.taking_part
    partnerships, unconnected = in_view.partnerships, in_view.unconnected
    parts = []
    if partnerships:
        parts.append(f"{_number(partnerships)} partnership{'' if partnerships == 1 else 's'}")
    if unconnected:
        parts.append(
            f"{_number(unconnected)} unconnected arrangement{'' if unconnected == 1 else 's'}"
        )
    tiers = sorted(
        set(Authority.objects.filter(pk__in=taking_part).values_list("tier__name", flat=True))
    )
    held = " and ".join(parts) or "no arrangements with named partners"
    if tiers:
        held += " of " + ", ".join(_plural(t) for t in tiers[:-1])
        held += (" and " if len(tiers) > 1 else "") + _plural(tiers[-1])
    can_conclude = bool(groups) and all(group.enough for group in groups)
    if can_conclude:
        verdict = (
            f"The register covers every group well enough to compare them by its rule, "
            f"so the figures below bear on {question}."
        )
    else:
        verdict = f"The register holds arrangements from {held}, so it cannot yet say {question}."
    evidence = list(
        Finding.objects.filter(bears_on=bears_on)
        .select_related("source")
        .order_by(F("source__date").asc(nulls_last=True), "position", "pk")
    )
    return Coverage(groups, held, can_conclude, verdict, evidence)


# --- Regions ------------------------------------------------------------------------------


@dataclass
class RegionRow:
    key: str
    label: str
    authorities: int = 0
    participating: int = 0
    arrangements: int = 0
    savings: QualifiedTotal = field(default_factory=QualifiedTotal)  # going ahead only
    list_url: str = ""

    @property
    def participating_share(self):
        return share(self.participating, self.authorities)


def region_figures(arrangements: QuerySet, narrowing) -> dict:
    """Sharing by region of the partners: authorities, those taking part, arrangements
    with a partner there and their savings (an arrangement counts in each region of its
    partners), from the rows' region masks; who takes part OR-ed in the same pass, where
    the partner words can say. Four queries, five when the memberships are asked."""
    from .groups import ByMask
    from .models import Region

    by_region = ByMask.of(arrangements, "region_mask")
    taking_part = by_region.taking_part
    if taking_part is None:
        taking_part = taking_part_authorities(arrangements)
    members: dict[int, set[int]] = {}
    for pk, region_id in (
        Authority.objects.existing_on().filter(region__isnull=False).values_list("pk", "region_id")
    ):
        members.setdefault(region_id, set()).add(pk)
    rows, groups = [], []
    for region in Region.objects.all():
        figures = by_region.group(1 << region.pk if region.pk < 63 else 0, sources=True)
        authorities = members.get(region.pk, set())
        row = RegionRow(region.slug, region.name, len(authorities))
        row.participating = len(authorities & taking_part)
        row.arrangements = figures.arrangements
        row.savings = figures.savings
        row.list_url = links.arrangements_url(narrowing, region=region.slug)
        if row.authorities or row.arrangements:
            rows.append(row)
            groups.append(
                GroupCoverage(
                    region.slug,
                    region.name,
                    row.authorities,
                    row.participating,
                    len(figures.sources),
                )
            )
    total = sum(figures.arrangements for figures in by_region.rows.values())
    return {
        "rows": rows,
        "total": total,
        "answer": coverage_of_groups(
            groups,
            "how sharing differs between regions",
            "region",
            InView.of(
                total,
                taking_part,
                set().union(*(f.sources for mask, f in by_region.rows.items() if mask)),
            ),
        ),
    }
