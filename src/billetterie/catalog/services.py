"""Writes to the catalogue."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from billetterie.core.errors import Conflict

from .models import EventDate, Product, Quota


def date_capacity_sync(*, date: EventDate) -> Quota:
    """Each date owns a quota of its capacity, shared by every ticket of that date."""
    with transaction.atomic():
        quota, created = Quota.objects.get_or_create(
            date=date, defaults={"event_id": date.event_id, "name": str(date), "size": date.capacity}
        )
        if not created and quota.size != date.capacity:
            Quota.objects.filter(pk=quota.pk).update(size=date.capacity)
            quota.size = date.capacity
    return quota


def product_delete(*, product: Product) -> None:
    """A product that has sold can only be taken off sale, never deleted (seed 004)."""
    if product.order_lines.exists():
        raise Conflict(_("“%(name)s” has sales: deactivate it instead of deleting it.") % {"name": product.name})
    product.delete()
