"""A restore that cannot finish changes nothing, and says why in one line."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from register.figures import positions_in, stored_figures_drift
from register.models import Arrangement, Authority, Membership
from register.search import search_document_drift

ROOT = Path(__file__).resolve().parents[2]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a PostgreSQL backup is a pg_dump archive; this database is not PostgreSQL",
)
on_sqlite = pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="on PostgreSQL a backup is a pg_dump archive, not JSON (see the pg_dump tests)",
)


def counts():
    return {
        "arrangements": Arrangement.objects.count(),
        "authorities": Authority.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def backed_up(register, tmp_path):
    """A backup of the small register, then a change made after it: a restore that went
    ahead (whole or in part) would show in the counts."""
    User.objects.create_user("officer", password="a long enough password 1")
    suffix = "dump" if connection.vendor == "postgresql" else "json"
    backup = tmp_path / f"backup.{suffix}"
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    User.objects.create_user("after-the-backup", password="a long enough password 2")
    Arrangement.objects.filter(exempt=True).delete()
    return backup


def refused(backup):
    """Restore, expecting a refusal; its message."""
    with pytest.raises(CommandError) as refusal:
        call_command("restore", "--input", str(backup), "--yes", stdout=io.StringIO())
    message = str(refusal.value)
    assert "\n" not in message and "nothing was changed" in message, message
    return message


def records(backup):
    return json.loads(backup.read_text())


def with_record(backup, model, change):
    """The backup with the first record of `model` changed by `change(record)`."""
    data = records(backup)
    change(next(record for record in data if record["model"] == model))
    backup.write_text(json.dumps(data))


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_truncated_json_backup_changes_nothing(backed_up):
    before = counts()
    text = backed_up.read_text()
    backed_up.write_text(text[: len(text) // 2])
    assert "is not complete, valid JSON" in refused(backed_up)
    assert counts() == before


@on_sqlite
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keep", ["nothing", "arrangements only"])
def test_a_backup_without_the_registers_reference_data_changes_nothing(backed_up, keep):
    before = counts()
    data = (
        []
        if keep == "nothing"
        else [r for r in records(backed_up) if r["model"] == "register.arrangement"]
    )
    backed_up.write_text(json.dumps(data))
    assert "is not a backup of a register" in refused(backed_up)
    assert counts() == before


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_record_of_an_unknown_model_changes_nothing(backed_up):
    before = counts()
    data = records(backed_up)
    # After records that would load, so a restore that did not check first would flush
    # and load those before it failed.
    data.insert(len(data) // 2, {"model": "register.nosuchthing", "pk": 1, "fields": {}})
    backed_up.write_text(json.dumps(data))
    assert "register.nosuchthing" in refused(backed_up)
    assert counts() == before


@on_sqlite
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda record: record["fields"].update(no_such_field=1), "no field named 'no_such_field'"),
        (lambda record: record["fields"].update(start_date="31/02/2012"), "invalid date format"),
    ],
    ids=["unknown field", "bad value"],
)
def test_a_record_with_a_bad_field_changes_nothing(backed_up, change, said):
    before = counts()
    with_record(backed_up, "register.arrangement", change)
    message = refused(backed_up)
    assert said in message and "register.arrangement" in message
    assert counts() == before


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_backup_that_fails_while_loading_is_rolled_back(backed_up):
    """Every record is well formed, but one points at an arrangement the backup does not
    hold: only the load can find that, after the flush, and the flush is undone too."""
    before = counts()
    with_record(
        backed_up,
        "register.membership",
        lambda record: record["fields"].update(arrangement=999999),
    )
    assert "rolled back" in refused(backed_up)
    assert counts() == before


@on_sqlite
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("made", ["today", "before partner positions"])
def test_a_restored_backup_has_true_figures(backed_up, made):
    """Every arrangement's stored figures are what its records say after a restore: of a
    backup made today, and of one made before migration 0017, when arrangements had a
    1,024-bit string of who takes part and authorities no position (each authority is
    then given a position of its own)."""
    data = records(backed_up)
    for record in data if made != "today" else ():
        fields = record["fields"]
        if record["model"] in ("register.arrangement", "register.historicalarrangement"):
            for word in range(16):
                fields.pop(f"partners_{word}")
            fields["partner_bits"] = "1" * 1024
        elif record["model"] == "register.authority":
            fields.pop("partner_position")
    backed_up.write_text(json.dumps(data))
    call_command("restore", "--input", str(backed_up), "--yes", stdout=io.StringIO())
    positions = list(Authority.objects.values_list("partner_position", flat=True))
    assert None not in positions and len(set(positions)) == len(positions)
    assert stored_figures_drift() == [] and search_document_drift() == []
    for arrangement in Arrangement.objects.all():
        taking_part = Membership.objects.filter(
            arrangement=arrangement, role__in=Membership.JOINED
        ).values_list("authority__partner_position", flat=True)
        words = (getattr(arrangement, f"partners_{word}") for word in range(16))
        assert positions_in(words) == set(taking_part)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "keep",
    [lambda size: 100, lambda size: size // 2, lambda size: size - 100],
    ids=["header only", "half", "all but the last 100 bytes"],
)
def test_a_truncated_pg_dump_changes_nothing(backed_up, keep):
    before = counts()
    whole = backed_up.read_bytes()
    backed_up.write_bytes(whole[: keep(len(whole))])
    message = refused(backed_up)
    assert "pg_restore" in message or "backup" in message
    assert counts() == before


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_json_file_is_not_restored_into_postgresql(backed_up, tmp_path):
    before = counts()
    not_a_dump = tmp_path / "backup.json"
    not_a_dump.write_text("[]")
    assert "not a backup pg_restore can read" in refused(not_a_dump)
    assert counts() == before


# Answering the question: run as `make restore` runs it, in its own process, against a
# database of its own (a restore that went ahead would empty it).


def environment(path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return env | {"DATABASE_URL": f"sqlite:///{path}"}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A migrated SQLite database with one user (made once: migrating takes seconds)."""
    path = tmp_path_factory.mktemp("restore") / "migrated.sqlite3"
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username=keeper", "--email=keeper@example.org"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment(path) | {"DJANGO_SUPERUSER_PASSWORD": "a long enough password 3"},
            check=True,
            capture_output=True,
            timeout=120,
        )
    return path


