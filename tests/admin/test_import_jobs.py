"""A file too long to import in one request is imported by a background job, through the
admin, all or nothing, by a real worker (django-tasks' database worker loop, in a thread,
against the test database: these tests commit)."""

import html
import io
import re

import pytest
from django_tasks_db.models import DBTaskResult

from register import import_jobs
from register.models import Arrangement, ImportJob
from tests.admin.test_admin import staff
from tests.admin.test_import_export import dataset
from tests.workers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT_URL = "/admin/register/arrangement/import/"
CONFIRM_URL = "/admin/register/arrangement/process_import/"


def rows(count, changes=None):
    """``count`` new arrangements, one a row; ``changes`` maps a row number (from 1) to
    what that row says instead."""
    made = []
    for number in range(1, count + 1):
        row = {
            "slug": f"joint-service-{number}",
            "title": f"Joint service {number}",
            "kind": "shared_service",
            "status": "proposed",
            "service_areas": "audit",
            "partners": "ALP:lead;BET",
            "exempt": "0",
        }
        row.update((changes or {}).get(number, {}))
        made.append(row)
    return dataset(made).csv.encode()


def upload(content, name="arrangements.csv"):
    file = io.BytesIO(content)
    file.name = name
    return file


def start(client, content):
    """Choose the file and confirm it, as in the admin: the job's progress page."""
    chosen = client.post(IMPORT_URL, {"resource": 0, "format": 0, "import_file": upload(content)})
    assert chosen.status_code == 200
    page = html.unescape(chosen.content.decode())
    fields = dict(re.findall(r'name="(import_file_name|original_file_name)" value="([^"]*)"', page))
    confirmed = client.post(CONFIRM_URL, {**fields, "format": "0", "resource": "0"})
    return page, confirmed


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def short_preview(settings):
    settings.IMPORT_PREVIEW_ROWS = 5


@pytest.fixture
def importer(register, roles):
    return staff("importer", "Administrator")


def test_a_long_file_is_imported_by_a_worker_and_its_page_says_how_far_it_got(
    client, short_preview, importer
):
    client.force_login(importer)
    before = Arrangement.objects.count()
    page, confirmed = start(client, rows(30))
    # No preview of a file this long: the confirmation says how many rows, and what next.
    assert "This file has 30 rows under its headings: too many to preview here" in page
    assert "joint-service-1" not in page
    assert Arrangement.objects.count() == before
    job = ImportJob.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/admin/register/arrangement/import-jobs/{job.pk}/"
    assert job.state == ImportJob.State.QUEUED and job.total_rows == 30
    assert job.started_by == importer
    waiting = client.get(confirmed["Location"])
    assert '<meta http-equiv="refresh" content="3">' in waiting.content.decode()
    assert "Waiting for a worker to start it" in text(waiting)
    assert Arrangement.objects.count() == before  # nothing until a worker runs it

    run_worker()

    job.refresh_from_db()
    assert job.state == ImportJob.State.SUCCEEDED
    assert (job.new_count, job.updated_count, job.unchanged_count) == (30, 0, 0)
    assert job.rows_done == 30 and bytes(job.data) == b""  # the file is not kept
    assert Arrangement.objects.count() == before + 30
    made = Arrangement.objects.get(slug="joint-service-30")
    assert set(made.memberships.values_list("authority__code", "role")) == {
        ("ALP", "lead"),
        ("BET", "partner"),
    }
    assert made.history.first().history_user == importer  # who imported it, as in the admin
    done = client.get(confirmed["Location"])
    page = text(done)
    assert "of 30 rows, 30 new arrangements, 0 changed and 0 unchanged" in page
    assert "http-equiv" not in page  # finished: it stops reloading itself
    result = DBTaskResult.objects.get(id=job.task_id)
    assert result.status == "SUCCESSFUL" and result.return_value == "succeeded"


def test_one_bad_row_of_a_long_file_imports_nothing_and_the_page_says_why(
    client, short_preview, importer
):
    client.force_login(importer)
    before = Arrangement.objects.count()
    _, confirmed = start(client, rows(12, {9: {"partners": "ZZZ:lead"}}))
    run_worker()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED
    assert job.errors == ["Row 9, partners: No authority has the code 'ZZZ'."]
    assert Arrangement.objects.count() == before  # rows 1 to 8 were rolled back with it
    page = text(client.get(confirmed["Location"]))
    assert "Nothing was imported: the register is exactly as it was before" in page
    assert "Row 9, partners: No authority has the code 'ZZZ'." in page


