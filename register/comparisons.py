"""Councils side by side (/compare/): which councils were asked for, and the reads that
compare them.

Every read starts from what the reader may see (``visible_to``), counts an arrangement
for a council only where the council takes part in it (lead, host or partner, as the
list's ``?authority=`` filter does, so each count links to exactly the rows behind it),
and runs a fixed number of queries: a few for each council compared (at most
``MAX_COMPARED``), none for each arrangement, partner or service area.

Savings are read with the authority page's own functions (summaries.authority_savings,
summaries.targets_beside_savings), so the figures are the ones its page shows, kept apart
by whose they are: a whole-partnership figure is never shown as one council's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum

from . import charts, links, summaries
from .figures import HEADLINE_RULE, QualifiedTotal, partner_positions, partner_words, positions_in
from .models import (
    GOING_AHEAD,
    PARTNER_FIELDS,
    REFERENCE_DATE,
    Arrangement,
    Authority,
    Membership,
    Saving,
    SavingShare,
    ServiceArea,
    Status,
    Tier,
)

MIN_COMPARED = 2
MAX_COMPARED = 4
MAX_CODES_READ = 20  # of a hand-made address with hundreds of codes, the first few are named


@dataclass
class Choice:
    """The councils asked for (``?authority=CLD&authority=KIR``) and what is wrong with the
    choice, if anything: ``councils`` is empty unless the choice can be compared."""

    asked: list[str] = field(default_factory=list)
    councils: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: bool = False  # a code no authority has
    prompt: str = ""  # what to do next, when one council is chosen

    @property
    def ready(self) -> bool:
        return bool(self.councils) and not self.errors


def parse_choice(values: list[str]) -> Choice:
    """Codes as given (any case, blanks ignored), checked: two to four, each once, each an
    authority in the register. One query."""
    asked = [v.strip().upper()[:10] for v in values if v and v.strip()]
    choice = Choice(asked=asked[:MAX_CODES_READ])
    if not asked:
        return choice
    found = {
        a.code: a
        for a in Authority.objects.select_related("tier").filter(code__in=asked[:MAX_CODES_READ])
    }
    unknown = [code for code in dict.fromkeys(asked[:MAX_CODES_READ]) if code not in found]
    if unknown:
        choice.unknown = True
        quoted = ", ".join(f"“{code}”" for code in unknown)
        choice.errors.append(
            f"No authority in the register has the code {quoted}: choose councils from the list"
        )
    others = [found[c] for c in dict.fromkeys(asked[:MAX_CODES_READ]) if c in found]
    others = [a for a in others if not a.is_council]
    if others:
        names = ", ".join(f"{a.name} ({a.tier.name.lower()})" for a in others)
        verb = "is not a council" if len(others) == 1 else "are not councils"
        choice.errors.append(f"{names} {verb}: compare councils only")
    times = Counter(asked)
    repeated = [code for code, n in times.items() if n > 1][:MAX_CODES_READ]
    if repeated:
        names = ", ".join(found[c].name if c in found else c for c in repeated)
        verb = "is" if len(repeated) == 1 else "are each"
        choice.errors.append(f"{names} {verb} chosen more than once: choose each council once")
    distinct = list(dict.fromkeys(asked))
    if len(distinct) < MIN_COMPARED and not choice.errors:
        # One council (the authority page's link): not a mistake, the start of a choice.
        choice.prompt = (
            f"Choose one to three more councils to compare with {found[distinct[0]].name}."
        )
    elif len(distinct) < MIN_COMPARED and not repeated:
        choice.errors.append("Choose at least two councils to compare")
    elif len(distinct) > MAX_COMPARED:
        choice.errors.append(f"Choose at most four councils to compare: {len(distinct)} are chosen")
    if not choice.errors and not choice.prompt:
        choice.councils = [found[code] for code in distinct]
    return choice


def wants_tier_average(value: str | None) -> bool:
    """``?tier_average=0`` (or no, false, off) hides the averages; anything else shows them."""
    return (value or "").strip().lower() not in ("0", "no", "false", "off")


def council_options() -> list[tuple[str, str]]:
    """(code, name) of every council (not other public bodies, which the comparison
    refuses), for the form's list: one query."""
    councils = Authority.objects.exclude(tier__level=Tier.Level.OTHER).order_by("name", "code")
    return [(code, f"{name} ({code})") for code, name in councils.values_list("code", "name")]


