"""The benchmark's figures: percentiles, verdicts against the targets, and the report.

Pure functions of the results the benchmark collected (perf/management/commands/
benchmark.py), so that what is printed and written is exactly what was measured.
"""

from __future__ import annotations

import math
import statistics

from perf.addresses import KINDS, TARGETS_MS

JUDGED_PASS = "uncached"
PASSES = {
    "uncached": "REGISTER_CACHE_SECONDS=0: the app's cache off, every figure computed",
    "cached": "the app's cache on (per-process memory cache), emptied at the start",
}
NO_APP_CACHE = (
    "the app keeps no cache of figures (it has no REGISTER_CACHE_SECONDS setting), so "
    "one pass: every figure computed"
)
# p95 at the largest size may be at most this many times p95 at the smallest.
GROWTH_KINDS = ("list", "detail", "authority")
MAX_GROWTH = 1.5
CSV_TARGET_SECONDS = 5.0
TARGET_SIZE = 50_000


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the
    values at or below it (p95 of 60 values is the 57th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarise(timings: list[dict]) -> dict:
    """p50, p95 and max of timed requests ({url, ms, status, bytes}); responses other
    than 200 are counted as errors and listed, and still timed."""
    times = [t["ms"] for t in timings]
    errors = [(t["url"], t["status"]) for t in timings if t["status"] != 200]
    slowest = max(timings, key=lambda t: t["ms"]) if timings else None
    return {
        "requests": len(timings),
        "distinct": len({t["url"] for t in timings}),
        "p50_ms": round(statistics.median(times), 1) if times else None,
        "p95_ms": round(percentile(times, 0.95), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
        "mean_kb": round(statistics.mean(t["bytes"] for t in timings) / 1024, 1)
        if timings
        else None,
        "errors": errors,
        "slowest_url": slowest["url"] if slowest else None,
    }


def verdict(met: bool | None) -> str:
    return {True: "MET", False: "MISSED", None: "n/a"}[met]


def verdicts(results: dict) -> list[dict]:
    """Each target, judged on the uncached pass at the largest size run (the targets are
    set for 50,000 arrangements; a smaller largest size is said so)."""
    runs = results["runs"]
    small, large = runs[0], runs[-1]
    at = f"{large['size']:,}"
    lines = []

    def judge(check, figure, target, met):
        lines.append({"check": check, "figure": figure, "target": target, "verdict": verdict(met)})

    kinds = large["passes"][JUDGED_PASS]["kinds"]
    for kind in KINDS:
        stats = kinds.get(kind)
        if not stats:
            continue
        errors = len(stats["errors"])
        figure = f"{stats['p95_ms']} ms" + (f", {errors} errors" if errors else "")
        judge(
            f"{kind}: p95 at {at}",
            figure,
            f"<= {TARGETS_MS[kind]} ms",
            stats["p95_ms"] <= TARGETS_MS[kind] and not errors,
        )
    for kind in GROWTH_KINDS:
        if len(runs) < 2:
            judge(f"{kind}: p95 growth", "one size only", f"<= x{MAX_GROWTH}", None)
            continue
        before = small["passes"][JUDGED_PASS]["kinds"][kind]["p95_ms"]
        after = large["passes"][JUDGED_PASS]["kinds"][kind]["p95_ms"]
        ratio = after / max(before, 0.1)
        judge(
            f"{kind}: p95 at {at} / p95 at {small['size']:,}",
            f"x{ratio:.2f} ({after} / {before} ms)",
            f"<= x{MAX_GROWTH}",
            ratio <= MAX_GROWTH,
        )
    export = large["passes"][JUDGED_PASS].get("csv")
    if export:
        slowest, runs_made = max(export["seconds"]), len(export["seconds"])
        status = export["status"]
        judge(
            f"CSV export of all {export['rows']:,} rows at {at} (slowest of {runs_made})",
            f"{slowest:.2f} s" + ("" if status == 200 else f", status {status}"),
            f"<= {CSV_TARGET_SECONDS:g} s",
            slowest <= CSV_TARGET_SECONDS and status == 200,
        )
    if len(runs) < 2:
        judge("query counts constant with size", "one size only", "no change", None)
    else:
        changed = query_changes(small.get("fixed_queries", {}), large.get("fixed_queries", {}))
        sampled = max((len(urls) for urls in small.get("fixed_queries", {}).values()), default=0)
        judge(
            f"query count of the same {sampled} addresses of each kind at {small['size']:,} "
            f"and {at}",
            "; ".join(changed) if changed else "the same for every address",
            "no change",
            not changed,
        )
    return lines


def query_changes(before: dict, after: dict) -> list[str]:
    """Per kind, each change of query count for the same address: 'authority 12 -> 13
    (5 of 6 addresses)'."""
    changed = []
    for kind, counts in before.items():
        moves: dict[tuple, int] = {}
        for url, n in counts.items():
            m = after.get(kind, {}).get(url)
            if m is not None and m != n:
                moves[(n, m)] = moves.get((n, m), 0) + 1
        for (n, m), addresses in sorted(moves.items()):
            changed.append(f"{kind} {n} -> {m} ({addresses} of {len(counts)} addresses)")
    return changed


def _ms(value) -> str:
    return "" if value is None else f"{value:.1f}"


def size_table(run: dict) -> list[str]:
    judged = run["passes"].get(JUDGED_PASS, {}).get("kinds", {})
    # The cached pass's columns only where there was one (an app with a cache to turn on).
    cached = run["passes"].get("cached", {}).get("kinds")
    extra = " cached p50 | cached p95 | cached max |" if cached else ""
    lines = [
        "| kind | addresses | p50 ms | p95 ms | max ms | target p95 | errors | queries "
        f"(min-max) |{extra} mean KB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: | ---: | ---: |" if cached else "")
        + " ---: |",
    ]
    for kind in KINDS:
        s = judged.get(kind)
        if not s:
            continue
        q = run["queries"].get(kind)
        queries = f"{q['min']}-{q['max']}" if q else ""
        cells = ""
        if cached:
            c = cached.get(kind, {})
            cells = f" {_ms(c.get('p50_ms'))} | {_ms(c.get('p95_ms'))} | {_ms(c.get('max_ms'))} |"
        lines.append(
            f"| {kind} | {s['distinct']} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} "
            f"| {_ms(s['max_ms'])} | {TARGETS_MS[kind]} | {len(s['errors'])} | {queries} "
            f"|{cells} {s['mean_kb']} |"
        )
    return lines


def size_details(run: dict, cpus: int | None = None) -> list[str]:
    lines = []
    for name, p in run["passes"].items():
        load = p.get("load_average")
        if load:
            lines.append(
                f"- Load average (1, 5, 15 min) of the machine ({cpus} CPUs) at the start and "
                f"end of the {name} pass ({p['seconds']} s): {', '.join(map(str, load['start']))}"
                f" / {', '.join(map(str, load['end']))}"
            )
    for name, p in run["passes"].items():
        h = p["healthz"]
        lines.append(
            f"- /healthz ({name} pass; one address, {h['requests']} requests interleaved with "
            f"the pages; the floor of any request, not a page): p50 {_ms(h['p50_ms'])} ms, "
            f"p95 {_ms(h['p95_ms'])} ms, max {_ms(h['max_ms'])} ms"
        )
    for name, p in run["passes"].items():
        e = p.get("csv")
        if e:
            q = run["queries"].get("csv export")
            lines.append(
                f"- CSV export of all rows ({name} pass, `{e['url']}`): "
                + ", ".join(f"{s:.2f} s" for s in e["seconds"])
                + f"; {e['rows']:,} rows, {e['bytes'] / 2**20:.1f} MB, status {e['status']}"
                + (f", {q['max']} queries" if q else "")
                + (
                    f"; gunicorn workers' memory {e['rss_before_mb']} MB before, "
                    f"{e['rss_after_mb']} MB after"
                    if e.get("rss_after_mb") is not None
                    else ""
                )
            )
    for name, p in run["passes"].items():
        for url, r in p.get("repeated", {}).items():
            lines.append(
                f"- Same address repeated {r['requests']} times ({name} pass; NOT judged, "
                f"shown only for comparison): `{url}` p50 {_ms(r['p50_ms'])} ms, "
                f"p95 {_ms(r['p95_ms'])} ms, max {_ms(r['max_ms'])} ms"
            )
    return lines


def slowest_table(run: dict) -> list[str]:
    judged = run["passes"].get(JUDGED_PASS, {}).get("kinds", {})
    lines = ["| kind | slowest address (uncached) | ms |", "| --- | --- | ---: |"]
    for kind in KINDS:
        s = judged.get(kind)
        if s:
            lines.append(f"| {kind} | `{s['slowest_url']}` | {_ms(s['max_ms'])} |")
    for kind in KINDS:
        for url, status in (judged.get(kind) or {}).get("errors", []):
            lines.append(f"| {kind} | error {status}: `{url}` | |")
    return lines


def queries_note(run: dict) -> str:
    sampled = {q["sampled"] for q in run["queries"].values()}
    fixed = {len(urls) for urls in run.get("fixed_queries", {}).values()}
    return (
        "Queries: gunicorn cannot count them, so they are counted in-process (Django's test "
        "client and CaptureQueriesContext, with REGISTER_CACHE_SECONDS=0) for the first "
        f"{max(sampled, default=0)} of each kind's addresses at each size (min-max in the "
        f"tables), and for the same {max(fixed, default=0)} addresses of each kind, drawn at "
        "the smallest size, at every size (the verdict)."
    )


def verdict_table(lines: list[dict]) -> list[str]:
    out = ["| check | figure | target | verdict |", "| --- | --- | --- | --- |"]
    out += [f"| {v['check']} | {v['figure']} | {v['target']} | {v['verdict']} |" for v in lines]
    return out


def report(results: dict) -> str:
    m = results["machine"]
    sizes = ", ".join(f"{run['size']:,}" for run in results["runs"])
    largest = results["runs"][-1]["size"]
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (perf/management/commands/benchmark.py). Every figure below",
        "comes from the run described here; nothing is carried over from another run.",
        "",
        f"- Date: {results['date']}; database `{results.get('database', '')}`",
        f"- Command: `{results['command']}` ({results['wall_seconds'] / 60:.1f} minutes)",
        f"- Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB memory, {m['platform']}",
        f"- Software: Python {m['python']}, Django {m['django']}, {m['postgresql']}, "
        f"gunicorn {m['gunicorn']}",
        f"- Sizes: {sizes} arrangements (synthetic, `manage.py generate_synthetic`, on top of "
        "the real register and authorities)",
        "",
        "## How it measures",
        "",
        f"- Over HTTP through gunicorn on loopback ({results['workers']} sync workers), one "
        "client, one request at a time; each time is from opening the connection to reading "
        "the last byte of the response.",
        f"- At least {results['per_kind']} different addresses of each kind of page, each "
        f"requested once, drawn with seed {results['seed']} (perf/addresses.py): random "
        "filters (one to three), sorts, page sizes and pages (deep ones too), searches for "
        "the commonest words of the data and rare ones, random arrangements, authorities, "
        "partnerships and summary narrowing. Kinds are interleaved in a fixed random order.",
        "- At each size, each pass with a new gunicorn, started without REDIS_URL:",
        *[f"  - {name}: {text}." for name, text in results.get("passes", PASSES).items()],
        "  Before timing, each worker is warmed with one address of each kind that is not "
        "among the timed ones (templates compiled, connections opened)"
        + (
            ", then the app's cache is emptied (a new data version makes every entry "
            "unreachable in every process). "
            if "cached" in results.get("passes", PASSES)
            else "; the app keeps nothing between requests that a cache would. "
        )
        + f"Targets are judged on the **{JUDGED_PASS}** pass.",
        "- Nothing else is stopped while it runs: whatever else the machine is doing slows "
        "the requests too. The load average at the start and end of each pass is given "
        "with each size's figures.",
        "- After each size's data is generated the database is vacuumed and analysed (as "
        "autovacuum would after a bulk load), and the arrangements' table compacted "
        "(VACUUM FULL): the generator writes each row three times (inserted, then its "
        "stored figures, then its search document), which leaves the table twice the size "
        "of one written once, as a restore from a backup writes it. PostgreSQL's own "
        "buffers are not emptied.",
        "- p95 is the nearest-rank 95th percentile of the addresses' times (with 60 "
        "addresses, the 57th fastest). 'mean KB' is the mean response size.",
        f"- {queries_note(results['runs'][-1])}",
        "",
        "## Verdicts",
        "",
        f"Judged at {largest:,} arrangements"
        + ("." if largest == TARGET_SIZE else f" (the targets are set for {TARGET_SIZE:,})."),
        "",
        *verdict_table(results["verdicts"]),
        "",
    ]
    for run in results["runs"]:
        d = run["data"]
        lines += [
            f"## {run['size']:,} arrangements",
            "",
            f"{d['arrangements']:,} arrangements ({d['visible']:,} visible to the public), "
            f"{d['memberships']:,} memberships, {d['savings']:,} savings, "
            f"{d['partnerships']:,} partnerships; generated in {run['generate_seconds']} s.",
            "",
            *size_table(run),
            "",
            *size_details(run, m["cpus"]),
            "",
            *slowest_table(run),
            "",
        ]
    if results.get("explain"):
        lines += [
            "## Where the time goes",
            "",
            f"For the slowest uncached address of each kind at {largest:,}, the request was "
            "repeated in-process with the app's cache off: its time, its queries and the time "
            "they took as the request ran them (SQL ms), and, from EXPLAIN ANALYZE of each, "
            "the database's own time for all of them and for the slowest. The plan of the "
            "slowest is in [benchmarks-explain.md](benchmarks-explain.md). What is not SQL is "
            "Python: building querysets, forms, tables and rendering templates.",
            "",
            "| kind | address | in-process ms | queries | SQL ms | EXPLAIN ms (all) "
            "| slowest query ms |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for kind, e in results["explain"].items():
            lines.append(
                f"| {kind} | `{e['url']}` | {e['ms']:.0f} | {e['queries']} "
                f"| {e['sql_ms']:.0f} | {e['explained_ms']:.0f} | {e['slowest_query_ms']:.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def explain_report(results: dict) -> str:
    largest = results["runs"][-1]["size"]
    lines = [
        "# Benchmarks: plans of the slowest queries",
        "",
        f"From the run of {results['date']} (`{results['command']}`), at {largest:,} "
        "arrangements: for the slowest uncached address of each kind, the request repeated "
        "in-process with the app's cache off, each of its queries run again under "
        "`EXPLAIN (ANALYZE, BUFFERS)`, and the plan of the one the database took longest over.",
        "",
    ]
    for kind, e in results.get("explain", {}).items():
        lines += [
            f"## {kind}: `{e['url']}`",
            "",
            f"{e['ms']:.0f} ms in-process, {e['queries']} queries taking {e['sql_ms']:.0f} ms "
            f"as the request ran them ({e['explained_ms']:.0f} ms of execution under EXPLAIN "
            f"ANALYZE); the slowest, {e['slowest_query_ms']:.1f} ms:",
            "",
            "```sql",
            e["sql"],
            "```",
            "",
            "```",
            e["plan"],
            "```",
            "",
        ]
    return "\n".join(lines)
