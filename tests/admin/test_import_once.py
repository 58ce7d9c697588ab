"""A confirmed import happens once: the preview's Confirm sent again, or several times at
once, imports nothing more, and each of the others is told the file was confirmed already
(with its job, for a file imported in the background). Savings have no natural key, so a
second import of the same file would add every saving again."""

import html
import io
import re
import threading

import pytest
import tablib
from django.db import connection, connections
from django.test import Client

from register.importers import SavingResource
from register.models import ImportConfirmation, ImportJob, Saving
from tests.admin.test_admin import staff
from tests.workers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_URL = "/admin/register/saving/import/"
CONFIRM_URL = "/admin/register/saving/process_import/"


def savings_file(count) -> bytes:
    """``count`` new savings (the register's first saving, without its id), one a row."""
    exported = SavingResource().export(queryset=Saving.objects.order_by("pk")[:1])
    made = tablib.Dataset(headers=exported.headers)
    row = dict(zip(exported.headers, exported[0], strict=True), id="")
    for _ in range(count):
        made.append([row[heading] for heading in exported.headers])
    return made.csv.encode()


def preview(client, content) -> dict:
    """Choose the file, as in the admin: the confirmation's hidden fields."""
    upload = io.BytesIO(content)
    upload.name = "savings.csv"
    chosen = client.post(IMPORT_URL, {"resource": 0, "format": 0, "import_file": upload})
    assert chosen.status_code == 200
    page = html.unescape(chosen.content.decode())
    fields = dict(re.findall(r'name="(import_file_name|original_file_name)" value="([^"]*)"', page))
    assert fields["import_file_name"]
    return {**fields, "format": "0", "resource": "0"}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def importer(register, roles):
    return staff("importer", "Administrator")


def test_a_previewed_file_confirmed_twice_is_imported_once(client, importer):
    client.force_login(importer)
    before = Saving.objects.count()
    fields = preview(client, savings_file(1))
    first = client.post(CONFIRM_URL, fields)
    assert first.status_code == 302
    assert Saving.objects.count() == before + 1
    again = client.post(CONFIRM_URL, fields, follow=True)
    assert Saving.objects.count() == before + 1  # not a second, identical saving
    page = text(again)
    assert "This file was already confirmed on" in page
    assert "confirming it again imported nothing more" in page
    assert "no longer here" not in page and "nothing was imported" not in page
    assert again.redirect_chain[-1][0] == "/admin/register/saving/"


def test_a_long_file_confirmed_twice_starts_one_job(client, importer, settings):
    settings.IMPORT_PREVIEW_ROWS = 5
    client.force_login(importer)
    before = Saving.objects.count()
    fields = preview(client, savings_file(6))
    first = client.post(CONFIRM_URL, fields)
    job = ImportJob.objects.get()
    job_url = f"/admin/register/saving/import-jobs/{job.pk}/"
    assert first.status_code == 302 and first["Location"] == job_url
    again = client.post(CONFIRM_URL, fields, follow=True)
    assert ImportJob.objects.count() == 1  # no second job
    assert again.redirect_chain[-1][0] == job_url
    page = text(again)
    assert "This file was already confirmed on" in page
    assert f'href="{job_url}"' in again.content.decode()  # its job, to follow
    assert "no longer here" not in page and "nothing was imported" not in page
    run_worker()
    assert Saving.objects.count() == before + 6
    assert ImportConfirmation.objects.get().job_id == job.pk


def test_a_file_never_confirmed_and_gone_is_still_told_to_choose_it_again(client, importer):
    client.force_login(importer)
    response = client.post(
        CONFIRM_URL,
        {"import_file_name": "tmpabcd1234", "original_file_name": "s.csv", "format": "0"}
        | {"resource": "0"},
        follow=True,
    )
    assert "The file to import is no longer here" in text(response)
    assert not ImportConfirmation.objects.exists()


def confirm_at_once(importer, fields, times):
    """``times`` confirmations of the same preview, sent together from as many browsers
    (threads, each with its own database connection): their responses."""
    barrier = threading.Barrier(times)
    responses, failures = [], []

    def send():
        try:
            browser = Client()
            browser.force_login(importer)
            barrier.wait()
            responses.append(browser.post(CONFIRM_URL, fields, follow=True))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return responses


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads share SQLite's in-memory test database, which cannot take turns",
)


@needs_postgresql
def test_confirmations_sent_at_once_import_a_previewed_file_once(client, importer):
    client.force_login(importer)
    before = Saving.objects.count()
    fields = preview(client, savings_file(1))
    responses = confirm_at_once(importer, fields, 4)
    assert Saving.objects.count() == before + 1
    pages = [text(response) for response in responses]
    assert sum("This file was already confirmed on" in page for page in pages) == 3
    assert not any("nothing was imported" in page for page in pages)


@needs_postgresql
def test_confirmations_sent_at_once_start_one_job_for_a_long_file(client, importer, settings):
    settings.IMPORT_PREVIEW_ROWS = 5
    client.force_login(importer)
    fields = preview(client, savings_file(6))
    responses = confirm_at_once(importer, fields, 3)
    job = ImportJob.objects.get()  # one job, not three
    job_url = f"/admin/register/saving/import-jobs/{job.pk}/"
    assert all(response.redirect_chain[-1][0] == job_url for response in responses)
    pages = [text(response) for response in responses]
    assert sum("This file was already confirmed on" in page for page in pages) == 2
    assert not any("nothing was imported" in page for page in pages)
