"""Keep each arrangement's search document in step with its partners' names, and give
the data a new version (for cached figures) on every write."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .caching import data_changed
from .models import Authority, DataVersion, Membership
from .search import refresh_search_documents


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_search_documents([instance.arrangement_id])


@receiver(post_save, sender=Authority)
def authority_renamed(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created or (update_fields is not None and "name" not in update_fields):
        return
    arrangement_ids = list(
        Membership.objects.filter(authority=instance).values_list("arrangement_id", flat=True)
    )
    if arrangement_ids:
        refresh_search_documents(arrangement_ids)


def register_data_changed(sender, **kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        data_changed()


def connect_data_version() -> None:
    """Every saved, deleted or re-linked record of the register's own models, raw
    fixture loads included, makes cached figures stale."""
    for model in apps.get_app_config("register").get_models():
        if model is DataVersion or model.__name__.startswith("Historical"):
            continue
        post_save.connect(register_data_changed, sender=model, dispatch_uid=f"dv-save-{model}")
        post_delete.connect(register_data_changed, sender=model, dispatch_uid=f"dv-del-{model}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                register_data_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"dv-m2m-{model}-{field.name}",
            )


connect_data_version()
