"""Addresses of filtered lists, for figures that link to the rows behind them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse


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
