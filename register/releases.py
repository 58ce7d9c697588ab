"""Releases: the whole public register as dated files to download.

``build_release(as_of, directory)`` writes one release, named by its date (its
version), into ``directory/<YYYY-MM-DD>/``:

- a CSV file for each table of ``register.release_schema`` (service areas, authorities,
  arrangements, memberships, savings);
- ``register.json``, the same tables as lists of records, and ``register.jsonschema.json``,
  its JSON Schema;
- ``datapackage.json``, the Frictionless Data Package descriptor, with each CSV file's
  Table Schema, size and sha256 checksum;
- ``manifest.json``, what the data page lists: the record counts, and every file's size
  and sha256 checksum.

The files hold only what the public may see: exempt arrangements are left out, and so is
everything hanging off them (their partners and savings), and a workstream whose
programme is exempt is not told which it is, exactly as the pages and the API leave
them out. No file says when it was built: the same data and version give the same
bytes, rows sorted by their keys (bytewise, on every database) and keys in a fixed
order. A release is made in a folder of its own and only then put in place, so a
release being built is never listed or served half-written.

This is a plain function, to be run by ``manage.py build_release`` or by anything else
that runs jobs; it streams rows from the database in chunks, so memory stays flat
whatever the size of the register.
"""

from __future__ import annotations

import datetime
import filecmp
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Case, F, Prefetch, When
from django.db.models.functions import Collate
from django.utils import timezone

from . import release_schema as schema
from .figures import counts_in_headline
from .models import COUNTED_BASES, Arrangement, Authority, Membership, Saving, ServiceArea

logger = logging.getLogger(__name__)

CHUNK = 2000
VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANIFEST = "manifest.json"
DESCRIPTOR = "datapackage.json"
JSON_DATA = "register.json"
JSON_SCHEMA = "register.jsonschema.json"
CENTS = Decimal("0.01")

MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}
FILE_TITLES = {
    DESCRIPTOR: "Data Package descriptor (Frictionless), with each CSV file's Table Schema",
    JSON_DATA: "Every table, as JSON",
    JSON_SCHEMA: "JSON Schema of register.json",
    **{table.path: table.title for table in schema.TABLES},
}


class ReleaseError(Exception):
    """A release that cannot be built as asked, in words."""


@dataclass(frozen=True)
class Outcome:
    version: str
    path: Path
    # "built" (new), "unchanged" (identical to the release already there), "replaced",
    # or, when only checking, "identical" or "differs".
    result: str
    differing: tuple[str, ...] = ()
    manifest: dict | None = None


def releases_dir() -> Path:
    return Path(settings.RELEASES_DIR)


def version_of(as_of: datetime.date) -> str:
    return as_of.isoformat()


def _bytewise(name: str):
    """Order by a text column byte by byte, whatever the database's collation, so that
    every database sorts the rows the same way."""
    if connection.vendor == "postgresql":
        return Collate(F(name), "C")
    return F(name)


# --- Rows -----------------------------------------------------------------------------


def service_area_rows():
    areas = (
        ServiceArea.objects.annotate(parent_slug=F("parent__slug"))
        .order_by(_bytewise("slug"))
        .iterator(chunk_size=CHUNK)
    )
    for area in areas:
        yield {
            "slug": area.slug,
            "name": area.name,
            "parent": area.parent_slug,
            "is_category": area.parent_id is None,
            "description": area.description,
            "lgsl_code": area.lgsl_code,
            "position": area.position,
        }


def authority_rows():
    authorities = (
        Authority.objects.select_related("tier")
        .annotate(region_slug=F("region__slug"), county_code=F("county__code"))
        .order_by(_bytewise("code"))
        .iterator(chunk_size=CHUNK)
    )
    for authority in authorities:
        yield {
            "code": authority.code,
            "name": authority.name,
            "official_name": authority.official_name,
            "gss_code": authority.gss_code or "",
            "org_id": authority.org_id,
            "tier": authority.tier.code,
            "tier_name": authority.tier.name,
            "tier_level": authority.tier.level,
            "region": authority.region_slug,
            "county": authority.county_code,
            "combined_authority": authority.combined_authority,
            "start_date": authority.start_date,
            "end_date": authority.end_date,
            "population": authority.population,
            "website": authority.website,
        }


def public_arrangements():
    """The arrangements a release holds: those the public may see (the pages' rule)."""
    return Arrangement.objects.visible_to(AnonymousUser())


