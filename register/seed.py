"""Loading the seed papers (fixtures/seed.toml) and the national figures CSV.

The seed is the register's starting content: every fact of the two 2012 council
papers. Loading creates only what is missing, keyed by natural keys (source and
arrangement slugs, authority codes, a target's authority and year, a finding's
source and statement). An arrangement that already exists is left exactly as it
is, children included, so corrections made in the admin are never overwritten;
running the loader twice changes nothing.

Every record is validated with ``full_clean()`` before it is saved, so the seed
obeys the same rules as the admin.
"""

from __future__ import annotations

import csv
import datetime
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    Arrangement,
    Authority,
    Finding,
    Membership,
    Milestone,
    Partnership,
    Region,
    Saving,
    SavingsTarget,
    ServiceArea,
    Source,
    Tier,
)
from .signals import refreshed_once

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_TOML = FIXTURES / "seed.toml"
NATIONAL_FIGURES_CSV = FIXTURES / "national-figures.csv"


class SeedError(Exception):
    """The seed file is inconsistent; nothing was saved."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict, label: str) -> None:
        bucket[label] = bucket.get(label, 0) + 1

    def lines(self) -> list[str]:
        labels = sorted(set(self.created) | set(self.present))
        parts = [
            f"{label}: {self.created.get(label, 0)} created, "
            f"{self.present.get(label, 0)} already present"
            for label in labels
        ]
        return ["Seed data: " + ("; ".join(parts) if parts else "nothing to load") + "."]


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _save(obj, label: str):
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise SeedError(f"{label}: {'; '.join(exc.messages)}") from exc
    obj.save()
    return obj


def _lookup(model, key, label):
    try:
        return model.objects.get_by_natural_key(key)
    except model.DoesNotExist as exc:
        raise SeedError(f"{label}: no {model._meta.verbose_name} {key!r}") from exc


def load_seed(path: Path = SEED_TOML, figures: Path | None = NATIONAL_FIGURES_CSV) -> SeedReport:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    report = SeedReport()
    # Stored figures, search documents and totals once, at the end, for every arrangement
    # loaded: not again after each partner and saving.
    with transaction.atomic(), refreshed_once():
        for item in data.get("source", []):
            _load_source(item, report)
        if figures is not None:
            _load_national_figures(figures, report, _evidence(data))
        for item in data.get("authority", []):
            _load_authority(item, report)
        for item in data.get("partnership", []):
            _load_partnership(item, report)
        for item in data.get("arrangement", []):
            _load_arrangement(item, report)
        for item in data.get("savings_target", []):
            _load_target(item, report)
        for position, item in enumerate(data.get("finding", []), start=1):
            _load_finding(item, position, report)
    return report


SOURCE_FIELDS = (
    "title",
    "kind",
    "issuing_body",
    "author",
    "meeting",
    "reference",
    "url",
    "note",
    "requested",
)


def _load_source(item: dict, report: SeedReport) -> Source:
    existing = Source.objects.filter(slug=item["slug"]).first()
    if existing:
        report.count(report.present, "sources")
        return existing
    source = Source(
        slug=item["slug"],
        date=_date(item.get("date")),
        date_precision=item.get("date_precision", "day"),
        recommendations=item.get("recommendations", []),
        **{name: item.get(name, "") for name in SOURCE_FIELDS},
    )
    report.count(report.created, "sources")
    return _save(source, f"source {item['slug']}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120]


def _evidence(data: dict) -> dict[str, str]:
    """{finding statement: the comparison it bears on}, from the seed's [evidence] table."""
    return {
        statement: question
        for question, statements in data.get("evidence", {}).items()
        for statement in statements
    }


