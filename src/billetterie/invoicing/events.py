"""What invoicing tells the domains above it (core/events.py): the journal records each issued
invoice and credit note. Both are published in the transaction that issues the document, so an
in-transaction subscriber writes its entry with the document's number or not at all."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class InvoiceIssued(DomainEvent):
    """An invoice was numbered and issued for an order (never changed afterwards)."""

    name = "invoicing.invoice_issued"
    invoice_id: int
    organizer_id: int
    order_id: int


@dataclass(frozen=True, kw_only=True)
class CreditNoteIssued(DomainEvent):
    """A credit note was numbered and issued against `invoice_id` (a cancellation or a refund)."""

    name = "invoicing.credit_note_issued"
    credit_note_id: int
    invoice_id: int
    organizer_id: int
    order_id: int


@dataclass(frozen=True, kw_only=True)
class DepositReceived(DomainEvent):
    """A payment covered part of an order's total (a deposit, « acompte »): the buyer is sent the
    contract with what was received and the balance due (invoicing.contract). Delivered after
    commit; published for organisers with invoicing on only."""

    name = "invoicing.deposit_received"
    order_id: int
    payment_id: int
