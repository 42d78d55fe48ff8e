"""Writes to the catalogue."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.audit import audit_record
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


def date_cancel(*, date_id: int) -> EventDate:
    """Call a date off: nothing more is sold for it (carts and orders refuse it). Idempotent: a
    date already cancelled stays as it was. Its holders' refunds are the payments domain's
    (`payments.batch`), which calls this in the transaction that starts them."""
    with transaction.atomic():
        date = EventDate.objects.select_for_update().select_related("event").get(pk=date_id)
        if date.cancelled_at is None:
            date.cancelled_at = clock.now()
            date.save(update_fields=["cancelled_at"])
            audit_record(action="date.cancelled", subject=date, organizer_id=date.event.organizer_id,
                         changes={"cancelled_at": [None, date.cancelled_at]})
    return date
