"""The events tax receipts follow: an order paid (in its transaction: the receipt's number is
taken with the payment, decision 0027), an order or a donation line refunded (after commit:
cancelling takes no number, and a retried delivery cancels once)."""

from __future__ import annotations

from billetterie.core import events
from billetterie.core.events import NumberingStep
from billetterie.orders.events import OrderLineRefunded, OrderRefunded, OrderStateChanged
from billetterie.orders.models import OrderState

from .services import line_refunded, receipt_issue_for_order, receipts_cancel_for_order, single_receipt_asked


def _order_state_changed(event: OrderStateChanged) -> NumberingStep | None:
    """The receipt's number is taken in the step returned, when numbers are taken (decision 0027)."""
    if event.state == OrderState.PAID and single_receipt_asked(order_id=event.order_id):
        return lambda: receipt_issue_for_order(order_id=event.order_id)
    return None


def _order_refunded(event: OrderRefunded) -> None:
    receipts_cancel_for_order(order_id=event.order_id)


def _line_refunded(event: OrderLineRefunded) -> None:
    line_refunded(order_id=event.order_id, line_id=event.line_id)


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "taxreceipts.issue", _order_state_changed, numbers=True)
    events.subscribe(OrderRefunded, "taxreceipts.cancel_refunded", _order_refunded)
    events.subscribe(OrderLineRefunded, "taxreceipts.cancel_refunded_line", _line_refunded)
