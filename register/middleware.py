"""Middleware for every request: refusing NUL characters, a busy database, and the
request log."""

import json
import logging
import re
import time
import uuid

from django.db import OperationalError
from django.shortcuts import render


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
            return render(request, "400.html", status=400)
        return self.get_response(request)


def database_is_locked(error: Exception) -> bool:
    """SQLite's answer when another connection held the write lock past the timeout."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


class DatabaseBusyMiddleware:
    """SQLite allows one writer at a time: a write that waited past the timeout is
    answered with a clear "try again" page (503), never a server error. The write was
    rolled back whole, so nothing was half-saved. (The arrangement form handles it
    itself, keeping what was typed: see ArrangementAdmin.changeform_view.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_is_locked(exception):
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response
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
