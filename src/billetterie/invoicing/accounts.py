"""What invoicing keeps about a customer account (decision 0023), registered with customers at
start-up (`customers.services.account_part_register`, from the shop's AppConfig), before the
orders' part, whose erasure detaches the orders from the account:

- export: per order of the account, the billing details it gave and the invoice and credit notes
  made out to it (number, date, totals, the buyer as printed);
- erase: the billing details go; issued invoices and credit notes stay as they are: accounting
  documents are kept ten years (code de commerce, art. L123-22) and are never changed."""

from __future__ import annotations

from typing import Any

from billetterie.customers.models import Customer
from billetterie.orders.accounts import orders_of_customer

from .models import BillingDetails, CreditNote, Invoice

_BILLING_FIELDS = ("organization", "address", "postcode", "city", "country", "siren", "siret", "vat_number",
                   "reference")


def _document(document: Invoice | CreditNote) -> dict[str, Any]:
    return {"number": document.number, "issued_at": document.issued_at.isoformat(),
            "gross_cents": document.gross_cents, "currency": document.currency, "buyer": document.buyer}


def invoicing_export(customer: Customer) -> list[dict[str, Any]]:
    orders = dict(orders_of_customer(customer=customer).values_list("pk", "code"))
    billing = {row.order_id: row for row in BillingDetails.objects.filter(order_id__in=orders)}
    invoices = {row.order_id: row for row in Invoice.objects.filter(order_id__in=orders)}
    notes: dict[int, list[CreditNote]] = {}
    for note in CreditNote.objects.filter(order_id__in=orders).order_by("issued_at", "pk"):
        notes.setdefault(note.order_id, []).append(note)
    return [{
        "order": code,
        "billing_details": ({name: getattr(billing[pk], name) for name in _BILLING_FIELDS}
                            if pk in billing else None),
        "invoice": _document(invoices[pk]) if pk in invoices else None,
        "credit_notes": [_document(note) for note in notes.get(pk, [])],
    } for pk, code in orders.items() if pk in billing or pk in invoices]


def invoicing_erase(customer: Customer) -> int:
    orders = orders_of_customer(customer=customer).values("pk")
    deleted, _by_model = BillingDetails.objects.filter(order_id__in=orders).delete()
    return deleted