def arrangement_rows():
    arrangements = (
        public_arrangements()
        .defer("search_document")
        .annotate(
            # A programme the public may not see is not named.
            parent_slug=Case(When(parent__exempt=False, then=F("parent__slug"))),
            partnership_slug=F("partnership__slug"),
            lead_code=F("lead__code"),
        )
        .prefetch_related(Prefetch("service_areas", queryset=ServiceArea.objects.only("slug")))
        .order_by(_bytewise("slug"))
        .iterator(chunk_size=CHUNK)
    )
    for a in arrangements:
        total = a.savings_figure
        yield {
            "slug": a.slug,
            "title": a.title,
            "summary": a.summary,
            "description": a.description,
            "kind": a.kind,
            "kind_label": a.get_kind_display(),
            "status": a.status,
            "status_label": a.get_status_display(),
            "partnership": a.partnership_slug,
            "parent": a.parent_slug,
            "service_areas": sorted(area.slug for area in a.service_areas.all()),
            "lead": a.lead_code,
            "partner_count": a.partner_count,
            "governance": a.governance,
            "start_date": a.start_date,
            "start_precision": a.start_precision,
            "start_text": a.start_display,
            "end_date": a.end_date,
            "end_precision": a.end_precision,
            "end_text": a.end_display,
            "review_date": a.review_date,
            "break_date": a.break_date,
            "how_to_leave": a.how_to_leave,
            "objectives": list(a.objectives or []),
            "benefits": list(a.benefits or []),
            "barriers": list(a.barriers or []),
            "open_to_members": a.open_to_members,
            "contact_role": a.contact_role,
            "contact_email": a.contact_email,
            "savings_text": total.text,
            "savings_at_least": total.lower,
            "savings_at_most": total.upper,
            "savings_approximate": total.approximate,
            "savings_money_figures": total.figures,
            "savings_percentage_figures": total.percentages,
            "savings_count_in_headline": counts_in_headline(a.status),
            **{
                f"savings_{basis}_{part}": getattr(a, f"{basis}_{stored}")
                for basis in COUNTED_BASES
                for part, stored in (
                    ("at_least", "lower"),
                    ("at_most", "upper"),
                    ("approximate", "approximate"),
                )
            },
            "updated_at": a.updated_at,
        }


def membership_rows():
    memberships = (
        Membership.objects.visible_to(AnonymousUser())
        .annotate(arrangement_slug=F("arrangement__slug"), authority_code=F("authority__code"))
        .order_by(_bytewise("arrangement__slug"), _bytewise("authority__code"))
        .iterator(chunk_size=CHUNK)
    )
    for m in memberships:
        yield {
            "arrangement": m.arrangement_slug,
            "authority": m.authority_code,
            "role": m.role,
            "role_label": m.get_role_display(),
            "lead": m.role == Membership.Role.LEAD,
            "taking_part": m.role in Membership.JOINED,
            "start_date": m.start_date,
            "end_date": m.end_date,
            "inferred": m.inferred,
            "note": m.note,
        }


def saving_rows():
    savings = (
        Saving.objects.visible_to(AnonymousUser())
        .select_related("authority")
        .annotate(
            arrangement_slug=F("arrangement__slug"),
            arrangement_status=F("arrangement__status"),
            source_slug=F("source__slug"),
        )
        .order_by(_bytewise("arrangement__slug"), "pk")
        .iterator(chunk_size=CHUNK)
    )
    for s in savings:
        yield {
            "id": s.pk,
            "arrangement": s.arrangement_slug,
            "whose": "authority" if s.authority_id else "whole_arrangement",
            "authority": s.authority.code if s.authority_id else None,
            "text": s.display,
            "text_with_basis": s.display_with_basis,
            "amount": s.amount,
            "percentage": s.percentage,
            "percentage_of": s.percentage_of,
            "qualifier": s.qualifier,
            "qualifier_label": s.get_qualifier_display(),
            "stated": s.stated,
            "basis": s.basis,
            "basis_label": s.get_basis_display(),
            "period": s.period,
            "period_label": s.get_period_display(),
            "financial_year": s.financial_year,
            "financial_year_label": s.financial_year_display,
            "cashable": s.cashable,
            "description": s.description,
            "counts_in_headline": (
                s.amount is not None
                and s.basis != Saving.Basis.TARGET
                and counts_in_headline(s.arrangement_status)
            ),
            "source": s.source_slug,
        }


