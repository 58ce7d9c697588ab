"""Make every cached total and summary stale at once, in every app process."""

from django.core.management.base import BaseCommand

from register.caching import data_changed, data_version


class Command(BaseCommand):
    help = (
        "Give the data a new version, so cached totals, summaries and pages are recomputed. "
        "Needed only after changing the database outside the app (for example with psql)."
    )

    def handle(self, *args, **options):
        data_changed()
        self.stdout.write(f"Cached figures are now stale; the data version is {data_version()}.")