def test_a_queued_import_waits_for_a_worker_started_later(client, short_preview, importer):
    """Jobs are rows in the database: one queued while no worker runs (or after a worker
    stopped) is run by the next worker to start."""
    client.force_login(importer)
    start(client, rows(6))
    start(client, rows(7, {7: {"slug": "another-7"}}).replace(b"joint-service-", b"second-"))
    run_worker(worker_id="worker-one", max_tasks=1)  # runs one job, then stops
    states = {job.pk: job.state for job in ImportJob.objects.all()}
    assert sorted(states.values()) == [ImportJob.State.QUEUED, ImportJob.State.SUCCEEDED]
    waiting = next(pk for pk, state in states.items() if state == ImportJob.State.QUEUED)

    run_worker(worker_id="worker-two")  # a worker started later

    job = ImportJob.objects.get(pk=waiting)
    assert job.state == ImportJob.State.SUCCEEDED
    assert DBTaskResult.objects.get(id=job.task_id).worker_ids == ["worker-two"]
    assert Arrangement.objects.filter(slug__startswith="second-").count() == 6
    assert Arrangement.objects.filter(slug="another-7").exists()


def test_a_short_file_is_still_previewed_and_imported_in_the_request(client, importer):
    client.force_login(importer)
    page, confirmed = start(client, rows(3))
    assert "joint-service-3" in page and "too many to preview" not in page
    assert confirmed.status_code == 302 and "import-jobs" not in confirmed["Location"]
    assert Arrangement.objects.filter(slug__startswith="joint-service-").count() == 3
    assert not ImportJob.objects.exists()


def test_only_those_who_may_import_see_an_import_s_progress(client, short_preview, importer):
    client.force_login(importer)
    _, confirmed = start(client, rows(6))
    url = confirmed["Location"]
    for role in ("Viewer", "Editor"):
        client.force_login(staff(f"a-{role.lower()}", role))
        assert client.get(url).status_code == 403
    client.logout()
    assert "/admin/login/" in client.get(url)["Location"]
    client.force_login(importer)
    assert client.get(url).status_code == 200
    # The job is an arrangements import: not found under savings.
    assert client.get(url.replace("/arrangement/", "/saving/")).status_code == 404
    assert client.post(url).status_code == 405


def test_the_page_shows_the_rows_done_that_a_running_job_published(client, short_preview, importer):
    client.force_login(importer)
    _, confirmed = start(client, rows(40))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    import_jobs.publish_progress(job.pk, 17)
    page = text(client.get(confirmed["Location"]))
    assert "Rows checked and saved so far: 17 of 40 (42%)" in page
    assert '<progress max="40" value="17">' in page
    import_jobs.publish_progress(job.pk, 40)
    page = text(client.get(confirmed["Location"]))
    assert "All 40 rows checked and saved; now working out the register's figures" in page


def test_a_running_job_silent_for_minutes_says_what_a_lost_worker_means(
    client, short_preview, importer, monkeypatch
):
    client.force_login(importer)
    _, confirmed = start(client, rows(40))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    import_jobs.publish_progress(job.pk, 17)
    assert "No word from the worker" not in text(client.get(confirmed["Location"]))
    now = import_jobs.time.time()
    monkeypatch.setattr(import_jobs.time, "time", lambda: now + 7 * 60)
    page = text(client.get(confirmed["Location"]))
    assert "No word from the worker for 7 minutes." in page
    assert "nothing from this file was kept" in page
    # Once every row is in, the figures are worked out without a word: not a silence.
    import_jobs.publish_progress(job.pk, 40)
    monkeypatch.setattr(import_jobs.time, "time", lambda: now + 20 * 60)
    assert "No word from the worker" not in text(client.get(confirmed["Location"]))


def test_a_running_import_publishes_its_rows_as_it_goes(
    client, short_preview, importer, monkeypatch
):
    published = []
    real = import_jobs.publish_progress

    def record(job_id, rows_done):
        published.append(rows_done)
        real(job_id, rows_done)

    monkeypatch.setattr(import_jobs, "publish_progress", record)
    monkeypatch.setattr(import_jobs, "PROGRESS_EVERY", 0)
    client.force_login(importer)
    start(client, rows(8))
    run_worker()
    assert published == [0, 1, 2, 3, 4, 5, 6, 7, 8]


def test_a_file_that_cannot_be_read_when_the_job_runs_imports_nothing_in_words(
    short_preview, importer
):
    job = import_jobs.start_import(
        user=importer,
        model_name="arrangement",
        file_format="xlsx",
        data=b"not a workbook",
        file_name="broken.xlsx",
        rows=10,
    )
    run_worker()
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert job.errors[0].startswith("This file is not an Excel workbook (.xlsx)")
