"""Importers: reading outside data into the register, checking it as it goes.

``ArrangementResource`` and ``SavingResource`` (django-import-export) give the admin
bulk import from CSV and Excel with a dry-run preview, and exports of the same shape.
Any invalid row rejects the whole file; every error is reported with its row.

``import_authorities`` reads mySociety's list of UK local authorities. The list
is real data with real faults, so every row is checked; what can be derived is
derived, documented corrections are applied from an overrides file kept in the
project, and everything fixed or left unresolved is reported, never loaded
silently.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from import_export import fields as ie_fields
from import_export import resources, widgets

from . import release_schema
from .exports import NoRows, csv_writer, unescape_cell
from .identifiers import org_id_of
from .models import (
    Arrangement,
    Authority,
    Membership,
    Partnership,
    Region,
    Saving,
    ServiceArea,
    Source,
    Tier,
)
from .signals import refreshed_once

log = logging.getLogger(__name__)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
AUTHORITIES_CSV = FIXTURES / "uk_local_authorities.csv"
AUTHORITY_OVERRIDES_CSV = FIXTURES / "authority_overrides.csv"
AUTHORITY_NAMES_CSV = FIXTURES / "authority_names.csv"
AUTHORITY_COORDINATES_CSV = FIXTURES / "authority_coordinates.csv"
# The source began recording in May and June 2005 (Leeds 2005-06-08, say): a start
# date then is when the record began, not when the council was created.
RECORDS_BEGAN = (datetime.date(2005, 5, 1), datetime.date(2005, 6, 30))
DEFAULT_DATE = datetime.date(2012, 4, 1)
DEFAULT_NATIONS = ("England", "Wales")

REQUIRED_COLUMNS = {
    "local-authority-code",
    "official-name",
    "nice-name",
    "gss-code",
    "start-date",
    "end-date",
    "replaced-by",
    "nation",
    "region",
    "local-authority-type",
    "county-la",
    "pop-2020",
    "lat",
    "long",
}
# The GSS code prefix each type of authority should carry.
GSS_PREFIXES = {
    "CTY": "E10",
    "NMD": "E07",
    "MD": "E08",
    "LBO": "E09",
    "UA": "E06",
    "WPA": "W06",
    "CC": "E09",
    "SCO": "S12",
    "NID": "N09",
}
CODE_RE = re.compile(r"^[A-Z]{3}$")
GSS_RE = re.compile(r"^[ENSW]\d{8}$")
# A generous box around the United Kingdom.
LAT_RANGE = (Decimal("49.5"), Decimal("61.0"))
LONG_RANGE = (Decimal("-8.7"), Decimal("2.0"))


class SourceFileError(Exception):
    """The file cannot be imported at all (missing, or not the expected columns)."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Authorities: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        ]
        if self.updated:
            out.append("Updated:")
            out += [f"  - {line}" for line in self.updated]
        out.append(f"Fixed ({len(self.fixed)}):")
        out += [f"  - {line}" for line in self.fixed] or ["  (nothing)"]
        out.append(f"Could not resolve ({len(self.unresolved)}):")
        out += [f"  - {line}" for line in self.unresolved] or ["  (nothing)"]
        out += [f"Note: {line}" for line in self.notes]
        return out


@dataclass
class Override:
    code: str
    column: str
    value: str
    reason: str


def read_overrides(path: Path) -> list[Override]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(_without_comments(handle)))
    return [
        Override(
            row["code"].strip(), row["column"].strip(), row["value"].strip(), row["reason"].strip()
        )
        for row in rows
    ]


def _without_comments(lines: Iterable[str]) -> Iterable[str]:
    return (line for line in lines if not line.lstrip().startswith("#"))


def _parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    return datetime.date.fromisoformat(text) if text else None


def _decimal(text: str, places: int | None = None) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    value = Decimal(text)
    return value.quantize(Decimal(1).scaleb(-places)) if places is not None else value


def active_on(row: dict, on_date: datetime.date) -> bool:
    start, end = _parse_date(row["start-date"]), _parse_date(row["end-date"])
    return (start is None or start <= on_date) and (end is None or end > on_date)


