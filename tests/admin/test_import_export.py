"""Bulk import and export: all or nothing, every error with its row, round trips change nothing."""

import html
import io

import pytest
import tablib
from django.contrib.auth.models import User
from django.db import connection

from register.importers import ArrangementResource, SavingResource, template_csv
from register.models import Arrangement, Membership, Saving

pytestmark = pytest.mark.django_db

HEADERS = ArrangementResource().get_export_headers()


def dataset(rows, headers=HEADERS):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append([row.get(h, "") for h in headers])
    return data


GOOD = [
    {
        "slug": "joint-audit",
        "title": "Joint audit",
        "kind": "shared_service",
        "status": "operational",
        "service_areas": "audit;finance",
        "partners": "ALP:lead;BET",
        "partnership": "northern",
        "objectives": "Save money\nShare staff",
        "exempt": "0",
    },
    {
        "slug": "joint-ict",
        "title": "Joint ICT",
        "kind": "shared_service",
        "status": "proposed",
        "service_areas": "ict",
        "partners": "GAM:host;DEL:partner",
        "start_date": "2012-04-01",
        "start_precision": "month",
        "exempt": "0",
    },
]


def test_a_good_file_is_imported_with_partners_and_areas(register):
    result = ArrangementResource().import_data(dataset(GOOD), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    audit = Arrangement.objects.get(slug="joint-audit")
    assert set(audit.memberships.values_list("authority__code", "role")) == {
        ("ALP", "lead"),
        ("BET", "partner"),
    }
    assert set(audit.service_areas.values_list("slug", flat=True)) == {"audit", "finance"}
    assert audit.objectives == ["Save money", "Share staff"]
    assert Arrangement.objects.get(slug="joint-ict").start_display == "April 2012"


@pytest.mark.parametrize(
    "bad, column, message",
    [
        ({"status": "banana"}, "status", "is not a valid choice"),
        ({"partners": "ALP:lead;ZZZ"}, "partners", "No authority has the code 'ZZZ'."),
        ({"partners": "ALP:boss"}, "partners", "'boss' is not a role"),
        ({"partners": "ALP:lead;BET:lead"}, "partners", "Only one partner can be the lead."),
        (
            {"start_date": "2012-04-01", "end_date": "2011-01-01"},
            "end_date",
            "The end date cannot be before the start date.",
        ),
        ({"service_areas": "nowhere"}, "service_areas", ""),
        ({"partnership": "nowhere"}, "partnership", "No partnership has the slug 'nowhere'."),
        ({"parent": "no-such-thing"}, "parent", "No arrangement has the slug 'no-such-thing'."),
        ({"parent": "joint-ict"}, "parent", "An arrangement cannot be its own parent."),
        ({"exempt": ""}, "exempt", "A blank cell is neither yes (1) nor no (0)"),
        ({"exempt": "x"}, "exempt", "'x' is neither yes (1) nor no (0)"),
        ({"exempt": "2"}, "exempt", "'2' is neither yes (1) nor no (0)"),
        ({"exempt": "None"}, "exempt", "'None' is neither yes (1) nor no (0)"),
        ({"open_to_members": "maybe"}, "open_to_members", "'maybe' is neither yes"),
    ],
)
def test_one_bad_row_rejects_the_whole_file_and_says_where(register, bad, column, message):
    rows = [dict(GOOD[0]), dict(GOOD[1], **bad)]
    before = (Arrangement.objects.count(), Membership.objects.count())
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert result.has_errors() or result.has_validation_errors()
    assert (Arrangement.objects.count(), Membership.objects.count()) == before
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    row_errors = {
        number: str(error.error) for number, errs in result.row_errors() for error in errs
    }
    if errors:
        assert (2, column) in errors and message in errors[(2, column)]
    else:
        assert 2 in row_errors and message in row_errors[2]


def test_a_parent_in_a_later_row_is_explained_and_an_earlier_one_imports(register):
    first, second = dict(GOOD[0], parent="joint-ict"), dict(GOOD[1])
    result = ArrangementResource().import_data(dataset([first, second]), dry_run=False)
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert "Its parent, 'joint-ict', is row 2 of the file, after this one" in errors[(1, "parent")]
    assert not Arrangement.objects.filter(slug__in=["joint-audit", "joint-ict"]).exists()
    result = ArrangementResource().import_data(dataset([second, first]), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Arrangement.objects.get(slug="joint-audit").parent.slug == "joint-ict"


def test_rows_that_make_a_loop_of_parents_are_refused_in_words(register):
    two = [dict(GOOD[0], parent="joint-ict"), dict(GOOD[1], parent="joint-audit")]
    third = dict(GOOD[1], slug="joint-hr", title="Joint HR", parent="joint-audit")
    three = [dict(GOOD[0], parent="joint-ict"), dict(GOOD[1], parent="joint-hr"), third]
    for rows in (two, two[::-1], three, three[::-1]):
        result = ArrangementResource().import_data(dataset(rows), dry_run=False)
        messages = " ".join(
            " ".join(m) for invalid in result.invalid_rows for m in invalid.error_dict.values()
        )
        assert "make a loop of parents: joint-audit -> joint-ict" in messages
        assert "put the parent's row first" not in messages
    assert "joint-audit -> joint-ict -> joint-hr -> joint-audit" in messages
    assert not Arrangement.objects.filter(slug__startswith="joint-").exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("arrangement", "no-such-thing", "No arrangement has the slug 'no-such-thing'."),
        ("authority", "ZZZ", "No authority has the code 'ZZZ'."),
        ("source", "no-such-paper", "No source has the slug 'no-such-paper'."),
    ],
)
def test_a_saving_for_a_record_that_does_not_exist_is_refused_in_its_column(
    register, column, value, message
):
    row = {
        "arrangement": register.legal.slug,
        "amount": "1000",
        "qualifier": "exactly",
        "period": "not_stated",
        "basis": "estimated",
        column: value,
    }
    headers = SavingResource().get_export_headers()
    count = Saving.objects.count()
    result = SavingResource().import_data(dataset([row], headers=headers), dry_run=False)
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert message in errors[(1, column)], errors
    assert not result.has_errors()  # an error in a column, not one for the whole file
    assert Saving.objects.count() == count


