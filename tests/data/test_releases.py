"""Data releases: the whole public register as dated files, built the same way every time,
valid against their own schemas, never holding an exempt arrangement, served as
downloads; and the admin's import held to the same schema."""

import csv
import datetime
import hashlib
import io
import json
from pathlib import Path

import jsonschema
import pytest
import tablib
from django.core.management import CommandError, call_command
from django.utils import timezone

from register.importers import ArrangementResource, SavingResource
from register.models import Arrangement, Saving
from register.releases import ReleaseError, build_release

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 4, 1)
VERSION = "2024-04-01"


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def rows(folder: Path, table: str) -> list[dict]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def frictionless():
    """The frictionless package, imported for the test that asks for it: importing its CSV
    reader raises the csv module's cell size limit for the whole process, which the
    import's refusal of an over-long cell depends on; the limit is put back after."""
    limit = csv.field_size_limit()
    import frictionless

    yield frictionless
    csv.field_size_limit(limit)


@pytest.fixture
def release(register, tmp_path) -> Path:
    build_release(DAY, tmp_path)
    return tmp_path / VERSION


def test_building_twice_gives_the_same_bytes(register, tmp_path):
    first = build_release(DAY, tmp_path / "a")
    second = build_release(DAY, tmp_path / "b")
    assert first.result == second.result == "built"
    assert files_of(first.path) == files_of(second.path)
    again = build_release(DAY, tmp_path / "a")
    assert again.result == "unchanged"
    # Every file the manifest lists, with its true size and checksum.
    manifest = json.loads((first.path / "manifest.json").read_text())
    for entry in manifest["files"]:
        content = (first.path / entry["name"]).read_bytes()
        assert entry["bytes"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()


def test_the_descriptor_and_every_csv_file_are_valid_frictionless_data(release, frictionless):
    report = frictionless.validate(str(release / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:5]
    names = {task.name for task in report.tasks}
    assert {"arrangements", "authorities", "memberships", "savings", "service_areas"} <= names


def test_a_membership_of_an_unknown_authority_fails_the_package_s_checks(release, frictionless):
    """The descriptor's foreign keys and checksums are checked, so a changed file fails."""
    path = release / "memberships.csv"
    path.write_text(path.read_text().replace(",ALP,", ",ZZZ,", 1), encoding="utf-8")
    report = frictionless.validate(str(release / "datapackage.json"))
    assert not report.valid
    types = {error[0] for error in report.flatten(["type"])}
    assert "foreign-key" in types or "hash-count" in types


def test_the_json_follows_its_json_schema(release):
    schema = json.loads((release / "register.jsonschema.json").read_text())
    data = json.loads((release / "register.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(data)) == []
    data["savings"][0]["qualifier"] = "roughly"
    assert not validator.is_valid(data)
    # The JSON and the CSV files hold the same records.
    for table in ("arrangements", "memberships", "savings", "authorities", "service_areas"):
        assert len(data[table]) == len(rows(release, table)), table


def test_no_file_holds_an_exempt_arrangement_or_anything_of_it(register, tmp_path):
    # A public workstream of an exempt programme does not name it.
    Arrangement.objects.filter(pk=register.workstream.pk).update(parent=register.secret)
    folder = build_release(DAY, tmp_path).path
    for name, content in files_of(folder).items():
        text = content.decode()
        assert register.secret.slug not in text, name
        assert register.secret.title not in text, name
    arrangements = {row["slug"]: row for row in rows(folder, "arrangements")}
    assert register.secret.slug not in arrangements
    assert arrangements[register.workstream.slug]["parent"] == ""
    assert Saving.objects.filter(arrangement=register.secret).exists()
    assert len(rows(folder, "savings")) == Saving.objects.filter(arrangement__exempt=False).count()
    manifest = json.loads((folder / "manifest.json").read_text())
    counts = {table["name"]: table["records"] for table in manifest["tables"]}
    assert counts["arrangements"] == Arrangement.objects.filter(exempt=False).count() == 4


def test_savings_keep_their_qualifiers_and_basis_as_the_pages_word_them(release, register):
    savings = rows(release, "savings")
    by_arrangement = {}
    for row in savings:
        by_arrangement.setdefault(row["arrangement"], []).append(row)
    (fostering,) = by_arrangement[register.fostering.slug]
    assert fostering["qualifier"] == "over" and fostering["basis"] == "forecast"
    assert fostering["text"] == "over £700,000 (2.5%)"
    assert fostering["amount"] == "700000.00" and fostering["counts_in_headline"] == "true"
    (workstream,) = by_arrangement[register.workstream.slug]
    assert workstream["text"] == "up to 35%" and workstream["amount"] == ""
    assert workstream["counts_in_headline"] == "false"  # a percentage is never added
    target = next(r for r in by_arrangement[register.legal.slug] if r["basis"] == "target")
    assert target["counts_in_headline"] == "false"
    memberships = [
        r for r in rows(release, "memberships") if r["arrangement"] == register.legal.slug
    ]
    assert {(r["authority"], r["lead"]) for r in memberships} == {("ALP", "true"), ("BET", "false")}
    legal = next(r for r in rows(release, "arrangements") if r["slug"] == register.legal.slug)
    assert legal["start_text"] == "July 2011" and legal["lead"] == "ALP"
    assert legal["savings_text"] == "£150,000"  # the target is never a saving
    assert legal["savings_at_least"] == legal["savings_at_most"] == "150000.00"


def test_an_arrangement_s_savings_are_given_by_basis_and_say_what_their_sum_counts(
    register, tmp_path
):
    from decimal import Decimal

    Saving.objects.create(
        arrangement=register.legal, amount=Decimal("100000"), basis="estimated", qualifier="about"
    )
    Saving.objects.create(
        arrangement=register.legal, amount=Decimal("50000"), basis="achieved", qualifier="over"
    )
    folder = build_release(DAY, tmp_path).path
    legal = next(r for r in rows(folder, "arrangements") if r["slug"] == register.legal.slug)
    assert legal["savings_text"] == "at least about £300,000"  # the three bases added
    by_basis = {
        basis: (
            legal[f"savings_{basis}_at_least"],
            legal[f"savings_{basis}_at_most"],
            legal[f"savings_{basis}_approximate"],
        )
        for basis in ("estimated", "forecast", "achieved")
    }
    assert by_basis == {  # £100,000 estimated and £50,000 achieved were there already
        "estimated": ("200000.00", "200000.00", "true"),
        "forecast": ("0.00", "0.00", "false"),
        "achieved": ("100000.00", "", "false"),  # "over" leaves it open
    }
    assert Decimal(legal["savings_at_least"]) == sum(
        Decimal(lower) for lower, _, _ in by_basis.values()
    )
    package = json.loads((folder / "datapackage.json").read_text())
    (arrangements,) = [r for r in package["resources"] if r["name"] == "arrangements"]
    described = {f["name"]: f["description"] for f in arrangements["schema"]["fields"]}
    for words in ("estimated, forecast and achieved", "targets are never counted", "headline"):
        assert words in described["savings_text"]
    assert "never one member's" in described["savings_text"]
    assert "forecast" in described["savings_forecast_at_least"]


def test_the_csv_files_say_that_formula_looking_text_has_an_apostrophe(register, tmp_path):
    Arrangement.objects.filter(pk=register.legal.pk).update(title="=HYPERLINK(1)")
    folder = build_release(DAY, tmp_path).path
    legal = next(r for r in rows(folder, "arrangements") if r["slug"] == register.legal.slug)
    assert legal["title"] == "'=HYPERLINK(1)"
    data = json.loads((folder / "register.json").read_text())
    assert {a["title"] for a in data["arrangements"]} >= {"=HYPERLINK(1)"}
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        said = "starts with an extra apostrophe" in resource["description"]
        assert said == (resource["format"] == "csv"), resource["name"]


def test_rows_are_sorted_by_their_keys(release):
    slugs = [row["slug"] for row in rows(release, "arrangements")]
    assert slugs == sorted(slugs)
    keys = [(r["arrangement"], r["authority"]) for r in rows(release, "memberships")]
    assert keys == sorted(keys)


def test_a_release_is_never_silently_changed(register, tmp_path):
    built = build_release(DAY, tmp_path)
    before = files_of(built.path)
    Arrangement.objects.filter(pk=register.legal.pk).update(title="Shared legal service")
    with pytest.raises(ReleaseError, match="arrangements.csv"):
        build_release(DAY, tmp_path)
    assert files_of(built.path) == before
    out = io.StringIO()
    with pytest.raises(CommandError, match="differs"):
        call_command(
            "build_release", "--as-of", VERSION, "--directory", str(tmp_path), "--check", stdout=out
        )
    assert files_of(built.path) == before
    replaced = build_release(DAY, tmp_path, replace=True)
    assert replaced.result == "replaced" and "arrangements.csv" in replaced.differing
    assert "Shared legal service" in (built.path / "arrangements.csv").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [VERSION]  # nothing left behind


@pytest.mark.parametrize(
    ("as_of", "said"),
    [
        ("2024-13-01", "is not a date"),
        ("20261127", "is not a date"),
        ("2026-W48-5", "is not a date"),
        ("", "is not a date"),
        ("2026-11-27T00:00", "is not a date"),
        ("2999-01-01", "cannot be dated after today"),
        ("1900-01-01", "A new release is dated today"),
    ],
)
def test_the_command_refuses_a_bad_date_in_words(register, tmp_path, as_of, said):
    with pytest.raises(CommandError, match=said):
        call_command("build_release", "--as-of", as_of, "--directory", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def _watch_reads(monkeypatch, before_table=None):
    """Each table's rows, read through a hook that notes the transaction they are read
    in (and, before ``before_table`` is read, runs ``before_table[1]``)."""
    from django.db import connection

    from register import releases

    seen = {}
    for name, rows_of in list(releases.ROWS.items()):

        def watched(name=name, rows_of=rows_of):
            if before_table and before_table[0] == name:
                before_table[1]()
            state = {"atomic": connection.in_atomic_block}
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('transaction_isolation'), "
                        "current_setting('transaction_read_only'), now()"
                    )
                    state["isolation"], state["read_only"], state["started"] = cursor.fetchone()
            seen[name] = state
            yield from rows_of()

        monkeypatch.setitem(releases.ROWS, name, watched)
    return seen


@pytest.mark.django_db(transaction=True)
def test_every_table_is_read_in_one_read_only_snapshot(register, tmp_path, monkeypatch):
    from django.db import connection

    seen = _watch_reads(monkeypatch)
    build_release(DAY, tmp_path)
    assert set(seen) == {"service_areas", "authorities", "arrangements", "memberships", "savings"}
    assert all(state["atomic"] for state in seen.values()), seen
    if connection.vendor == "postgresql":
        assert {(s["isolation"], s["read_only"]) for s in seen.values()} == {
            ("repeatable read", "on")
        }
        assert len({s["started"] for s in seen.values()}) == 1  # one transaction
    assert not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_a_release_is_built_is_in_all_its_files_or_none(
    register, tmp_path, monkeypatch
):
    """Between reading the arrangements and reading their memberships, another session
    makes a public arrangement exempt and an exempt one public: the release is the
    register as it was when its reads began, whole."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets no other session write while the build reads")

    def change_from_another_session():
        def change():
            try:
                Arrangement.objects.filter(pk=register.legal.pk).update(exempt=True)
                Arrangement.objects.filter(pk=register.secret.pk).update(exempt=False)
            finally:
                connections.close_all()

        thread = threading.Thread(target=change)
        thread.start()
        thread.join()

    _watch_reads(monkeypatch, ("memberships", change_from_another_session))
    folder = build_release(DAY, tmp_path).path
    assert Arrangement.objects.get(pk=register.legal.pk).exempt  # the change was made
    arrangements = {row["slug"] for row in rows(folder, "arrangements")}
    members_of = {row["arrangement"] for row in rows(folder, "memberships")}
    assert register.legal.slug in arrangements and register.legal.slug in members_of
    assert register.secret.slug not in arrangements | members_of
    assert members_of <= arrangements


def test_an_earlier_date_only_checks_or_replaces_a_release_already_there(register, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError, match="no release 1900-01-01"):
        call_command(
            "build_release", "--as-of", "1900-01-01", "--replace", "--directory", str(tmp_path)
        )
    assert list(tmp_path.iterdir()) == []
    build_release(DAY, tmp_path)
    Arrangement.objects.filter(pk=register.legal.pk).update(title="Shared legal service")
    call_command(
        "build_release", "--as-of", VERSION, "--replace", "--directory", str(tmp_path), stdout=out
    )
    assert f"Replaced release {VERSION}" in out.getvalue()
    call_command("build_release", "--directory", str(tmp_path), stdout=out)
    today = timezone.localdate().isoformat()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([VERSION, today])


def test_today_s_release_changed_is_not_told_to_be_dated_today(register, tmp_path):
    build_release(timezone.localdate(), tmp_path)
    Arrangement.objects.filter(pk=register.legal.pk).update(title="Shared legal service")
    with pytest.raises(CommandError) as raised:
        call_command("build_release", "--directory", str(tmp_path))
    assert "--replace" in str(raised.value)
    assert "Date the new release today" not in str(raised.value)


@pytest.mark.parametrize("where", ["a-file", "a-file/releases"])
def test_a_releases_folder_that_cannot_be_one_is_refused_in_words(register, tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(CommandError, match="a-file"):
        call_command("build_release", "--directory", str(tmp_path / where))
    assert (tmp_path / "a-file").read_text() == "not a folder"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o755), (0o027, 0o750)])
def test_a_release_folder_is_readable_like_any_folder(register, tmp_path, umask, mode):
    """Not only by its owner: the web server may run as another user."""
    import os
    import stat

    before = os.umask(umask)
    try:
        folder = build_release(DAY, tmp_path).path
    finally:
        os.umask(before)
    assert stat.S_IMODE(folder.stat().st_mode) == mode


# --- The data page and its downloads ----------------------------------------------------


def test_the_data_page_lists_every_release_with_counts_sizes_and_checksums(
    client, register, tmp_path, settings
):
    settings.RELEASES_DIR = tmp_path
    build_release(datetime.date(2024, 1, 1), tmp_path)
    build_release(DAY, tmp_path)
    page = client.get("/data/").content.decode()
    assert page.index("Latest release: 2024-04-01") < page.index("Release 2024-01-01")
    assert "4 arrangements (arrangements.csv)" in page
    content = (tmp_path / VERSION / "savings.csv").read_bytes()
    assert hashlib.sha256(content).hexdigest() in page
    assert f"{len(content):,} bytes" in page
    assert f'href="/data/{VERSION}/datapackage.json"' in page
    assert 'href="/data/"' in client.get("/").content.decode()  # navigation and footer


def test_no_release_yet_is_said_in_words(client, db, tmp_path, settings):
    settings.RELEASES_DIR = tmp_path / "none"
    response = client.get("/data/")
    assert response.status_code == 200
    assert "No release has been published yet." in response.content.decode()


def test_a_release_file_downloads_with_its_type_and_name(client, register, tmp_path, settings):
    settings.RELEASES_DIR = tmp_path
    build_release(DAY, tmp_path)
    response = client.get(f"/data/{VERSION}/arrangements.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="arrangements.csv"'
    body = b"".join(response.streaming_content)
    assert body == (tmp_path / VERSION / "arrangements.csv").read_bytes()
    response = client.get(f"/data/{VERSION}/datapackage.json")
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "address",
    [
        f"/data/{VERSION}/notes.txt",  # in the folder, not in the manifest
        f"/data/{VERSION}/..%2Fsecret.csv",
        "/data/2020-01-01/arrangements.csv",
        "/data/latest-ish/arrangements.csv",
    ],
)
def test_anything_but_a_listed_file_is_not_found(client, register, tmp_path, settings, address):
    settings.RELEASES_DIR = tmp_path
    build_release(DAY, tmp_path)
    (tmp_path / VERSION / "notes.txt").write_text("not published")
    (tmp_path / "secret.csv").write_text("not published")
    response = client.get(address)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda m: m.update(files="arrangements.csv"), id="files-a-string"),
        pytest.param(lambda m: m.update(files=None), id="files-null"),
        pytest.param(lambda m: m.update(files=[1, 2]), id="files-numbers"),
        pytest.param(lambda m: m.pop("files"), id="no-files"),
        pytest.param(lambda m: m.update(version="2024-01-01"), id="version-not-its-folder"),
        pytest.param(lambda m: m["files"][1].pop("bytes"), id="an-entry-without-a-size"),
        pytest.param(lambda m: m["files"][1].update(name="../x.csv"), id="a-name-with-a-path"),
        pytest.param(lambda m: m.update(tables="all"), id="tables-a-string"),
        pytest.param(lambda m: m.clear() or m.update(version=VERSION), id="only-a-version"),
        pytest.param(None, id="not-json"),
    ],
)
def test_a_malformed_release_is_left_out_and_the_others_still_served(
    client, register, tmp_path, settings, caplog, damage
):
    settings.RELEASES_DIR = tmp_path
    build_release(datetime.date(2024, 1, 1), tmp_path)
    build_release(DAY, tmp_path)
    path = tmp_path / VERSION / "manifest.json"
    if damage is None:
        path.write_text("{not json", encoding="utf-8")
    else:
        manifest = json.loads(path.read_text())
        damage(manifest)
        path.write_text(json.dumps(manifest), encoding="utf-8")
    response = client.get("/data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Latest release: 2024-01-01" in page
    assert VERSION not in page
    assert VERSION in caplog.text and "left out" in caplog.text
    assert client.get(f"/data/{VERSION}/arrangements.csv").status_code == 404
    assert client.get(f"/data/{VERSION}/manifest.json").status_code == 404
    assert client.get("/data/2024-01-01/arrangements.csv").status_code == 200


def test_a_file_s_type_is_its_extension_s_never_the_manifest_s(
    client, register, tmp_path, settings
):
    settings.RELEASES_DIR = tmp_path
    build_release(DAY, tmp_path)
    path = tmp_path / VERSION / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["files"]:
        entry["media_type"] = "text/html"
    manifest["files"][0].pop("media_type")
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert client.get("/data/").status_code == 200
    response = client.get(f"/data/{VERSION}/arrangements.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get(f"/data/{VERSION}/datapackage.json")["Content-Type"] == "application/json"


# --- The import, checked against the same schema ---------------------------------------


def import_rows(resource, headers, records):
    data = tablib.Dataset(headers=headers)
    for record in records:
        data.append([record.get(h, "") for h in headers])
    return resource.import_data(data, dry_run=False)


def errors_of(result) -> dict:
    return {
        (invalid.number, name): " ".join(messages)
        for invalid in result.invalid_rows
        for name, messages in invalid.error_dict.items()
    }


def test_a_release_s_arrangements_import_as_they_are(release, register):
    """Every column the import shares with the release takes the release's values."""
    headers = ArrangementResource().get_export_headers()
    records = []
    for row in rows(release, "arrangements"):
        record = {h: row[h] for h in headers if h in row}
        record.update(exempt="false", partners="")
        records.append(record)
    data = tablib.Dataset(headers=headers)
    for record in records:
        data.append([record.get(h, "") for h in headers])
    result = ArrangementResource().import_data(data, dry_run=True)
    assert not result.has_validation_errors(), errors_of(result)
    assert not result.has_errors()


@pytest.mark.parametrize(
    ("bad", "column", "said"),
    [
        ({"start_date": "01/04/2012"}, "start_date", "not a date written year-month-day"),
        ({"start_precision": "week"}, "start_precision", "is not a valid choice"),
        ({"service_areas": "legal;Fostering"}, "service_areas", "'Fostering' is not a slug"),
        ({"title": ""}, "title", "must be filled in"),
        ({"title": "x" * 201}, "title", "at most 200"),
    ],
)
def test_an_import_row_against_the_schema_names_row_and_column_and_changes_nothing(
    register, bad, column, said
):
    headers = ArrangementResource().get_export_headers()
    good = {
        "slug": "joint-audit",
        "title": "Joint audit",
        "kind": "shared_service",
        "status": "operational",
        "exempt": "0",
    }
    records = [good, {**good, "slug": "joint-ict", "title": "Joint ICT", **bad}]
    before = list(Arrangement.objects.order_by("pk").values_list("pk", "version"))
    result = import_rows(ArrangementResource(), headers, records)
    errors = errors_of(result)
    assert said in errors[(2, column)], errors
    assert list(errors) == [(2, column)]
    assert list(Arrangement.objects.order_by("pk").values_list("pk", "version")) == before


def test_a_saving_s_amount_must_be_a_number_as_in_the_release(register):
    headers = SavingResource().get_export_headers()
    count = Saving.objects.count()
    result = import_rows(
        SavingResource(),
        headers,
        [{"arrangement": register.legal.slug, "amount": "£1.9m", "basis": "estimated"}],
    )
    assert "'£1.9m' is not a number" in errors_of(result)[(1, "amount")]
    assert Saving.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_a_release_queued_as_a_job_is_built_by_a_worker(register, tmp_path, settings):
    from django_tasks_db.models import DBTaskResult

    from tests.workers import run_worker

    settings.RELEASES_DIR = str(tmp_path)
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    with pytest.raises(CommandError, match="A new release is dated today"):
        call_command("build_release", "--as-of", VERSION, "--enqueue", stdout=out)
    call_command("build_release", "--enqueue", stdout=out)
    assert f"Queued release {today}" in out.getvalue()
    assert not (tmp_path / today).exists()  # queued, not built
    run_worker()
    assert (tmp_path / today / "datapackage.json").is_file()
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == f"Release {today}: built."
