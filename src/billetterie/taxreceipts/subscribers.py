"""The events tax receipts follow: an order paid (in its transaction: the receipt's number is
taken with the payment, decision 0027), an order or a donation line refunded (after commit:
cancelling takes no number, and a retried delivery cancels once)."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderLineRefunded, OrderRefunded, OrderStateChanged
from billetterie.orders.models import OrderState

from .services import line_refunded, receipt_issue_for_order, receipts_cancel_for_order


def _order_state_changed(event: OrderStateChanged) -> None:
    if event.state == OrderState.PAID:
        receipt_issue_for_order(order_id=event.order_id)


def _order_refunded(event: OrderRefunded) -> None:
    receipts_cancel_for_order(order_id=event.order_id)


def _line_refunded(event: OrderLineRefunded) -> None:
    line_refunded(order_id=event.order_id, line_id=event.line_id)


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "taxreceipts.issue", _order_state_changed, numbers=True)
    events.subscribe(OrderRefunded, "taxreceipts.cancel_refunded", _order_refunded)
    events.subscribe(OrderLineRefunded, "taxreceipts.cancel_refunded_line", _line_refunded)
