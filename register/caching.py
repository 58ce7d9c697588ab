"""Cached reads of figures that span the whole register, invalidated by any write.

Totals over a filtered list and the scrutiny summaries read every matching row, so
at national scale they cost hundreds of milliseconds. They change only when the data
does, so each result is cached under the current *data version*: a token in one
database row (``DataVersion``) that every write to a register model replaces
(``register.signals``; bulk inserts, which send no signals, call ``data_changed()``).
A transaction, however many rows it writes, makes one new version, after it commits. Reading
the token is one indexed query; a new token makes every older entry unreachable, in
every app process, whether the cache is per process or shared in Redis.

Keys also hold whether the reader may see exempt records, so a figure computed for a
signed-in viewer is never shown to the public. Entries expire after
``REGISTER_CACHE_SECONDS`` too, as a backstop for changes made outside the app (for
example with psql); ``manage.py clear_register_cache`` drops them at once.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import DataVersion
from .permissions import can_see_exempt

log = logging.getLogger(__name__)
_SENTINEL = object()


def data_version() -> str:
    """The current data version token (one query)."""
    token = DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return token or "none"


def data_changed() -> None:
    """Give the data a new version, so every cached figure is recomputed on next read.

    Inside a transaction the new version is written once, after the commit, so a bulk
    load in one transaction makes one new version: written
    inside it, the one version row would stay locked until the commit, so concurrent
    writers would queue behind each other (and could deadlock). Until then, the
    transaction's own reads bypass the cache (see ``cached``): what it sees is not yet
    what everyone else sees."""
    connection = transaction.get_connection()
    if in_transaction(connection):
        if not change_pending(connection):
            transaction.on_commit(_new_version, robust=True)
        return
    _new_version()


def in_transaction(connection) -> bool:
    """Inside an atomic block. (The test suite, whose tests run in one transaction that
    never commits, replaces this: see tests/conftest.py.)"""
    return connection.in_atomic_block


def change_pending(connection=None) -> bool:
    """Whether this connection's open transaction has changed data not yet committed."""
    connection = connection or transaction.get_connection()
    return any(hook[1] is _new_version for hook in connection.run_on_commit)


def _new_version() -> None:
    token, now = uuid.uuid4().hex, timezone.now()
    if not DataVersion.objects.filter(pk=1).update(token=token, changed_at=now):
        DataVersion.objects.update_or_create(pk=1, defaults={"token": token, "changed_at": now})


def request_version(request) -> str:
    """The data version, read once per request."""
    version = getattr(request, "_register_data_version", None)
    if version is None:
        version = request._register_data_version = data_version()
    return version


def cache_key(request, name: str, parts) -> str:
    """A key for one figure: its name, who may see what, the data version and any
    parameters (hashed, so any query string makes a valid key)."""
    audience = "all" if can_see_exempt(request.user) else "public"
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    release = getattr(settings, "REGISTER_RELEASE", "")
    return f"register:{release}:{name}:{audience}:{request_version(request)}:{digest}"


def cached(request, name: str, parts, compute):
    """compute() once per data version, audience and parameters; the cached value after."""
    if not getattr(settings, "REGISTER_CACHE_SECONDS", 0) or change_pending():
        return compute()
    key = cache_key(request, name, parts)
    try:
        value = cache.get(key, _SENTINEL)
    except Exception:  # noqa: BLE001  (Redis down, or an entry another release wrote)
        log.warning("Cache read failed for %s; computing instead", name, exc_info=True)
        value = _SENTINEL
    if value is _SENTINEL:
        value = compute()
        try:
            cache.set(key, value, settings.REGISTER_CACHE_SECONDS)
        except Exception:  # noqa: BLE001  (a full or absent cache costs speed, not the page)
            log.warning("Cache write failed for %s", name, exc_info=True)
    return value
