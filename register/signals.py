"""Keep each arrangement's search document in step with its partners' names."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Authority, Membership
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
