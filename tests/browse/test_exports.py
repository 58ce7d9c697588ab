"""Exports are built from the table's own columns: a column added to the table exports."""

import csv
import io

import django_tables2 as tables
import pytest

from register import selectors
from register.exports import stream_csv
from register.models import Arrangement
from register.tables import ArrangementTable
from tests.factories import body

pytestmark = pytest.mark.django_db


def read_csv(text):
    return list(csv.reader(io.StringIO(text)))


def test_a_column_added_to_the_table_is_in_the_csv(register):
    Arrangement.objects.filter(pk=register.legal.pk).update(governance="A joint board")

    class WiderTable(ArrangementTable):
        governance = tables.Column(verbose_name="How it is governed")

        class Meta(ArrangementTable.Meta):
            sequence = (*ArrangementTable.Meta.sequence, "governance")

    table = WiderTable(selectors.visible_arrangement_rows(None))
    rows = read_csv("".join(stream_csv(table)))
    assert rows[0][-1] == "How it is governed"
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["Shared legal team"][-1] == "A joint board"
    assert by_title["Fostering framework"][-1] == ""


def test_the_csv_has_every_column_of_the_table_and_every_filtered_row(client, register):
    rows = read_csv(body(client.get("/arrangements/", {"_export": "csv", "status": "operational"})))
    table = ArrangementTable(Arrangement.objects.none())
    assert rows[0] == [
        str(c.header) for c in table.columns.iterall() if not c.column.exclude_from_export
    ]
    assert sorted(row[0] for row in rows[1:]) == ["Shared legal team"]  # exempt one hidden
