"""Recompute the figures stored on each arrangement and report any that have drifted."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from register.figures import refresh_stored_figures, stored_figures_drift


class Command(BaseCommand):
    help = (
        "Check that each arrangement's stored figures (partners, lead, savings) match its "
        "memberships and savings. --fix rewrites those that do not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite drifted figures.")

    def handle(self, *args, fix=False, **options):
        drift = stored_figures_drift()
        for pk, name, stored, computed in drift[:50]:
            self.stdout.write(f"Arrangement {pk}: {name} is {stored!r}, should be {computed!r}")
        if len(drift) > 50:
            self.stdout.write(f"... and {len(drift) - 50} more.")
        if not drift:
            self.stdout.write("Every arrangement's stored figures match its records.")
            return
        if fix:
            with transaction.atomic():
                refresh_stored_figures({pk for pk, *_ in drift})
            self.stdout.write(f"Fixed {len(drift)} figure(s).")
            return
        raise CommandError(f"{len(drift)} stored figure(s) have drifted; run with --fix.")
