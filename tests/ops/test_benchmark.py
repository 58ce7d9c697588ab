"""The benchmark's instrument: the addresses it requests and the figures it reports."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from perf.addresses import (
    KINDS,
    LIST_PATH,
    SUMMARY_PATHS,
    TARGETS_MS,
    Catalogue,
    sample,
)
from perf.results import percentile, query_changes, summarise, verdicts


def a_catalogue(arrangements=500) -> Catalogue:
    return Catalogue(
        arrangement_slugs=[f"synthetic-1-{n}" for n in range(arrangements)],
        authority_codes=[f"A{n:02d}" for n in range(80)],
        partnership_slugs=[f"partnership-{n}" for n in range(6)],
        service_area_slugs=["corporate", "legal", "waste", "fostering", "ict"],
        tier_slugs=["county", "shire-district", "unitary"],
        region_slugs=["london", "wales", "north-west", "south-east"],
        visible=arrangements,
        common_words=["partner", "shared", "service", "councils", "joint"],
        rare_words=["abattoir", "lighthouse", "quarry", "tramway"],
        authority_names=["Leeds", "Redcar and Cleveland"],
    )


def params(url) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(url).query):
        out.setdefault(key, []).append(value)
    return out


def test_the_sample_is_deterministic_for_a_seed():
    catalogue = a_catalogue()
    first, again = sample(catalogue, seed=3), sample(catalogue, seed=3)
    assert first.timed == again.timed and first.warmup == again.warmup
    assert first.shuffled(3) == again.shuffled(3)
    assert sample(catalogue, seed=4).timed != first.timed


def test_at_least_sixty_different_addresses_of_every_kind_each_once():
    chosen = sample(a_catalogue(), seed=1)
    assert set(chosen.timed) == set(KINDS) == set(TARGETS_MS)
    for kind, urls in chosen.timed.items():
        assert len(urls) >= 60 and len(set(urls)) == len(urls), kind
        assert chosen.warmup[kind] not in urls  # warming up never times an address
    order = chosen.shuffled(1)
    assert len(order) == len(set(order)) == sum(map(len, chosen.timed.values()))


def test_each_kind_asks_for_what_it_says():
    chosen = sample(a_catalogue(), seed=1)
    filters = {"sort", "page", "per_page"}
    for url in chosen.timed["list"]:
        assert url.startswith(LIST_PATH) and set(params(url)) <= filters
    assert LIST_PATH in chosen.timed["list"]
    lists = chosen.timed["list"]
    assert any("-" in p.get("sort", [""])[0] for p in map(params, lists))  # descending sorts
    assert max(int(params(u).get("page", [1])[0]) for u in lists) >= 15  # deep pages
    for url in chosen.timed["filtered list"]:
        assert 1 <= len(set(params(url)) - filters) <= 3 and "q" not in params(url)
    words = [params(url)["q"][0] for url in chosen.timed["search"]]
    assert {"partner", "shared", "service"} <= set(words)  # the commonest words
    assert set(words) & {"abattoir", "lighthouse", "quarry", "tramway"}  # and rare ones
    assert all(u.startswith("/arrangements/synthetic-") for u in chosen.timed["detail"])
    assert all(u.startswith("/authorities/A") for u in chosen.timed["authority"])
    for kind, path in SUMMARY_PATHS.items():
        assert all(urlsplit(u).path == path for u in chosen.timed[kind])
        assert path in chosen.timed[kind]  # the bare page, and narrowed ones
    maps = [params(u) for u in chosen.timed["map"]]
    assert all(u.startswith(LIST_PATH) for u in chosen.timed["map"])
    assert all(p["per_page"] == ["100"] for p in maps)  # the largest map a page draws
    assert any(set(p) - {"per_page", "page"} for p in maps)  # filtered, and not
    assert any(set(p) <= {"per_page", "page"} for p in maps)
    briefings = [params(u) for u in chosen.timed["briefing"]]
    assert any("authority" in p for p in briefings) and any("partnership" in p for p in briefings)


def test_too_little_data_for_the_sample_is_refused():
    with pytest.raises(ValueError, match="data set is too small"):
        sample(a_catalogue(arrangements=20), seed=1)


def test_percentiles_and_summaries():
    assert percentile(range(1, 61), 0.95) == 57  # nearest rank
    assert percentile([5.0], 0.95) == 5.0
    timings = [{"url": f"/a/{n}", "ms": float(n), "status": 200, "bytes": 1024} for n in range(60)]
    timings[0]["status"] = 500
    stats = summarise(timings)
    assert stats["distinct"] == 60 and stats["p95_ms"] == 56.0 and stats["max_ms"] == 59.0
    assert stats["errors"] == [("/a/0", 500)] and stats["slowest_url"] == "/a/59"


def fake_run(size, p95, counts):
    kinds = {kind: {"p95_ms": p95.get(kind, 10.0), "errors": [], "distinct": 60} for kind in KINDS}
    return {
        "size": size,
        "passes": {
            "uncached": {
                "kinds": kinds,
                "csv": {"seconds": [1.0, 1.2], "rows": size, "status": 200},
            }
        },
        "queries": {},
        "fixed_queries": {"detail": counts},
    }


def test_verdicts_judge_the_uncached_pass_at_the_largest_size():
    results = {
        "runs": [
            fake_run(500, {"list": 20.0}, {"/arrangements/x/": 11}),
            fake_run(50_000, {"list": 40.0, "briefing": 301.0}, {"/arrangements/x/": 12}),
        ]
    }
    by_check = {v["check"]: v["verdict"] for v in verdicts(results)}
    assert by_check["list: p95 at 50,000"] == "MET"
    assert by_check["briefing: p95 at 50,000"] == "MISSED"
    assert by_check["list: p95 at 50,000 / p95 at 500"] == "MISSED"  # x2.0 > x1.5
    assert by_check["detail: p95 at 50,000 / p95 at 500"] == "MET"
    assert by_check["CSV export of all 50,000 rows at 50,000 (slowest of 2)"] == "MET"
    (queries,) = [v for v in verdicts(results) if v["check"].startswith("query count")]
    assert (
        queries["verdict"] == "MISSED" and queries["figure"] == "detail 11 -> 12 (1 of 1 addresses)"
    )
    assert query_changes({"k": {"/a": 3}}, {"k": {"/a": 3}}) == []


def test_the_api_list_addresses_vary_filters_page_sizes_and_cursors():
    catalogue = a_catalogue()
    catalogue.arrangement_ids = (1, 500)
    urls = sample(catalogue, seed=5).timed["api list"]
    assert len(set(urls)) == len(urls) >= 60
    assert all(url.startswith("/api/v1/arrangements/") for url in urls)
    with_cursor = [url for url in urls if "cursor" in params(url)]
    assert len(with_cursor) > len(urls) // 3
    assert len({params(url)["cursor"][0] for url in with_cursor}) > len(with_cursor) // 2
    assert any("page_size" in params(url) for url in urls)
    filtered = [url for url in urls if set(params(url)) - {"cursor", "page_size"}]
    assert len(filtered) > len(urls) // 2
