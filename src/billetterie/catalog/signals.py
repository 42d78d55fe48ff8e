"""Any change to an organiser's catalogue bumps its version, so cached catalogue reads
(catalog.selectors.catalog_refs) are dropped at once in every process sharing the cache."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Event, EventDate, Price, Product, Question, Quota


def _organizer_id(instance: Any) -> int | None:
    if isinstance(instance, Event):
        return instance.organizer_id
    if isinstance(instance, EventDate | Quota | Product):
        return Event.objects.filter(pk=instance.event_id).values_list("organizer_id", flat=True).first()
    if isinstance(instance, Price | Question):
        product = Product.objects.filter(pk=instance.product_id).values_list("event__organizer_id", flat=True)
        return product.first()
    return None


def catalog_version_bump(organizer_id: int | None) -> None:
    """Drop the organiser's cached catalogue reads everywhere (also for rules kept by the domains
    above that hang on the catalogue, such as member prices)."""
    if organizer_id is None:
        return
    key = f"catalog-version:{organizer_id}"

    def bump() -> None:
        if not cache.add(key, 2, timeout=None):
            cache.incr(key)

    bump()
    transaction.on_commit(bump)  # again once committed: a reader between the two saw the old rows


def catalog_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    catalog_version_bump(_organizer_id(instance))


def connect() -> None:
    for model in (Event, EventDate, Product, Price, Question, Quota):
        post_save.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
        post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"catalog-version-delete-{model.__name__}")
    m2m_changed.connect(catalog_changed, sender=Product.quotas.through, dispatch_uid="catalog-version-quotas")
