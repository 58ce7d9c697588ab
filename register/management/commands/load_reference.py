"""Load tiers, regions and the service-area taxonomy from fixtures/reference.json.

Only records that are missing are created: a tier, region or service area that
already exists (by its natural key) is left as it is, so corrections made in the
admin are never overwritten.
"""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "reference.json"


class Command(BaseCommand):
    help = "Create any missing tiers, regions and service areas from the reference fixture."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=DEFAULT_PATH)

    @transaction.atomic
    def handle(self, *args, path, **options):
        created = kept = 0
        with path.open(encoding="utf-8") as handle:
            for item in serializers.deserialize("json", handle, handle_forward_references=True):
                if item.object.pk is None:
                    item.save()
                    created += 1
                else:
                    kept += 1
        self.stdout.write(f"Reference data: {created} created, {kept} already present.")
