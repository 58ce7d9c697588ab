"""A real worker of the task queue, for the tests of background jobs."""

import threading

from django.db import connections

from register.jobs import batch_worker


def run_worker(worker_id="test-worker", max_tasks=None):
    """The worker's own loop (``manage.py db_worker --batch``: every task waiting, then
    stop), in a thread with its own database connection, as a worker process has."""
    worker = batch_worker(worker_id, max_tasks)
    failures = []

    def loop():
        try:
            worker.run()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the worker did not finish"
    assert not failures, failures
