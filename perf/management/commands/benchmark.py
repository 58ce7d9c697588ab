"""Measure what readers get at national scale; print the figures and write
docs/benchmarks.md and docs/benchmarks.json.

At each size (500, 5,000 and 50,000 synthetic arrangements by default) it requests at
least 60 *different* addresses of each kind of page (perf/addresses.py), each once,
over HTTP through gunicorn on loopback (2 workers, one client), twice: with the app's
cache off (REGISTER_CACHE_SECONDS=0; the figures the targets are judged on) and with
it on, emptied at the start. It times /healthz and the CSV export of every row in the
same run, counts each kind's queries in-process for a sample of the same addresses
(gunicorn cannot count them), and at the largest size explains the slowest query of
the slowest address of each kind. Not a test: it prints figures (perf/results.py).
"""

from __future__ import annotations

import csv
import datetime
import http.client
import io
import json
import logging
import os
import platform
import random
import re
import signal
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from perf import results as report
from perf.addresses import EXPORT_PATH, HEALTH_PATH, KINDS, LIST_PATH, catalogue, sample
from perf.server import free_port, start_gunicorn, wait_for, worker_rss_mb
from perf.synthetic import data_changed, generate, remove_synthetic
from register.models import Arrangement, Authority, Membership, Partnership, Saving

# The environment of gunicorn in each pass (None removes a variable). Never Redis: the
# per-process memory cache is what one server has, and is emptied with the server.
PASS_ENVIRONMENTS = {
    "uncached": {"REDIS_URL": None, "DJANGO_DEBUG": None, "REGISTER_CACHE_SECONDS": "0"},
    "cached": {"REDIS_URL": None, "DJANGO_DEBUG": None, "REGISTER_CACHE_SECONDS": None},
}
REPEATED = (LIST_PATH, "/summary/tiers/")
FIXED_QUERY_SAMPLE = 6  # addresses of each kind whose queries are counted at every size
TIMEOUT = 600  # seconds, for gunicorn's workers and the client: time, don't give up


def fetch(port: int, path: str) -> tuple[dict, bytes]:
    """One GET over a new connection; the time is from connecting to the last byte."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body, status = response.read(), response.status
    except (OSError, http.client.HTTPException):
        body, status = b"", 0
    finally:
        conn.close()
    ms = (time.perf_counter() - started) * 1000
    return {"url": path, "ms": ms, "status": status, "bytes": len(body)}, body


def csv_rows(body: bytes) -> int:
    return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1)


def consume(response) -> bytes:
    """The whole body, streamed or not (a streamed response runs its queries now)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


