"""Recompute the figures and search documents stored on each arrangement, and the
register's stored totals, and report any that have drifted from the records."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from register import totals
from register.figures import refresh_stored_figures, stored_figures_drift
from register.search import refresh_search_documents, search_document_drift


class Command(BaseCommand):
    help = (
        "Check that each arrangement's stored figures (partners, lead, savings) and search "
        "document match its memberships, savings, service areas and partnership, and that "
        "the register's stored totals add up. --fix rewrites those that do not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite drifted figures.")

    def handle(self, *args, fix=False, **options):
        drift = stored_figures_drift()
        documents = search_document_drift()
        totals_drift = totals.drift()
        for pk, name, stored, computed in drift[:50]:
            self.stdout.write(f"Arrangement {pk}: {name} is {stored!r}, should be {computed!r}")
        if len(drift) > 50:
            self.stdout.write(f"... and {len(drift) - 50} more.")
        if documents:
            shown = ", ".join(str(pk) for pk in documents[:50])
            more = f" and {len(documents) - 50} more" if len(documents) > 50 else ""
            self.stdout.write(f"Search documents out of date: arrangements {shown}{more}.")
        for problem in totals_drift:
            self.stdout.write(problem[0].upper() + problem[1:] + ".")
        if not drift and not documents and not totals_drift:
            self.stdout.write(
                "Every arrangement's stored figures and search document match its records, "
                "and the stored totals add up."
            )
            return
        if fix:
            with transaction.atomic():
                refresh_stored_figures({pk for pk, *_ in drift})
                refresh_search_documents(documents)
                totals.recompute()
            self.stdout.write(
                f"Fixed {len(drift)} figure(s), {len(documents)} search document(s)"
                f" and {len(totals_drift)} stored total(s)."
            )
            return
        raise CommandError(
            f"{len(drift)} stored figure(s), {len(documents)} search document(s) and "
            f"{len(totals_drift)} stored total(s) have drifted; run with --fix."
        )
