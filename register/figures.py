"""Honest figures: which savings count in a headline, and sums that keep their qualifiers.

Rules every page follows (docs/seed-data.md and the summary index say them in words):

- **Which savings count.** A headline total counts savings only of arrangements going
  ahead or that went ahead (``GOING_AHEAD``). Savings of ideas not yet decided or not
  pursued are shown apart, never added in.
- **Whose.** A saving belongs to the whole arrangement or to one named authority. An
  authority's own savings and the whole-partnership figures of arrangements it takes
  part in are shown apart and never added together.
- **Qualifiers survive arithmetic.** A sum that includes an "over" or "at least"
  figure is "at least £X"; "up to" figures make a range; a sum with an "about" or an
  "average" figure is "about £X". Percentages are never summed with money: a total
  says "and 2 percentage savings".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, transaction

from .models import (
    COUNTED_BASES,
    GOING_AHEAD,
    NOT_GOING_AHEAD,
    NOT_YET_DECIDED,
    PARTNER_FIELDS,
    STORED_FIGURES,
    Saving,
    Status,
)
from .money import format_money

Q = Saving.Qualifier

HEADLINE_RULE = (
    "Headline totals count savings only of arrangements that are going ahead or went "
    "ahead: in development, procurement under way, operational, or ended after "
    "operating. Savings of ideas proposed, under consideration or not pursued are "
    "shown apart and never added in. Targets are never counted as savings, and "
    "percentages are never added to pounds."
)


def counts_in_headline(status: str) -> bool:
    """Whether an arrangement's savings count in a headline total (the rule above)."""
    return status in GOING_AHEAD


def status_group(status: str) -> str:
    if status in GOING_AHEAD:
        return "going ahead"
    if status in NOT_YET_DECIDED:
        return "not yet decided"
    if status in NOT_GOING_AHEAD:
        return "not pursued"
    return Status(status).label.lower()


@dataclass(frozen=True)
class QualifiedTotal:
    """A sum of money savings that remembers what the sources said of each figure.

    ``lower`` is what the figures add up to at least; ``upper`` what they add up to at
    most (None when an "over" or "at least" figure leaves it open)."""

    lower: Decimal = Decimal(0)
    upper: Decimal | None = Decimal(0)
    approximate: bool = False  # an "about" or "average" figure is in it
    figures: int = 0  # money figures summed
    percentages: int = 0  # percentage-only figures, counted, never summed

    @classmethod
    def of(cls, rows: Iterable[tuple]) -> QualifiedTotal:
        """From (qualifier, amount sum, money figures, percentage-only figures) rows, one
        per qualifier, as ``summed`` returns them."""
        lower, upper, approximate, figures, percentages = Decimal(0), Decimal(0), False, 0, 0
        for qualifier, amount, count, percent_count in rows:
            amount = Decimal(amount or 0)
            figures += count
            percentages += percent_count
            if not count:
                continue
            if qualifier in (Q.OVER, Q.AT_LEAST):
                lower += amount
                upper = None
            elif qualifier == Q.UP_TO:
                if upper is not None:
                    upper += amount
            else:
                lower += amount
                if upper is not None:
                    upper += amount
                approximate |= qualifier in (Q.ABOUT, Q.AVERAGE)
        return cls(lower, upper, approximate, figures, percentages)

    def __add__(self, other: QualifiedTotal) -> QualifiedTotal:
        upper = None if self.upper is None or other.upper is None else self.upper + other.upper
        return QualifiedTotal(
            self.lower + other.lower,
            upper,
            self.approximate or other.approximate,
            self.figures + other.figures,
            self.percentages + other.percentages,
        )

    def __bool__(self) -> bool:
        return bool(self.figures or self.percentages)

    @property
    def open_ended(self) -> bool:
        """An "over" or "at least" figure is in it, so it has no upper end."""
        return self.upper is None

    @property
    def money(self) -> str:
        """'£2,600,000', 'at least £2,600,000', 'up to £35,000', '£10,000 to £45,000',
        'about £1,900,000'; '' when no money figure is in it."""
        if not self.figures:
            return ""
        about = "about " if self.approximate else ""
        if self.upper is None:
            return f"at least {about}{format_money(self.lower)}"
        if self.upper > self.lower:
            if not self.lower:
                return f"up to {about}{format_money(self.upper)}"
            return f"{about}{format_money(self.lower)} to {format_money(self.upper)}"
        return f"{about}{format_money(self.lower)}"

    @property
    def percentages_text(self) -> str:
        n = self.percentages
        return f"{n} percentage saving{'' if n == 1 else 's'}" if n else ""

    @property
    def text(self) -> str:
        """The whole total in words: 'at least £2,600,000 and 2 percentage savings'."""
        if self.figures and self.percentages:
            return f"{self.money} and {self.percentages_text}"
        return self.money or self.percentages_text or "None recorded"


