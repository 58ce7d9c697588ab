"""Load authorities from fixtures/uk_local_authorities.csv (mySociety, MIT licence)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.importers import (
    AUTHORITIES_CSV,
    AUTHORITY_COORDINATES_CSV,
    AUTHORITY_OVERRIDES_CSV,
    DEFAULT_DATE,
    DEFAULT_NATIONS,
    SourceFileError,
    import_authorities,
)


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--date must be a date like 2012-04-01, not {text!r}.") from exc


class Command(BaseCommand):
    help = (
        "Create or update, by code, the authorities active on a date in the given nations, "
        "applying fixtures/authority_overrides.csv and fixtures/authority_coordinates.csv, "
        "and report what was fixed or unresolved."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=AUTHORITIES_CSV)
        parser.add_argument(
            "--date",
            type=iso_date,
            default=DEFAULT_DATE,
            help="Authorities active on this date (default 2012-04-01).",
        )
        parser.add_argument(
            "--nation",
            action="append",
            dest="nations",
            help="England, Wales, Scotland or Northern Ireland; repeat for several "
            "(default England and Wales).",
        )
        parser.add_argument("--overrides", type=Path, default=AUTHORITY_OVERRIDES_CSV)
        parser.add_argument("--no-overrides", action="store_true")
        parser.add_argument("--dry-run", action="store_true", help="Report, but save nothing.")

    def handle(self, *args, path, date, nations, overrides, no_overrides, dry_run, **options):
        try:
            report = import_authorities(
                path=path,
                on_date=date,
                nations=nations or DEFAULT_NATIONS,
                overrides_path=None if no_overrides else overrides,
                coordinates_path=None if no_overrides else AUTHORITY_COORDINATES_CSV,
                dry_run=dry_run,
            )
        except SourceFileError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
