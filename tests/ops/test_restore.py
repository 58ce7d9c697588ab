"""A restore that cannot finish changes nothing, and says why in one line."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Answering the question: run as `make restore` runs it, in its own process, against a
# database of its own (a restore that went ahead would empty it).


def environment(path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return env | {"DATABASE_URL": f"sqlite:///{path}", "REGISTER_CACHE_SECONDS": "0"}


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


@pytest.fixture
def scratch_database(migrated, tmp_path):
    """A copy of that database for one test, its environment, and an empty backup."""
    path = tmp_path / "scratch.sqlite3"
    shutil.copyfile(migrated, path)
    backup = tmp_path / "empty.json"
    backup.write_text("[]")

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
