"""Addresses: of records' pages, and of filtered lists, for figures that link to the rows
behind them."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

KEY = "0key0"  # stands for the record's key in an address reversed once
PLAIN_KEY = re.compile(r"[-a-zA-Z0-9_]+")  # a slug or code: nothing to quote or refuse


def detail_url(name: str, key: str) -> str:
    """``reverse(name, args=[key])`` for a page addressed by one slug or code, at a
    fraction of its cost: a list of 100 rows links each row's arrangement, lead and
    service areas, and reverse() takes 35 µs a time. The address is reversed once per
    URLconf and script prefix, and the key put in. A key with anything but letters,
    digits, hyphens and underscores goes to reverse(), to be quoted or refused."""
    key = str(key)
    if not PLAIN_KEY.fullmatch(key):
        return reverse(name, args=[key])
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, _, after = _reversed_once(name, urlconf, get_script_prefix()).rpartition(KEY)
    return f"{before}{key}{after}"


@lru_cache(maxsize=64)
def _reversed_once(name: str, urlconf: str, script_prefix: str) -> str:
    return reverse(name, urlconf=urlconf, args=[KEY])


def list_url(name: str, narrowing=(), **params) -> str:
    """The address of a list (a URL name) filtered by ``narrowing`` — (parameter, value)
    pairs already in force — and by ``params`` (a value or a list of values each)."""
    pairs = list(narrowing)
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(key, str(v)) for v in values if v is not None]
    query = urlencode(pairs)
    return f"{reverse(name)}?{query}" if query else reverse(name)


def arrangements_url(narrowing=(), **params) -> str:
    return list_url("register:arrangement-list", narrowing, **params)


def authorities_url(**params) -> str:
    return list_url("register:authority-list", (), **params)


# What a list's query string may hold besides its filters: how the list is shown (its
# sort, page and page size) or downloaded. A saved search or a feed leaves them out.
LIST_CONTROLS = frozenset({"sort", "page", "per_page", "_export"})


def filter_pairs(filterset) -> list[tuple[str, str]]:
    """The filters given, as (parameter, value) pairs in their given order: nothing else
    of the query string (page, page size, sort), which a feed does not use."""
    if filterset.data is None:
        return []
    return [
        (name, value)
        for name in filterset.data
        if name in filterset.filters
        for value in filterset.data.getlist(name)
    ]


def arrangement_feed_url(filterset) -> str:
    """The address of the Atom feed of the list of arrangements these filters select."""
    return list_url("register:arrangement-feed", filter_pairs(filterset))
