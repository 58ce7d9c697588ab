"""Files that a spreadsheet opens: text it would read as a formula is neutralised.

A spreadsheet reads a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (and, in
some, a tab, a carriage return, ``|`` or ``%``) as a formula, which can fetch, send or
run things when the file is opened ("CSV" or "formula" injection). Anyone who can enter
an arrangement can put such text in a title, so every CSV, TSV and Excel file the
register produces (the list pages' downloads and the admin's "Export") writes each cell
through ``escape_cell``: the one rule, here and nowhere else.

The escaping is defusedcsv's: a leading apostrophe, which spreadsheets show as text.
Nothing is deleted, so nothing a user typed is lost: ``unescape_cell`` takes the
apostrophe off again, and the admin's import does, so an export imports unchanged.
Numbers stay numbers. JSON is data for programs, not a spreadsheet, and is left as it
is.

This module is imported by the settings (``EXPORT_FORMATS``), so it must not import
models or anything that reads the settings when imported.
"""

from __future__ import annotations

import io
import re

import tablib
from defusedcsv import csv as defused_csv
from django.utils.functional import Promise
from import_export.formats import base_formats

# What a spreadsheet may read as the start of a formula: OWASP's list (= + - @ tab and
# carriage return) and defusedcsv's (= + - @ | %).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")
# As in defusedcsv: text that is just a number ("-12.50", "-1,200") is a number to a
# spreadsheet, not a formula, and stays as it is.
PLAIN_NUMBER = re.compile(r"-?[0-9,.]+")


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text)


# The first characters that can make a cell a formula, or hide one behind apostrophes.
_RISKY_STARTS = frozenset(FORMULA_STARTS) | {"'"}


def escape_cell(value):
    """``value`` as a spreadsheet cell that is never a formula.

    Text a spreadsheet would read as a formula gets a leading apostrophe. So does text
    that already starts with apostrophes before such a start, so that ``unescape_cell``
    can always tell the two apart. Anything that is not text (a number, a date, None)
    is returned as it is."""
    if type(value) is str and (not value or value[0] not in _RISKY_STARTS):
        return value  # most cells: plain text, quickly
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and _formula_like(value.lstrip("'")):
        return "'" + value
    return value


def unescape_cell(value):
    """The inverse of ``escape_cell``: the value a user typed, from a cell we exported."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value.lstrip("'")):
        return value[1:]
    return value


def escape_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of a tablib dataset with every cell, headings included, through escape_cell."""
    escaped = tablib.Dataset(title=dataset.title)
    if dataset.headers:
        escaped.headers = [escape_cell(value) for value in dataset.headers]
    for row in dataset:
        escaped.append([escape_cell(value) for value in row])
    return escaped