def import_authorities(
    path: Path = AUTHORITIES_CSV,
    on_date: datetime.date = DEFAULT_DATE,
    nations: Iterable[str] = DEFAULT_NATIONS,
    overrides_path: Path | None = AUTHORITY_OVERRIDES_CSV,
    dry_run: bool = False,
    names_path: Path | None = AUTHORITY_NAMES_CSV,
    coordinates_path: Path | None = AUTHORITY_COORDINATES_CSV,
) -> ImportReport:
    """Create or update (by code) every authority active on ``on_date`` in ``nations``."""
    nations = set(nations)
    report = ImportReport()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
            if missing:
                raise SourceFileError(
                    f"{path.name} lacks the columns: {', '.join(sorted(missing))}."
                )
            all_rows = [(number, row) for number, row in enumerate(reader, start=2)]
    except FileNotFoundError as exc:
        raise SourceFileError(f"No such file: {path}") from exc

    rows = {}
    for number, row in all_rows:
        try:
            if row["nation"] in nations and active_on(row, on_date):
                rows[row["local-authority-code"].strip()] = (number, row)
        except ValueError:
            report.unresolved.append(
                f"row {number} ({row.get('local-authority-code')}): start or end date is not a "
                f"date ({row['start-date']!r}, {row['end-date']!r}); row skipped"
            )
    _add_successors(rows, all_rows, nations, report)
    _normalise_dates(rows, report)

    if overrides_path is not None:
        _apply_overrides(rows, read_overrides(overrides_path), report)
    if coordinates_path is not None:
        _apply_coordinates(rows, coordinates_path, report)
    combined_names = {
        row["local-authority-code"].strip(): row["nice-name"].strip()
        for _, row in all_rows
        if row["local-authority-type"].strip() in ("COMB", "SRA")
    }

    tiers = {tier.code: tier for tier in Tier.objects.all()}
    regions = {region.name: region for region in Region.objects.all()}
    _derive_district_regions(rows, report)

    with transaction.atomic():
        existing = {a.code: a for a in Authority.objects.filter(code__in=rows)}
        loaded: dict[str, Authority] = {}
        for code, (number, row) in sorted(rows.items()):
            values = _authority_values(code, number, row, tiers, regions, report)
            if values is None:
                continue
            values["combined_authority"] = (row.get("combined-authority") or "").strip()
            values["combined_authority_name"] = combined_names.get(
                values["combined_authority"], values["combined_authority"]
            )
            authority = existing.get(code)
            if authority is None:
                authority = Authority(code=code, **values)
                authority.full_clean(exclude=["county", "successors"], validate_unique=False)
                authority.save()
                report.created.append(code)
            else:
                changes = {
                    name: (getattr(authority, name), value)
                    for name, value in values.items()
                    if getattr(authority, name) != value
                }
                if changes:
                    for name, (_, value) in changes.items():
                        setattr(authority, name, value)
                    authority.save()
                    report.updated.append(
                        f"{code}: "
                        + "; ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in changes.items())
                    )
                else:
                    report.unchanged.append(code)
            loaded[code] = authority
        _link_counties_and_successors(rows, loaded, report)
        if names_path is not None:
            report.notes += import_authority_names(names_path)
        if dry_run:
            transaction.set_rollback(True)
            report.notes.append("Dry run: nothing was saved.")
    return report


def _add_successors(rows: dict, all_rows: list, nations: set, report: ImportReport) -> None:
    """The authorities that replaced those imported, and theirs in turn (Somerset West and
    Taunton, then Somerset), though they did not exist on the date: an arrangement among
    former districts must say who holds it now."""
    by_code = {row["local-authority-code"].strip(): (number, row) for number, row in all_rows}
    wanted = [
        code.strip()
        for _, row in rows.values()
        for code in row["replaced-by"].split(",")
        if code.strip()
    ]
    while wanted:
        code = wanted.pop()
        if code in rows or code not in by_code or by_code[code][1]["nation"] not in nations:
            continue
        rows[code] = by_code[code]
        report.notes.append(f"{code} ({by_code[code][1]['nice-name']}) imported as a successor")
        wanted += [c.strip() for c in by_code[code][1]["replaced-by"].split(",") if c.strip()]


