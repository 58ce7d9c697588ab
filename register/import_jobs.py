"""Bulk imports too long for one request, run as background jobs.

A file of more than ``settings.IMPORT_PREVIEW_ROWS`` rows is not previewed in the admin
(checking it takes as long as importing it): confirming it starts a job
(``start_import``), which a worker runs (``run_import``, through register.jobs) under
the same all-or-nothing rule as any import: one transaction, rolled back whole if any
row is invalid or anything goes wrong, with every reason kept on the job.

While the job runs, the rows done so far are published in the "jobs" cache: the
import's transaction holds what it has written (on SQLite, the whole database's write
lock) until it ends, so the count cannot be written to the database where the progress
page could read it. The cache is Redis when ``REDIS_URL`` is set, and otherwise files
under var/, which every process on the machine shares.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib import admin
from django.core.cache import caches
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from import_export.results import RowResult
from import_export.signals import post_import
from simple_history.models import HistoricalRecords

from .exports import ADMIN_IMPORT_FORMATS
from .importers import ArrangementResource, SavingResource, unreadable_file_message
from .middleware import database_is_locked
from .models import Arrangement, ImportConfirmation, ImportJob, Saving
from .totals import STATUS_TOTALS_LOCK

log = logging.getLogger(__name__)

# What a job may import, by the model name its admin gives it.
IMPORTS = {
    "arrangement": (Arrangement, ArrangementResource),
    "saving": (Saving, SavingResource),
}
# A failed job keeps this many reasons (every row's would be too many to read).
MAX_ERRORS = 200
# Seconds between two publications of the count while a job runs.
PROGRESS_EVERY = 0.5


def format_named(title: str):
    """The admin's import format whose title ("csv", "xlsx") this is."""
    for import_format in ADMIN_IMPORT_FORMATS:
        if import_format().get_title() == title:
            return import_format
    raise ValueError(f"No import format is called {title!r}.")


def is_background(rows: int) -> bool:
    """Whether a file of this many rows is imported by a job rather than in the request."""
    return rows > settings.IMPORT_PREVIEW_ROWS


# A confirmation is kept this long: far longer than any preview waits to be confirmed.
CONFIRMATIONS_KEPT = datetime.timedelta(days=2)


class AlreadyConfirmed(Exception):
    """The preview's file was confirmed before: ``confirmation`` says when, by whom, and
    (for a background import) which job is importing it."""

    def __init__(self, confirmation: ImportConfirmation):
        super().__init__(f"{confirmation.file_name} was confirmed before.")
        self.confirmation = confirmation


def confirm(*, preview_file: str, model_name: str, user, job=None) -> ImportConfirmation:
    """Claim the preview's file for this confirmation, or raise AlreadyConfirmed. The
    database decides (the file name is unique), so of confirmations sent at once exactly
    one goes on, on SQLite as on PostgreSQL; the others wait for it to be saved, then are
    refused."""
    try:
        with transaction.atomic():
            return ImportConfirmation.objects.create(
                file_name=preview_file, model_name=model_name, confirmed_by=user, job=job
            )
    except IntegrityError:
        first = ImportConfirmation.objects.select_related("job").filter(file_name=preview_file)
        if not first.exists():
            raise
        raise AlreadyConfirmed(first.get()) from None


def confirmed_before(preview_file: str) -> ImportConfirmation | None:
    """The confirmation of this preview's file, if it has been confirmed."""
    return ImportConfirmation.objects.select_related("job").filter(file_name=preview_file).first()


def forget_confirmation(confirmation: ImportConfirmation) -> None:
    """Let the file be confirmed again: its import did not happen (it stopped with an
    error before saving anything, the file still there)."""
    ImportConfirmation.objects.filter(pk=confirmation.pk).delete()


def forget_old_confirmations() -> None:
    ImportConfirmation.objects.filter(confirmed_at__lt=timezone.now() - CONFIRMATIONS_KEPT).delete()