def test_text_that_looks_like_a_formula_goes_out_escaped_and_comes_back_as_typed(register):
    """The admin's CSV export puts an apostrophe before text a spreadsheet would run as a
    formula; importing that file gives back exactly what was typed, changing nothing."""
    from register.exports import CSV

    typed = {
        "title": '=HYPERLINK("http://x")',
        "summary": "-2 staff, +1 post",
        "governance": "@board",
    }
    Arrangement.objects.filter(pk=register.legal.pk).update(**typed)
    text = CSV().export_data(ArrangementResource().export())
    assert "'=HYPERLINK" in text and "'-2 staff" in text and "'@board" in text
    version = Arrangement.objects.get(pk=register.legal.pk).version
    result = ArrangementResource().import_data(tablib.Dataset().load(text, "csv"), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    legal = Arrangement.objects.get(pk=register.legal.pk)
    assert {name: getattr(legal, name) for name in typed} == typed
    assert legal.version == version  # nothing changed, so nothing was saved


def test_review_and_break_dates_and_how_to_leave_are_imported_and_exported(register):
    rows = [
        GOOD[0] | {"review_date": "2013-03-31", "break_date": "2014-04-01"},
        GOOD[1] | {"how_to_leave": "Twelve months' notice\nin writing"},
    ]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    audit = Arrangement.objects.get(slug="joint-audit")
    assert (str(audit.review_date), str(audit.break_date)) == ("2013-03-31", "2014-04-01")
    assert Arrangement.objects.get(slug="joint-ict").how_to_leave == (
        "Twelve months' notice\nin writing"
    )
    exported = ArrangementResource().export().dict
    by_slug = {row["slug"]: row for row in exported}
    assert by_slug["joint-audit"]["review_date"] == "2013-03-31"
    assert by_slug["joint-ict"]["how_to_leave"] == "Twelve months' notice\nin writing"
    bad = ArrangementResource().import_data(
        dataset([GOOD[0] | {"review_date": "31st of never"}]), dry_run=True
    )
    assert bad.has_validation_errors()
    assert "review_date" in bad.invalid_rows[0].field_specific_errors


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"review_date": "0001-01-01"}, "review_date"),
        ({"break_date": "9999-12-31"}, "break_date"),
        ({"break_date": "2031-04-01", "end_date": "2030-03-31"}, "break_date"),
    ],
)
def test_an_implausible_review_or_break_date_is_refused_and_nothing_imported(
    register, dates, field
):
    count = Arrangement.objects.count()
    result = ArrangementResource().import_data(dataset([GOOD[1], GOOD[0] | dates]), dry_run=False)
    assert result.has_validation_errors()
    said = " ".join(result.invalid_rows[0].field_specific_errors[field])
    assert "give a date between 1900 and 2100" in said or "after the arrangement ends" in said
    assert Arrangement.objects.count() == count