def _normalise_dates(rows: dict, report: ImportReport) -> None:
    """Start dates that are only when the source began recording become "not known"; an
    end date is the last day an authority existed (31 March), where the source sometimes
    gives the successor's first day (1 April)."""
    for code, (_number, row) in sorted(rows.items()):
        start = _parse_date(row["start-date"])
        if start and RECORDS_BEGAN[0] <= start <= RECORDS_BEGAN[1]:
            row["start-date"] = ""
            report.fixed.append(
                f"{code} start date: {start} is when the source began recording, not when the "
                "council was created; left empty (not known)"
            )
        end = _parse_date(row["end-date"])
        if end and end.month == 4 and end.day == 1:
            last_day = end - datetime.timedelta(days=1)
            row["end-date"] = last_day.isoformat()
            report.fixed.append(
                f"{code} end date: {end} is its successor's first day; recorded as its last "
                f"day, {last_day}"
            )


def import_authority_names(path: Path = AUTHORITY_NAMES_CSV) -> list[str]:
    """The earlier names of authorities (fixtures/authority_names.csv): created or updated
    by authority and the day the name ended. Returns what it did, one line each."""
    from .models import AuthorityName

    lines = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(_without_comments(handle)):
            authority = Authority.objects.filter(code=row["code"].strip()).first()
            if authority is None:
                lines.append(f"earlier name {row['name']!r}: no authority {row['code']!r}")
                continue
            until = datetime.date.fromisoformat(row["until"].strip())
            _, created = AuthorityName.objects.update_or_create(
                authority=authority,
                until=until,
                defaults={
                    "name": row["name"].strip(),
                    "official_name": row["official_name"].strip(),
                    "until_precision": row["until_precision"].strip() or "day",
                    "source": row["source"].strip(),
                },
            )
            lines.append(
                f"{authority.code} known as {row['name'].strip()} until {until} "
                + ("(added)" if created else "(checked)")
            )
    return lines


def _apply_overrides(rows: dict, overrides: list[Override], report: ImportReport) -> None:
    for override in overrides:
        if override.code not in rows:
            report.notes.append(
                f"override for {override.code} not used: not among the authorities imported"
            )
            continue
        number, row = rows[override.code]
        if override.column not in row:
            report.unresolved.append(
                f"override for {override.code} names an unknown column {override.column!r}"
            )
            continue
        old = row[override.column]
        if old == override.value:
            report.notes.append(
                f"override {override.code} {override.column} = {override.value!r} is no longer "
                "needed: the source now says the same"
            )
            continue
        row[override.column] = override.value
        report.fixed.append(
            f"{override.code} {override.column}: {old!r} -> {override.value!r} (override: "
            f"{override.reason})"
        )


def _apply_coordinates(rows: dict, path: Path, report: ImportReport) -> None:
    """Points for authorities the source gives none (fixtures/authority_coordinates.csv,
    each worked out from the points of the councils that took over its area, with a note
    saying how): a source that has since gained a point of its own keeps it. And points
    for county councils, whose points in the source are not to be trusted (Lancashire's
    lies in Northamptonshire): the centre of their districts, in place of the source's."""
    with path.open(newline="", encoding="utf-8") as handle:
        derived = list(csv.DictReader(_without_comments(handle)))
    for entry in derived:
        code = entry["code"].strip()
        if code not in rows:
            report.notes.append(f"coordinates for {code} not used: not among those imported")
            continue
        _number, row = rows[code]
        replaces = entry["method"].strip() == "districts"
        if row["lat"].strip() and row["long"].strip() and not replaces:
            report.notes.append(
                f"coordinates for {code} are no longer needed: the source now has its own"
            )
            continue
        row["lat"], row["long"] = entry["latitude"].strip(), entry["longitude"].strip()
        row["coordinates-note"] = entry["note"].strip()
        report.fixed.append(
            f"{code} coordinates: {row['lat']}, {row['long']} ({entry['method'].strip()}: "
            f"{row['coordinates-note']})"
        )


def _derive_district_regions(rows: dict, report: ImportReport) -> None:
    """A shire district lies in its county's region."""
    for code, (_number, row) in sorted(rows.items()):
        if row["local-authority-type"] != "NMD":
            continue
        county_code = row["county-la"].strip()
        if county_code not in rows:
            continue  # reported when counties are linked
        county_region = rows[county_code][1]["region"]
        if not county_region:
            continue
        if not row["region"]:
            row["region"] = county_region
            report.fixed.append(
                f"{code} region: derived {county_region!r} from its county {county_code}"
            )
        elif row["region"] != county_region:
            report.unresolved.append(
                f"{code} ({row['nice-name']}) is in region {row['region']!r} but its county "
                f"{county_code} is in {county_region!r}; kept the district's own"
            )