# --- Counts by service area and by status -----------------------------------------------

# A category counts each membership (one council in one arrangement) once, however many of
# its services the arrangement is tagged with; a service counts each tagged membership.
AREA_COUNTS_SQL = """
SELECT m.{key}, COALESCE(a.parent_id, a.id), COUNT(DISTINCT m.id)
FROM ({memberships}) m
JOIN {tags} t ON t.arrangement_id = m.arrangement_id
JOIN {area} a ON a.id = t.servicearea_id
GROUP BY m.{key}, COALESCE(a.parent_id, a.id)
UNION ALL
SELECT m.{key}, t.servicearea_id, COUNT(*)
FROM ({memberships}) m
JOIN {tags} t ON t.arrangement_id = m.arrangement_id
JOIN {area} a ON a.id = t.servicearea_id
WHERE a.parent_id IS NOT NULL
GROUP BY m.{key}, t.servicearea_id
"""


def taking_part(user, authorities):
    """Memberships, of arrangements the user may see, of these authorities taking part."""
    return (
        Membership.objects.visible_to(user)
        .taking_part()
        .filter(authority__in=authorities)
        .order_by()
    )


def counts_by_area(memberships, key: str) -> dict[tuple, int]:
    """{(key value, service area pk): memberships} for memberships grouped by ``key``
    (``authority_id``, or ``tier`` for the authority's tier): one query."""
    try:
        sql, params = memberships.values(
            "id", "arrangement_id", "authority_id", tier=F("authority__tier_id")
        ).query.sql_with_params()
    except EmptyResultSet:
        return {}
    query = AREA_COUNTS_SQL.format(
        key=key,
        memberships=sql,
        tags=Arrangement.service_areas.through._meta.db_table,
        area=ServiceArea._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params * 2)
        return {(who, area): n for who, area, n in cursor.fetchall()}


def counts_by_status(memberships, key: str) -> dict[tuple, int]:
    """{(key value, status): memberships}: one query."""
    return {
        (who, status): n
        for who, status, n in memberships.values(key, "arrangement__status")
        .annotate(n=Count("pk"))
        .values_list(key, "arrangement__status", "n")
    }


def existed_then(authority) -> bool:
    """Whether the authority existed on the reference date (as Authority.objects.existing_on
    asks of the database)."""
    start, end = authority.start_date, authority.end_date
    return (start is None or start <= REFERENCE_DATE) and (end is None or end >= REFERENCE_DATE)


def average(total: int, councils: int) -> Decimal | None:
    if not councils:
        return None
    return (Decimal(total) / councils).quantize(Decimal("0.1"))


@dataclass
class TierAverage:
    """The average for one tier: memberships of its councils over how many councils."""

    tier: object
    councils: int  # of the tier, existing on the reference date
    taking_part: int  # of them, taking part in any arrangement the reader may see
    compared: list  # the compared councils of this tier counted in it
    not_counted: list  # and those that did not exist on the reference date


@dataclass
class Cell:
    count: int
    url: str = ""


@dataclass
class CountRow:
    key: str
    label: str
    is_category: bool = False
    cells: list[Cell] = field(default_factory=list)  # one per council, in order
    averages: list = field(default_factory=list)  # one per tier average, in order

    @property
    def has_gap(self) -> bool:
        counts = [c.count for c in self.cells]
        return any(counts) and not all(counts)


@dataclass
class Counts:
    """Memberships (one council taking part in one arrangement the reader may see) of
    groups of councils: each compared council, ``("council", pk)``, and the councils of
    each tier existing on the reference date, ``("tier", pk)``; by service area, by
    status and in all. For each tier, how many councils it has and how many of them take
    part in any arrangement."""

    by_area: dict = field(default_factory=dict)  # {(group, area pk): n}
    by_status: dict = field(default_factory=dict)  # {(group, status): n}
    total: dict = field(default_factory=dict)  # {group: n}
    sizes: dict = field(default_factory=dict)  # {tier pk: councils}
    participating: dict = field(default_factory=dict)  # {tier pk: councils taking part}


