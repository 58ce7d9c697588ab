"""A bounded load test against gunicorn on loopback, optionally stopping PostgreSQL midway.

    manage.py loadtest                 # 32 clients for 60 s over list, detail and summary pages
    manage.py loadtest --fault         # the same, with PostgreSQL stopped for 10 s in the middle

Writes its findings to docs/load-and-faults.md. Only ever sends requests to 127.0.0.1.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from perf.server import free_port, start_gunicorn, wait_for, worker_rss_mb
from register.models import Arrangement


def cluster_command(action: str) -> None:
    versions = sorted(os.listdir("/etc/postgresql"))
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


class Command(BaseCommand):
    help = (
        "Load-test the register under gunicorn (bounded, loopback only); --fault stops PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=32)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--fault", action="store_true")
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "docs")

    def handle(self, *args, clients, seconds, fault, output, **options):
        if fault and connection.vendor != "postgresql":
            raise CommandError("--fault needs PostgreSQL.")
        arrangement = Arrangement.objects.filter(exempt=False).order_by("pk").first()
        if arrangement is None:
            raise CommandError("Load some data first (make run, or generate_synthetic).")
        committed = Arrangement.objects.count()
        connection.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        paths = [
            "/arrangements/",
            arrangement.get_absolute_url(),
            "/summary/tiers/",
            "/summary/pipeline/",
            "/arrangements/?status=operational",
        ]
        server = start_gunicorn(port, threads=4)
        try:
            wait_for(f"{base}/healthz")
            memory = [("start", worker_rss_mb(server.pid))]
            timeline = collections.Counter()
            lock = threading.Lock()
            started = time.monotonic()
            stop = started + seconds
            down = {}

            def worker(number):
                index = number
                while time.monotonic() < stop:
                    path = paths[index % len(paths)]
                    index += 1
                    try:
                        with urllib.request.urlopen(base + path, timeout=30) as response:
                            response.read()
                            status = response.status
                    except urllib.error.HTTPError as error:
                        status = error.code
                    except OSError:
                        status = 0
                    second = int(time.monotonic() - started)
                    with lock:
                        timeline[(second, status // 100 if status else 0)] += 1

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
            for thread in threads:
                thread.start()
            if fault:
                time.sleep(seconds / 3)
                down["from"] = int(time.monotonic() - started)
                cluster_command("stop")
                time.sleep(10)
                cluster_command("start")
                down["to"] = int(time.monotonic() - started)
            time.sleep(max(0.0, seconds / 2 - (time.monotonic() - started)))
            memory.append(("middle", worker_rss_mb(server.pid)))
            for thread in threads:
                thread.join()
            memory.append(("end", worker_rss_mb(server.pid)))
            healthy_after = urllib.request.urlopen(f"{base}/healthz", timeout=10).status
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False)
            if fault and ready.returncode != 0:
                cluster_command("start")  # never leave the database stopped
        connection.close()
        after = Arrangement.objects.count()
        self.write(
            output, clients, seconds, fault, timeline, memory, down, committed, after, healthy_after
        )

    def write(
        self, output, clients, seconds, fault, timeline, memory, down, before, after, healthy_after
    ):
        total = sum(timeline.values())
        by_class = collections.Counter()
        for (_, klass), count in timeline.items():
            by_class[klass] += count
        errors_outside = sum(
            count
            for (second, klass), count in timeline.items()
            if klass == 5 and not (down and down["from"] <= second <= down["to"] + 5)
        )
        lines = [
            f"## {'Fault' if fault else 'Load'} test: {clients} clients for {seconds} s",
            "",
            f"Command: `python manage.py loadtest{' --fault' if fault else ''}` (gunicorn on "
            "127.0.0.1, list, detail and summary pages in turn).",
            "",
            f"- requests: {total:,} ({total / seconds:.1f}/s); by status class: "
            + ", ".join(
                f"{k}xx: {v:,}" if k else f"no answer: {v:,}" for k, v in sorted(by_class.items())
            ),
            f"- 5xx outside the outage window: {errors_outside}",
            "- worker memory (MB): " + ", ".join(f"{when} {mb}" for when, mb in memory),
            f"- /healthz at the end, without restarting gunicorn: {healthy_after}",
        ]
        if fault:
            lines.append(
                f"- PostgreSQL stopped from second {down['from']} to {down['to']}; arrangements "
                f"before {before:,}, after {after:,} (committed data kept: {before == after})"
            )
        lines.append("")
        text = "\n".join(lines)
        self.stdout.write(text)
        path = output / "load-and-faults.md"
        existing = path.read_text() if path.exists() else "# Load and fault tests\n\n"
        heading = lines[0].split(":")[0]
        kept = [part for part in existing.split("\n## ") if not ("## " + part).startswith(heading)]
        path.write_text("\n## ".join(kept).rstrip() + "\n\n" + text)