def _authority_values(code, number, row, tiers, regions, report) -> dict | None:
    label = f"row {number} ({code})"
    if not CODE_RE.match(code):
        report.unresolved.append(f"{label}: code is not three capital letters; row skipped")
        return None
    kind = row["local-authority-type"].strip()
    tier = tiers.get(kind)
    if tier is None:
        report.unresolved.append(f"{label}: unknown authority type {kind!r}; row skipped")
        return None
    values = {
        "name": row["nice-name"].strip() or row["official-name"].strip(),
        "official_name": row["official-name"].strip(),
        "tier": tier,
        "gss_code": row["gss-code"].strip() or None,
        "org_id": org_id_of(row.get("old-register-and-code", "")),
        "region": None,
        "start_date": _parse_date(row["start-date"]),
        "end_date": _parse_date(row["end-date"]),
        "latitude": None,
        "longitude": None,
        "coordinates_note": row.get("coordinates-note", ""),
        "population": None,
    }
    gss = values["gss_code"]
    if gss and not GSS_RE.match(gss):
        report.unresolved.append(f"{label}: GSS code {gss!r} is malformed; left empty")
        values["gss_code"] = None
    elif gss and kind in GSS_PREFIXES and not gss.startswith(GSS_PREFIXES[kind]):
        report.unresolved.append(
            f"{label}: GSS code {gss} does not match its type {kind} "
            f"(expected {GSS_PREFIXES[kind]}...); kept as given"
        )
    region_name = row["region"].strip()
    if region_name:
        values["region"] = regions.get(region_name)
        if values["region"] is None:
            report.unresolved.append(f"{label}: unknown region {region_name!r}; left empty")
    else:
        report.unresolved.append(f"{label} {values['name']}: no region in the source; left empty")
    try:
        lat, long = _decimal(row["lat"], 6), _decimal(row["long"], 6)
        readable = True
    except InvalidOperation:
        lat = long = None
        readable = False
        report.unresolved.append(f"{label}: coordinates are not numbers; left empty")
    if not readable:
        pass
    elif lat is None or long is None:
        report.unresolved.append(f"{label} {values['name']}: no coordinates in the source")
    elif not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LONG_RANGE[0] <= long <= LONG_RANGE[1]):
        report.unresolved.append(
            f"{label}: coordinates {lat}, {long} are outside the UK; left empty"
        )
    else:
        values["latitude"], values["longitude"] = lat, long
    try:
        population = _decimal(row["pop-2020"])
        if population is not None:
            if population <= 0 or population != population.to_integral_value():
                raise InvalidOperation
            values["population"] = int(population)
    except InvalidOperation:
        report.unresolved.append(
            f"{label}: population {row['pop-2020']!r} is not a count; left empty"
        )
    return values


def _link_counties_and_successors(rows, loaded: dict[str, Authority], report: ImportReport) -> None:
    not_loaded_successors = set()
    for code, (_number, row) in sorted(rows.items()):
        authority = loaded.get(code)
        if authority is None:
            continue
        county_code = row["county-la"].strip()
        county = None
        if row["local-authority-type"] == "NMD":
            county = loaded.get(county_code)
            if county is None:
                report.unresolved.append(
                    f"{code} ({authority.name}): county {county_code or '(none)'} is not among the "
                    "authorities imported; county left empty"
                )
            elif county.tier.code != "CTY":
                report.unresolved.append(
                    f"{code}: its county {county_code} is not a county council; county left empty"
                )
                county = None
        if authority.county_id != (county.pk if county else None):
            old = authority.county.code if authority.county_id else None
            authority.county = county
            authority.save(update_fields=["county"])
            if code not in report.created:
                report.updated.append(f"{code}: county {old!r} -> {county_code!r}")
        successors = [c.strip() for c in row["replaced-by"].split(",") if c.strip()]
        present = [loaded[c] for c in successors if c in loaded]
        not_loaded_successors.update(c for c in successors if c not in loaded)
        if {a.pk for a in authority.successors.all()} != {a.pk for a in present}:
            authority.successors.set(present)
    if not_loaded_successors:
        report.notes.append(
            "successors not linked because they were not active on the date imported: "
            + ", ".join(sorted(not_loaded_successors))
        )


