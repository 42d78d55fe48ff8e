"""What tax receipts tell the domains above them (notifications: the donor's email)."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TaxReceiptIssued(DomainEvent):
    """A receipt was issued: its PDF goes to the donor."""

    name = "taxreceipt.issued"
    receipt_id: int
    organizer_id: int


@dataclass(frozen=True, kw_only=True)
class TaxReceiptCancelled(DomainEvent):
    """A receipt was cancelled (its donation refunded): the donor is told it no longer counts."""

    name = "taxreceipt.cancelled"
    receipt_id: int
    organizer_id: int