def counts(user, councils: list, tiers: list) -> Counts:
    """With the tiers' averages, on PostgreSQL, from the partner words stored on each
    arrangement row: two passes over the arrangements, however many councils a tier has
    (four queries). Otherwise from the memberships: three queries for the councils alone
    (a few thousand memberships at most), and five more for tiers (every membership of
    every council of the tier: seconds at 50,000 arrangements, hence the words)."""
    in_tiers = Authority.objects.existing_on().filter(tier__in=[t.pk for t in tiers])
    if tiers and connection.vendor == "postgresql" and partner_positions() is not None:
        return counts_from_words(user, councils, in_tiers if tiers else None)
    return counts_from_memberships(user, councils, in_tiers if tiers else None)


def counts_from_memberships(user, councils: list, in_tiers) -> Counts:
    found = Counts()
    mine = taking_part(user, [c.pk for c in councils])
    for (pk, area), n in counts_by_area(mine, "authority_id").items():
        found.by_area[(("council", pk), area)] = n
    for (pk, status), n in counts_by_status(mine, "authority_id").items():
        found.by_status[(("council", pk), status)] = n
    for pk, n in (
        mine.values("authority_id").annotate(n=Count("pk")).values_list("authority_id", "n")
    ):
        found.total[("council", pk)] = n
    if in_tiers is None:
        return found
    found.sizes = dict(
        in_tiers.order_by().values("tier").annotate(n=Count("pk")).values_list("tier", "n")
    )
    theirs = taking_part(user, in_tiers.values("pk"))
    for (pk, area), n in counts_by_area(theirs, "tier").items():
        found.by_area[(("tier", pk), area)] = n
    for (pk, status), n in counts_by_status(theirs, "authority__tier").items():
        found.by_status[(("tier", pk), status)] = n
    for pk, n, taking in (
        theirs.values("authority__tier")
        .annotate(n=Count("pk"), councils=Count("authority", distinct=True))
        .values_list("authority__tier", "n", "councils")
    ):
        found.total[("tier", pk)] = n
        found.participating[pk] = taking
    return found


# A group's memberships in an arrangement: the bits its partner words share with the
# group's (PostgreSQL's bit_count of the AND of each word with the group's word), worked
# out once per arrangement (OFFSET 0 keeps the subquery from being merged into the join,
# which worked them out again for each service area an arrangement is tagged with), and
# arrangements in which no group takes part are left out before the tags are joined.
WORDS_BY_AREA_SQL = """
SELECT tags.area_id, {sums}
FROM (
    SELECT DISTINCT t.arrangement_id, COALESCE(a.parent_id, a.id) AS area_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    UNION ALL
    SELECT t.arrangement_id, t.servicearea_id
    FROM {tags} t JOIN {area} a ON a.id = t.servicearea_id
    WHERE a.parent_id IS NOT NULL
) tags
JOIN (SELECT v.id, {counts} FROM ({visible}) v OFFSET 0) r ON r.id = tags.arrangement_id
WHERE {any}
GROUP BY tags.area_id
"""
WORDS_BY_STATUS_SQL = "SELECT r.status, {sums}, {ors} FROM ({visible}) r GROUP BY r.status"