# --- Bulk import and export of arrangements and savings (django-import-export) ------


class PartnersWidget(widgets.Widget):
    """Partners as 'CLD:lead;KIR:partner'; the role defaults to partner."""

    roles = dict(Membership.Role.choices)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return []
        partners, seen = [], set()
        for item in str(value).split(";"):
            item = item.strip()
            if not item:
                continue
            code, _, role = item.partition(":")
            code, role = code.strip().upper(), (role.strip().lower() or "partner")
            if role not in self.roles:
                raise ValueError(
                    f"'{role}' is not a role; use one of {', '.join(self.roles)} (in '{item}')."
                )
            if code in seen:
                raise ValueError(f"{code} is listed twice.")
            seen.add(code)
            authority = Authority.objects.filter(code=code).first()
            if authority is None:
                raise ValueError(f"No authority has the code '{code}'.")
            partners.append((authority, role))
        if sum(1 for _, role in partners if role == "lead") > 1:
            raise ValueError("Only one partner can be the lead.")
        return partners

    def render(self, value, obj=None, **kwargs):
        return ";".join(f"{authority.code}:{role}" for authority, role in value or [])


class LinesWidget(widgets.Widget):
    """A list of statements as text, one per line."""

    def clean(self, value, row=None, **kwargs):
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]

    def render(self, value, obj=None, **kwargs):
        return "\n".join(value or [])


