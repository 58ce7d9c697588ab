"""The service navigation shown under the header on every public page."""

from django.urls import reverse

# (label, URL name, path prefix that marks the item as current)
NAVIGATION = [
    ("Arrangements", "register:arrangement-list", "/arrangements/"),
    ("Due for review", "register:due-for-review", "/arrangements/due-for-review/"),
    ("Authorities", "register:authority-list", "/authorities/"),
    ("Service areas", "register:service-area-list", "/service-areas/"),
    ("Summaries", "register:summary-index", "/summary/"),
    ("Data", "register:data", "/data/"),
]


def navigation_items(path: str) -> list[dict]:
    """Each item, the one whose prefix is the longest that the path starts with marked as
    current (/arrangements/due-for-review/ is "Due for review", not "Arrangements")."""
    current = max(
        (prefix for _, _, prefix in NAVIGATION if path.startswith(prefix)), key=len, default=None
    )
    return [
        {"text": text, "href": reverse(name), "active": prefix == current}
        for text, name, prefix in NAVIGATION
    ]
