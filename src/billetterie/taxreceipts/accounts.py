"""What tax receipts keep about a customer account (decision 0023), registered with customers at
start-up (`customers.services.account_part_register`, from the shop's AppConfig), before the
orders' part, whose erasure detaches the orders from the account:

- export: per order of the account, the receipt its donor asked for (name, postal address, per
  donation or yearly) and the receipts issued for its donation;
- erase: the requests go, but those of a donation still waiting for its receipt (its order paid
  or still to pay, and on no receipt that stands: a yearly one to come, or one cancelled whose
  donations go on the next): the donor asked for that receipt; issued receipts stay as they are:
  the organisation keeps their duplicates for the tax office (LPF art. L102 B)."""

from __future__ import annotations

from typing import Any

from billetterie.core.audit import audit_record
from billetterie.customers.models import Customer
from billetterie.orders.accounts import orders_of_customer
from billetterie.orders.models import OrderState

from .models import TaxReceiptDonation, TaxReceiptRequest
from .services import orders_on_a_receipt

_REQUEST_FIELDS = ("mode", "name", "email", "address", "postcode", "city", "country")


def receipts_export(customer: Customer) -> list[dict[str, Any]]:
    orders = dict(orders_of_customer(customer=customer).values_list("pk", "code"))
    requests = {row.order_id: row for row in TaxReceiptRequest.objects.filter(order_id__in=orders)}
    issued: dict[int, list[dict[str, Any]]] = {}
    for donation in (TaxReceiptDonation.objects.filter(order_id__in=orders).select_related("receipt")
                     .order_by("receipt__issued_at", "pk")):
        receipt = donation.receipt
        issued.setdefault(donation.order_id, []).append({
            "number": receipt.reference, "issued_at": receipt.issued_at.isoformat(),
            "amount_cents": receipt.amount_cents, "donor_name": receipt.donor_name,
            "donor_address": f"{receipt.donor_address}, {receipt.donor_postcode} {receipt.donor_city}".strip(", "),
        })
    return [{
        "order": code,
        "request": {name: getattr(requests[pk], name) for name in _REQUEST_FIELDS} if pk in requests else None,
        "receipts": issued.get(pk, []),
    } for pk, code in orders.items() if pk in requests or pk in issued]


# a donation of an order in these states is (or may still be) owed its receipt
_MAY_BE_RECEIPTED = (OrderState.PAID, OrderState.PENDING, OrderState.EXPIRED, OrderState.AWAITING_INVOICE)


def receipts_erase(customer: Customer) -> int:
    states = dict(orders_of_customer(customer=customer).values_list("pk", "state"))
    on_a_receipt = orders_on_a_receipt(states)
    erased = [order_id for order_id in TaxReceiptRequest.objects.filter(order_id__in=states)
              .values_list("order_id", flat=True)
              if states[order_id] not in _MAY_BE_RECEIPTED or order_id in on_a_receipt]
    TaxReceiptRequest.objects.filter(order_id__in=erased).delete()
    for order_id in erased:
        audit_record(action="taxreceipt_request.erased", subject=TaxReceiptRequest(order_id=order_id),
                     organizer_id=customer.organizer_id, order_id=order_id, changes={"customer": [customer.pk, None]})
    return len(erased)
