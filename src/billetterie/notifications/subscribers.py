"""The domain events that send an email (core/events.py): each queues its outbox message, once."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderPaid

from .services import email_order_confirmed


def _order_paid(event: OrderPaid) -> None:
    if event.send_confirmation:
        email_order_confirmed(order_id=event.order_id)


def register() -> None:
    events.subscribe(OrderPaid, "notifications.order_confirmed", _order_paid)