def start_import(
    *,
    user,
    model_name: str,
    file_format: str,
    data,
    file_name: str,
    rows: int,
    preview_file: str | None = None,
):
    """Keep the file and queue its import, in one transaction: a job is queued with its
    file, or neither is saved. ``data`` is the file as the admin read it (text for CSV,
    bytes for a workbook). ``preview_file`` names the file the admin's preview kept: its
    confirmation is saved with the job, so that a second confirmation of it (raising
    AlreadyConfirmed) starts no second job."""
    from .jobs import import_file

    if isinstance(data, str):
        data = data.encode("utf-8")
    with transaction.atomic():
        job = ImportJob.objects.create(
            model_name=model_name,
            file_name=file_name[:255],
            file_format=file_format,
            data=data,
            total_rows=rows,
            started_by=user,
        )
        if preview_file is not None:
            confirm(preview_file=preview_file, model_name=model_name, user=user, job=job)
        result = import_file.enqueue(str(job.pk))
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job


# --- Progress --------------------------------------------------------------------------


def _progress_key(job_id) -> str:
    return f"import-progress:{job_id}"


def publish_progress(job_id, rows_done: int) -> None:
    caches["jobs"].set(_progress_key(job_id), (rows_done, time.time()), timeout=24 * 60 * 60)


def published_progress(job_id) -> tuple[int, float | None]:
    """The rows done that the job last published, and when (a Unix time; None if never)."""
    published = caches["jobs"].get(_progress_key(job_id))
    return tuple(published) if published else (0, None)


# A running job that has published no progress for this long may have lost its worker
# (a restart or a crash mid-import): the page says what that means.
SILENT_AFTER = 5 * 60


class Publisher:
    """Publishes the count at most every PROGRESS_EVERY seconds (and the first row at
    once), so a file of 50,000 rows is not 50,000 writes."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, rows_done: int) -> None:
        now = time.monotonic()
        if rows_done == 1 or now - self.last >= PROGRESS_EVERY:
            publish_progress(self.job_id, rows_done)
            self.last = now


@dataclass(frozen=True)
class Progress:
    """What the progress page says about a job."""

    job: ImportJob
    rows_done: int  # rows checked and saved so far, of total_rows
    total_rows: int
    silent_for: int = 0  # seconds since a running job last published its progress

    @property
    def silent_minutes(self) -> int:
        """Whole minutes a running job has said nothing, when that is long enough to
        doubt its worker is still there (0 otherwise)."""
        if self.finishing or self.silent_for < SILENT_AFTER:
            return 0
        return self.silent_for // 60

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else 100

    @property
    def finishing(self) -> bool:
        """Every row is in, and the register's figures are being worked out again."""
        return self.job.state == ImportJob.State.RUNNING and self.rows_done >= self.total_rows

    @property
    def errors_cut(self) -> int:
        """How many reasons are kept, when there were more (0 if all are)."""
        return MAX_ERRORS if len(self.job.errors) >= MAX_ERRORS else 0

    @property
    def refresh(self) -> bool:
        return not self.job.finished


def import_progress(job: ImportJob) -> Progress:
    """The job and how far it has got: what the job recorded, or (while it runs) what it
    last published, whichever is further."""
    done, silent_for = job.rows_done, 0
    if job.state == ImportJob.State.RUNNING:
        published, at = published_progress(job.pk)
        done = max(done, published)
        heard = at if at is not None else (job.started_at or job.created_at).timestamp()
        silent_for = max(0, int(time.time() - heard))
    return Progress(
        job=job,
        rows_done=min(done, job.total_rows),
        total_rows=job.total_rows,
        silent_for=silent_for,
    )


# --- Running a job ------------------------------------------------------------------------


class ImportFailed(Exception):
    """The file was not imported; ``reasons`` says why, in words."""

    def __init__(self, reasons):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


