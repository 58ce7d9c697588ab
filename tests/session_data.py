"""The data every test starts from, loaded once per test session (per xdist worker).

After pytest-django has created and migrated the test database, `SessionData.load()` runs
the set-up commands once and commits what they load: the reference data (tiers, regions,
service areas), the 376 authorities and the seed papers. Every test's transaction, rolled
back at its end, starts from them.

Stages. Many tests want less: the small register of tests/factories.py stands on the
reference data alone, and the importer's tests import into an empty table. Loading notes
which rows each command added, so that a test can step back to an earlier stage inside
its own transaction (`narrow`): the rows the later commands added are deleted, and the
test's rollback brings them back for the next test. Loading checks that each command
only added rows (with higher primary keys than any before) and changed no earlier one,
so that deleting what a command added leaves exactly the state before it ran.

Commits. A transactional test (django_db(transaction=True), transactional_db,
live_server) commits, and Django would empty every table after it. `restore()` puts back
instead, from a copy taken after loading, exactly what was loaded, so the tests after it
find it again, whatever the order they run in (tests/conftest.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connections, transaction

STAGES = ("reference", "authorities", "seed")
COMMANDS = {
    "reference": "load_reference",
    "authorities": "import_authorities",
    "seed": "load_seed",
}
# Tables whose rows a later command may change in place (none: each only adds rows).
CHANGED_IN_PLACE: set[str] = set()


@dataclass
class Table:
    name: str
    pk: str
    columns: list[str]
    rows: list[tuple]  # every row after the last stage, by primary key
    highest: dict[str, object]  # stage -> the highest primary key after it (None: no rows)


class SessionDataError(RuntimeError):
    pass


class SessionData:
    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.tables: dict[str, Table] = {}
        self.reports: dict[str, str] = {}  # stage -> what its command printed

    @property
    def connection(self):
        return connections[self.alias]

    # --- Loading -------------------------------------------------------------------

    def load(self) -> None:
        from register.models import Tier

        if Tier.objects.using(self.alias).exists():
            # A kept test database (--reuse-db) holds the last run's data: start empty.
            call_command("flush", interactive=False, verbosity=0, database=self.alias)
        states = {"migrated": self._read()}
        previous = "migrated"
        for stage in STAGES:
            out = io.StringIO()
            call_command(COMMANDS[stage], stdout=out)
            self.reports[stage] = out.getvalue()
            states[stage] = self._read()
            self._check_only_added(states[previous], states[stage], stage)
            previous = stage
        final = states[STAGES[-1]]
        for name, (pk, columns, rows) in final.items():
            highest = {}
            for stage in STAGES:
                if name in CHANGED_IN_PLACE:
                    highest[stage] = max(final[name][2], default=None)
                else:
                    highest[stage] = max(states[stage][name][2], default=None)
            self.tables[name] = Table(
                name=name,
                pk=pk,
                columns=columns,
                rows=list(rows.values()),
                highest=highest,
            )

    def _table_names(self) -> list[str]:
        return sorted(
            self.connection.introspection.django_table_names(
                only_existing=True, include_views=False
            )
        )

    def _read(self) -> dict[str, tuple[str, list[str], dict[object, tuple]]]:
        """Every row of every table: name -> (primary key, columns, {key: row})."""
        connection = self.connection
        quote = connection.ops.quote_name
        state = {}
        with connection.cursor() as cursor:
            for name in self._table_names():
                pk = connection.introspection.get_primary_key_column(cursor, name)
                if pk is None:
                    raise SessionDataError(f"{name} has no primary key to order its rows by")
                generated = self._generated_columns(cursor, name)
                cursor.execute(f"SELECT * FROM {quote(name)} ORDER BY {quote(pk)} LIMIT 0")
                columns = [c[0] for c in cursor.description if c[0] not in generated]
                listed = ", ".join(quote(column) for column in columns)
                cursor.execute(f"SELECT {listed} FROM {quote(name)} ORDER BY {quote(pk)}")
                at = columns.index(pk)
                state[name] = (pk, columns, {row[at]: tuple(row) for row in cursor.fetchall()})
        return state

    def _generated_columns(self, cursor, table: str) -> set[str]:
        """Columns the database computes (the arrangement's stored search vector on
        PostgreSQL): they cannot be written, and are computed again when rows go back."""
        if self.connection.vendor != "postgresql":
            return set()
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s"
            " AND is_generated = 'ALWAYS'",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}

    @staticmethod
    def _check_only_added(before, after, stage) -> None:
        for name, (_pk, _columns, rows) in after.items():
            if name in CHANGED_IN_PLACE:
                continue
            earlier = before[name][2]
            changed = [key for key, row in earlier.items() if rows.get(key) != row]
            if changed:
                raise SessionDataError(
                    f"`{COMMANDS[stage]}` changed or removed rows of {name} that an earlier "
                    f"command loaded (keys {changed[:5]}): a test could not step back to "
                    "the state before it by deleting what it added."
                )
            added = [key for key in rows if key not in earlier]
            if not added:
                continue
            if not all(isinstance(key, int) for key in added):
                raise SessionDataError(
                    f"{name}: rows added by `{COMMANDS[stage]}` lack integer keys"
                )
            if earlier and min(added) <= max(earlier):
                raise SessionDataError(
                    f"{name}: `{COMMANDS[stage]}` added rows below the highest key before it"
                )

    # --- Stepping back, inside a test ----------------------------------------------

    def narrow(self, current: str, stage: str) -> None:
        """Delete the rows the stages after `stage`, up to `current`, added. Inside a
        test's transaction the deletion is rolled back with it."""
        quote = self.connection.ops.quote_name
        # One transaction: the foreign keys are checked at its end, when every row that
        # referred to a deleted one is gone too.
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            for table in self.tables.values():
                low, high = table.highest[stage], table.highest[current]
                if high is None or low == high:
                    continue
                where = f"{quote(table.pk)} <= %s"
                params = [high]
                if low is not None:
                    where = f"{quote(table.pk)} > %s AND " + where
                    params.insert(0, low)
                cursor.execute(f"DELETE FROM {quote(table.name)} WHERE {where}", params)

    # --- After a flush ---------------------------------------------------------------

    def restore(self) -> None:
        """Put back exactly the rows loaded at the start, and nothing else."""
        from django.contrib.contenttypes.models import ContentType

        connection = self.connection
        quote = connection.ops.quote_name
        limit = connection.features.max_query_params or 10000
        # One transaction: the foreign keys are checked once every row is back.
        with transaction.atomic(using=self.alias), connection.cursor() as cursor:
            # DELETE, not TRUNCATE: after a flush the tables hold a few rows at most, and
            # PostgreSQL takes the best part of a second to truncate them all.
            for table in self.tables.values():
                cursor.execute(f"DELETE FROM {quote(table.name)}")
            for table in self.tables.values():
                if not table.rows:
                    continue
                width = len(table.columns)
                per_statement = max(1, min(500, limit // width))
                columns = ", ".join(quote(column) for column in table.columns)
                row_sql = "(" + ", ".join(["%s"] * width) + ")"
                for start in range(0, len(table.rows), per_statement):
                    chunk = table.rows[start : start + per_statement]
                    cursor.execute(
                        f"INSERT INTO {quote(table.name)} ({columns}) VALUES "
                        + ", ".join([row_sql] * len(chunk)),
                        [value for row in chunk for value in row],
                    )
        # Content types are cached by key, and a flush gives them new ones.
        ContentType.objects.clear_cache()
