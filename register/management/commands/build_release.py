"""Build a data release: the whole public register as dated CSV and JSON files with a
Data Package descriptor (register.releases)."""

import datetime
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from register import jobs
from register.releases import (
    ReleaseError,
    build_release,
    refuse_backdating,
    releases_dir,
)

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def release_date(text: str) -> datetime.date:
    """A date written year-month-day (2025-04-01), and no other way."""
    try:
        if not DATE_RE.fullmatch(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"'{text}' is not a date written year-month-day, e.g. 2025-04-01."
        ) from None


class Command(BaseCommand):
    help = (
        "Build the release of the public register dated --as-of (default today): its CSV "
        "and JSON files, their schemas and checksums, in the releases folder "
        "(DJANGO_RELEASES_DIR). The same data and date give byte-identical files. A "
        "release already there is left as it is when nothing has changed, and is replaced "
        "only with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            "--release",
            dest="as_of",
            metavar="YYYY-MM-DD",
            help="The release's date, which is also its version (default: today). A new "
            "release is dated today; an earlier date only checks (--check) or replaces "
            "(--replace) the release of that date already there.",
        )
        parser.add_argument(
            "--directory", help="Where releases are kept (default: DJANGO_RELEASES_DIR)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a release of that date whose data has since changed.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the build as a background job for the worker (make worker) and "
            "return at once.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Build it again and say whether the files are identical to the release "
            "there, changing nothing.",
        )

    def handle(
        self,
        *args,
        as_of=None,
        directory=None,
        replace=False,
        check=False,
        enqueue=False,
        **options,
    ):
        day = release_date(as_of) if as_of is not None else timezone.localdate()
        if replace and check:
            raise CommandError("Choose --check or --replace, not both.")
        root = Path(directory) if directory else releases_dir()
        try:
            refuse_backdating(day, root, check=check, replace=replace)
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        if enqueue:
            if check or directory:
                raise CommandError(
                    "--enqueue builds in the releases folder; not with --check or --directory."
                )
            if day > timezone.localdate():
                raise CommandError(
                    f"A release cannot be dated after today: {day} is in the future."
                )
            result = jobs.build_release.enqueue(day.isoformat(), replace)
            self.stdout.write(f"Queued release {day} as job {result.id}; a worker builds it.")
            return
        try:
            outcome = build_release(day, root, replace=replace, check=check)
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(
            f"{table['records']:,} {table['title'].lower()}" for table in outcome.manifest["tables"]
        )
        said = {
            "built": f"Built release {outcome.version} in {outcome.path}: {counts}.",
            "unchanged": (
                f"Release {outcome.version} is already in {outcome.path}, and the files built "
                "now are identical to it: left as it is."
            ),
            "replaced": (
                f"Replaced release {outcome.version} in {outcome.path} ("
                f"{', '.join(outcome.differing)} changed): {counts}."
            ),
            "identical": f"Release {outcome.version}: the files built now are identical.",
            "differs": (
                f"Release {outcome.version}: the files built now differ in "
                f"{', '.join(outcome.differing)}; nothing was changed."
            ),
        }[outcome.result]
        self.stdout.write(said)
        if outcome.result == "differs":
            raise CommandError("The release differs from the register as it stands.")