def _load_national_figures(path: Path, report: SeedReport, evidence: dict) -> None:
    """One source per publication (source name and date), one finding per row, with its
    qualifier as the source words it. A row with no date gets a source whose date is
    "not stated"; a year alone is a year."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    positions: dict[str, int] = {}
    sources: dict[str, Source] = {}
    for row in rows:
        published = row["published"].strip()
        date, precision = _published(published)
        name = row["source"].strip()
        reported = " (as reported by " in name
        short = name if reported else name.split(" (")[0]
        slug = _slug(f"{short} {published or 'undated'}")
        source = sources.get(slug) or _load_source(
            {
                "slug": slug,
                "title": f"{short}, {_published_label(date, precision)}",
                "kind": "survey" if "survey" in name.lower() else "national_report",
                "issuing_body": short.split(" (as reported by ")[0],
                "note": name if name != short else "",
                "date": date,
                "date_precision": precision,
                "url": f"https://{row['url'].strip()}",
            },
            report,
        )
        sources[slug] = source
        positions[slug] = positions.get(slug, 0) + 1
        _load_finding(
            {
                "source": source.slug,
                "statement": row["statement"].strip(),
                "qualifier": row.get("qualifier", "").strip().replace(" ", "_") or "exactly",
                "value": row["value"].strip(),
                "unit": row["unit"].strip(),
                "note": row.get("note", "").strip(),
                "bears_on": evidence.get(row["statement"].strip(), ""),
            },
            positions[source.slug],
            report,
        )


def _published(text: str) -> tuple[datetime.date | None, str]:
    """'2013-03-19' (a day), '2011-12' (a month), '2018' (a year) or '' (not stated)."""
    if not text:
        return None, "day"
    if len(text) == 4:
        return datetime.date(int(text), 1, 1), "year"
    if len(text) == 7:
        return datetime.date.fromisoformat(text + "-01"), "month"
    return datetime.date.fromisoformat(text), "day"


def _published_label(date: datetime.date | None, precision: str) -> str:
    if date is None:
        return "date not stated"
    if precision == "year":
        return f"{date.year}"
    return f"{date:%B %Y}" if precision == "month" else f"{date.day} {date:%B %Y}"


def _load_authority(item: dict, report: SeedReport) -> None:
    if Authority.objects.filter(code=item["code"]).exists():
        report.count(report.present, "authorities")
        return
    authority = Authority(
        code=item["code"],
        name=item["name"],
        official_name=item.get("official_name", ""),
        tier=_lookup(Tier, item.get("tier", "OTHER"), f"authority {item['code']}"),
        region=_lookup(Region, item["region"], item["code"]) if item.get("region") else None,
        website=item.get("website", ""),
    )
    _save(authority, f"authority {item['code']}")
    report.count(report.created, "authorities")


def _load_partnership(item: dict, report: SeedReport) -> None:
    if Partnership.objects.filter(slug=item["slug"]).exists():
        report.count(report.present, "partnerships")
        return
    partnership = _save(
        Partnership(
            slug=item["slug"],
            name=item["name"],
            short_name=item.get("short_name", ""),
            description=item.get("description", ""),
            website=item.get("website", ""),
        ),
        f"partnership {item['slug']}",
    )
    partnership.members.set(
        [
            _lookup(Authority, code, f"partnership {item['slug']}")
            for code in item.get("members", [])
        ]
    )
    report.count(report.created, "partnerships")


ARRANGEMENT_TEXT_FIELDS = ("summary", "description", "governance")


def _load_arrangement(item: dict, report: SeedReport) -> None:
    slug = item["slug"]
    if Arrangement.objects.filter(slug=slug).exists():
        report.count(report.present, "arrangements")
        return
    label = f"arrangement {slug}"
    arrangement = Arrangement(
        slug=slug,
        title=item["title"],
        kind=item["kind"],
        status=item["status"],
        partnership=_lookup(Partnership, item["partnership"], label)
        if item.get("partnership")
        else None,
        parent=_lookup_arrangement(item.get("parent"), label),
        start_date=_date(item.get("start_date")),
        start_precision=item.get("start_precision", "day"),
        end_date=_date(item.get("end_date")),
        end_precision=item.get("end_precision", "day"),
        objectives=item.get("objectives", []),
        benefits=item.get("benefits", []),
        barriers=item.get("barriers", []),
        exempt=item.get("exempt", False),
        **{name: item.get(name, "") for name in ARRANGEMENT_TEXT_FIELDS},
    )
    _save(arrangement, label)
    arrangement.service_areas.set(
        [_lookup(ServiceArea, area, label) for area in item.get("service_areas", [])]
    )
    arrangement.sources.set([_lookup(Source, s, label) for s in item.get("sources", [])])
    for member in item.get("membership", []):
        _save(
            Membership(
                arrangement=arrangement,
                authority=_lookup(Authority, member["authority"], label),
                role=member.get("role", "partner"),
                start_date=_date(member.get("start_date")),
                end_date=_date(member.get("end_date")),
                note=member.get("note", ""),
                inferred=member.get("inferred", False),
            ),
            f"{label} membership {member['authority']}",
        )
    for saving in item.get("saving", []):
        _save(
            Saving(
                arrangement=arrangement,
                authority=_lookup(Authority, saving["authority"], label)
                if saving.get("authority")
                else None,
                amount=_decimal(saving.get("amount")),
                percentage=_decimal(saving.get("percentage")),
                percentage_of=saving.get("percentage_of", ""),
                qualifier=saving.get("qualifier", "exactly"),
                stated=saving.get("stated", ""),
                period=saving.get("period", "not_stated"),
                financial_year=saving.get("financial_year"),
                basis=saving["basis"],
                cashable=saving.get("cashable"),
                description=saving.get("description", ""),
                source=_lookup(Source, saving["source"], label) if saving.get("source") else None,
            ),
            f"{label} saving",
        )
    for milestone in item.get("milestone", []):
        _save(
            Milestone(
                arrangement=arrangement,
                title=milestone["title"],
                date=_date(milestone.get("date")),
                date_precision=milestone.get("precision", "day"),
                status=milestone.get("status", "planned"),
                note=milestone.get("note", ""),
                source=_lookup(Source, milestone["source"], label)
                if milestone.get("source")
                else None,
            ),
            f"{label} milestone {milestone['title']}",
        )
    report.count(report.created, "arrangements")


def _lookup_arrangement(slug: str | None, label: str) -> Arrangement | None:
    if not slug:
        return None
    try:
        return Arrangement.objects.get(slug=slug)
    except Arrangement.DoesNotExist as exc:
        raise SeedError(f"{label}: parent {slug!r} must come earlier in the seed file") from exc


def _load_target(item: dict, report: SeedReport) -> None:
    label = f"savings target {item['authority']} {item['financial_year']}"
    authority = _lookup(Authority, item["authority"], label)
    if SavingsTarget.objects.filter(
        authority=authority, financial_year=item["financial_year"]
    ).exists():
        report.count(report.present, "savings targets")
        return
    _save(
        SavingsTarget(
            authority=authority,
            financial_year=item["financial_year"],
            amount=_decimal(item["amount"]),
            description=item.get("description", ""),
            source=_lookup(Source, item["source"], label) if item.get("source") else None,
        ),
        label,
    )
    report.count(report.created, "savings targets")


def _load_finding(item: dict, position: int, report: SeedReport) -> None:
    source = _lookup(Source, item["source"], "finding")
    existing = Finding.objects.filter(source=source, statement=item["statement"]).first()
    qualifier = item.get("qualifier", "exactly")
    if existing:
        if existing.qualifier == Finding.Qualifier.EXACTLY and qualifier != existing.qualifier:
            # Loaded before qualifiers were recorded: take the source's wording now.
            existing.qualifier = qualifier
            _save(existing, f"finding {item['statement'][:40]!r}")
        report.count(report.present, "findings")
        return
    _save(
        Finding(
            source=source,
            statement=item["statement"],
            qualifier=qualifier,
            value=_decimal(item.get("value")),
            unit=item.get("unit", ""),
            note=item.get("note", ""),
            bears_on=item.get("bears_on", ""),
            position=item.get("position", position),
        ),
        f"finding {item['statement'][:40]!r}",
    )
    report.count(report.created, "findings")
