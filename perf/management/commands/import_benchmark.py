"""Time a bulk import of N arrangements through the admin, run by a background worker."""

import csv
import io
import re
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test import Client

from register.importers import ArrangementResource
from register.jobs import batch_worker
from register.models import Authority, ImportJob, ServiceArea

PREFIX = "import-benchmark-"


class Command(BaseCommand):
    help = (
        "Import N new arrangements (slugs start 'import-benchmark-') through the admin's "
        "import, as an administrator would, and run the background job it starts with the "
        "worker's own loop; print how long each step took. --remove takes them out again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)

    def handle(self, *args, rows, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        codes = list(Authority.objects.order_by("code").values_list("code", flat=True)[:200])
        areas = list(ServiceArea.objects.order_by("slug").values_list("slug", flat=True))
        if len(codes) < 2 or not areas:
            raise CommandError("Load the register first (manage.py setup_register).")
        content = self.file(rows, codes, areas)
        user, _ = get_user_model().objects.get_or_create(
            username="import-benchmark", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)

        started = time.perf_counter()
        upload = io.BytesIO(content)
        upload.name = "benchmark.csv"
        chosen = client.post(
            "/admin/register/arrangement/import/",
            {"resource": 0, "format": 0, "import_file": upload},
        )
        fields = dict(
            re.findall(
                r'name="(import_file_name|original_file_name)" value="([^"]*)"',
                chosen.content.decode(),
            )
        )
        if "too many to preview" not in chosen.content.decode() or "import_file_name" not in fields:
            raise CommandError("The admin did not offer to import the file in the background.")
        chosen_at = time.perf_counter()
        confirmed = client.post(
            "/admin/register/arrangement/process_import/",
            {**fields, "format": "0", "resource": "0"},
        )
        job_id = confirmed["Location"].rstrip("/").rsplit("/", 1)[-1]
        confirmed_at = time.perf_counter()
        batch_worker("import-benchmark").run()
        finished_at = time.perf_counter()
        connections.close_all()
        job = ImportJob.objects.get(pk=job_id)
        self.stdout.write(
            f"{rows:,} rows ({len(content) / 1e6:.1f} MB) on {connections['default'].vendor}: "
            f"choosing the file {chosen_at - started:.1f} s, confirming it "
            f"{confirmed_at - chosen_at:.1f} s (the two requests), the job "
            f"{finished_at - confirmed_at:.1f} s ({rows / (finished_at - confirmed_at):,.0f} "
            f"rows a second). The job: {job.get_state_display()}; "
            f"{job.new_count} new, {job.updated_count} changed."
        )
        for error in job.errors[:5]:
            self.stdout.write(f"  {error}")

    def file(self, rows, codes, areas) -> bytes:
        out = io.StringIO()
        headers = ArrangementResource().get_export_headers()
        writer = csv.DictWriter(out, fieldnames=headers, restval="")
        writer.writeheader()
        for number in range(1, rows + 1):
            first, second = codes[number % len(codes)], codes[(number * 7 + 1) % len(codes)]
            if second == first:
                second = codes[(number + 1) % len(codes)]
            writer.writerow(
                {
                    "slug": f"{PREFIX}{number}",
                    "title": f"Benchmark arrangement {number}",
                    "kind": "shared_service",
                    "status": "proposed",
                    "service_areas": areas[number % len(areas)],
                    "partners": f"{first}:lead;{second}",
                    "exempt": "0",
                }
            )
        return out.getvalue().encode()