# The smallest backup of a register: its reference data, one authority and no users.
SMALLEST_REGISTER = [
    {
        "model": "register.tier",
        "pk": 1,
        "fields": {"code": "MD", "slug": "md", "name": "Metropolitan district", "level": "single"},
    },
    {
        "model": "register.region",
        "pk": 1,
        "fields": {"name": "Yorkshire", "slug": "yorkshire", "nation": "England"},
    },
    {
        "model": "register.authority",
        "pk": 1,
        "fields": {"code": "CLD", "name": "Calderdale", "tier": 1, "region": 1},
    },
]


@pytest.fixture
def scratch_database(migrated, tmp_path):
    """A copy of that database for one test, its environment, and the smallest backup."""
    path = tmp_path / "scratch.sqlite3"
    shutil.copyfile(migrated, path)
    backup = tmp_path / "smallest.json"
    backup.write_text(json.dumps(SMALLEST_REGISTER))

    def users():
        with sqlite3.connect(path) as db:
            return db.execute("select count(*) from auth_user").fetchone()[0]

    return environment(path), backup, users


def restore_in_a_process(env, *args, stdin):
    return subprocess.run(
        [sys.executable, "manage.py", "restore", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **({"stdin": subprocess.DEVNULL} if stdin is None else {"input": stdin}),
    )


@pytest.mark.parametrize(
    "stdin", [None, "", "\n", "no\n", "y\n"], ids=["closed", "empty", "enter", "no", "y"]
)
def test_anything_but_yes_cancels_the_restore_without_a_traceback(scratch_database, stdin):
    env, backup, users = scratch_database
    result = restore_in_a_process(env, "--input", str(backup), stdin=stdin)
    assert result.returncode != 0
    assert result.stderr.strip() == "CommandError: Restore cancelled; nothing was changed."
    assert users() == 1


def test_yes_restores(scratch_database):
    env, backup, users = scratch_database
    result = restore_in_a_process(env, "--input", str(backup), stdin="yes\n")
    assert result.returncode == 0, result.stderr
    assert users() == 0


def test_a_bad_backup_is_one_line_on_the_command_line(scratch_database, tmp_path):
    env, _, users = scratch_database
    truncated = tmp_path / "truncated.json"
    truncated.write_text('[{"model": "auth.user", "pk": 1, "fields": {"username": "x"')
    result = restore_in_a_process(env, "--input", str(truncated), "--yes", stdin=None)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("CommandError: The backup") and "nothing was changed" in line
    assert users() == 1
