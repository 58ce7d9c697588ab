"""Exports of a table: built from the table's own columns, so a new column exports too."""

from __future__ import annotations

import csv


class _Echo:
    """A file-like object whose write() returns what it was given, for streaming."""

    def write(self, value):
        return value


def stream_csv(table, chunk_size: int = 2000):
    """The table's export columns (headings and plain-text values, through the table's
    ``value_`` methods) for every row of its data, in the table's order. The rows are
    read through a cursor in chunks, with their prefetches per chunk, so memory stays
    flat whatever the size."""
    columns = [c for c in table.columns if not c.column.exclude_from_export]
    writer = csv.writer(_Echo())
    yield writer.writerow([str(c.header) for c in columns])
    for record in table.data.data.iterator(chunk_size=chunk_size):
        yield writer.writerow([table.value_for(c.name, record) for c in columns])