ROWS = {
    "service_areas": service_area_rows,
    "authorities": authority_rows,
    "arrangements": arrangement_rows,
    "memberships": membership_rows,
    "savings": saving_rows,
}


# --- Cells ----------------------------------------------------------------------------


def _decimal_text(value) -> str:
    return format(Decimal(value).quantize(CENTS), "f")


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_cell(column: schema.Column, value) -> str:
    """A value as its CSV cell (the Table Schema's form)."""
    if value is None:
        return ""
    if column.type == "boolean":
        return "true" if value else "false"
    if column.type == "number":
        return _decimal_text(value)
    if column.type == "datetime":
        return _timestamp(value)
    if column.type == "date":
        return value.isoformat()
    if column.type == "list":
        return column.delimiter.join(value)
    return str(value)


def json_value(column: schema.Column, value):
    """A value as it is in register.json (the JSON Schema's form)."""
    if column.type == "list":
        return list(value)
    if value is None or value == "":
        plain_text = column.type == "string" and not (column.enum or column.pattern)
        return "" if plain_text else None
    if column.money:
        return _decimal_text(value)
    if column.type == "number":
        return float(Decimal(value).quantize(CENTS))
    if column.type == "datetime":
        return _timestamp(value)
    if column.type == "date":
        return value.isoformat()
    return value


def _dumps(value, **kwargs) -> str:
    return json.dumps(value, ensure_ascii=False, **kwargs)


# --- Building -------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _write_tables(folder: Path, version: str) -> dict[str, int]:
    """Every table's CSV file and register.json, in one pass over each table's rows.
    How many rows each table has."""
    from .exports import csv_writer

    counts = {}
    with (folder / JSON_DATA).open("w", encoding="utf-8", newline="\n") as out:
        out.write("{")
        out.write(f'"name":{_dumps(schema.PACKAGE_NAME)},')
        out.write(f'"version":{_dumps(version)},')
        out.write(f'"schema_version":{_dumps(schema.SCHEMA_VERSION)}')
        for table in schema.TABLES:
            out.write(f",\n{_dumps(table.name)}:[")
            n = 0
            with (folder / table.path).open("w", encoding="utf-8", newline="") as handle:
                writer = csv_writer(handle)
                writer.writerow([c.name for c in table.columns])
                for row in ROWS[table.name]():
                    writer.writerow([csv_cell(c, row[c.name]) for c in table.columns])
                    record = {c.name: json_value(c, row[c.name]) for c in table.columns}
                    out.write(("\n" if n == 0 else ",\n") + _dumps(record, separators=(",", ":")))
                    n += 1
            out.write("\n]" if n else "]")
            counts[table.name] = n
        out.write("}\n")
    return counts


CSV_FORMULA_NOTE = (
    "A cell whose text a spreadsheet would read as a formula (text starting with =, +, -, "
    "@, a tab, a carriage return, | or %, other than a plain number) starts with an extra "
    "apostrophe, as in the register's other downloads, so that a spreadsheet shows it as "
    "text: take that one apostrophe off for the text as entered. register.json holds the "
    "text as it is."
)


def descriptor(version: str, files: dict[str, dict]) -> dict:
    """The Data Package descriptor: each CSV file a tabular resource with its Table
    Schema, size and checksum; register.json and its JSON Schema as resources too."""
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "description": f"{table.description} {CSV_FORMULA_NOTE}",
            "profile": "tabular-data-resource",
            "path": table.path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": files[table.path]["bytes"],
            "hash": f"sha256:{files[table.path]['sha256']}",
            "schema": table.table_schema(),
        }
        for table in schema.TABLES
    ]
    for name, description in (
        (
            JSON_DATA,
            "Every table above, as lists of records (JSON Schema: register.jsonschema.json).",
        ),
        (JSON_SCHEMA, "The JSON Schema that register.json follows."),
    ):
        resources.append(
            {
                "name": name.removesuffix(".json").replace(".", "-") + "-json",
                "title": FILE_TITLES[name],
                "description": description,
                "profile": "data-resource",
                "path": name,
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                "bytes": files[name]["bytes"],
                "hash": f"sha256:{files[name]['sha256']}",
            }
        )
    return {
        "profile": "data-package",
        "name": schema.PACKAGE_NAME,
        "title": "Shared Services Register",
        "description": (
            "The public register of councils' shared services arrangements on "
            f"{version}: who shares what with whom, how far it has got, and what it saves, "
            "each saving with its qualifier and basis. Exempt arrangements are not included."
        ),
        "version": version,
        "schema_version": schema.SCHEMA_VERSION,
        "resources": resources,
    }


