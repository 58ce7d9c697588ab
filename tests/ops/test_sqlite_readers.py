"""On SQLite, reading is not held up by a write: a background import's transaction can
last minutes, and every page (its own progress page too) must still answer."""

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="PostgreSQL never holds up a reader for a writer",
    ),
    # Its own database file, not the tests' database; marked so that it runs wherever
    # the tests that reach a database run (on SQLite too).
    pytest.mark.django_db,
]


def connect(path):
    """A connection to the database file ``path`` as the register makes one."""
    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(path)})
    wrapper.settings_dict["OPTIONS"] = {
        **wrapper.settings_dict["OPTIONS"],
        "timeout": 1,  # a reader held up fails in a second, not twenty
    }
    return wrapper


def test_a_reader_reads_while_a_long_write_transaction_is_open(tmp_path):
    path = tmp_path / "register.sqlite3"
    writer, reader = connect(path), connect(path)
    try:
        with writer.cursor() as cursor:
            cursor.execute("CREATE TABLE job (id INTEGER PRIMARY KEY, note TEXT)")
            cursor.execute("INSERT INTO job (note) VALUES ('queued')")
        writer.set_autocommit(False)
        with writer.cursor() as cursor:
            # An import's worth of writing: more than SQLite keeps in memory, so that
            # without a write-ahead log it writes into the database file itself, and
            # locks every reader out, long before the transaction ends.
            cursor.execute("PRAGMA cache_size = 10")
            for _ in range(200):
                cursor.execute("INSERT INTO job (note) VALUES (?)", ["x" * 4000])
            with reader.cursor() as reading:
                reading.execute("SELECT note FROM job ORDER BY id LIMIT 1")
                assert reading.fetchone() == ("queued",)  # what was committed, at once
                reading.execute("SELECT COUNT(*) FROM job")
                assert reading.fetchone() == (1,)  # not what is still being written
        writer.rollback()
    finally:
        writer.close()
        reader.close()