def summed(savings) -> list[tuple]:
    """(qualifier, amount sum, money figures, percentage-only figures) per qualifier, for
    QualifiedTotal.of: one grouped query."""
    from django.db.models import Count, Sum
    from django.db.models import Q as Where

    rows = (
        savings.order_by()
        .values("qualifier")
        .annotate(
            total=Sum("amount"),
            money=Count("pk", filter=Where(amount__isnull=False)),
            percent=Count("pk", filter=Where(amount__isnull=True, percentage__isnull=False)),
        )
        .values_list("qualifier", "total", "money", "percent")
    )
    return list(rows)


def qualified_total(savings) -> QualifiedTotal:
    """The qualified total of a query set of savings (targets excluded by the caller)."""
    return QualifiedTotal.of(summed(savings))


def by_year_and_basis(savings: Iterable[Saving]) -> list[dict]:
    """Money and percentage savings (targets aside) grouped by financial year (None: not
    tied to a year) and basis, each group a QualifiedTotal: from rows in memory."""
    groups: dict[tuple, list[Saving]] = {}
    for saving in savings:
        if saving.basis != Saving.Basis.TARGET:
            groups.setdefault((saving.financial_year, saving.basis), []).append(saving)
    order = [basis for basis, _ in Saving.Basis.choices]
    return [
        {
            "financial_year": year,
            "basis": basis,
            "basis_label": Saving.Basis(basis).label,
            "total": of_savings(rows),
            "n": len(rows),
        }
        for (year, basis), rows in sorted(
            groups.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, order.index(kv[0][1]))
        )
    ]


def of_savings(savings: Iterable[Saving]) -> QualifiedTotal:
    """The qualified total of savings already in memory (a page's prefetched rows)."""
    rows: dict[str, list] = {}
    for saving in savings:
        row = rows.setdefault(saving.qualifier, [saving.qualifier, Decimal(0), 0, 0])
        if saving.amount is not None:
            row[1] += saving.amount
            row[2] += 1
        elif saving.percentage is not None:
            row[3] += 1
    return QualifiedTotal.of(tuple(r) for r in rows.values())


# --- Figures stored on each arrangement row ---------------------------------------------

CHUNK = 2000

# Which authorities take part in an arrangement: the bit of each partner's
# partner_position, in 16 words of 64 bits (signed, as the database stores them). OR-ed
# over any set of arrangements (PostgreSQL's BIT_OR), they say which authorities take
# part in any of them, in one pass over those rows, where counting them from the
# memberships would read every membership of the set.
PARTNER_WORDS = len(PARTNER_FIELDS)
PARTNER_POSITIONS = PARTNER_WORDS * 64
# Tier levels as bits; tiers and regions use the bit of their primary key.
LEVEL_BITS = {"upper": 0, "lower": 1, "single": 2, "other": 3}