def test_reimporting_an_export_changes_nothing(register):
    ArrangementResource().import_data(dataset(GOOD), dry_run=False)
    exported = ArrangementResource().export()
    before = {
        "arrangements": list(Arrangement.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "history": Arrangement.history.count(),
    }
    result = ArrangementResource().import_data(
        tablib.Dataset().load(exported.csv, "csv"), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    after = {
        "arrangements": list(Arrangement.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "history": Arrangement.history.count(),
    }
    assert after == before


def test_savings_round_trip_and_bad_rows(register):
    exported = SavingResource().export()
    count = Saving.objects.count()
    result = SavingResource().import_data(tablib.Dataset().load(exported.csv, "csv"), dry_run=False)
    assert not result.has_errors() and {row.import_type for row in result.rows} == {"skip"}
    bad = tablib.Dataset(headers=SavingResource().get_export_headers())
    bad.append(
        [
            "",
            register.legal.slug,
            "",
            "",
            "",
            "",
            "exactly",
            "not_stated",
            "",
            "estimated",
            "",
            "",
            "",
        ]
    )
    result = SavingResource().import_data(bad, dry_run=False)
    assert result.has_validation_errors()
    assert Saving.objects.count() == count


def test_admin_offers_import_with_preview_a_template_and_export(client, register):
    admin = User.objects.create_superuser("boss", password="a long enough password 1")
    client.force_login(admin)
    assert client.get("/admin/register/arrangement/import/").status_code == 200
    template = client.get("/admin/register/arrangement/import-template/")
    assert template.content.decode().strip() == template_csv(ArrangementResource).strip()
    assert template.content.decode().startswith("slug,title,summary")
    # The admin's import: upload, preview (dry run), nothing written yet.
    upload = io.BytesIO(dataset(GOOD).csv.encode())
    upload.name = "arrangements.csv"
    response = client.post(
        "/admin/register/arrangement/import/",
        {
            "resource": 0,
            "format": 0,
            "import_file": upload,
        },
    )
    assert response.status_code == 200
    assert "joint-audit" in response.content.decode()
    assert not Arrangement.objects.filter(slug="joint-audit").exists()


def test_excel_files_import_too(register):
    ArrangementResource().import_data(dataset(GOOD), dry_run=False)
    workbook = ArrangementResource().export().xlsx
    Arrangement.objects.filter(slug__in=["joint-audit", "joint-ict"]).delete()
    result = ArrangementResource().import_data(
        tablib.Dataset().load(workbook, "xlsx"), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    audit = Arrangement.objects.get(slug="joint-audit")
    assert set(audit.memberships.values_list("authority__code", flat=True)) == {"ALP", "BET"}


# --- Changing an arrangement's lead by import -------------------------------------------


def exported_row(arrangement, **changes) -> dict:
    """An arrangement's row as the export writes it, with some cells changed."""
    data = ArrangementResource().export(queryset=Arrangement.objects.filter(pk=arrangement.pk))
    return dict(zip(data.headers, data[0], strict=True)) | changes


def roles(arrangement) -> set:
    return set(arrangement.memberships.values_list("authority__code", "role"))


def state() -> dict:
    return {
        "arrangements": list(Arrangement.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
    }


@pytest.mark.parametrize(
    "partners, expected",
    [
        # A new lead; the old lead named without a role becomes a partner.
        ("GAM:lead;ALP;BET:partner", {("GAM", "lead"), ("ALP", "partner"), ("BET", "partner")}),
        # The file gives the old lead another role.
        ("GAM:lead;ALP:host;BET", {("GAM", "lead"), ("ALP", "host"), ("BET", "partner")}),
        # The old lead left out: it is no longer a member, as for any partner left out.
        ("BET:partner;GAM:lead", {("GAM", "lead"), ("BET", "partner")}),
    ],
)
def test_import_changes_the_lead(register, partners, expected):
    assert roles(register.legal) == {("ALP", "lead"), ("BET", "partner")}
    result = ArrangementResource().import_data(
        dataset([exported_row(register.legal, partners=partners)]), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert roles(register.legal) == expected


def test_import_swaps_the_lead_between_two_partners(register):
    # The lead first in the file, then the old lead: the order in the file does not matter.
    rows = [
        exported_row(register.legal, partners="BET:lead;ALP:partner"),
        exported_row(register.workstream, partners="GAM:partner;ALP:partner;BET:partner"),
        exported_row(register.fostering, partners="GAM:partner;DEL:lead;ALP"),
    ]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert roles(register.legal) == {("BET", "lead"), ("ALP", "partner")}
    assert roles(register.workstream) == {
        ("ALP", "partner"),
        ("BET", "partner"),
        ("GAM", "partner"),
    }
    assert roles(register.fostering) == {("DEL", "lead"), ("GAM", "partner"), ("ALP", "partner")}
    # And back again: the old lead steps up as the new one steps down.
    result = ArrangementResource().import_data(
        dataset([exported_row(register.legal, partners="ALP:lead;BET")]), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert roles(register.legal) == {("ALP", "lead"), ("BET", "partner")}


def test_two_rows_for_one_record_are_refused_not_the_last_one_kept(register):
    rows = [
        exported_row(register.legal, partners="BET:lead;ALP", title="Dup one"),
        exported_row(register.legal, partners="ALP:lead;BET", title="Dup two"),
    ]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert result.has_validation_errors()
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert "Row 1 is for the same record" in errors[(2, "slug")]
    register.legal.refresh_from_db()
    assert register.legal.title == "Shared legal team"
    assert roles(register.legal) == {("ALP", "lead"), ("BET", "partner")}
    saving = register.legal.savings.first()
    twice = tablib.Dataset(headers=SavingResource().get_export_headers())
    for _ in range(2):
        twice.append(SavingResource().export_resource(saving))
    assert SavingResource().import_data(twice, dry_run=False).has_validation_errors()


def test_import_cannot_take_out_a_partner_that_has_savings_of_its_own(register):
    Saving.objects.create(
        arrangement=register.legal, authority=register.beta, amount=500, basis="estimated"
    )
    result = ArrangementResource().import_data(
        dataset([exported_row(register.legal, partners="ALP:lead")]), dry_run=False
    )
    assert result.has_validation_errors()
    messages = " ".join(
        " ".join(m) for invalid in result.invalid_rows for m in invalid.error_dict.values()
    )
    assert "has 1 saving recorded in this arrangement" in messages
    assert roles(register.legal) == {("ALP", "lead"), ("BET", "partner")}


def one_host_per_arrangement():
    """A rule the database keeps and the import's own checks know nothing about, as any
    rule missed by them would be: at most one host per arrangement. The same SQL on
    SQLite and PostgreSQL; dropped with the test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL will not index a table with foreign-key checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "CREATE UNIQUE INDEX test_one_host ON register_membership (arrangement_id) "
            "WHERE role = 'host'"
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.parametrize(
    "bad_partners, rule",
    [
        ("GAM:lead;ALP:lead;DEL", "Only one partner can be the lead."),
        ("GAM:lead;ALP:host;DEL:host", None),  # refused by the database itself
    ],
)
def test_a_row_that_breaks_a_rule_rejects_the_file_and_says_row_and_column(
    register, bad_partners, rule
):
    one_host_per_arrangement()
    before = state()
    rows = [
        exported_row(register.legal, partners="BET:lead;ALP:partner"),  # fine on its own
        exported_row(register.fostering, partners=bad_partners),
    ]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert result.has_validation_errors()
    assert not result.has_errors(), [str(e.error) for _, errs in result.row_errors() for e in errs]
    assert state() == before  # the first row's change of lead is rolled back with the rest
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert list(errors) == [(2, "partners")]
    message = errors[(2, "partners")]
    if rule:
        assert rule in message
    for raw in ("UNIQUE", "constraint", "duplicate key", "register_membership", "test_one_host"):
        assert raw not in message


def test_admin_import_reports_a_database_refusal_by_row_and_column(client, register):
    one_host_per_arrangement()
    admin = User.objects.create_superuser("boss", password="a long enough password 1")
    client.force_login(admin)
    before = state()
    upload = io.BytesIO(
        dataset(
            [exported_row(register.fostering, partners="GAM:lead;ALP:host;DEL:host")]
        ).csv.encode()
    )
    upload.name = "arrangements.csv"
    response = client.post(
        "/admin/register/arrangement/import/",
        {"resource": 0, "format": 0, "import_file": upload},
    )
    assert response.status_code == 200
    page = response.content.decode()
    # The preview's table of invalid rows: row 1, column "partners", our message.
    assert "<td>1 </td>" in page
    assert '<span class="validation-error-field-label">partners</span>' in page
    assert "could not save this row&#x27;s partners" in page
    for raw in ("UNIQUE", "constraint failed", "duplicate key", "test_one_host"):
        assert raw not in page
    assert 'name="import_file_name"' not in page  # no confirm form: nothing can be imported
    assert state() == before


def test_a_database_refusal_of_the_row_itself_names_its_column(client, register):
    """Titles unique by a rule only the database knows: the refused save is undone to a
    savepoint, so on PostgreSQL the import's transaction stays usable and the admin
    answers with the row and column rather than failing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE UNIQUE INDEX test_unique_title ON register_arrangement (title)")
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    before = state()
    rows = [
        exported_row(register.legal, partners="BET:lead;ALP"),
        exported_row(register.fostering, title=register.workstream.title),
    ]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors()
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert list(errors) == [(2, "title")]
    assert "test_unique_title" not in errors[(2, "title")]
    assert state() == before

    admin = User.objects.create_superuser("boss", password="a long enough password 1")
    client.force_login(admin)
    upload = io.BytesIO(dataset(rows).csv.encode())
    upload.name = "arrangements.csv"
    response = client.post(
        "/admin/register/arrangement/import/",
        {"resource": 0, "format": 0, "import_file": upload},
    )
    assert response.status_code == 200
    assert '<span class="validation-error-field-label">title</span>' in response.content.decode()
    assert state() == before


def test_a_nul_character_is_refused_by_row_and_column_on_every_database(register):
    before = state()
    rows = [exported_row(register.legal, title="Shared\x00legal team")]
    result = ArrangementResource().import_data(dataset(rows), dry_run=False)
    assert not result.has_errors()
    errors = {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }
    assert list(errors) == [(1, "title")]
    assert state() == before


def test_a_file_with_other_columns_is_refused_by_name_without_a_traceback(client, register, roles):
    from tests.admin.test_admin import staff

    result = ArrangementResource().import_data(
        tablib.Dataset(["1", "2"], headers=["foo", "bar"]), dry_run=True
    )
    assert result.has_errors()
    message = str(result.base_errors[0].error)
    assert "it has no slug column" in message and "not the import's: foo, bar" in message
    client.force_login(staff("importer", "Administrator"))
    response = client.post(
        "/admin/register/arrangement/import/",
        {
            "resource": "0",
            "format": "0",
            "import_file": io.BytesIO(b"foo,bar\n1,2\n"),
        },
    )
    page = response.content.decode()
    assert "it has no slug column" in page
    assert "Traceback" not in page and "site-packages" not in page


def import_page(client, content, file_format):
    """An administrator's import of a file (bytes, or a function making them) in the
    format chosen ("0" CSV, "1" Excel): the response, and its text with entities read."""
    from tests.admin.test_admin import staff

    client.force_login(staff("importer", "Administrator"))
    content = content() if callable(content) else content
    response = client.post(
        "/admin/register/arrangement/import/",
        {"resource": "0", "format": file_format, "import_file": io.BytesIO(content)},
    )
    assert response.status_code == 200
    return response, html.unescape(response.content.decode())


def workbook(rows) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "file_format", "said"),
    [
        (
            "slug,title\njoint-caf\u00e9,Caf\u00e9 \u2013 shared\n".encode("cp1252"),
            "0",
            "not saved as UTF-8 text",
        ),
        (b"slug,title\njoint-audit,Joint audit\n", "1", "not an Excel workbook (.xlsx)"),
        (lambda: workbook([["slug", "title"], ["joint-audit", "Joint audit"]]), "0", "choose xlsx"),
        (lambda: workbook([]), "1", "The first sheet of this workbook is empty"),
        (b"slug,title\n", "0", "has its column headings but no rows under them"),
        (lambda: workbook([["slug", "title"]]), "1", "has its column headings but no rows"),
        (
            b"slug,title\njoint-audit," + b"x" * 140_000 + b"\n",
            "0",
            "A cell in this file is longer than 131,072 characters",
        ),
    ],
    ids=[
        "Windows CSV",
        "CSV chosen as Excel",
        "Excel chosen as CSV",
        "empty Excel",
        "CSV of headings only",
        "workbook of headings only",
        "long cell",
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_words(
    client, register, roles, content, file_format, said
):
    before = Arrangement.objects.count()
    response, page = import_page(client, content, file_format)
    assert said in page and "nothing was imported" in page
    assert "encountered while trying to read" not in page and "Error" not in page
    assert Arrangement.objects.count() == before


def test_the_admin_imports_only_csv_and_excel(client, register, roles):
    from tests.admin.test_admin import staff

    client.force_login(staff("importer", "Administrator"))
    form = client.get("/admin/register/arrangement/import/").context["form"]
    offered = [label for _, label in form.fields["format"].choices if label.strip("-")]
    assert offered == ["csv", "xlsx"]


def test_a_slug_in_capitals_is_refused_not_a_second_record(register):
    before = Arrangement.objects.count()
    row = exported_row(register.legal, slug=register.legal.slug.upper(), title="Upper copy")
    result = ArrangementResource().import_data(dataset([row]), dry_run=False)
    assert result.has_validation_errors()
    messages = " ".join(
        " ".join(m) for invalid in result.invalid_rows for m in invalid.error_dict.values()
    )
    assert "Use lower-case letters" in messages
    assert Arrangement.objects.count() == before


@pytest.mark.parametrize(
    ("content", "file_format", "said"),
    [
        (b",\nslug,title\njoint-audit,Joint audit\n", "0", "its first row is empty"),
        (
            lambda: workbook([["", ""], ["slug", "title"], ["joint-audit", "Joint audit"]]),
            "1",
            "its first row is empty",
        ),
        (
            b"slug,,title\njoint-audit,,Joint audit\n",
            "0",
            "not the import's: a column with no heading (column 2)",
        ),
    ],
    ids=["CSV with an empty first row", "workbook with an empty first row", "a blank heading"],
)
def test_headings_missing_from_the_first_row_are_explained(
    client, register, roles, content, file_format, said
):
    before = Arrangement.objects.count()
    response, page = import_page(client, content, file_format)
    assert said in page and "the template has them" in page
    assert "not the import's: , " not in page
    assert Arrangement.objects.count() == before


@pytest.mark.parametrize("value", ["1", "yes", "Yes", "TRUE", "y", True, 1])
def test_exempt_is_read_as_yes_only_from_a_yes(register, value):
    result = ArrangementResource().import_data(
        dataset([dict(GOOD[0], exempt=value)]), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Arrangement.objects.get(slug="joint-audit").exempt is True


def test_a_workbook_s_true_and_false_cells_are_read_as_yes_and_no(register):
    content = workbook(
        [
            ["slug", "title", "kind", "status", "exempt"],
            ["joint-audit", "Joint audit", "shared_service", "operational", True],
            ["joint-ict", "Joint ICT", "shared_service", "proposed", False],
        ]
    )
    from import_export.formats.base_formats import XLSX

    result = ArrangementResource().import_data(XLSX().create_dataset(content), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert dict(
        Arrangement.objects.filter(slug__startswith="joint-").values_list("slug", "exempt")
    ) == {
        "joint-audit": True,
        "joint-ict": False,
    }


def test_a_confirmation_whose_file_is_gone_starts_again_in_words(client, register, roles):
    """The preview's file is removed once its import is confirmed: a confirmation sent
    again, or naming a file that is not there, is told to choose the file again."""
    from tests.admin.test_admin import staff

    client.force_login(staff("importer", "Administrator"))
    before = Arrangement.objects.count()
    response = client.post(
        "/admin/register/arrangement/process_import/",
        {
            "import_file_name": "no-such-file-1234",
            "original_file_name": "arrangements.csv",
            "format": "0",
            "resource": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("/admin/register/arrangement/import/")
    assert "The file to import is no longer here" in html.unescape(response.content.decode())
    assert Arrangement.objects.count() == before


def test_only_the_preview_s_own_file_can_be_confirmed(client, register, roles):
    """A confirmation names the file its preview kept; a name of any other kind (a file
    planted in the temporary folder, a very long name) is never opened, imported or
    removed; the preview's own file imports."""
    import os
    import re
    import tempfile

    planted = os.path.join(tempfile.gettempdir(), "planted-import.csv")
    with open(planted, "w") as handle:
        handle.write(
            "slug,title,kind,status,exempt\njoint-audit,Planted,shared_service,proposed,0\n"
        )
    before = Arrangement.objects.count()
    response, page = import_page(client, GOOD_CSV, "0")
    for name in ("planted-import.csv", "x" * 300):
        refused = client.post(
            "/admin/register/arrangement/process_import/",
            {
                "import_file_name": name,
                "original_file_name": "a.csv",
                "format": "0",
                "resource": "0",
            },
            follow=True,
        )
        assert "The file to import is no longer here" in html.unescape(refused.content.decode())
    assert os.path.exists(planted) and Arrangement.objects.count() == before
    os.remove(planted)
    name = re.search(r'name="import_file_name" value="([^"]+)"', page).group(1)
    confirmed = client.post(
        "/admin/register/arrangement/process_import/",
        {"import_file_name": name, "original_file_name": "a.csv", "format": "0", "resource": "0"},
    )
    assert confirmed.status_code == 302
    assert Arrangement.objects.filter(slug="joint-audit").exists()


GOOD_CSV = b"slug,title,kind,status,exempt\njoint-audit,Joint audit,shared_service,operational,0\n"
