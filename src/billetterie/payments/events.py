"""What payments tell the domains above them (core/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TransferRequested(DomainEvent):
    """The buyer chose to pay by bank transfer: they need the account, the amount and the reference."""

    name = "payment.transfer_requested"
    order_id: int


@dataclass(frozen=True, kw_only=True)
class InvoiceRequested(DomainEvent):
    """The buyer asked to pay on invoice (seed 003): the order waits for the organiser's invoice."""

    name = "payment.invoice_requested"
    order_id: int


@dataclass(frozen=True, kw_only=True)
class RefundIssued(DomainEvent):
    """Money is on its way back to the buyer: the payment service accepted or made the refund, or
    staff marked a refund made by hand as done. The buyer is told (once per refund)."""

    name = "payment.refund_issued"
    refund_id: int
    order_id: int


@dataclass(frozen=True, kw_only=True)
class RefundBatchItemByHand(DomainEvent):
    """A session-wide refund (payments.batch) reached an order whose buyer no refund email tells
    now: their money goes back by hand (cash, cheque, transfer: the refund email follows once staff
    mark it done), or their unpaid order was cancelled with its date. The buyer is told (once)."""

    name = "payment.refund_batch_item_by_hand"
    item_id: int
    order_id: int


@dataclass(frozen=True, kw_only=True)
class PaymentStateChanged(DomainEvent):
    """A payment was created or changed state (`was` is "" for a new one). Published in the
    transaction of the change, for the in-transaction subscribers (the books): see
    `core.events.subscribe_in_transaction`."""

    name = "payment.state_changed"
    payment_id: int
    order_id: int
    organizer_id: int
    was: str
    state: str


@dataclass(frozen=True, kw_only=True)
class RefundStateChanged(DomainEvent):
    """A refund was created or changed state (`was` is "" for a new one), in its transaction."""

    name = "payment.refund_state_changed"
    refund_id: int
    payment_id: int
    order_id: int
    organizer_id: int
    was: str
    state: str