def counts_from_words(user, councils: list, in_tiers) -> Counts:
    found = Counts()
    groups: dict[tuple, list[int]] = {("council", c.pk): [c.partner_position] for c in councils}
    members: dict[int, set[int]] = {}
    if in_tiers is not None:
        for tier_pk, position in in_tiers.order_by().values_list("tier_id", "partner_position"):
            groups.setdefault(("tier", tier_pk), []).append(position)
            members.setdefault(tier_pk, set()).add(position)
            found.sizes[tier_pk] = found.sizes.get(tier_pk, 0) + 1
    order = list(groups)
    sum_params: list[int] = []
    words_of = []
    for group in order:
        words = {name: word for name, word in partner_words(groups[group]).items() if word}
        sum_params += words.values()
        words_of.append(words)

    def count(words, alias):  # the group's memberships in one arrangement row
        parts = [f"bit_count(({alias}.{name} & %s)::bit(64))" for name in words]
        return f"({' + '.join(parts) or '0'})"

    sums = [f"SUM({count(words, 'r')})" for words in words_of]
    by_arrangement = [f"{count(words, 'v')} AS g{n}" for n, words in enumerate(words_of)]
    area_sums = [f"SUM(r.g{n})" for n in range(len(order))]
    any_taking_part = " OR ".join(f"r.g{n} > 0" for n in range(len(order)))
    try:
        visible, visible_params = (
            Arrangement.objects.visible_to(user)
            .order_by()
            .values("id", "status", *PARTNER_FIELDS)
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return found
    tables = {
        "tags": Arrangement.service_areas.through._meta.db_table,
        "area": ServiceArea._meta.db_table,
    }
    ors = ", ".join(f"BIT_OR(r.{name})" for name in PARTNER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            WORDS_BY_AREA_SQL.format(
                counts=", ".join(by_arrangement),
                visible=visible,
                sums=", ".join(area_sums),
                any=any_taking_part,
                **tables,
            ),
            [*sum_params, *visible_params],
        )
        for area_pk, *numbers in cursor.fetchall():
            for group, n in zip(order, numbers, strict=True):
                if n:
                    found.by_area[(group, area_pk)] = int(n)
        cursor.execute(
            WORDS_BY_STATUS_SQL.format(sums=", ".join(sums), ors=ors, visible=visible),
            [*sum_params, *visible_params],
        )
        taking: set[int] = set()
        for status, *rest in cursor.fetchall():
            numbers, words = rest[: len(order)], rest[len(order) :]
            taking |= positions_in(words)
            for group, n in zip(order, numbers, strict=True):
                if n:
                    found.by_status[(group, status)] = int(n)
                    found.total[group] = found.total.get(group, 0) + int(n)
    for tier_pk, positions in members.items():
        found.participating[tier_pk] = len(taking & positions)
    return found


def compare_page(user, councils: list, *, tier_average: bool = True) -> dict:
    """Everything /compare/ shows of two to four councils, in a fixed number of queries
    whatever the data and however many councils: about twenty."""
    codes = [c.code for c in councils]
    tiers = list(dict.fromkeys(c.tier for c in councils)) if tier_average else []
    found = counts(user, councils, tiers)
    averages = [
        TierAverage(
            tier,
            found.sizes.get(tier.pk, 0),
            found.participating.get(tier.pk, 0),
            [c for c in councils if c.tier_id == tier.pk and existed_then(c)],
            [c for c in councils if c.tier_id == tier.pk and not existed_then(c)],
        )
        for tier in tiers
    ]
    area_counts = {
        (group[1], area): n for (group, area), n in found.by_area.items() if group[0] == "council"
    }
    status_counts = {
        (group[1], status): n
        for (group, status), n in found.by_status.items()
        if group[0] == "council"
    }
    total = {group[1]: n for group, n in found.total.items() if group[0] == "council"}
    tier_area = {
        (group[1], area): n for (group, area), n in found.by_area.items() if group[0] == "tier"
    }
    tier_status = {
        (group[1], status): n
        for (group, status), n in found.by_status.items()
        if group[0] == "tier"
    }
    tier_total = {group[1]: n for group, n in found.total.items() if group[0] == "tier"}

    areas = list(ServiceArea.objects.order_by("position", "name", "pk"))
    area_rows = []
    for category in (a for a in areas if a.parent_id is None):
        for area in [category, *(a for a in areas if a.parent_id == category.pk)]:
            row = CountRow(area.slug, area.name, area.parent_id is None)
            for council in councils:
                n = area_counts.get((council.pk, area.pk), 0)
                url = links.arrangements_url(authority=council.code, service_area=area.slug)
                row.cells.append(Cell(n, url))
            row.averages = [
                average(tier_area.get((a.tier.pk, area.pk), 0), a.councils) for a in averages
            ]
            if any(c.count for c in row.cells) or any(row.averages):
                area_rows.append(row)

    status_rows = []
    for status, label in Status.choices:
        row = CountRow(status, label)
        for council in councils:
            n = status_counts.get((council.pk, status), 0)
            row.cells.append(Cell(n, links.arrangements_url(authority=council.code, status=status)))
        row.averages = [
            average(tier_status.get((a.tier.pk, status), 0), a.councils) for a in averages
        ]
        status_rows.append(row)
    totals = CountRow(
        "all",
        "All arrangements",
        cells=[
            Cell(total.get(c.pk, 0), links.arrangements_url(authority=c.code)) for c in councils
        ],
        averages=[average(tier_total.get(a.tier.pk, 0), a.councils) for a in averages],
    )

    gaps = [
        {
            "row": row,
            "shared_by": [c for c, cell in zip(councils, row.cells, strict=True) if cell.count],
            "not_by": [c for c, cell in zip(councils, row.cells, strict=True) if not cell.count],
        }
        for row in area_rows
        if row.has_gap
    ]

    return {
        "councils": councils,
        "codes": codes,
        "tier_average": tier_average,
        "averages": averages,
        "reference_date": REFERENCE_DATE,
        "area_rows": area_rows,
        "status_rows": status_rows,
        "totals": totals,
        "gaps": gaps,
        "partners": partners_in_common(user, councils),
        "savings": savings_side_by_side(user, councils),
        "arrangements_url": links.arrangements_url(authority=codes),
        "headline_rule": HEADLINE_RULE,
    }


# --- Partners in common -------------------------------------------------------------------

PARTNERS_SHOWN = 20  # those sharing most with all of them; the page says how many more

PARTNERS_SQL = """
SELECT mine.authority_id, other.authority_id, COUNT(*)
FROM ({mine}) mine
JOIN {membership} other ON other.arrangement_id = mine.arrangement_id
WHERE other.role IN ({joined}) AND other.authority_id <> mine.authority_id
GROUP BY mine.authority_id, other.authority_id
"""


def partners_in_common(user, councils: list) -> dict:
    """The authorities that take part in arrangements (that the reader may see) with every
    one of the councils, each with how many it shares with each; and how many each pair of
    the councils takes part in together. Two queries."""
    ids = [c.pk for c in councils]
    try:
        sql, params = (
            taking_part(user, ids).values("arrangement_id", "authority_id").query.sql_with_params()
        )
    except EmptyResultSet:
        return {"common": [], "more": 0, "pairs": []}
    joined = ", ".join("%s" for _ in Membership.JOINED)
    query = PARTNERS_SQL.format(mine=sql, membership=Membership._meta.db_table, joined=joined)
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *Membership.JOINED])
        shared = {(mine, other): n for mine, other, n in cursor.fetchall()}
    by_partner: dict[int, dict[int, int]] = {}
    for (mine, other), n in shared.items():
        by_partner.setdefault(other, {})[mine] = n
    common_ids = [
        other
        for other, counts in by_partner.items()
        if other not in ids and all(pk in counts for pk in ids)
    ]
    named = {a.pk: a for a in Authority.objects.select_related("tier").filter(pk__in=common_ids)}
    common = sorted(
        (
            {
                "authority": named[pk],
                "counts": [by_partner[pk][c.pk] for c in councils],
            }
            for pk in common_ids
            if pk in named
        ),
        key=lambda row: (-min(row["counts"]), row["authority"].name, row["authority"].code),
    )
    more = max(0, len(common) - PARTNERS_SHOWN)
    common = common[:PARTNERS_SHOWN]
    pairs = [
        {"first": a, "second": b, "count": shared.get((a.pk, b.pk), 0)}
        for i, a in enumerate(councils)
        for b in councils[i + 1 :]
    ]
    return {"common": common, "more": more, "pairs": pairs}


