"""The addresses the benchmark requests: many different ones of each kind of page, drawn
with a fixed seed from what the register holds, as readers would ask for them.

A reader rarely asks for the same address twice in a row: they filter, sort, page,
search and open records. Timing one address over and over measures a cache, not the
register. So each kind of page gets at least ``per_kind`` *different* addresses, each
requested once: the list with random sorts, page sizes and pages (deep ones too),
filtered lists with one to three random filters, searches for the commonest words in
the data and for rare ones, random arrangements and authorities, every summary page
with random narrowing, briefings on random authorities and partnerships, and
comparisons of two to four random authorities, and the JSON API's arrangement list
with random filters, page sizes and cursors.

``catalogue()`` reads what there is to ask for (one query per list); ``sample()`` is
pure, so the same catalogue and seed give the same addresses (tests/ops checks this).
"""

from __future__ import annotations

import base64
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

# Each kind of page, in the order they are reported, with its target: p95 in ms at
# 50,000 arrangements, different addresses, caches cleared.
TARGETS_MS = {
    "list": 50,
    "filtered list": 80,
    "search": 80,
    "detail": 30,
    "authority": 60,
    "summary: index": 200,
    "summary: tiers": 200,
    "summary: service areas": 200,
    "summary: regions": 200,
    "summary: savings": 200,
    "summary: pipeline": 200,
    "summary: national": 200,
    "briefing": 300,
    "partner finder": 150,
    "compare": 150,
    # The list at its largest page (100 rows, so the most partners and lines drawn),
    # whole or filtered: the map's own target, beside the list's.
    "map": 200,
    "api list": 80,
}
KINDS = tuple(TARGETS_MS)
SUMMARY_PATHS = {
    "summary: index": "/summary/",
    "summary: tiers": "/summary/tiers/",
    "summary: service areas": "/summary/service-areas/",
    "summary: regions": "/summary/regions/",
    "summary: savings": "/summary/savings/",
    "summary: pipeline": "/summary/pipeline/",
    "summary: national": "/summary/national/",
}
LIST_PATH = "/arrangements/"
EXPORT_PATH = "/arrangements/?_export=csv"
API_LIST_PATH = "/api/v1/arrangements/"
API_PAGE_SIZES = (25, 100, 200)
HEALTH_PATH = "/healthz"

SORTS = (
    "title",
    "status",
    "kind",
    "lead_name",
    "partner_count",
    "service_areas",
    "savings_total",
    "start_date",
)
PAGE_SIZES = (25, 50, 100)
STATUSES = (
    "proposed",
    "under_consideration",
    "in_development",
    "procurement",
    "operational",
    "not_pursued",
    "ended",
)
KINDS_OF_ARRANGEMENT = (
    "shared_service",
    "shared_management",
    "joint_procurement",
    "joint_commissioning",
    "collaborative_working",
    "hosted_resource",
    "mutual_support",
    "other",
)
TIER_LEVELS = ("upper", "lower", "single", "other")
SAVING_BASES = ("target", "estimated", "forecast", "achieved")
AMOUNTS = (10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000)
# The words every search for "shared services" would use, whatever the data says.
ALWAYS_COMMON = ("partner", "shared", "service")
# Words that match nothing (checked against the data in catalogue()).
NO_MATCH = ("zeppelin", "quokka", "xylophone")


@dataclass
class Catalogue:
    """What there is to ask for: the register's records and words, read once per size."""

    arrangement_slugs: list[str]
    authority_codes: list[str]
    partnership_slugs: list[str]
    service_area_slugs: list[str]
    tier_slugs: list[str]
    region_slugs: list[str]
    visible: int  # rows of the unfiltered list
    common_words: list[str]  # the commonest words of titles, summaries and descriptions
    rare_words: list[str]  # words in a handful of them
    authority_names: list[str] = field(default_factory=list)
    financial_years: list[int] = field(default_factory=lambda: list(range(2008, 2017)))
    start_years: tuple[int, int] = (2005, 2018)
    arrangement_ids: tuple[int, int] = (1, 1)  # the lowest and highest visible id