def partner_words(positions) -> dict[str, int]:
    """The partner words with these positions' bits set (positions out of range left out:
    whoever counts then reads the memberships)."""
    words = [0] * PARTNER_WORDS
    for position in positions:
        if position is not None and 0 <= position < PARTNER_POSITIONS:
            words[position // 64] |= 1 << (position % 64)
    return {
        name: word - (1 << 64) if word >= 1 << 63 else word
        for name, word in zip(PARTNER_FIELDS, words, strict=True)
    }


def positions_in(words) -> set[int]:
    """The positions whose bits are set in these words (None: no rows)."""
    out = set()
    for index, word in enumerate(words):
        word = (word or 0) & ((1 << 64) - 1)
        while word:
            low = word & -word
            out.add(index * 64 + low.bit_length() - 1)
            word ^= low
    return out


def partner_positions() -> dict[int, int] | None:
    """Each authority's primary key by its partner_position, where the arrangements'
    partner words can say who takes part: on PostgreSQL, when every authority has a
    position the words hold. Otherwise None: count from the memberships. One query on
    PostgreSQL, none elsewhere."""
    from django.db import connection

    from .models import Authority

    if connection.vendor != "postgresql":
        return None
    pairs = list(Authority.objects.values_list("partner_position", "pk"))
    if any(position is None or position >= PARTNER_POSITIONS for position, _ in pairs):
        return None
    return dict(pairs)


def partner_word_aggregates(path: str = "") -> dict:
    """BIT_OR of each partner word (of the arrangement at ``path``), named
    ``partners:<n>`` (PostgreSQL only)."""
    from django.contrib.postgres.aggregates import BitOr

    return {f"partners:{n}": BitOr(f"{path}{name}") for n, name in enumerate(PARTNER_FIELDS)}


def authorities_in_words(rows, positions: dict[int, int]) -> set[int]:
    """The authorities whose bits are set in any of these rows' ``partners:<n>``."""
    found: set[int] = set()
    for row in rows:
        found |= positions_in(row.get(f"partners:{n}") for n in range(PARTNER_WORDS))
    return {positions[p] for p in found if p in positions}


def mask(positions) -> int:
    value = 0
    for position in positions:
        if 0 <= position < 63:
            value |= 1 << position
    return value


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def compute_stored_figures(
    arrangement_ids, membership_model=None, saving_model=None, arrangement_model=None
) -> dict:
    """What each arrangement's stored figures should be, from its memberships and
    savings: {pk: {field: value}}. Four grouped queries per 2,000 arrangements. (The
    model arguments let a migration pass its historical models.)"""
    from django.db.models import Count, Min, Sum
    from django.db.models import Q as Where

    from .models import Arrangement, Membership

    arrangement_model = arrangement_model or Arrangement
    membership_model = membership_model or Membership
    saving_model = saving_model or Saving
    out = {}
    for ids in _chunks(sorted(set(arrangement_ids))):
        figures = {
            pk: {
                "partner_count": 0,
                **partner_words(()),
                "tier_mask": 0,
                "level_mask": 0,
                "region_mask": 0,
                "lead_id": None,
                "lead_name": None,
                "first_service_area": None,
                "has_savings": False,
                "money": [],
                **{basis: [] for basis in COUNTED_BASES},
            }
            for pk in ids
        }
        members = membership_model.objects.filter(arrangement_id__in=ids)
        # Before migration 0017 authorities had no position (nor arrangements words).
        authority_model = membership_model._meta.get_field("authority").related_model
        position = (
            "authority__partner_position"
            if any(f.name == "partner_position" for f in authority_model._meta.get_fields())
            else "authority_id"
        )
        joined: dict[int, list] = {}
        for row in members.filter(role__in=Membership.JOINED).values_list(
            "arrangement_id",
            position,
            "authority__tier_id",
            "authority__tier__level",
            "authority__region_id",
        ):
            joined.setdefault(row[0], []).append(row[1:])
        for pk, partners in joined.items():
            figures[pk].update(
                partner_count=len(partners),
                **partner_words(position for position, *_ in partners),
                tier_mask=mask(tier for _, tier, _, _ in partners),
                level_mask=mask(LEVEL_BITS[level] for _, _, level, _ in partners),
                region_mask=mask(region for *_, region in partners if region),
            )
        for pk, lead, name in members.filter(role=Membership.Role.LEAD).values_list(
            "arrangement_id", "authority_id", "authority__name"
        ):
            figures[pk]["lead_id"], figures[pk]["lead_name"] = lead, name
        tags = arrangement_model.service_areas.through.objects.filter(arrangement_id__in=ids)
        for pk, name in (
            tags.order_by()
            .values("arrangement_id")
            .annotate(first=Min("servicearea__name"))
            .values_list("arrangement_id", "first")
        ):
            figures[pk]["first_service_area"] = name
        savings = saving_model.objects.filter(arrangement_id__in=ids).order_by()
        for pk in savings.values_list("arrangement_id", flat=True).distinct():
            figures[pk]["has_savings"] = True
        for pk, basis, qualifier, total, money, percent in (
            savings.exclude(basis=Saving.Basis.TARGET)
            .values("arrangement_id", "basis", "qualifier")
            .annotate(
                total=Sum("amount"),
                money=Count("pk", filter=Where(amount__isnull=False)),
                percent=Count("pk", filter=Where(amount__isnull=True, percentage__isnull=False)),
            )
            .values_list("arrangement_id", "basis", "qualifier", "total", "money", "percent")
        ):
            figures[pk]["money"].append((qualifier, total, money, percent))
            figures[pk][basis].append((qualifier, total, money, percent))
        for pk, values in figures.items():
            for prefix, rows in [("savings", values.pop("money"))] + [
                (basis, values.pop(basis)) for basis in COUNTED_BASES
            ]:
                values.update(stored_total(prefix, QualifiedTotal.of(rows)))
            out[pk] = values
    return out


def stored_total(prefix: str, total: QualifiedTotal) -> dict:
    """A QualifiedTotal as the stored columns ``<prefix>_lower`` ... ``_percentages``."""
    return {
        f"{prefix}_lower": _money(total.lower),
        f"{prefix}_upper": None if total.upper is None else _money(total.upper),
        f"{prefix}_approximate": total.approximate,
        f"{prefix}_figures": total.figures,
        f"{prefix}_percentages": total.percentages,
    }


def _money(value) -> Decimal:
    from .money import sum_to_money

    return sum_to_money(value)


# The stored columns, as compute_stored_figures names them (the lead by its id).
STORED = tuple("lead_id" if name == "lead" else name for name in STORED_FIGURES)


def refresh_stored_figures(arrangement_ids, arrangement_model=None, **models) -> int:
    """Recompute and write the stored figures of these arrangements (in the caller's
    transaction). Returns how many rows were written."""
    from .models import Arrangement

    arrangement_model = arrangement_model or Arrangement
    arrangement_ids = list(arrangement_ids)
    with transaction.atomic(using=arrangement_model._base_manager.db):
        lock_arrangements(arrangement_ids, arrangement_model)
        return write_stored_figures(arrangement_ids, arrangement_model, **models)


def lock_arrangements(arrangement_ids, arrangement_model=None) -> None:
    """Lock these arrangements' rows (in primary-key order, so that two writers cannot
    wait for each other) until the caller's transaction ends. What is worked out from
    their records afterwards sees every change committed before the lock was granted: a
    partner added on its own page while the arrangement's form is being saved is counted
    by whichever of the two writes last (PostgreSQL; SQLite lets one writer in anyway)."""
    from .models import Arrangement

    arrangement_model = arrangement_model or Arrangement
    ids = sorted(set(arrangement_ids))
    for chunk in _chunks(ids):
        list(
            arrangement_model._base_manager.filter(pk__in=chunk)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )


def write_stored_figures(arrangement_ids, arrangement_model=None, **models) -> int:
    """Work out and write these arrangements' stored figures; the caller holds their
    locks (lock_arrangements)."""
    from .models import Arrangement

    arrangement_model = arrangement_model or Arrangement
    computed = compute_stored_figures(
        arrangement_ids, arrangement_model=arrangement_model, **models
    )
    # A migration's historical model has the stored columns of its day only.
    present = {f.attname for f in arrangement_model._meta.concrete_fields}
    rows = []
    for pk, values in computed.items():
        row = arrangement_model(pk=pk)
        for name, value in values.items():
            if name in present:
                setattr(row, name, value)
        rows.append(row)
    fields = [name.removesuffix("_id") for name in STORED if name in present]
    return write_rows(arrangement_model, rows, fields)


# Up to this many rows, one UPDATE each: for one row (a partner or saving saved in the
# admin) Django's bulk_update, one UPDATE ... CASE WHEN per field, costs five times as
# long to build as a plain UPDATE; for thousands of rows it saves their round trips.
FEW_ROWS = 20


def write_rows(model, rows, fields) -> int:
    """Write these fields of these (unsaved, pk-only) instances, all or none: how many
    rows matched."""
    if len(rows) <= FEW_ROWS:
        attnames = [model._meta.get_field(name).attname for name in fields]
        manager = model._base_manager
        with transaction.atomic(using=manager.db, savepoint=False):
            return sum(
                manager.filter(pk=row.pk).update(**{n: getattr(row, n) for n in attnames})
                for row in rows
            )
    return update_from_values(model, rows, fields)


def update_from_values(model, rows, fields) -> int:
    """One ``UPDATE ... FROM`` a list of VALUES per chunk of rows (PostgreSQL; SQLite
    since 3.33): what Django's bulk_update does, without building a CASE WHEN of every
    row for every field, which for forty-odd stored figures cost about 24 ms of CPU a
    row (a 50,000-row import spent twenty minutes in it)."""
    manager = model._base_manager
    connection = connections[manager.db]
    quote = connection.ops.quote_name
    concrete = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    width = len(concrete) + 1
    limit = connection.features.max_query_params or 65535
    per_statement = max(1, min(CHUNK, limit // width))
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f"c{n}") for n in range(width))
    # Each value column cast to its field's type: a column of NULLs alone would be text.
    assignments = ", ".join(
        f"{quote(field.column)} = CAST(v.{quote(f'c{n + 1}')} AS {field.cast_db_type(connection)})"
        for n, field in enumerate(concrete)
    )
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    written = 0
    with transaction.atomic(using=manager.db, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = []
            for row in chunk:
                params.append(pk.get_db_prep_value(row.pk, connection))
                params.extend(
                    field.get_db_prep_save(getattr(row, field.attname), connection)
                    for field in concrete
                )
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v "
                f"WHERE {table}.{quote(pk.column)} = v.{quote('c0')}",
                params,
            )
            written += cursor.rowcount
    return written


def stored_figures_drift(arrangement_ids=None) -> list[tuple]:
    """(arrangement pk, field, stored, computed) for every stored figure that is not what
    the arrangement's memberships and savings say."""
    from .models import Arrangement

    ids = (
        list(Arrangement.objects.values_list("pk", flat=True))
        if arrangement_ids is None
        else list(arrangement_ids)
    )
    drift = []
    for chunk in _chunks(sorted(ids)):
        computed = compute_stored_figures(chunk)
        for row in Arrangement.objects.filter(pk__in=chunk).values("pk", *STORED):
            for name in STORED:
                if row[name] != computed[row["pk"]][name]:
                    drift.append((row["pk"], name, row[name], computed[row["pk"]][name]))
    return drift