# --- Savings ------------------------------------------------------------------------------


@dataclass
class CouncilSavings:
    """One council's savings as its own page totals them (summaries.AuthoritySavings),
    kept apart by whose they are: its own, and the whole-partnership figures of the
    arrangements it takes part in (not its own); each of arrangements going ahead and,
    apart, of the rest. Never added together."""

    own_total: QualifiedTotal = field(default_factory=QualifiedTotal)
    own_apart: QualifiedTotal = field(default_factory=QualifiedTotal)
    whole_total: QualifiedTotal = field(default_factory=QualifiedTotal)
    whole_apart: QualifiedTotal = field(default_factory=QualifiedTotal)
    shares: int = 0  # its shares of whole-arrangement savings, listed on its page


def grouped_totals(savings, by: str) -> dict[tuple, QualifiedTotal]:
    """{(``by`` value, going ahead): QualifiedTotal} of these savings, targets aside, as
    summaries.going_and_apart adds them up for one authority: one grouped query."""
    going = ExpressionWrapper(Q(arrangement__status__in=GOING_AHEAD), output_field=BooleanField())
    parts: dict[tuple, list] = {}
    for who, is_going, qualifier, total, money, percent in (
        savings.exclude(basis=Saving.Basis.TARGET)
        .order_by()
        .annotate(going=going)
        .values(by, "going", "qualifier")
        .annotate(
            total=Sum("amount"),
            money=Count("pk", filter=Q(amount__isnull=False)),
            percent=Count("pk", filter=Q(amount__isnull=True, percentage__isnull=False)),
        )
        .values_list(by, "going", "qualifier", "total", "money", "percent")
    ):
        parts.setdefault((who, bool(is_going)), []).append((qualifier, total, money, percent))
    return {key: QualifiedTotal.of(rows) for key, rows in parts.items()}


