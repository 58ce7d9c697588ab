"""Restore a backup made by `manage.py backup`, replacing what the database holds."""

import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from register.caching import data_changed

from .backup import need, pg_environment


class Command(BaseCommand):
    help = "Replace the database's contents with the backup in --input."

    def add_arguments(self, parser):
        parser.add_argument("--input", type=Path, required=True)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, yes, **options):
        backup = options["input"]
        if not backup.exists():
            raise CommandError(f"No backup at {backup}.")
        if not yes and options.get("interactive", True):
            answer = ask("This replaces everything in the database. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        if connection.vendor == "postgresql":
            connection.close()
            result = subprocess.run(
                [
                    need("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    f"--dbname={pg_environment()['PGDATABASE']}",
                    str(backup),
                ],
                env=pg_environment(),
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            call_command("migrate", verbosity=0, interactive=False)
            call_command("flush", verbosity=0, interactive=False)
            call_command("loaddata", str(backup), verbosity=0)
        data_changed()  # figures cached before the restore describe other data
        self.stdout.write(f"Restored {backup} into the {connection.vendor} database.")


def ask(prompt: str) -> str:
    """The answer typed; no standard input (EOF) or Ctrl-C is no answer."""
    try:
        return input(prompt)
    except (EOFError, KeyboardInterrupt):
        sys.stdout.write("\n")
        return ""
