"""The changes invoicing follows, in their own transaction (decision 0027): an invoice is
numbered with the payment that makes the order paid, a credit note with the refund or the
cancellation, or neither is (a crash, a refusal)."""

from __future__ import annotations

from billetterie.core import events
from billetterie.core.events import NumberingStep
from billetterie.orders.events import OrderStateChanged
from billetterie.orders.models import OrderState
from billetterie.payments.events import PaymentStateChanged, RefundStateChanged
from billetterie.payments.models import PaymentState

from .events import DepositReceived
from .services import CLOSED_STATES, credits_follow, deposit_received, invoice_issue, invoicing_on, order_paid_invoice


def _order_state_changed(event: OrderStateChanged) -> NumberingStep | None:
    """What numbers a document is returned as the step to run when numbers are taken."""
    order_id = event.order_id
    if event.state == OrderState.PAID:
        return order_paid_invoice(order_id=order_id, organizer_id=event.organizer_id)
    if event.state == OrderState.AWAITING_INVOICE:
        # pay by invoice: the invoice is what the buyer pays (issue 13)
        return lambda: invoice_issue(order_id=order_id, awaiting_payment=True)
    if event.state in CLOSED_STATES or event.state == OrderState.REFUNDED:
        return lambda: credits_follow(order_id=order_id)
    return None


def _refund_state_changed(event: RefundStateChanged) -> NumberingStep:
    return lambda: credits_follow(order_id=event.order_id, refund_id=event.refund_id)


def _payment_state_changed(event: PaymentStateChanged) -> None:
    """A confirmed payment that leaves part of the order to pay: the contract goes to the buyer."""
    if event.state != PaymentState.CONFIRMED or event.was == PaymentState.CONFIRMED:
        return
    if invoicing_on(organizer_id=event.organizer_id) and deposit_received(order_id=event.order_id):
        events.publish(DepositReceived(order_id=event.order_id, payment_id=event.payment_id))


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "invoicing.order_state", _order_state_changed, numbers=True)
    events.subscribe_in_transaction(RefundStateChanged, "invoicing.refund_state", _refund_state_changed, numbers=True)
    events.subscribe_in_transaction(PaymentStateChanged, "invoicing.payment_state", _payment_state_changed)
