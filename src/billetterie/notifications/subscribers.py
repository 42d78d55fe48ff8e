"""The domain events that send an email (core/events.py): each queues its outbox message, once."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderPaid
from billetterie.orders.models import OrderLine
from billetterie.payments.events import InvoiceRequested, RefundBatchItemByHand, RefundIssued, TransferRequested
from billetterie.tickets.events import TicketReissued

from .services import (
    email_attendee_tickets,
    email_batch_refund_notice,
    email_invoice_requested,
    email_order_confirmed,
    email_refund_issued,
    email_ticket_reissued,
    email_transfer_instructions,
)


def _order_paid(event: OrderPaid) -> None:
    if event.send_confirmation:
        email_order_confirmed(order_id=event.order_id)
        email_attendee_tickets(order_id=event.order_id)  # in the same delivery: both or neither


def _transfer_requested(event: TransferRequested) -> None:
    email_transfer_instructions(order_id=event.order_id)


def _invoice_requested(event: InvoiceRequested) -> None:
    email_invoice_requested(order_id=event.order_id)


def _ticket_reissued(event: TicketReissued) -> None:
    if event.notify_buyer:  # the email carries the ticket as it is now: two quick reissues send one
        email_ticket_reissued(line=OrderLine.objects.select_related("order", "product__event").get(pk=event.line_id))


def _refund_issued(event: RefundIssued) -> None:
    email_refund_issued(refund_id=event.refund_id, order_id=event.order_id)


def _refund_batch_item_by_hand(event: RefundBatchItemByHand) -> None:
    email_batch_refund_notice(item_id=event.item_id, order_id=event.order_id)


def register() -> None:
    events.subscribe(OrderPaid, "notifications.order_confirmed", _order_paid)
    events.subscribe(TransferRequested, "notifications.transfer_instructions", _transfer_requested)
    events.subscribe(InvoiceRequested, "notifications.invoice_requested", _invoice_requested)
    events.subscribe(TicketReissued, "notifications.ticket_reissued", _ticket_reissued)
    events.subscribe(RefundIssued, "notifications.refund_issued", _refund_issued)
    events.subscribe(RefundBatchItemByHand, "notifications.batch_refund_notice", _refund_batch_item_by_hand)
