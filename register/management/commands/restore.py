"""Restore a backup made by `manage.py backup`, replacing what the database holds.

Nothing is touched until the whole backup has been read and checked, and the data is
then replaced in one transaction: a truncated or damaged backup leaves the database
exactly as it was, and says why in one line.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from .backup import need, pg_environment

UNCHANGED = "nothing was changed"


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
                raise CommandError(f"Restore cancelled; {UNCHANGED}.")
        if connection.vendor == "postgresql":
            restore_postgresql(backup)
        else:
            restore_json(backup)
        self.stdout.write(f"Restored {backup} into the {connection.vendor} database.")


def bring_up_to_date(refresh_all: bool) -> None:
    """After a restore (and migrating it): give partner positions to authorities restored
    from a backup made before they had them, recompute what each arrangement stores from
    its records (all of them, or, when nothing says they could be wrong, none), and the
    register's stored totals."""
    from register import totals
    from register.figures import refresh_stored_figures
    from register.models import Arrangement, give_missing_partner_positions
    from register.search import refresh_search_documents

    with transaction.atomic():
        if give_missing_partner_positions() or refresh_all:
            ids = list(Arrangement.objects.values_list("pk", flat=True))
            refresh_stored_figures(ids)
            refresh_search_documents(ids)
        # A backup made before totals were stored has none; one that has them is counted
        # again anyway (a pass over the arrangements).
        totals.recompute()


def restore_postgresql(backup: Path) -> None:
    """Check that pg_restore can read the whole archive, then restore it in one
    transaction: if anything fails, PostgreSQL rolls every statement back."""
    pg_restore = need("pg_restore")
    env = pg_environment()
    # The table of contents first (is it an archive at all?), then every data block:
    # a dump cut short can keep a readable table of contents and lose its last rows.
    for check, problem in (
        (["--list"], "is not a backup pg_restore can read"),
        ([f"--file={os.devnull}"], "is incomplete or damaged"),
    ):
        result = run([pg_restore, *check, str(backup)], env)
        if result.returncode:
            raise CommandError(
                f"The backup {backup} {problem} ({errors(result.stderr)}); {UNCHANGED}."
            )
    connection.close()
    result = run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={env['PGDATABASE']}",
            str(backup),
        ],
        env,
    )
    if result.returncode:
        raise CommandError(
            f"pg_restore failed and was rolled back, so {UNCHANGED}: {errors(result.stderr)}"
        )
    # A dump holds the tables as they were when it was made: an older one is migrated.
    call_command("migrate", verbosity=0, interactive=False)
    bring_up_to_date(refresh_all=False)


# What every backup of a register holds: its reference data.
REQUIRED_MODELS = {"register.tier", "register.region", "register.authority"}
# Fields an older register kept and this one no longer has, which held only figures
# worked out from other records (recomputed after the restore): a backup made before a
# migration removed them still restores. Any other unknown field is refused.
NO_LONGER_KEPT = {
    "register.arrangement": {"partner_bits"},
    "register.historicalarrangement": {"partner_bits"},
}


def restore_json(backup: Path) -> None:
    """Parse and deserialize every object of a dumpdata backup in memory, then flush and
    load it in one transaction."""
    if backup.suffix != ".json":
        raise CommandError(
            f"The backup {backup} is not a .json file made by `manage.py backup`; {UNCHANGED}."
        )
    try:
        objects = json.loads(backup.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CommandError(
            f"The backup {backup} is not complete, valid JSON ({one_line(exc)}); {UNCHANGED}."
        ) from exc
    if not isinstance(objects, list):
        raise CommandError(f"The backup {backup} does not hold a list of records; {UNCHANGED}.")
    held = {obj.get("model") for obj in objects if isinstance(obj, dict)}
    missing = sorted(REQUIRED_MODELS - held)
    if missing:
        # A backup of a register always holds its reference data; one without it (an
        # empty list, say) would only empty the database.
        raise CommandError(
            f"The backup {backup} holds no {', '.join(missing)} records, so it is not a backup "
            f"of a register; {UNCHANGED}."
        )
    for obj in objects:
        if isinstance(obj, dict) and isinstance(obj.get("fields"), dict):
            for name in NO_LONGER_KEPT.get(obj.get("model"), ()):
                obj["fields"].pop(name, None)
    # The tables must exist to resolve references by natural key (content types,
    # users); migrating changes no data.
    call_command("migrate", verbosity=0, interactive=False)
    for number, obj in enumerate(objects, start=1):
        try:
            # Records the backup refers to further on are deferred, not errors; those
            # it never defines make loaddata fail below, inside the transaction.
            for _ in serializers.deserialize("python", [obj], handle_forward_references=True):
                pass
        except Exception as exc:
            where = f"record {number}"
            if isinstance(obj, dict):
                where += f" ({obj.get('model', 'no model')}, pk {obj.get('pk', 'none')})"
            raise CommandError(
                f"The backup {backup} cannot be restored: {where}: {one_line(exc)}; {UNCHANGED}."
            ) from exc
    try:
        with tempfile.TemporaryDirectory() as folder:
            checked = Path(folder) / "backup.json"
            checked.write_text(json.dumps(objects), encoding="utf-8")
            with transaction.atomic():
                call_command("flush", verbosity=0, interactive=False)
                call_command("loaddata", str(checked), verbosity=0)
                # Loading a service area list recomputes figures before the arrangement's
                # partners are loaded: recompute them all once everything is in.
                bring_up_to_date(refresh_all=True)
    except Exception as exc:
        raise CommandError(
            f"Loading {backup} failed and was rolled back, so {UNCHANGED}: {one_line(exc)}"
        ) from exc


def run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True)


def errors(stderr: str, limit: int = 300) -> str:
    """pg_restore's messages on one line, each once."""
    lines = []
    for line in stderr.splitlines():
        line = line.strip().removeprefix("pg_restore: ")
        if line and line not in lines:
            lines.append(line)
    text = "; ".join(lines) or "no message"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ask(prompt: str) -> str:
    """The answer typed; no standard input (EOF) or Ctrl-C is no answer."""
    try:
        return input(prompt)
    except (EOFError, KeyboardInterrupt):
        sys.stdout.write("\n")
        return ""
