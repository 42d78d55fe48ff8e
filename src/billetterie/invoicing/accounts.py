"""What invoicing keeps about a customer account (decision 0023), registered with customers at
start-up (`customers.services.account_part_register`, from the shop's AppConfig), before the
orders' part, whose erasure detaches the orders from the account:

- export: per order of the account, the billing details it gave and the invoice and credit notes
  made out to it (number, date, totals, the buyer as printed);
- erase: the billing details go, but those of an order still to pay and not invoiced yet, whose
  invoice is still to be made out to them (they go with the order's own erasure by staff, or stay
  as the business's details on the invoice); issued invoices and credit notes stay as they are:
  accounting documents are kept ten years (code de commerce, art. L123-22) and are never changed."""

from __future__ import annotations

from typing import Any

from billetterie.core.audit import audit_record
from billetterie.customers.models import Customer
from billetterie.orders.accounts import orders_of_customer
from billetterie.orders.models import OrderState

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


# an order in these states may still be paid, and then invoiced to its billing details
_MAY_BE_INVOICED = (OrderState.PENDING, OrderState.EXPIRED)


def invoicing_erase(customer: Customer) -> int:
    orders = orders_of_customer(customer=customer)
    waiting = orders.filter(state__in=_MAY_BE_INVOICED).exclude(pk__in=Invoice.objects.values("order_id"))
    erased = list(BillingDetails.objects.filter(order__in=orders.values("pk"))
                  .exclude(order__in=waiting.values("pk")).values_list("pk", "order_id"))
    BillingDetails.objects.filter(pk__in=[pk for pk, _order in erased]).delete()
    for pk, order_id in erased:
        audit_record(action="billing_details.erased", subject=BillingDetails(pk=pk),
                     organizer_id=customer.organizer_id, order_id=order_id, changes={"customer": [customer.pk, None]})
    return len(erased)
