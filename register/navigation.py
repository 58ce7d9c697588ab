"""The service navigation shown under the header on every public page."""

from django.urls import reverse

# (label, URL name, path prefix that marks the item as current)
NAVIGATION = [
    ("Arrangements", "register:arrangement-list", "/arrangements/"),
    ("Authorities", "register:authority-list", "/authorities/"),
    ("Service areas", "register:service-area-list", "/service-areas/"),
    ("Summaries", "register:summary-index", "/summary/"),
]


def navigation_items(path: str) -> list[dict]:
    return [
        {"text": text, "href": reverse(name), "active": path.startswith(prefix)}
        for text, name, prefix in NAVIGATION
    ]