class _EscapingWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([escape_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **fmtparams):
    """A CSV writer, defusedcsv's, writing every cell through ``escape_cell`` (which also
    covers the leading tab and carriage return that defusedcsv leaves alone)."""
    return _EscapingWriter(defused_csv.writer(stream, **fmtparams))


def dataset_as_csv(dataset: tablib.Dataset, delimiter: str = ",") -> str:
    """A tablib dataset as CSV (or TSV), headings first, as tablib writes it."""
    out = io.StringIO()
    writer = csv_writer(out, delimiter=delimiter)
    if dataset.headers:
        writer.writerow(dataset.headers)
    writer.writerows(dataset)
    return out.getvalue()


# --- The admin's "Export" (django-import-export) -------------------------------------
#
# The same formats as django-import-export's defaults, each writing escaped cells. Not
# its IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: in 4.4 that deletes a leading "=" (and
# only "="), turns every cell, numbers and empty ones included, into text, and applies
# to JSON too.


class CSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return dataset_as_csv(dataset, delimiter=",")


class TSV(base_formats.TSV):
    def export_data(self, dataset, **kwargs):
        return dataset_as_csv(dataset, delimiter="\t")


class _EscapedCells:
    def export_data(self, dataset, **kwargs):
        return super().export_data(escape_dataset(dataset), **kwargs)


class XLSX(_EscapedCells, base_formats.XLSX):
    pass


class XLS(_EscapedCells, base_formats.XLS):
    pass


class ODS(_EscapedCells, base_formats.ODS):
    pass


class HTML(_EscapedCells, base_formats.HTML):
    """Spreadsheets open HTML tables too, and read formulas in their cells."""


ESCAPED_FORMATS = {
    base_formats.CSV: CSV,
    base_formats.TSV: TSV,
    base_formats.XLSX: XLSX,
    base_formats.XLS: XLS,
    base_formats.ODS: ODS,
    base_formats.HTML: HTML,
}
# Data for programs, not spreadsheets: exported as they are, with no escaping.
DATA_FORMATS = (base_formats.JSON, base_formats.YAML)

# django-import-export writes numbers and dates as numbers and dates only in the formats
# it lists in BINARY_FORMATS, which it compares by exact class; without this, a savings
# amount would reach Excel as text.
for _base, _escaped in ESCAPED_FORMATS.items():
    if _base in base_formats.BINARY_FORMATS and _escaped not in base_formats.BINARY_FORMATS:
        base_formats.BINARY_FORMATS.append(_escaped)

#: The admin's export formats (settings.EXPORT_FORMATS): those of django-import-export's
#: defaults that the installed libraries can write (XLS and ODS need xlwt and odfpy).
ADMIN_EXPORT_FORMATS = [
    ESCAPED_FORMATS.get(fmt, fmt)
    for fmt in base_formats.DEFAULT_FORMATS
    if fmt in ESCAPED_FORMATS or fmt in DATA_FORMATS
]


class NoRows(ValueError):
    """A file with its column headings and no row under them."""


class _RowsRequired:
    """An import format that refuses a file with headings and no rows, so that the admin
    says so in words (register.importers.unreadable_file_message) rather than
    django-import-export's "No valid data to import"."""

    def create_dataset(self, in_stream, **kwargs):
        dataset = super().create_dataset(in_stream, **kwargs)
        if dataset.headers and not len(dataset):
            raise NoRows
        return dataset


class ImportCSV(_RowsRequired, base_formats.CSV):
    pass


class ImportXLSX(_RowsRequired, base_formats.XLSX):
    pass


#: The admin's import formats (settings.IMPORT_FORMATS): what a spreadsheet saves.
ADMIN_IMPORT_FORMATS = [ImportCSV, ImportXLSX]


# --- Streamed CSV of a table (the list pages' "CSV" download) --------------------------


class _Echo:
    """A file-like object whose write() returns what it was given, for streaming."""

    def write(self, value):
        return value


def stream_csv(table, chunk_size: int = 2000):
    """The table's export columns (headings and plain-text values, through the table's
    ``value_`` methods) for every row of its data, in the table's order, each cell
    written through ``escape_cell``. The rows are read through a cursor in chunks, and
    the table's ``prepare_export_rows(chunk)``, where it has one, attaches what they
    show from other tables, so memory stays flat whatever the size. Built from the
    table's own columns, so a column added to the table is exported too."""
    # Every column, hidden ones included (export-only figures), as django-tables2's own
    # exports take them.
    columns = [c for c in table.columns.iterall() if not c.column.exclude_from_export]
    writer = csv_writer(_Echo())
    yield writer.writerow([str(c.header) for c in columns])
    chunk = []
    for record in table.data.data.iterator(chunk_size=chunk_size):
        chunk.append(record)
        if len(chunk) == chunk_size:
            yield from _rows(table, columns, writer, chunk)
            chunk = []
    yield from _rows(table, columns, writer, chunk)


def _rows(table, columns, writer, records):
    prepare = getattr(table, "prepare_export_rows", None)
    if records and prepare is not None:
        prepare(records)  # what the chunk's rows show from other tables
    values = [table.value_getter(c.name) for c in columns]
    # One piece of the response per chunk, not per row: a national list is 50,000 rows.
    yield "".join(writer.writerow([value(record) for value in values]) for record in records)
