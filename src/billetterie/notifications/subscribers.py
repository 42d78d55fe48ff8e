"""The domain events that send an email (core/events.py): each queues its outbox message, once."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderPaid
from billetterie.payments.events import InvoiceRequested, TransferRequested

from .services import email_invoice_requested, email_order_confirmed, email_transfer_instructions


def _order_paid(event: OrderPaid) -> None:
    if event.send_confirmation:
        email_order_confirmed(order_id=event.order_id)


def _transfer_requested(event: TransferRequested) -> None:
    email_transfer_instructions(order_id=event.order_id)


def _invoice_requested(event: InvoiceRequested) -> None:
    email_invoice_requested(order_id=event.order_id)


def register() -> None:
    events.subscribe(OrderPaid, "notifications.order_confirmed", _order_paid)
    events.subscribe(TransferRequested, "notifications.transfer_instructions", _transfer_requested)
    events.subscribe(InvoiceRequested, "notifications.invoice_requested", _invoice_requested)