class Command(BaseCommand):
    help = (
        "Benchmark what readers get: many different addresses of each kind of page, over "
        "HTTP through gunicorn, at several data sizes (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="500,5000,50000")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the addresses drawn.")
        parser.add_argument(
            "--per-kind", type=int, default=60, help="Different addresses of each kind."
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument(
            "--query-sample",
            type=int,
            default=12,
            help="Addresses of each kind whose queries are counted in-process.",
        )
        parser.add_argument("--csv-runs", type=int, default=2, help="Exports of every row.")
        parser.add_argument("--healthz", type=int, default=60, help="Requests to /healthz.")
        parser.add_argument(
            "--repeat",
            type=int,
            default=20,
            help="Requests of one same address, shown labelled, never judged (0: none).",
        )
        parser.add_argument("--no-explain", action="store_true", help="Skip EXPLAIN ANALYZE.")
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "docs")
        parser.add_argument(
            "--rewrite-report",
            action="store_true",
            help="Measure nothing: write benchmarks.md (and the verdicts in benchmarks.json) "
            "again from the figures in benchmarks.json, after a change to how they are laid out.",
        )

    def handle(self, *args, **options):
        if options["rewrite_report"]:
            self.rewrite_report(options["output"])
            return
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (make bench does).")
        if Authority.objects.count() < 300:
            raise CommandError("Load the authorities first (manage.py setup_register).")
        try:
            sizes = sorted(int(s) for s in options["sizes"].split(","))
        except ValueError as exc:
            raise CommandError("--sizes takes numbers separated by commas.") from exc
        if not sizes or sizes[0] < 100:
            raise CommandError("Give sizes of at least 100 arrangements.")
        self.options = options
        self.seed = options["seed"]
        # Both passes when the app can turn its cache of figures off; one when it has no
        # such cache (every page computed afresh: both passes would be the same).
        self.passes = dict(report.PASSES)
        if not hasattr(settings, "REGISTER_CACHE_SECONDS"):
            self.passes = {report.JUDGED_PASS: report.NO_APP_CACHE}
        logging.getLogger("register.requests").setLevel(logging.WARNING)
        started = time.perf_counter()
        results = {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command_line(),
            "database": settings.DATABASES["default"]["NAME"],
            "machine": machine(),
            "seed": self.seed,
            "per_kind": options["per_kind"],
            "workers": options["workers"],
            "targets_ms": report.TARGETS_MS,
            "passes": self.passes,
            "runs": [],
        }
        remove_synthetic()
        made = 0
        fixed = None
        for size in sizes:
            run = self.one_size(size, made)
            made = size
            # The same few addresses of each kind, drawn at the smallest size (they exist
            # at every size: data is only added), counted again at each size: a count
            # that changes for the same address is a count that depends on the data.
            if fixed is None:
                fixed = {
                    kind: list(q["counts"])[:FIXED_QUERY_SAMPLE]
                    for kind, q in run["queries"].items()
                }
                run["fixed_queries"] = {
                    kind: {url: run["queries"][kind]["counts"][url] for url in urls}
                    for kind, urls in fixed.items()
                }
            else:
                self.stdout.write("Counting queries of the smallest size's addresses again...")
                run["fixed_queries"] = {
                    kind: q["counts"] for kind, q in self.count_queries(fixed).items()
                }
            results["runs"].append(run)
        results["verdicts"] = report.verdicts(results)
        if not options["no_explain"]:
            self.stdout.write("Explaining the slowest address of each kind...")
            results["explain"] = self.explain(results["runs"][-1])
        results["wall_seconds"] = round(time.perf_counter() - started, 1)
        output = options["output"]
        output.mkdir(parents=True, exist_ok=True)
        text = report.report(results)
        (output / "benchmarks.md").write_text(text)
        if results.get("explain"):
            (output / "benchmarks-explain.md").write_text(report.explain_report(results))
            for explained in results["explain"].values():  # in benchmarks-explain.md
                del explained["sql"], explained["plan"]
        (output / "benchmarks.json").write_text(dump_json(results))
        self.stdout.write("\n" + text)
        written = ", ".join(
            str(output / name)
            for name in ("benchmarks.md", "benchmarks.json", "benchmarks-explain.md")
            if name != "benchmarks-explain.md" or results.get("explain")
        )
        self.stdout.write(f"Wrote {written}.")

    def rewrite_report(self, output: Path) -> None:
        """The report of the run benchmarks.json holds, laid out again; the verdicts are
        judged again from its figures too. No figure is measured or changed."""
        results = json.loads((output / "benchmarks.json").read_text())
        results["verdicts"] = report.verdicts(results)
        text = report.report(results)
        (output / "benchmarks.md").write_text(text)
        (output / "benchmarks.json").write_text(dump_json(results))
        self.stdout.write(text + f"\nWrote {output / 'benchmarks.md'} from benchmarks.json.")

    # --- one size -----------------------------------------------------------------------

    def one_size(self, size: int, made: int) -> dict:
        started = time.perf_counter()
        generate(size - made, seed=size)
        with connection.cursor() as cursor:
            # The generator writes each arrangement's row three times (inserted, then its
            # stored figures, then its search document), which leaves the table twice the
            # size of one written once: compacted, as a restore from a backup leaves it.
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM FULL register_arrangement")
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
        generated = round(time.perf_counter() - started, 1)
        data = {
            "arrangements": Arrangement.objects.count(),
            "visible": Arrangement.objects.filter(exempt=False).count(),
            "memberships": Membership.objects.count(),
            "savings": Saving.objects.count(),
            "partnerships": Partnership.objects.count(),
        }
        chosen = sample(catalogue(), self.seed, self.options["per_kind"])
        self.stdout.write(
            f"\n== {size:,} arrangements (generated in {generated} s); "
            f"{sum(map(len, chosen.timed.values())):,} addresses, "
            f"{min(map(len, chosen.timed.values()))}+ of each of {len(chosen.timed)} kinds"
        )
        connection.close()  # gunicorn's workers open their own
        passes = {
            name: self.http_pass(name, PASS_ENVIRONMENTS[name], chosen) for name in self.passes
        }
        self.stdout.write("Counting queries in-process...")
        run = {
            "size": size,
            "generate_seconds": generated,
            "data": data,
            "passes": passes,
            "queries": self.count_queries(
                {
                    **{kind: chosen.timed[kind][: self.options["query_sample"]] for kind in KINDS},
                    "csv export": [EXPORT_PATH],
                    "healthz": [HEALTH_PATH],
                }
            ),
        }
        self.stdout.write("\n".join(report.size_table(run)))
        return run

    def http_pass(self, name: str, env: dict, chosen) -> dict:
        started, load_before = time.perf_counter(), os.getloadavg()
        port = free_port()
        workers = self.options["workers"]
        server = start_gunicorn(port, workers=workers, env=env, timeout=TIMEOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}{HEALTH_PATH}")
            # Warm each worker (templates compiled, database connections open) with
            # addresses that are not timed, several at once so that every worker gets
            # some; then empty the app's cache: a new data version makes every entry
            # unreachable, in every process.
            warmup = [url for url in chosen.warmup.values() for _ in range(workers)]
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(lambda url: fetch(port, url), warmup))
            data_changed()
            connection.close()
            order = chosen.shuffled(self.seed)
            rng = random.Random(f"healthz-{self.seed}")
            for _ in range(self.options["healthz"]):
                order.insert(rng.randint(0, len(order)), ("healthz", HEALTH_PATH))
            timings: dict[str, list] = {}
            for kind, url in order:
                timings.setdefault(kind, []).append(fetch(port, url)[0])
            out = {
                "environment": {k: v for k, v in env.items() if v is not None},
                "kinds": {kind: report.summarise(timings[kind]) for kind in KINDS},
                "healthz": report.summarise(timings.get("healthz", [])),
                # Every request of the judged pass, for anyone checking the figures.
                "timings": {
                    kind: [(t["url"], round(t["ms"], 1), t["status"]) for t in timings[kind]]
                    for kind in KINDS
                }
                if name == report.JUDGED_PASS
                else None,
            }
            out["csv"] = self.time_export(port, server.pid)
            if self.options["repeat"]:
                out["repeated"] = {
                    url: report.summarise(
                        [fetch(port, url)[0] for _ in range(self.options["repeat"])]
                    )
                    for url in REPEATED
                }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        out["seconds"] = round(time.perf_counter() - started, 1)
        # Other work on the machine slows every request: say how busy it was.
        out["load_average"] = {
            "start": [round(x, 1) for x in load_before],
            "end": [round(x, 1) for x in os.getloadavg()],
        }
        self.stdout.write(
            f"  {name} pass: {sum(len(t) for t in timings.values()):,} requests in "
            f"{out['seconds']} s"
        )
        return out

    def time_export(self, port: int, pid: int) -> dict | None:
        if not self.options["csv_runs"]:
            return None
        before = worker_rss_mb(pid)
        seconds, rows, size, status = [], 0, 0, 200
        for _ in range(self.options["csv_runs"]):
            timing, body = fetch(port, EXPORT_PATH)
            seconds.append(round(timing["ms"] / 1000, 2))
            rows, size = csv_rows(body), timing["bytes"]
            if timing["status"] != 200:
                status = timing["status"]
        return {
            "url": EXPORT_PATH,
            "seconds": seconds,
            "rows": rows,
            "bytes": size,
            "status": status,
            "rss_before_mb": before,
            "rss_after_mb": worker_rss_mb(pid),
        }

    # --- in-process ---------------------------------------------------------------------

    def count_queries(self, urls: dict[str, list[str]]) -> dict:
        """Queries of each address, in-process with the app's cache off (so every figure is
        computed, as in the judged pass): per kind, min and max and each address's count."""
        client = Client(HTTP_HOST="127.0.0.1")
        out = {}
        with override_settings(REGISTER_CACHE_SECONDS=0):
            for kind, addresses in urls.items():
                counts, times, sql = {}, [], []
                for url in addresses:
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        consume(client.get(url))
                        times.append((time.perf_counter() - started) * 1000)
                    counts[url] = len(queries)
                    sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
                out[kind] = {
                    "sampled": len(addresses),
                    "min": min(counts.values()),
                    "max": max(counts.values()),
                    "in_process_ms_median": round(statistics.median(times), 1),
                    "sql_ms_median": round(statistics.median(sql), 1),
                    "counts": counts,
                }
        return out

    def explain(self, run: dict) -> dict:
        """For the slowest uncached address of each kind: the request again in-process,
        its queries, and EXPLAIN (ANALYZE, BUFFERS) of each of its queries; the plan of the
        one that takes longest in the database is kept."""
        client = Client(HTTP_HOST="127.0.0.1")
        out = {}
        kinds = run["passes"][report.JUDGED_PASS]["kinds"]
        with override_settings(REGISTER_CACHE_SECONDS=0):
            for kind in KINDS:
                url = kinds[kind]["slowest_url"]
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    consume(client.get(url))
                    ms = (time.perf_counter() - started) * 1000
                captured = queries.captured_queries
                plans = []
                for sql in dict.fromkeys(q["sql"] for q in captured):
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    plans.append((execution_ms(plan), sql, plan))
                if not plans:
                    continue
                plans.sort(key=lambda p: -p[0])
                out[kind] = {
                    "url": url,
                    "ms": round(ms, 1),
                    "queries": len(captured),
                    "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
                    "explained_ms": round(sum(p[0] for p in plans), 1),
                    "slowest_query_ms": plans[0][0],
                    "sql": plans[0][1],
                    "plan": plans[0][2],
                }
        return out


def execution_ms(plan: str) -> float:
    """The "Execution Time" EXPLAIN ANALYZE reports, in ms."""
    for line in reversed(plan.splitlines()):
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return 0.0


def dump_json(results: dict) -> str:
    """Indented JSON with each list of plain values (a request's address, time and
    status) on one line."""
    text = json.dumps(results, indent=1, default=str)
    return (
        re.sub(
            r"\[([^\[\]{}]*)\]",
            lambda m: "[" + ", ".join(p.strip() for p in m.group(1).split(",\n")) + "]",
            text,
        )
        + "\n"
    )


def command_line() -> str:
    via = "make bench: " if os.environ.get("MAKELEVEL") else ""
    return f"{via}python manage.py {' '.join(sys.argv[1:])}"


def machine() -> dict:
    cpu, memory = "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu or platform.processor() or "unknown",
        "memory_gb": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "postgresql": postgresql,
    }
