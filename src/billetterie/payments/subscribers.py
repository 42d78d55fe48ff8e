"""What payments do when the orders domain reports something (core/events.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billetterie.core import events
from billetterie.core.money import format_money
from billetterie.orders.events import OrderKeptPartPaid
from billetterie.orders.models import Order

from .models import Payment, PaymentState


def _order_kept_part_paid(event: OrderKeptPartPaid) -> None:
    """Flag the order's latest confirmed payment for staff (unless it already says something)."""
    payment = (Payment.objects.select_for_update().select_related("order")
               .filter(order_id=event.order_id, state=PaymentState.CONFIRMED).order_by("-pk").first())
    if payment is None or payment.needs_attention:
        return
    order: Order = payment.order
    payment.needs_attention = _(
        "The order reached its due time with %(kept)s of %(total)s received: its places are kept. "
        "Record the rest, or refund the payments and cancel the order."
    ) % {"kept": format_money(event.kept_cents, order.currency),
         "total": format_money(order.total_cents, order.currency)}
    payment.save(update_fields=["needs_attention"])


def register() -> None:
    events.subscribe(OrderKeptPartPaid, "payments.flag_part_paid", _order_kept_part_paid)