class YesOrNoWidget(widgets.BooleanWidget):
    """A yes-or-no column: 1 or 0 (as the export writes them), true or false, yes or no,
    in any case; a workbook's TRUE and FALSE too. Anything else is an error in its row and
    column, never read as "no"; a blank cell too, unless ``blank_is_no`` (a blank
    "exempt" must not make an exempt arrangement public; a blank "welcomes new members"
    is the same as not saying so)."""

    YES = frozenset({"1", "true", "yes", "y"})
    NO = frozenset({"0", "false", "no", "n"})

    def __init__(self, blank_is_no: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.blank_is_no = blank_is_no

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = "" if value is None else str(value).strip().lower()
        if text in self.YES:
            return True
        if text in self.NO or (not text and self.blank_is_no):
            return False
        shown = "A blank cell" if not text else f"'{value}'"
        raise ValueError(f"{shown} is neither yes (1) nor no (0): write 1 or 0.")


class KnownForeignKeyWidget(widgets.ForeignKeyWidget):
    """Like ForeignKeyWidget, but a value that names no record is an error in its own
    row and column, in words, not the database's "matching query does not exist"."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            what = self.model._meta.verbose_name
            raise ValueError(f"No {what} has the {self.field} '{value}'.") from None


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Like ManyToManyWidget, but an unknown value is an error rather than dropped."""

    def clean(self, value, row=None, **kwargs):
        found = super().clean(value, row, **kwargs)
        wanted = {v.strip() for v in str(value or "").split(self.separator) if v.strip()}
        known = {str(getattr(obj, self.field)) for obj in found}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(f"Unknown {self.model._meta.verbose_name}: {', '.join(unknown)}.")
        return found


def current_partners(arrangement) -> list:
    if arrangement is None or arrangement.pk is None:
        return []
    return [
        (m.authority, m.role)
        for m in arrangement.memberships.select_related("authority").order_by("authority__code")
    ]


class AllOrNothingResource(resources.ModelResource):
    """Any invalid row, whatever the error, rolls the whole file back.

    Every error is reported as a row and a column. Checks run before anything is saved;
    should the database still refuse part of a row (a rule the checks missed), that
    part is undone to a savepoint and reported as an error in the column it came from,
    never as the database's own message."""

    # Told how many rows have been checked and saved so far, after each row, when set (a
    # background import publishes it: register.import_jobs).
    progress = None
    #: The columns each cell is checked against before its row is imported: those of the
    #: release's schema (register.release_schema), so a file is held to the same names,
    #: types and allowed values as the register's published data.
    release_columns: dict = {}

    def import_data(self, dataset, **kwargs):
        kwargs.setdefault("use_transactions", True)
        kwargs.setdefault("rollback_on_validation_errors", True)
        self._rows_seen = {}
        self._rows_done = 0
        return super().import_data(dataset, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        self._rows_done = getattr(self, "_rows_done", 0) + 1
        if self.progress is not None:
            self.progress(self._rows_done)
        return result

    def import_data_inner(self, *args, **kwargs):
        # Inside the import's transaction: each arrangement's figures and search document
        # are worked out once, when every row is in, not after each partner or saving.
        with refreshed_once():
            return super().import_data_inner(*args, **kwargs)

    def before_import(self, dataset, **kwargs):
        """A file whose columns are not the import's is refused before any row is read,
        with the columns it lacks and those it does not know, never a traceback."""
        expected = [f.column_name for f in self.get_import_fields()]
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        if headers and not any(headers):
            raise ValueError(
                "The file cannot be imported: its first row is empty, and the first row must "
                f"hold the column headings. The columns are: {', '.join(expected)} (the "
                "template has them)."
            )
        missing = [name for name in self.get_import_id_fields() if name not in headers]
        unknown = [
            name or f"a column with no heading (column {number})"
            for number, name in enumerate(headers, start=1)
            if name not in expected
        ]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"it has no {', '.join(missing)} column")
            if unknown:
                parts.append(f"these columns are not the import's: {', '.join(unknown)}")
            raise ValueError(
                "The file cannot be imported: "
                + "; ".join(parts)
                + f". The columns are: {', '.join(expected)} (the template has them)."
            )
        super().before_import(dataset, **kwargs)

    def check_not_repeated(self, row, row_number=None) -> None:
        """Two rows for one record: which should win is the file's to say, not ours."""
        fields = self.get_import_id_fields()
        key = tuple(str(row.get(name) or "").strip() for name in fields)
        if not any(key):
            return  # a new record, without an id yet
        seen = getattr(self, "_rows_seen", None)
        if seen is None:
            return
        if key in seen:
            raise ValidationError(
                {
                    fields[0]: (
                        f"Row {seen[key]} is for the same record ({', '.join(key)}). Give each "
                        "record one row; nothing in the file was imported."
                    )
                }
            )
        seen[key] = row_number if row_number is not None else len(seen) + 1

    def before_import_row(self, row, **kwargs):
        # A cell our exports escaped (a leading apostrophe before text a spreadsheet would
        # read as a formula: register/exports.py) imports as the text it was, so an export
        # imports unchanged.
        for column, value in row.items():
            row[column] = unescape_cell(value)
        # PostgreSQL cannot store a NUL character (SQLite can): refused here on both.
        nul = {
            column: "Contains a NUL character (\\x00), which cannot be stored; remove it."
            for column, value in row.items()
            if isinstance(value, str) and "\x00" in value
        }
        if nul:
            raise ValidationError(nul)
        # Each cell against its column of the release's schema (register.release_schema),
        # before anything of the row is read into a record.
        problems = release_schema.row_problems(self.release_columns, row)
        if problems:
            raise ValidationError(problems)
        self.check_not_repeated(row, kwargs.get("row_number"))
        super().before_import_row(row, **kwargs)

    @contextmanager
    def refused_as_invalid(self, column: str | None = None):
        """Run part of saving a row in its own savepoint. A database error there becomes
        a ValidationError on ``column`` (or, if not given, the column whose field the
        error names), so the row is reported by number and column and the file rolled
        back; the savepoint keeps the transaction usable on PostgreSQL."""
        try:
            with transaction.atomic():
                yield
        except DatabaseError as exc:
            column = column or self.column_named_in(str(exc))
            log.warning("Import row refused by the database (%s): %s", column, exc)
            what = "this row" if column == NON_FIELD_ERRORS else f"this row's {column}"
            raise ValidationError(
                {
                    column: (
                        f"The register could not save {what}: it breaks one of the "
                        "register's rules. Check the value; nothing in the file was imported."
                    )
                }
            ) from exc

    def column_named_in(self, message: str) -> str:
        """The column whose field a database error names, if it names one."""
        for import_field in self.get_import_fields():
            attribute = import_field.attribute
            if attribute and re.search(rf"\b{re.escape(attribute)}(_id)?\b", message):
                return import_field.column_name
        return NON_FIELD_ERRORS

    def do_instance_save(self, instance, is_create):
        with self.refused_as_invalid():
            super().do_instance_save(instance, is_create)

    def save_m2m(self, instance, row, **kwargs):
        with self.refused_as_invalid():
            super().save_m2m(instance, row, **kwargs)


def text_field(name: str) -> ie_fields.Field:
    """A text column where an empty cell (None in Excel) means empty text, never NULL."""
    return ie_fields.Field(
        attribute=name, column_name=name, widget=widgets.CharWidget(allow_blank=True)
    )


class ArrangementResource(AllOrNothingResource):
    release_columns = release_schema.ARRANGEMENT_IMPORT
    summary = text_field("summary")
    description = text_field("description")
    governance = text_field("governance")
    contact_role = text_field("contact_role")
    contact_email = text_field("contact_email")
    how_to_leave = text_field("how_to_leave")
    partnership = ie_fields.Field(
        attribute="partnership",
        column_name="partnership",
        widget=KnownForeignKeyWidget(Partnership, field="slug"),
    )
    parent = ie_fields.Field(
        attribute="parent",
        column_name="parent",
        widget=KnownForeignKeyWidget(Arrangement, field="slug"),
    )
    service_areas = ie_fields.Field(
        attribute="service_areas",
        column_name="service_areas",
        widget=StrictManyToManyWidget(ServiceArea, field="slug", separator=";"),
    )
    partners = ie_fields.Field(
        attribute="partners", column_name="partners", widget=PartnersWidget()
    )
    exempt = ie_fields.Field(attribute="exempt", column_name="exempt", widget=YesOrNoWidget())
    open_to_members = ie_fields.Field(
        attribute="open_to_members",
        column_name="open_to_members",
        widget=YesOrNoWidget(blank_is_no=True),
    )
    objectives = ie_fields.Field(
        attribute="objectives", column_name="objectives", widget=LinesWidget()
    )
    benefits = ie_fields.Field(attribute="benefits", column_name="benefits", widget=LinesWidget())
    barriers = ie_fields.Field(attribute="barriers", column_name="barriers", widget=LinesWidget())

    class Meta:
        model = Arrangement
        import_id_fields = ["slug"]
        # The columns of the release's schema that one enters (register.release_schema),
        # in the order of the export and the template.
        fields = list(release_schema.ARRANGEMENT_IMPORT)
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def dehydrate_partners(self, arrangement):
        return PartnersWidget().render(current_partners(arrangement))

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # Where each slug of the file is, to explain a parent that is not there yet.
        headers = dataset.headers or []
        slugs = dataset["slug"] if "slug" in headers else []
        parents = dataset["parent"] if "parent" in headers else [""] * len(slugs)
        self._row_of_slug, self._parent_of_slug = {}, {}
        for number, (slug, parent) in enumerate(zip(slugs, parents, strict=True), start=1):
            slug = str(slug or "").strip()
            self._row_of_slug.setdefault(slug, number)
            self._parent_of_slug.setdefault(slug, str(parent or "").strip())

    def parent_loop(self, slug: str, parent: str) -> list[str]:
        """The slugs from this row round to itself, when following each row's parent in
        the file comes back to it (empty otherwise)."""
        parent_of = getattr(self, "_parent_of_slug", {})
        chain = [slug]
        while parent and parent not in chain:
            chain.append(parent)
            parent = parent_of.get(parent, "")
        return [*chain, slug] if slug and parent == slug else []

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        slug = str(row.get("slug") or "").strip()
        parent = str(row.get("parent") or "").strip()
        if not parent:
            return
        if parent == slug:
            raise ValidationError({"parent": "An arrangement cannot be its own parent."})
        loop = self.parent_loop(slug, parent)
        if loop:
            raise ValidationError(
                {
                    "parent": (
                        f"These rows of the file make a loop of parents: "
                        f"{' -> '.join(loop)}. A programme cannot be one of its own "
                        "workstreams."
                    )
                }
            )
        later = getattr(self, "_row_of_slug", {}).get(parent)
        number = kwargs.get("row_number")
        if (
            later is not None
            and number is not None
            and later > number
            and not Arrangement.objects.filter(slug=parent).exists()
        ):
            raise ValidationError(
                {
                    "parent": (
                        f"Its parent, '{parent}', is row {later} of the file, after this one: "
                        "put the parent's row first."
                    )
                }
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Compare partners as the file states them with the partners as stored.
        original.partners = current_partners(original)
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        partners = getattr(instance, "partners", None)
        if partners is None:
            return
        wanted = {authority.pk: role for authority, role in partners}
        # An arrangement has at most one lead (a unique constraint, checked at every
        # statement), so the old lead steps down, to the role the file gives it, before
        # the new one is made lead: the lead last. Authorities the file leaves out are
        # removed first, as before. All in the import's one transaction.
        ordered = sorted(wanted.items(), key=lambda item: item[1] == Membership.Role.LEAD)
        # A partner with savings of its own cannot leave (they would belong to a
        # non-partner), as in the admin: the row is refused, saying why.
        leaving = instance.memberships.exclude(authority_id__in=wanted).select_related(
            "authority", "arrangement"
        )
        problems = [why for why in (m.savings_left_behind() for m in leaving) if why]
        if problems:
            raise ValidationError({"partners": " ".join(problems)})
        with self.refused_as_invalid("partners"):
            instance.memberships.exclude(authority_id__in=wanted).delete()
            for authority_id, role in ordered:
                Membership.objects.update_or_create(
                    arrangement=instance, authority_id=authority_id, defaults={"role": role}
                )


class SavingResource(AllOrNothingResource):
    release_columns = release_schema.SAVING_IMPORT
    percentage_of = text_field("percentage_of")
    description = text_field("description")
    arrangement = ie_fields.Field(
        attribute="arrangement",
        column_name="arrangement",
        widget=KnownForeignKeyWidget(Arrangement, field="slug"),
    )
    authority = ie_fields.Field(
        attribute="authority",
        column_name="authority",
        widget=KnownForeignKeyWidget(Authority, field="code"),
    )
    source = ie_fields.Field(
        attribute="source",
        column_name="source",
        widget=KnownForeignKeyWidget(Source, field="slug"),
    )

    class Meta:
        model = Saving
        fields = list(release_schema.SAVING_IMPORT)
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def after_save_instance(self, instance, row, **kwargs):
        # An arrangement form opened before this import is now stale (the admin's
        # stand-alone pages do the same); a saving moved changes both arrangements.
        Arrangement.objects.changed_elsewhere(
            {instance.arrangement_id, getattr(instance, "_arrangement_before", None)}
        )


def unreadable_file_message(error: Exception, format_name: str) -> str:
    """What to tell someone whose file could not be read as ``format_name`` ("csv" or
    "xlsx"), in their words rather than the reader's."""
    if isinstance(error, UnicodeDecodeError) and bytes(error.object[:4]) == b"PK\x03\x04":
        return (
            "This file is a zip archive, as an Excel workbook is, not CSV text: if it is an "
            "Excel workbook, choose xlsx as its format; nothing was imported."
        )
    if isinstance(error, UnicodeDecodeError):
        return (
            "This file is not saved as UTF-8 text, so some of its characters cannot be "
            "read as they were typed. In your spreadsheet, save it as “CSV UTF-8 "
            "(comma delimited)” and import that; nothing was imported."
        )
    if isinstance(error, csv.Error) and "field larger than field limit" in str(error):
        return (
            f"A cell in this file is longer than {csv.field_size_limit():,} characters, more "
            "than the register can read: shorten it; nothing was imported."
        )
    if isinstance(error, NoRows):
        return "This file has its column headings but no rows under them: nothing was imported."
    if format_name == "xlsx" and isinstance(error, StopIteration):
        return "The first sheet of this workbook is empty: nothing was imported."
    if format_name == "xlsx":
        return (
            "This file is not an Excel workbook (.xlsx), or it is damaged. If it is a CSV "
            "file, choose csv as its format; nothing was imported."
        )
    return (
        f"This file could not be read as {format_name}. Check that the format chosen is "
        "the one it was saved in; nothing was imported."
    )


def template_csv(resource_class) -> str:
    """A CSV with the import's column headings and no rows, to fill in."""
    out = io.StringIO()
    csv_writer(out).writerow(resource_class().get_export_headers())
    return out.getvalue()