def savings_side_by_side(user, councils: list) -> dict:
    """Each council's savings kept apart by whose they are, and its targets beside its own
    savings by financial year (summaries.targets_beside_savings, as its page shows them).
    Six queries, however many councils."""
    savings = Saving.objects.visible_to(user)
    ids = [c.pk for c in councils]
    own = grouped_totals(savings.filter(authority__in=ids), "authority")
    # A whole-arrangement saving, once for each compared council taking part in it.
    whole = grouped_totals(
        savings.filter(
            authority__isnull=True,
            arrangement__memberships__authority__in=ids,
            arrangement__memberships__role__in=Membership.JOINED,
        ),
        "arrangement__memberships__authority",
    )
    shares = dict(
        SavingShare.objects.filter(authority__in=ids, saving__in=savings)
        .order_by()
        .values("authority")
        .annotate(n=Count("pk"))
        .values_list("authority", "n")
    )
    rows = summaries.targets_beside_savings(Authority.objects.filter(pk__in=ids), savings)
    years = sorted({row["year"] for row in rows})
    by_key = {(row["authority"].pk, row["year"]): row for row in rows}
    by_year = [
        {
            "label": charts.year_label(year),
            "cells": [by_key.get((c.pk, year)) for c in councils],
        }
        for year in years
    ]
    none = QualifiedTotal()
    per_council = []
    for council in councils:
        own_rows = [row for row in rows if row["authority"].pk == council.pk]
        per_council.append(
            {
                "council": council,
                "figures": CouncilSavings(
                    own.get((council.pk, True), none),
                    own.get((council.pk, False), none),
                    whole.get((council.pk, True), none),
                    whole.get((council.pk, False), none),
                    shares.get(council.pk, 0),
                ),
                "years": own_rows,
                "chart": charts.targets_chart(
                    own_rows, council.name, id=f"savings-chart-{council.code.lower()}"
                ),
            }
        )
    return {"per_council": per_council, "by_year": by_year}


def area_rows_as_csv(page: dict) -> list[list]:
    """The by-service-area table as rows for a CSV file: a header, then a row per area."""
    councils = page["councils"]
    header = ["Category", "Service area"]
    header += [f"{c.name} ({c.code}): arrangements it takes part in" for c in councils]
    header += [
        f"Average per {a.tier.name.lower()} (arrangements taken part in, across the "
        f"{a.councils} that existed on 1 April 2012)"
        for a in page["averages"]
    ]
    out = [header]
    category = ""
    for row in page["area_rows"]:
        if row.is_category:
            category = row.label
        out.append(
            [category, "" if row.is_category else row.label]
            + [cell.count for cell in row.cells]
            + ["" if value is None else value for value in row.averages]
        )
    return out
