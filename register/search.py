"""Free-text search over arrangements.

Each arrangement keeps a plain-text ``search_document``: its title, summary,
description and the names of the authorities that take part. On PostgreSQL the
search is full-text (English stemming, ranked by relevance) over a GIN index of
that document; on SQLite every word must appear in it, after the same kind of
light stemming, so both give the same answers on ordinary queries.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import QuerySet

SEARCH_CONFIG = "english"
# The expression the GIN index is built on; queries must use exactly this.
SEARCH_VECTOR = SearchVector("search_document", config=SEARCH_CONFIG)

# Words PostgreSQL's English configuration ignores; the fallback ignores them too.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ers", "er", "es", "ed", "s")


def document_for(arrangement, partner_names: list[str]) -> str:
    parts = [arrangement.title, arrangement.summary, arrangement.description, *partner_names]
    return "\n".join(part for part in parts if part)


def query_words(text: str) -> list[str]:
    words = re.findall(r"[\w']+", text.lower())
    return [word for word in words if word not in STOP_WORDS]


def stem(word: str) -> str:
    """A light suffix-stripper standing in for PostgreSQL's stemmer on SQLite."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def search_arrangements(queryset: QuerySet, text: str, vendor: str) -> QuerySet:
    text = (text or "").strip()
    if not text:
        return queryset
    words = query_words(text)
    if not words:
        return queryset
    if vendor == "postgresql":
        query = SearchQuery(" ".join(words), config=SEARCH_CONFIG, search_type="plain")
        return queryset.annotate(
            search_vector=SEARCH_VECTOR, search_rank=SearchRank(SEARCH_VECTOR, query)
        ).filter(search_vector=query)
    for word in words:
        queryset = queryset.filter(search_document__icontains=stem(word))
    return queryset


def refresh_search_documents(arrangement_ids) -> None:
    """Rebuild the search document of the given arrangements (after a bulk change)."""
    from .models import Arrangement, Membership

    names: dict[int, list[str]] = {}
    for arrangement_id, name in (
        Membership.objects.filter(arrangement_id__in=arrangement_ids)
        .order_by("arrangement_id", "authority__name")
        .values_list("arrangement_id", "authority__name")
    ):
        names.setdefault(arrangement_id, []).append(name)
    arrangements = list(
        Arrangement.objects.filter(pk__in=arrangement_ids).only(
            "pk", "title", "summary", "description", "search_document"
        )
    )
    for arrangement in arrangements:
        arrangement.search_document = document_for(arrangement, names.get(arrangement.pk, []))
    Arrangement.objects.bulk_update(arrangements, ["search_document"], batch_size=1000)
