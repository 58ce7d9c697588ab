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
import statistics
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

from perf.server import free_port, start_gunicorn, wait_for
from perf.synthetic import generate, remove_synthetic
from register.models import Arrangement, Authority

TARGETS_MS = {"list": 50, "filtered list": 80, "detail": 30, "summary": 200}


def data_changed():
    """Nothing of the register is cached any more; clear Django's cache all the same."""
    from django.core.cache import cache

    cache.clear()


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Benchmark list, detail, summary and export pages at several data sizes (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="500,5000,50000")
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument(
            "--cold-requests",
            type=int,
            default=10,
            help="Requests timed right after a change to the data (nothing cached).",
        )
        parser.add_argument("--load-seconds", type=int, default=15)
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "docs")

    def handle(self, *args, sizes, requests, cold_requests, load_seconds, output, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (make bench does).")
        if Authority.objects.count() < 300:
            raise CommandError("Load the authorities first (manage.py setup_register).")
        self.client = Client(HTTP_HOST="127.0.0.1")
        logging.getLogger("register.requests").setLevel(logging.WARNING)
        self.requests = requests
        self.cold_requests = cold_requests
        results = {
            "machine": machine(),
            "sizes": {},
            "commands": "make bench",
            "requests": requests,
            "cold_requests": cold_requests,
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
        results["cold_verdicts"] = verdicts(results, "cold_")
        output.mkdir(parents=True, exist_ok=True)
        (output / "benchmarks.json").write_text(json.dumps(results, indent=1, default=str))
        (output / "benchmarks.md").write_text(report(results))
        self.stdout.write("\n".join(["Warm:", *results["verdicts"]]))
        self.stdout.write("\n".join(["Cold:", *results["cold_verdicts"]]))
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
                f"max {figures['max_ms']:8.1f} ms  {figures['queries']:3} queries | cold p50 "
                f"{figures['cold_p50_ms']:8.1f} ms  p95 {figures['cold_p95_ms']:8.1f} ms  "
                f"{figures['cold_queries']:3} queries"
            )
        out["csv export"] = self.time_export()
        e = out["csv export"]
        self.stdout.write(
            f"{'csv export':24} {e['seconds']:.2f} s for {e['rows']:,} rows, "
            f"peak memory +{e['peak_mb']:.1f} MB, {e['queries']} queries"
        )
        return out

    def time_page(self, url) -> dict:
        """Warm: the same request repeated, as readers of one page see it between changes.
        Cold: each request right after a change to the data, so nothing is cached."""
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
        cold = []
        for _ in range(self.cold_requests):
            data_changed()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                self.client.get(url)
                cold.append((time.perf_counter() - started) * 1000)
            cold_queries = len(queries)
        return {
            "url": url,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "queries": query_count,
            "requests": len(times),
            "cold_p50_ms": round(statistics.median(cold), 1),
            "cold_p95_ms": round(percentile(cold, 0.95), 1),
            "cold_max_ms": round(max(cold), 1),
            "cold_queries": cold_queries,
        }

    def time_export(self) -> dict:
        """Time without tracemalloc (which slows Python down several times), then peak
        memory in a second run with it."""
        url = "/arrangements/?_export=csv"
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
            rows = sum(chunk.count(b"\n") for chunk in response) - 1
        seconds = time.perf_counter() - started
        query_count = len(queries)
        tracemalloc.start()
        response = self.client.get(url)
        for _ in response:
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "seconds": round(seconds, 2),
            "peak_mb": round(peak / 2**20, 1),
            "rows": rows,
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


def verdicts(results, prefix: str = "") -> list[str]:
    """Each target judged at the largest size. prefix "" judges the warm figures (a page
    read again while the data is unchanged), "cold_" the first read after any change."""
    sizes = sorted(results["sizes"])
    largest, smallest = results["sizes"][sizes[-1]]["pages"], results["sizes"][sizes[0]]["pages"]
    lines = []
    p95, queries = f"{prefix}p95_ms", f"{prefix}queries"

    def judge(ok, text):
        lines.append(f"{'MET   ' if ok else 'MISSED'} {text}")

    for name, limit in (("list", 50), ("filtered list", 80), ("detail", 30)):
        value = largest[name][p95]
        judge(value <= limit, f"{name} p95 {value} ms at {sizes[-1]:,} (target <= {limit} ms)")
    for name, figures in largest.items():
        if name.startswith("summary"):
            judge(figures[p95] <= 200, f"{name} p95 {figures[p95]} ms (target <= 200 ms)")
    if not prefix:
        export = largest["csv export"]
        judge(
            export["seconds"] <= 10,
            f"CSV export of every row {export['seconds']} s (target <= 10 s)",
        )
        judge(
            export["peak_mb"] <= 150, f"CSV export peak memory +{export['peak_mb']} MB (<= 150 MB)"
        )
    for name in ("list", "detail"):
        ratio = largest[name][p95] / max(smallest[name][p95], 0.1)
        judge(
            ratio <= 2, f"{name} p95 grows x{ratio:.2f} from {sizes[0]:,} to {sizes[-1]:,} (<= x2)"
        )
    pages = [name for name in largest if queries in largest[name] or name == "csv export"]
    counts = {
        name: {
            results["sizes"][s]["pages"][name].get(
                queries, results["sizes"][s]["pages"][name].get("queries")
            )
            for s in sizes
        }
        for name in pages
    }
    different = [name for name, seen in counts.items() if len(seen) > 1]
    judge(
        not different,
        "same query count for every page at every size"
        + (f" (differs: {', '.join(different)})" if different else ""),
    )
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
        "Warm: the same page read again while the data is unchanged, so totals, summaries",
        "and the rendered page of rows come from the cache (see register/caching.py). This",
        "is what most readers get: the data changes a few times a day, pages are read far",
        "more often.",
        "",
        *[f"- {line}" for line in results["verdicts"]],
        "",
        f"Cold: each of {results['cold_requests']} requests made right after a change to the",
        "data, so nothing is cached: the first reader of each page after every edit.",
        "",
        *[f"- {line}" for line in results["cold_verdicts"]],
        "",
    ]
    for size in sizes:
        pages = results["sizes"][size]["pages"]
        generated = results["sizes"][size]["generate_seconds"]
        lines += [
            f"## {size:,} arrangements (+{generated} s to generate)",
            "",
            "| page | p50 ms | p95 ms | max ms | queries | cold p50 ms | cold p95 ms "
            "| cold queries |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, f in pages.items():
            if name == "csv export":
                continue
            lines.append(
                f"| {name} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} | {f['queries']} "
                f"| {f['cold_p50_ms']} | {f['cold_p95_ms']} | {f['cold_queries']} |"
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
