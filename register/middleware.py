"""Middleware for every request: refusing NUL characters, a busy database, changes made
through the admin taking turns, and the request log."""

import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.shortcuts import render
from django.urls import reverse


class RejectNullCharactersMiddleware:
    """A NUL character in the address can never be valid input, and PostgreSQL refuses it
    outright: answer with a clear 400 page instead of letting it reach a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from .api.errors import is_api_request, refused

            if is_api_request(request):
                named = [
                    key for key, values in request.GET.lists() if "\x00" in key + "".join(values)
                ]
                return refused(
                    "A NUL character can never be part of a query.",
                    {name.replace("\x00", ""): ["Contains a NUL character."] for name in named}
                    or {"path": ["Contains a NUL character."]},
                )
            return render(request, "400.html", status=400)
        return self.get_response(request)


# PostgreSQL's codes for a transaction it ended to let another go on: a deadlock, and a
# serialization failure.
TRY_AGAIN_CODES = {"40P01", "40001"}


def database_is_locked(error: Exception) -> bool:
    """SQLite's answer when another connection held the write lock past the timeout, or
    PostgreSQL's when it ended this write so that another could go on: either way the
    write was rolled back whole, and trying again will do."""
    if not isinstance(error, OperationalError):
        return False
    return (
        "database is locked" in str(error)
        or getattr(error.__cause__, "pgcode", None) in TRY_AGAIN_CODES
    )


def take_turn(lock: int, wait_seconds: float) -> bool:
    """Take a PostgreSQL advisory lock, waiting up to ``wait_seconds`` for whoever holds
    it: whether it was taken. (Asked again and again rather than waited on, so that the
    wait ends on time whatever the connection's settings.)"""
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock])
            if cursor.fetchone()[0]:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.5)


def busy_page(request):
    """The "busy, try again; nothing you sent has been saved" page."""
    response = render(request, "503.html", status=503)
    response["Retry-After"] = "5"
    return response


class AdminWritesTakeTurnsMiddleware:
    """On PostgreSQL, each change made through the admin (any POST under /admin/ but
    signing in and out: a form, a bulk action, an import, a history revert, whichever app
    adds the view) holds one lock for the whole request, so that changes take turns.
    Otherwise two saves at once can each lock rows and then wait for the other's (a
    programme and its workstream saved together: the workstream's check of its parent
    waits for the programme's form, which waits to rewrite the register's totals that the
    workstream is rewriting), and PostgreSQL ends one of them with an error. Reading is
    never held up. The lock is the one the register's totals are rewritten under
    (register.totals.STATUS_TOTALS_LOCK), which a request holding it takes again at once;
    SQLite lets one writer in at a time anyway.

    The wait for the lock is bounded (settings.ADMIN_WRITE_WAIT_SECONDS): a background
    import holds it for as long as it runs, and a change sent meanwhile is answered with
    the "busy, try again" page (503) rather than tying up a web server worker until the
    import ends. Nothing of that request has been saved: it had not begun."""

    SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def takes_turns(self, request) -> bool:
        if request.method in self.SAFE or connection.vendor != "postgresql":
            return False
        admin = reverse("admin:index")
        return request.path.startswith(admin) and request.path not in {
            reverse("admin:login"),
            reverse("admin:logout"),
        }

    def __call__(self, request):
        if not self.takes_turns(request):
            return self.get_response(request)
        from .totals import STATUS_TOTALS_LOCK

        if not take_turn(STATUS_TOTALS_LOCK, settings.ADMIN_WRITE_WAIT_SECONDS):
            return busy_page(request)
        try:
            return self.get_response(request)
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [STATUS_TOTALS_LOCK])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


class DatabaseBusyMiddleware:
    """SQLite allows one writer at a time: a write that waited past the timeout (or one
    PostgreSQL ended to let another go on) is answered with a clear "try again" page
    (503), never a server error. The write was rolled back whole, so nothing was
    half-saved. (The arrangement form handles it itself, keeping what was typed: see
    ArrangementAdmin.changeform_view.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_is_locked(exception):
            return busy_page(request)
        return None


REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_log = logging.getLogger("register.requests")


class RequestLogMiddleware:
    """One JSON line per request: method, path (never the query string, which can hold
    what people searched for), status, duration and a request id. The id comes from an
    X-Request-ID header when a proxy sends a sensible one, and is echoed in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            request_log.info(
                json.dumps(
                    {
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "request_id": request.request_id,
                    }
                )
            )
