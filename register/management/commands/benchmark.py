"""Measure the pages at national scale; print figures and write docs/benchmarks.md.

Server-side time is measured in-process with Django's test client (the whole
request and response cycle, no network); throughput is measured over HTTP against
gunicorn on loopback with a bounded load generator. Not a test: it prints figures.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from register.models import Arrangement, Authority
from register.synthetic import generate, remove_synthetic

TARGETS_MS = {"list": 50, "filtered list": 80, "detail": 30, "summary": 200}


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Benchmark list, detail, summary and export pages at several data sizes (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="500,5000,50000")
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument("--load-seconds", type=int, default=15)
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "docs")

    def handle(self, *args, sizes, requests, load_seconds, output, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (make bench does).")
        if Authority.objects.count() < 300:
            raise CommandError("Load the authorities first (manage.py setup_register).")
        self.client = Client(HTTP_HOST="127.0.0.1")
        logging.getLogger("register.requests").setLevel(logging.WARNING)
        self.requests = requests
        results = {
            "machine": machine(),
            "sizes": {},
            "commands": "make bench",
            "requests": requests,
        }
        remove_synthetic()
        made = 0
        for size in [int(s) for s in sizes.split(",")]:
            started = time.perf_counter()
            generate(size - made, seed=size)
            made = size
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
            generated = time.perf_counter() - started
            self.stdout.write(
                f"\n== {size:,} synthetic arrangements (+{generated:.1f} s to generate)"
            )
            results["sizes"][size] = {
                "generate_seconds": round(generated, 1),
                "pages": self.pages(size),
            }
        results["throughput"] = self.throughput(load_seconds)
        results["verdicts"] = verdicts(results)
        output.mkdir(parents=True, exist_ok=True)
        (output / "benchmarks.json").write_text(json.dumps(results, indent=1, default=str))
        (output / "benchmarks.md").write_text(report(results))
        self.stdout.write("\n".join(results["verdicts"]))
        self.stdout.write(f"\nWrote {output / 'benchmarks.md'} and {output / 'benchmarks.json'}.")

    def pages(self, size) -> dict:
        total = Arrangement.objects.filter(exempt=False).count()
        programme = (
            Arrangement.objects.filter(exempt=False, workstreams__isnull=False)
            .order_by("pk")
            .first()
        )
        deep = max(1, total // 25 // 2)
        urls = {
            "list": "/arrangements/",
            "filtered list": "/arrangements/?q=legal&status=operational&tier_level=lower",
            "deep page": f"/arrangements/?page={deep}",
            "detail": programme.get_absolute_url(),
            "summary: index": "/summary/",
            "summary: tiers": "/summary/tiers/",
            "summary: service areas": "/summary/service-areas/",
            "summary: savings": "/summary/savings/",
            "summary: pipeline": "/summary/pipeline/?as_of=2012-04-05",
            "summary: national": "/summary/national/",
            "summary: briefing": "/summary/briefing/?authority=LDS",
        }
        out = {name: self.time_page(url) for name, url in urls.items()}
        for name, figures in out.items():
            self.stdout.write(
                f"{name:24} p50 {figures['p50_ms']:8.1f} ms  p95 {figures['p95_ms']:8.1f} ms  "
                f"max {figures['max_ms']:8.1f} ms  {figures['queries']:3} queries"
            )
        out["csv export"] = self.time_export()
        e = out["csv export"]
        self.stdout.write(
            f"{'csv export':24} {e['seconds']:.2f} s for {e['rows']:,} rows, "
            f"peak memory +{e['peak_mb']:.1f} MB, {e['queries']} queries"
        )
        return out

    def time_page(self, url) -> dict:
        for _ in range(3):
            self.client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        query_count = len(queries)  # read now: the next request resets the query log
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        times = []
        for _ in range(self.requests):
            started = time.perf_counter()
            self.client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        return {
            "url": url,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "queries": query_count,
            "requests": len(times),
        }

    def time_export(self) -> dict:
        tracemalloc.start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get("/arrangements/?_export=csv")
            body = b"".join(response) if response.streaming else response.content
        seconds = time.perf_counter() - started
        query_count = len(queries)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "seconds": round(seconds, 2),
            "peak_mb": round(peak / 2**20, 1),
            "rows": body.count(b"\n") - 1,
            "queries": query_count,
        }

    def throughput(self, seconds) -> dict:
        port = free_port()
        server = start_gunicorn(port)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
            out = {}
            for name, path in (("list page", "/arrangements/"), ("trivial view", "/healthz")):
                out[name] = load(f"http://127.0.0.1:{port}{path}", seconds, clients=8)
                self.stdout.write(
                    f"{name:24} {out[name]['requests_per_second']:.1f} requests/s over "
                    f"{seconds} s, {out[name]['errors']} errors"
                )
            out["ratio"] = round(
                out["list page"]["requests_per_second"]
                / max(out["trivial view"]["requests_per_second"], 0.001),
                3,
            )
            return out
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def start_gunicorn(port: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn on 127.0.0.1 only, one worker per core, quiet."""
    env = dict(os.environ, DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_LOG_LEVEL="WARNING")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sharedservices.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(os.cpu_count() or 2),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
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


