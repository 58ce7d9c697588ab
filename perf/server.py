"""gunicorn on loopback for the benchmark and the load tests: start it, find a free
port for it, wait until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def start_gunicorn(
    port: int,
    threads: int = 1,
    workers: int | None = None,
    env: dict[str, str | None] | None = None,
    timeout: int = 30,
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 only, one worker per core unless ``workers`` says, quiet.
    ``env`` changes the environment it inherits: a value of None removes a variable."""
    # One client makes thousands of requests: the API's limit for anonymous clients
    # (API_ANON_RATE) is off, as what is measured is the register, not the limit.
    environment = dict(
        os.environ,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        API_ANON_RATE="",
    )
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sharedservices.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers or os.cpu_count() or 2),
            "--threads",
            str(threads),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer at {url}")


def worker_rss_mb(parent_pid: int) -> float:
    """Resident memory of gunicorn's workers (children of the master), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(parent_pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return round(total / 1024, 1)