def run_import(job_id: str) -> str:
    """Import a queued job's file, all or nothing, and record the outcome on the job.
    Returns the job's state. A job not waiting (already run: a task run twice) is left
    alone."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return ImportJob.objects.filter(pk=job_id).values_list("state", flat=True).first() or ""
    job = ImportJob.objects.get(pk=job_id)
    publish_progress(job.pk, 0)
    try:
        result = _import(job)
    except ImportFailed as failure:
        _finish(job, ImportJob.State.FAILED, errors=failure.reasons[:MAX_ERRORS])
        return job.state
    except OperationalError as error:
        if not database_is_locked(error):
            _fail_unexpectedly(job)
            raise
        _finish(
            job,
            ImportJob.State.FAILED,
            errors=[
                "The database was busy with other changes and ended the import: nothing "
                "was imported. Start the import again."
            ],
        )
        return job.state
    except BaseException:
        _fail_unexpectedly(job)
        raise
    totals = result.totals
    _finish(
        job,
        ImportJob.State.SUCCEEDED,
        rows_done=job.total_rows,
        new_count=totals[RowResult.IMPORT_TYPE_NEW],
        updated_count=totals[RowResult.IMPORT_TYPE_UPDATE],
        unchanged_count=totals[RowResult.IMPORT_TYPE_SKIP],
    )
    return job.state


def _import(job: ImportJob):
    model, resource_class = IMPORTS[job.model_name]
    import_format = format_named(job.file_format)()
    data = bytes(job.data)
    try:
        content = data if import_format.is_binary() else data.decode("utf-8")
        dataset = import_format.create_dataset(content)
    except Exception as error:  # whatever the reader raises, said in words
        raise ImportFailed([unreadable_file_message(error, job.file_format)]) from error
    resource = resource_class()
    resource.progress = Publisher(job.pk)
    user = job.started_by
    # The history of every record changed says who imported it, as in the admin.
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        with admin_writes_take_turns():
            result = resource.import_data(
                dataset,
                dry_run=False,
                raise_errors=False,
                use_transactions=True,
                rollback_on_validation_errors=True,
                file_name=job.file_name,
                user=user,
                retain_instance_in_row_result=True,
            )
    finally:
        del HistoricalRecords.context.request
    if result.has_errors() or result.has_validation_errors():
        raise ImportFailed(error_lines(result))
    model_admin = admin.site._registry.get(model)
    if model_admin is not None and user is not None:
        # The admin's log of what was added and changed, as an import in the admin writes.
        model_admin.generate_log_entries(result, SimpleNamespace(user=user))
    post_import.send(sender=None, model=model)
    return result


def error_lines(result) -> list[str]:
    """Every reason a result was rolled back, one line each, by row and column."""
    lines = [f"The file: {error.error}" for error in result.base_errors]
    for number, errors in result.row_errors():
        lines += [f"Row {number}: {error.error}" for error in errors]
    for row in result.invalid_rows:
        for column, messages in row.field_specific_errors.items():
            lines += [f"Row {row.number}, {column}: {message}" for message in messages]
        lines += [f"Row {row.number}: {message}" for message in row.non_field_specific_errors]
    return lines or ["The file was not imported."]


class admin_writes_take_turns:
    """On PostgreSQL, the import holds the lock every change made through the admin holds
    for its whole request (register.middleware.AdminWritesTakeTurnsMiddleware), so that
    it takes its turn with them rather than deadlocking with one of them."""

    def __enter__(self):
        self.held = connection.vendor == "postgresql"
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [STATUS_TOTALS_LOCK])

    def __exit__(self, *exc):
        if self.held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [STATUS_TOTALS_LOCK])
            except OperationalError:
                pass  # the connection is gone, and the lock with it


def _finish(job: ImportJob, state, **fields) -> None:
    job.state = state
    job.finished_at = timezone.now()
    job.data = b""  # the file is not kept once the job has run
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()


def _fail_unexpectedly(job: ImportJob) -> None:
    log.exception("Import job %s stopped with an error", job.pk)
    try:
        _finish(
            job,
            ImportJob.State.FAILED,
            errors=[
                "The import stopped with an unexpected error, recorded in the server's "
                "log: nothing was imported."
            ],
        )
    except Exception:  # the database itself is the problem: the log has the first error
        log.exception("Import job %s could not be marked as failed", job.pk)
