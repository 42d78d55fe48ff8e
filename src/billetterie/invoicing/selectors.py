"""Reading invoices and credit notes: an order's documents, an organiser's list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from .models import CreditNote, Invoice


@dataclass(frozen=True)
class OrderDocuments:
    invoice: Invoice | None = None
    credit_notes: list[CreditNote] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.invoice is not None


def order_documents(*, order_id: int) -> OrderDocuments:
    """The order's invoice and its credit notes (oldest first), if it was invoiced."""
    invoice = Invoice.objects.filter(order_id=order_id).first()
    if invoice is None:
        return OrderDocuments()
    notes = list(CreditNote.objects.filter(invoice=invoice).order_by("issued_at", "id"))
    for note in notes:
        note.invoice = invoice
    return OrderDocuments(invoice, notes)


def invoice_of(*, organizer_id: int, invoice_id: int) -> Invoice | None:
    return Invoice.objects.filter(organizer_id=organizer_id, pk=invoice_id).first()


def credit_note_of(*, organizer_id: int, credit_note_id: int) -> CreditNote | None:
    return CreditNote.objects.filter(organizer_id=organizer_id, pk=credit_note_id).select_related("invoice").first()


def organizer_invoices(*, organizer_id: int, year: int | None = None) -> QuerySet[Invoice]:
    found = Invoice.objects.filter(organizer_id=organizer_id).select_related("order")
    return found.filter(year=year) if year else found


def organizer_credit_notes(*, organizer_id: int, year: int | None = None) -> QuerySet[CreditNote]:
    found = CreditNote.objects.filter(organizer_id=organizer_id).select_related("order", "invoice")
    return found.filter(year=year) if year else found