def load(url, seconds, clients) -> dict:
    """A bounded closed-loop load: `clients` threads, each requesting until time is up."""
    stop = time.monotonic() + seconds
    counts, errors, lock = [0], [0], threading.Lock()

    def worker():
        while time.monotonic() < stop:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                counts[0] += ok
                errors[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests": counts[0],
        "errors": errors[0],
        "requests_per_second": round(counts[0] / seconds, 1),
        "clients": clients,
    }


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": connection.vendor,
    }


def verdicts(results) -> list[str]:
    sizes = sorted(results["sizes"])
    largest, smallest = results["sizes"][sizes[-1]]["pages"], results["sizes"][sizes[0]]["pages"]
    lines = []

    def judge(ok, text):
        lines.append(f"{'MET   ' if ok else 'MISSED'} {text}")

    for name, limit in (("list", 50), ("filtered list", 80), ("detail", 30)):
        p95 = largest[name]["p95_ms"]
        judge(p95 <= limit, f"{name} p95 {p95} ms at {sizes[-1]:,} (target <= {limit} ms)")
    for name, figures in largest.items():
        if name.startswith("summary"):
            judge(figures["p95_ms"] <= 200, f"{name} p95 {figures['p95_ms']} ms (target <= 200 ms)")
    export = largest["csv export"]
    judge(
        export["seconds"] <= 10, f"CSV export of every row {export['seconds']} s (target <= 10 s)"
    )
    judge(export["peak_mb"] <= 150, f"CSV export peak memory +{export['peak_mb']} MB (<= 150 MB)")
    for name in ("list", "detail"):
        ratio = largest[name]["p95_ms"] / max(smallest[name]["p95_ms"], 0.1)
        judge(
            ratio <= 2, f"{name} p95 grows x{ratio:.2f} from {sizes[0]:,} to {sizes[-1]:,} (<= x2)"
        )
    same = all(
        len({results["sizes"][s]["pages"][name]["queries"] for s in sizes}) == 1 for name in largest
    )
    judge(same, "same query count for every page at every size")
    return lines


def report(results) -> str:
    sizes = sorted(results["sizes"])
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (PostgreSQL; `python manage.py benchmark`). Server-side time is",
        f"measured in-process with Django's test client over {results['requests']}",
        "requests per page after three warm-up requests; throughput over HTTP against gunicorn",
        "on loopback with a bounded load generator (8 client threads).",
        "",
        f"Machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}. The figures vary with",
        "whatever else the machine is doing; compare sizes within one run.",
        "",
        "## Targets at the largest size",
        "",
        *[f"- {line}" for line in results["verdicts"]],
        "",
    ]
    for size in sizes:
        pages = results["sizes"][size]["pages"]
        generated = results["sizes"][size]["generate_seconds"]
        lines += [
            f"## {size:,} arrangements (+{generated} s to generate)",
            "",
            "| page | p50 ms | p95 ms | max ms | queries |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, f in pages.items():
            if name == "csv export":
                continue
            lines.append(
                f"| {name} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} | {f['queries']} |"
            )
        e = pages["csv export"]
        lines += [
            "",
            f"CSV export of all {e['rows']:,} visible rows: {e['seconds']} s, "
            f"peak memory +{e['peak_mb']} MB, {e['queries']} queries.",
            "",
        ]
    t = results["throughput"]
    lines += [
        "## Throughput under gunicorn (largest size)",
        "",
        f"- list page: {t['list page']['requests_per_second']} requests/s "
        f"({t['list page']['errors']} errors)",
        f"- trivial view (/healthz): {t['trivial view']['requests_per_second']} requests/s "
        f"({t['trivial view']['errors']} errors)",
        f"- ratio list / trivial: {t['ratio']}",
        "",
    ]
    return "\n".join(lines)
