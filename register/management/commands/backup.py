"""Back up the whole register: pg_dump on PostgreSQL, dumpdata on SQLite."""

import os
import shutil
import subprocess
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Everything but what Django rebuilds itself, and the register's stored totals, which
# every restore works out again from the arrangements.
DUMP_EXCLUDES = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "register.statustotal",
]


def pg_environment() -> dict:
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings.get(key):
            env[name] = str(settings[key])
    return env


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise CommandError(f"{tool} is not installed; it comes with the PostgreSQL client tools.")
    return path


class Command(BaseCommand):
    help = "Write a backup of the database to --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args, output, **options):
        output.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            connection.close()
            result = subprocess.run(
                [need("pg_dump"), "--format=custom", "--no-owner", f"--file={output}"],
                env=pg_environment(),
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            call_command(
                "dumpdata",
                *[f"--exclude={name}" for name in DUMP_EXCLUDES],
                "--natural-foreign",
                "--indent=1",
                f"--output={output}",
            )
        self.stdout.write(f"Backed up {connection.vendor} database to {output}.")
