"""Everything `make run` and `make test` need in the database, idempotently."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from register.models import Authority


class Command(BaseCommand):
    help = "Load reference data, authorities and the seed reports; safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():  # all or nothing, and one new data version
            self.load()

    def load(self):
        call_command("load_reference", stdout=self.stdout)
        if Authority.objects.filter(gss_code__isnull=False).exists():
            self.stdout.write(
                "Authorities already loaded; run `manage.py import_authorities` to refresh "
                "them from the CSV (it reports every change it makes)."
            )
        else:
            call_command("import_authorities", stdout=self.stdout)
        call_command("load_seed", stdout=self.stdout)
        call_command("setup_roles", stdout=self.stdout)
        call_command("ensure_local_admin", stdout=self.stdout)