def _file_entry(folder: Path, name: str) -> dict:
    path = folder / name
    return {
        "name": name,
        "title": FILE_TITLES[name],
        "media_type": MEDIA_TYPES[path.suffix],
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


@contextmanager
def snapshot():
    """One consistent view of the whole register for every table's reads, so that an
    arrangement made exempt, or added, while a release is being built is in all of its
    files or in none of them.

    On PostgreSQL a REPEATABLE READ, READ ONLY transaction (server-side cursors work
    inside it); on SQLite one read transaction. Inside a transaction the caller already
    holds, that transaction is the snapshot: its isolation can no longer be set."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def write_release(folder: Path, version: str) -> dict:
    """Every file of the release ``version`` in ``folder`` (which exists and is empty),
    every table read from one snapshot of the register. Its manifest."""
    _write_text(folder / JSON_SCHEMA, _dumps(schema.json_schema(), indent=2) + "\n")
    with snapshot():
        counts = _write_tables(folder, version)
    data_files = [*(t.path for t in schema.TABLES), JSON_DATA, JSON_SCHEMA]
    files = {name: _file_entry(folder, name) for name in data_files}
    _write_text(folder / DESCRIPTOR, _dumps(descriptor(version, files), indent=2) + "\n")
    files[DESCRIPTOR] = _file_entry(folder, DESCRIPTOR)
    manifest = {
        "name": schema.PACKAGE_NAME,
        "version": version,
        "schema_version": schema.SCHEMA_VERSION,
        "tables": [
            {"name": t.name, "title": t.title, "file": t.path, "records": counts[t.name]}
            for t in schema.TABLES
        ],
        "files": [files[name] for name in (DESCRIPTOR, *data_files)],
    }
    _write_text(folder / MANIFEST, _dumps(manifest, indent=2) + "\n")
    return manifest


def _differing(new: Path, old: Path) -> list[str]:
    names = {p.name for p in new.iterdir()} | {p.name for p in old.iterdir()}
    return sorted(
        name
        for name in names
        if not (new / name).is_file()
        or not (old / name).is_file()
        or not filecmp.cmp(new / name, old / name, shallow=False)  # in blocks, not whole
    )


def refuse_backdating(
    as_of: datetime.date, directory: Path | str | None = None, *, check=False, replace=False
) -> None:
    """A new release holds the register as it stands, so it is dated today: an earlier
    date is only for checking or replacing a release of that date already there (whose
    date it keeps). ReleaseError says so otherwise."""
    today = timezone.localdate()
    if as_of >= today:
        return
    root = Path(directory) if directory is not None else releases_dir()
    version = version_of(as_of)
    exists = (root / version / MANIFEST).is_file()
    if (check or replace) and exists:
        return
    raise ReleaseError(
        f"A new release is dated today ({today.isoformat()}): it holds the register as it "
        f"stands, not as it was on {version}. An earlier date is only for --check or "
        f"--replace of a release already there, and there is no release {version} in {root}."
    )


FOLDER_MODE = 0o755


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def build_release(
    as_of: datetime.date,
    directory: Path | str | None = None,
    *,
    replace: bool = False,
    check: bool = False,
) -> Outcome:
    """Build the release dated ``as_of`` from the register as it stands, in
    ``directory`` (settings.RELEASES_DIR if not given).

    A release already there is never silently changed: if the new files are identical
    it is left as it is ("unchanged"); if they differ, a ReleaseError says which files,
    unless ``replace`` is given. With ``check``, nothing is written: the outcome says
    whether the files built now are "identical" to the release there, or which differ."""
    if as_of > timezone.localdate():
        raise ReleaseError(
            f"A release cannot be dated after today: {as_of.isoformat()} is in the future."
        )
    root = Path(directory) if directory is not None else releases_dir()
    version = version_of(as_of)
    target = root / version
    if check and not (target / MANIFEST).is_file():
        raise ReleaseError(f"There is no release {version} in {root} to check against.")
    if root.exists() and not root.is_dir():
        raise ReleaseError(f"Releases are kept in a folder, and {root} is not a folder.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
        # mkdtemp makes a folder only its owner can read; a release is served, perhaps
        # by a web server running as another user, so it is made like any folder.
        building.chmod(FOLDER_MODE & ~_umask())
    except OSError as error:
        raise ReleaseError(
            f"A release cannot be written in {root}: {error.strerror or error}."
        ) from None
    try:
        manifest = write_release(building, version)
        if target.exists():
            differing = tuple(_differing(building, target))
            if check:
                return Outcome(
                    version, target, "differs" if differing else "identical", differing, manifest
                )
            if not differing:
                return Outcome(version, target, "unchanged", (), manifest)
            if not replace:
                advice = (
                    "Replace it on purpose with --replace."
                    if as_of == timezone.localdate()
                    else "Date the new release today, or replace this one on purpose with "
                    "--replace."
                )
                raise ReleaseError(
                    f"Release {version} already exists and the register has changed since it "
                    f"was built ({', '.join(differing)} would differ). {advice}"
                )
            retired = Path(tempfile.mkdtemp(prefix=f".{version}-old-", dir=root))
            target.rename(retired / version)
            building.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
            return Outcome(version, target, "replaced", differing, manifest)
        building.rename(target)
        return Outcome(version, target, "built", (), manifest)
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)


# --- Reading releases back (the data page and its downloads) ---------------------------


class MalformedManifest(ValueError):
    """A manifest on disk that is not one this code wrote, in words."""


SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _file_name_ok(name) -> bool:
    return (
        isinstance(name, str)
        and name == Path(name).name
        and not name.startswith(".")
        and Path(name).suffix in MEDIA_TYPES
    )


def checked_manifest(manifest, version: str) -> dict:
    """The manifest of the release in folder ``version`` if it has every part the data
    page and the downloads read, in the form they read it; MalformedManifest says what
    is wrong otherwise."""
    if not isinstance(manifest, dict):
        raise MalformedManifest("it is not a JSON object")
    if manifest.get("version") != version:
        raise MalformedManifest(
            f"its version {manifest.get('version')!r} is not its folder's name {version!r}"
        )
    if not isinstance(manifest.get("schema_version"), str | int) or isinstance(
        manifest.get("schema_version"), bool
    ):
        raise MalformedManifest("it has no schema_version")
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        raise MalformedManifest("its 'files' is not a list of files")
    for entry in files:
        if not (
            isinstance(entry, dict)
            and _file_name_ok(entry.get("name"))
            and isinstance(entry.get("title"), str)
            and _is_count(entry.get("bytes"))
            and isinstance(entry.get("sha256"), str)
            and SHA256_RE.match(entry["sha256"])
        ):
            raise MalformedManifest(
                f"a file entry is not a name (.csv or .json), title, size and sha256: {entry!r}"
            )
    tables = manifest.get("tables")
    if not isinstance(tables, list):
        raise MalformedManifest("its 'tables' is not a list of tables")
    for table in tables:
        if not (
            isinstance(table, dict)
            and all(isinstance(table.get(key), str) for key in ("name", "title", "file"))
            and _is_count(table.get("records"))
        ):
            raise MalformedManifest(
                f"a table entry is not a name, title, file and record count: {table!r}"
            )
    return manifest


def _manifest(folder: Path) -> dict | None:
    """The release's manifest, or None (logged) if it is missing or malformed: one
    broken release is left out, never taking the data page down with it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return checked_manifest(manifest, folder.name)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.warning("Release %s is left out: its manifest cannot be read: %s", folder, error)
        return None


def list_releases(directory: Path | str | None = None) -> list[dict]:
    """The manifests of every release in the directory, newest first."""
    root = Path(directory) if directory is not None else releases_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in root.iterdir():
        if VERSION_RE.match(folder.name) and folder.is_dir():
            manifest = _manifest(folder)
            if manifest is not None:
                found.append(manifest)
    return sorted(found, key=lambda m: m["version"], reverse=True)


def release_file(version: str, name: str, directory: Path | str | None = None):
    """The path and media type of one file of a release, or None if there is no such
    file: only the names the release's (well-formed) manifest lists are ever served, and
    the media type is its extension's, whatever the manifest says."""
    if not VERSION_RE.match(version or ""):
        return None
    root = Path(directory) if directory is not None else releases_dir()
    manifest = _manifest(root / version)
    if manifest is None:
        return None
    entry = next((f for f in manifest.get("files", []) if f.get("name") == name), None)
    if entry is None:
        return None
    path = root / version / entry["name"]
    if not path.is_file():
        return None
    return path, MEDIA_TYPES[path.suffix]
