"""Keep each arrangement's search document and stored figures in step with its partners,
savings, service areas and partnership, and the whole register's stored totals
(register.totals) in step with every arrangement, in the same transaction as the change.

Each change refreshes them at once; inside ``refreshed_once()`` (an arrangement saved with
its partners, savings and areas, a file imported) they are refreshed once, for every
arrangement changed, when the block ends, still inside the caller's transaction."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import totals
from .figures import lock_arrangements, write_stored_figures
from .models import (
    Arrangement,
    Authority,
    Membership,
    Partnership,
    Saving,
    ServiceArea,
)
from .search import write_search_documents

# What changed inside refreshed_once(): {"figures": ids, "search": ids, "totals": bool}.
_pending: ContextVar[dict | None] = ContextVar("pending_refresh", default=None)


@contextmanager
def refreshed_once():
    """Refresh the stored figures and search documents of the arrangements changed in the
    block once, at its end (if it ends without an error: otherwise the caller's
    transaction is rolled back anyway). Nested blocks join the outermost."""
    if _pending.get() is not None:
        yield
        return
    pending = {"figures": set(), "search": set(), "totals": False}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    _refresh_now(pending["figures"], pending["search"], pending["totals"])


def refresh(*, figures=(), search=(), totals=False) -> None:
    """Refresh these arrangements' stored figures and search documents (and with them,
    or when ``totals`` says an arrangement was added, removed or changed, the register's
    stored totals) now, or at the end of the refreshed_once() block this runs in."""
    pending = _pending.get()
    if pending is None:
        _refresh_now(figures, search, totals)
        return
    pending["figures"].update(figures)
    pending["search"].update(search)
    pending["totals"] = pending["totals"] or totals


def _refresh_now(figures, search, totals_changed=False) -> None:
    """Lock every arrangement concerned once, in order, then rewrite what changed; the
    totals last (their lock is taken after every arrangement's, by every writer)."""
    if not figures and not search and not totals_changed:
        return
    with transaction.atomic():
        lock_arrangements({*figures, *search})
        if search:
            write_search_documents(sorted(search))
        if figures:
            write_stored_figures(sorted(figures))
        if figures or totals_changed:
            totals.recompute()


@receiver(post_save, sender=Arrangement)
@receiver(post_delete, sender=Arrangement)
def arrangement_changed(sender, instance, raw=False, **kwargs):
    """Added, removed, or its status or exemption changed: the register's totals."""
    if not raw:
        refresh(totals=True)


@receiver(pre_save, sender=Membership)
@receiver(pre_save, sender=Saving)
def remember_arrangement(sender, instance, raw=False, **kwargs):
    """A partner or saving moved to another arrangement changes the figures of both."""
    if raw or instance.pk is None:
        return
    instance._arrangement_before = (
        sender.objects.filter(pk=instance.pk).values_list("arrangement_id", flat=True).first()
    )


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
@receiver(post_save, sender=Saving)
@receiver(post_delete, sender=Saving)
def partners_or_savings_changed(sender, instance, raw=False, **kwargs):
    """Stored partner counts, lead and savings figures, in the same transaction."""
    if raw:
        return
    ids = {instance.arrangement_id, getattr(instance, "_arrangement_before", None)} - {None}
    refresh(figures=ids)


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(search=[instance.arrangement_id])


@receiver(m2m_changed, sender=Arrangement.service_areas.through)
def service_areas_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # a service area's arrangements changed
        ids = pk_set or []
        if action == "post_clear":
            return
    else:
        ids = [instance.pk]
    refresh(figures=ids, search=ids)  # figures: the first service area, which the list sorts by


@receiver(pre_delete, sender=ServiceArea)
def remember_areas_arrangements(sender, instance, **kwargs):
    """A service area deleted takes its tags with it, and no m2m_changed is sent for
    them: note whose figures and documents name it. (A category with services cannot be
    deleted: they protect it.)"""
    instance._arrangements_before = list(
        Arrangement.objects.filter(service_areas=instance).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=ServiceArea)
def service_area_deleted(sender, instance, **kwargs):
    ids = getattr(instance, "_arrangements_before", [])
    if ids:
        refresh(figures=ids, search=ids)


@receiver(post_save, sender=ServiceArea)
@receiver(post_save, sender=Partnership)
def named_thing_renamed(sender, instance, created, raw=False, **kwargs):
    """Arrangements are found by the names of their service areas and partnership."""
    if raw or created:
        return
    if sender is ServiceArea:
        ids = Arrangement.objects.filter(
            Q(service_areas=instance) | Q(service_areas__parent=instance)
        ).values_list("pk", flat=True)
    else:
        ids = Arrangement.objects.filter(partnership=instance).values_list("pk", flat=True)
    ids = list(ids.distinct())
    if ids:
        refresh(figures=ids, search=ids)


@receiver(post_save, sender=Authority)
def authority_renamed(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created or (update_fields is not None and "name" not in update_fields):
        return
    arrangement_ids = list(
        Membership.objects.filter(authority=instance).values_list("arrangement_id", flat=True)
    )
    if arrangement_ids:
        refresh(figures=arrangement_ids, search=arrangement_ids)  # figures: its name as lead