@dataclass
class Sample:
    """Addresses per kind (each different, each to be requested once) and, per kind, one
    more address, not among them, to warm up the server with before timing."""

    timed: dict[str, list[str]]
    warmup: dict[str, str]

    def shuffled(self, seed: int) -> list[tuple[str, str]]:
        """Every (kind, address) pair in a random order fixed by the seed, so kinds are
        interleaved as readers' requests are."""
        pairs = [(kind, url) for kind, urls in self.timed.items() for url in urls]
        random.Random(f"order-{seed}").shuffle(pairs)
        return pairs


def api_cursor(position: int) -> str:
    """A cursor of the API's lists (register.api.pagination, ordered by id) for the page
    after ``position``: Django REST framework's cursor, the query string ``p=<id>`` in
    base64. tests/ops checks that the API reads it so."""
    return base64.b64encode(f"p={position}".encode("ascii")).decode("ascii")


def address(path: str, params: list[tuple[str, object]]) -> str:
    query = urlencode([(k, str(v)) for k, v in params])
    return f"{path}?{query}" if query else path


class Sampler:
    def __init__(self, catalogue: Catalogue, seed: int | str):
        self.c = catalogue
        self.rng = random.Random(seed)

    # --- pieces of addresses ------------------------------------------------------

    def pages(self, rows: int, per_page: int) -> int:
        return max(1, math.ceil(rows / per_page))

    def page(self, rows: int, per_page: int) -> int:
        """Page 1 most often, then the next few, anywhere, or among the last (deep)."""
        last = self.pages(rows, per_page)
        choice = self.rng.random()
        if choice < 0.35 or last == 1:
            return 1
        if choice < 0.6:
            return self.rng.randint(2, min(5, last))
        if choice < 0.8:
            return self.rng.randint(1, last)
        return self.rng.randint(max(1, last - max(1, last // 20)), last)

    def sort(self) -> str:
        return self.rng.choice(("", "-")) + self.rng.choice(SORTS)

    def paging(self, rows: int, sort_chance: float, params=None) -> list[tuple]:
        params = list(params or [])
        per_page = self.rng.choice(PAGE_SIZES) if self.rng.random() < 0.4 else 25
        if self.rng.random() < sort_chance:
            params.append(("sort", self.sort()))
        page = self.page(rows, per_page)
        if page > 1:
            params.append(("page", page))
        if per_page != 25:
            params.append(("per_page", per_page))
        return params

    def some(self, values, low: int = 1, high: int = 1) -> list:
        values = list(values)
        return self.rng.sample(values, min(len(values), self.rng.randint(low, high)))

    def filter_values(self, name: str) -> list[tuple]:
        """One filter of the list with random values, as (parameter, value) pairs."""
        c, rng = self.c, self.rng
        multiple = {
            "status": (STATUSES, 2),
            "kind": (KINDS_OF_ARRANGEMENT, 2),
            "service_area": (c.service_area_slugs, 2),
            "authority": (c.authority_codes, 3),
            "tier": (c.tier_slugs, 1),
            "tier_level": (TIER_LEVELS, 1),
            "region": (c.region_slugs, 2),
            "saving_basis": (SAVING_BASES, 2),
        }
        if name in multiple:
            values, most = multiple[name]
            return [(name, v) for v in self.some(values, 1, most)]
        if name == "partnership":
            return [(name, rng.choice(c.partnership_slugs))]
        if name == "has_savings":
            return [(name, rng.choice(("yes", "no")))]
        if name == "financial_year":
            if rng.random() < 0.1:
                return [(name, "not-stated")]
            year = rng.choice(c.financial_years)
            return [(name, f"{year}/{(year + 1) % 100:02d}")]
        if name in ("savings_min", "savings_max"):
            return [(name, rng.choice(AMOUNTS))]
        if name in ("start_year_min", "start_year_max"):
            return [(name, rng.randint(*c.start_years))]
        raise ValueError(name)

    def filters(self, names, low: int, high: int) -> list[tuple]:
        params = []
        for name in sorted(self.some(names, low, high), key=list(names).index):
            params += self.filter_values(name)
        return params

    # --- one address of each kind -------------------------------------------------

    def list_address(self) -> str:
        return address(LIST_PATH, self.paging(self.c.visible, sort_chance=0.75))

    def filtered_list_address(self) -> str:
        names = (
            "status",
            "kind",
            "service_area",
            "authority",
            "tier",
            "tier_level",
            "region",
            "partnership",
            "has_savings",
            "saving_basis",
            "financial_year",
            "savings_min",
            "savings_max",
            "start_year_min",
            "start_year_max",
        )
        params = self.filters(names, 1, 3)
        # A filtered list is shorter than the whole: page within its first few pages.
        rows = self.c.visible // 10 if self.rng.random() < 0.8 else self.c.visible // 100
        return address(LIST_PATH, self.paging(rows, sort_chance=0.4, params=params))

    def search_address(self) -> str:
        c, rng = self.c, self.rng
        choice = rng.random()
        if choice < 0.45:
            words, rows = rng.choice(c.common_words), c.visible // 2
        elif choice < 0.6:
            words, rows = " ".join(self.some(c.common_words, 2, 2)), c.visible // 4
        elif choice < 0.8:
            words, rows = rng.choice(c.rare_words or c.common_words), 25
        elif choice < 0.95 and c.authority_names:
            words, rows = rng.choice(c.authority_names), c.visible // 40
        else:
            words, rows = rng.choice(NO_MATCH), 0
        params = [("q", words)]
        if rng.random() < 0.15:
            params += self.filters(("status", "kind", "region", "has_savings"), 1, 1)
        return address(LIST_PATH, self.paging(rows, sort_chance=0.3, params=params))

    def detail_address(self) -> str:
        return f"/arrangements/{self.rng.choice(self.c.arrangement_slugs)}/"

    def authority_address(self) -> str:
        return f"/authorities/{self.rng.choice(self.c.authority_codes)}/"

    def summary_address(self, kind: str) -> str:
        from register.selectors import SUMMARY_NARROWING  # the filters summaries take

        params = self.filters(SUMMARY_NARROWING, 0, 2) if self.rng.random() < 0.9 else []
        if kind == "summary: pipeline" and self.rng.random() < 0.5:
            year = self.rng.randint(2008, 2020)
            params.append(("as_of", f"{year}-{self.rng.randint(1, 12):02d}-01"))
        return address(SUMMARY_PATHS[kind], params)

    def briefing_address(self) -> str:
        if self.c.partnership_slugs and self.rng.random() < 0.25:
            subject = ("partnership", self.rng.choice(self.c.partnership_slugs))
        else:
            subject = ("authority", self.rng.choice(self.c.authority_codes))
        return address("/summary/briefing/", [subject])

    def partner_finder_address(self) -> str:
        code = self.rng.choice(self.c.authority_codes)
        return address(
            f"/authorities/{code}/partners/",
            [("service_area", self.rng.choice(self.c.service_area_slugs))],
        )

    def compare_address(self) -> str:
        """Two to four different authorities, with their tiers' averages nine times in ten."""
        codes = self.rng.sample(self.c.authority_codes, self.rng.randint(2, 4))
        params = [("authority", code) for code in codes]
        if self.rng.random() < 0.1:
            params.append(("tier_average", "0"))
        return address("/compare/", params)

    def map_address(self) -> str:
        """The list at 100 a page, whole or with one or two filters: its map draws the
        partners of every row on the page."""
        params = self.filters(("status", "service_area", "region", "tier_level"), 1, 2)
        rows = self.c.visible
        if self.rng.random() < 0.6:
            rows = self.c.visible // 10
        else:
            params = []
        page = self.page(rows, 100)
        params += [("per_page", 100)] + ([("page", page)] if page > 1 else [])
        return address(LIST_PATH, params)

    def api_list_address(self) -> str:
        """The API's arrangement list: none to three of the list's filters (a search one
        time in ten), a page size, and two times in three a cursor somewhere in the ids."""
        names = (
            "status",
            "kind",
            "service_area",
            "authority",
            "tier_level",
            "region",
            "partnership",
            "has_savings",
            "saving_basis",
            "financial_year",
            "savings_min",
            "start_year_min",
        )
        params = self.filters(names, 0, 3)
        if self.rng.random() < 0.1:
            params.append(("q", self.rng.choice(self.c.common_words)))
        if self.rng.random() < 0.5:
            params.append(("page_size", self.rng.choice(API_PAGE_SIZES)))
        if self.rng.random() < 0.67:
            params.append(("cursor", api_cursor(self.rng.randint(*self.c.arrangement_ids))))
        return address(API_LIST_PATH, params)

    def one(self, kind: str) -> str:
        if kind in SUMMARY_PATHS:
            return self.summary_address(kind)
        return {
            "list": self.list_address,
            "filtered list": self.filtered_list_address,
            "search": self.search_address,
            "detail": self.detail_address,
            "authority": self.authority_address,
            "briefing": self.briefing_address,
            "partner finder": self.partner_finder_address,
            "compare": self.compare_address,
            "map": self.map_address,
            "api list": self.api_list_address,
        }[kind]()


def sample(catalogue: Catalogue, seed: int, per_kind: int = 60) -> Sample:
    """``per_kind`` different addresses of each kind, and one more for warming up.
    The unfiltered list's first page and each summary's bare page are always among the
    timed addresses: they are the ones most readers open first."""
    timed, warmup = {}, {}
    for kind in KINDS:
        sampler = Sampler(catalogue, f"{seed}-{kind}")
        chosen: dict[str, None] = {}
        if kind == "list":
            chosen[LIST_PATH] = None
        elif kind == "api list":
            chosen[API_LIST_PATH] = None
        elif kind in SUMMARY_PATHS:
            chosen[SUMMARY_PATHS[kind]] = None
        attempts = 0
        while len(chosen) < per_kind + 1:
            attempts += 1
            if attempts > 200 * (per_kind + 1):
                raise ValueError(
                    f"Only {len(chosen)} different {kind} addresses could be drawn: "
                    "the data set is too small for the benchmark."
                )
            chosen.setdefault(sampler.one(kind), None)
        urls = list(chosen)
        warmup[kind] = urls.pop()
        timed[kind] = urls
    return Sample(timed, warmup)


# --- What there is to ask for -------------------------------------------------------


def word_frequencies(texts) -> Counter:
    """In how many of the texts each word appears (stop words aside)."""
    from register.search import query_words

    counts: Counter = Counter()
    for text in texts:
        counts.update({word for word in query_words(text) if word.isalpha()})
    return counts


def catalogue(user=None) -> Catalogue:
    """What the register holds that a reader could ask for, as the public sees it."""
    from django.db.models import Max, Min

    from register.models import (
        Arrangement,
        Authority,
        Partnership,
        Region,
        Saving,
        ServiceArea,
        Tier,
    )

    visible = Arrangement.objects.visible_to(user).order_by("pk")
    slugs = list(visible.values_list("slug", flat=True))
    # Words of titles, summaries and descriptions, counted over up to 10,000 rows spread
    # evenly over the table (every row at small sizes).
    step = max(1, len(slugs) // 10_000)
    texts = [" ".join(row) for row in list(visible.values_list("title", "summary", "description"))]
    frequencies = word_frequencies(texts[::step])
    by_frequency = sorted(frequencies.items(), key=lambda kv: (-kv[1], kv[0]))
    common = [w for w, _ in by_frequency if len(w) > 3 and w not in ALWAYS_COMMON]
    common = [*ALWAYS_COMMON, *common][:12]
    # Words in at most one text in 200 (and at least one): a search that finds a few.
    rare_limit = max(2, len(texts[::step]) // 200)
    rare = sorted(w for w, n in frequencies.items() if n <= rare_limit and len(w) >= 5)
    names = list(
        Authority.objects.filter(memberships__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
    years = list(
        Saving.objects.filter(financial_year__isnull=False)
        .order_by("financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )
    starts = [d.year for d in visible.filter(start_date__isnull=False).dates("start_date", "year")]
    ids = visible.aggregate(low=Min("pk"), high=Max("pk"))

    def values(model, name):
        return list(model.objects.order_by(name).values_list(name, flat=True))

    return Catalogue(
        arrangement_slugs=slugs,
        authority_codes=values(Authority, "code"),
        partnership_slugs=values(Partnership, "slug"),
        service_area_slugs=values(ServiceArea, "slug"),
        tier_slugs=values(Tier, "slug"),
        region_slugs=values(Region, "slug"),
        visible=len(slugs),
        common_words=common,
        rare_words=[w for w in rare if w not in NO_MATCH],
        authority_names=names,
        financial_years=years or list(range(2008, 2017)),
        start_years=(min(starts), max(starts)) if starts else (2005, 2018),
        arrangement_ids=(ids["low"] or 1, ids["high"] or 1),
    )
