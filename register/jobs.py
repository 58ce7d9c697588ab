"""The register's background jobs: every task a worker runs is defined here.

Tasks run on the django-tasks database backend (settings.TASKS): ``task.enqueue(...)``
saves the task in the database, in the caller's transaction, and a worker
(``make worker``, i.e. ``manage.py db_worker``) runs it; a task waits, queued, however
long no worker is running. README "Background jobs" says how to run one.

To add a job, keep its work in a plain function in the module it belongs to, and wrap
it here in a small task that takes only what JSON can hold (ids, dates as text, never
model instances), so that the function can be called and tested without a queue:

    @task()
    def send_daily_digest(day: str) -> int:
        return digests.send_for(datetime.date.fromisoformat(day))

and start it with ``send_daily_digest.enqueue(day.isoformat())``. A task's return value
is kept with it (JSON too); an exception marks it failed, with its traceback, in the
admin's "Tasks Database Backend" (superusers only). Schedule periodic jobs (digests,
reminders) from cron or a timer with ``manage.py`` commands that enqueue them.
"""

from django_tasks import task
from django_tasks_db.management.commands.db_worker import Worker

from . import following, import_jobs, releases


def batch_worker(worker_id: str, max_tasks: int | None = None) -> Worker:
    """The worker ``manage.py db_worker --batch`` runs: every task waiting, then stop.
    For the tools and tests that run the queue's own loop in-process."""
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


@task()
def import_file(job_id: str) -> str:
    """A bulk import confirmed in the admin (register.import_jobs). Returns the job's state."""
    return import_jobs.run_import(job_id)


@task()
def send_daily_digests(days_ahead: int | None = None) -> str:
    """Today's digests (register.following): what it did, in words."""
    run = following.send_digests(ahead=days_ahead)
    if run.failed:
        # Failed, with the words, in the task's record; the next run tries them again.
        raise RuntimeError(str(run))
    return str(run)


@task()
def build_release(as_of: str, replace: bool = False) -> str:
    """The data release dated ``as_of`` (year-month-day) in the releases folder
    (register.releases): what became of it, in words."""
    import datetime

    outcome = releases.build_release(datetime.date.fromisoformat(as_of), replace=replace)
    return f"Release {outcome.version}: {outcome.result}."
