"""The changes invoicing follows, in their own transaction (decision 0027): an invoice is
numbered with the payment that makes the order paid, a credit note with the refund or the
cancellation, or neither is (a crash, a refusal)."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderStateChanged
from billetterie.orders.models import OrderState
from billetterie.payments.events import RefundStateChanged

from .services import CLOSED_STATES, credits_follow, invoice_issue, invoice_mark_paid, invoicing_on


def _order_state_changed(event: OrderStateChanged) -> None:
    if event.state == OrderState.PAID:
        # an order that awaited its invoice has it already: it is now paid, not invoiced twice
        if not invoice_mark_paid(order_id=event.order_id) and invoicing_on(organizer_id=event.organizer_id):
            invoice_issue(order_id=event.order_id)
    elif event.state == OrderState.AWAITING_INVOICE:
        # pay by invoice: the invoice is what the buyer pays (issue 13)
        invoice_issue(order_id=event.order_id, awaiting_payment=True)
    elif event.state in CLOSED_STATES or event.state == OrderState.REFUNDED:
        credits_follow(order_id=event.order_id)


def _refund_state_changed(event: RefundStateChanged) -> None:
    credits_follow(order_id=event.order_id, refund_id=event.refund_id)


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "invoicing.order_state", _order_state_changed)
    events.subscribe_in_transaction(RefundStateChanged, "invoicing.refund_state", _refund_state_changed)
