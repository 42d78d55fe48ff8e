"""What tax receipts keep about a customer account (decision 0023), registered with customers at
start-up (`customers.services.account_part_register`, from the shop's AppConfig), before the
orders' part, whose erasure detaches the orders from the account:

- export: per order of the account, the receipt its donor asked for (name, postal address, per
  donation or yearly) and the receipts issued for its donation;
- erase: the requests go (a yearly receipt not issued yet will not be); issued receipts stay as
  they are: the organisation keeps their duplicates for the tax office (LPF art. L102 B)."""

from __future__ import annotations

from typing import Any

from billetterie.customers.models import Customer
from billetterie.orders.accounts import orders_of_customer

from .models import TaxReceiptDonation, TaxReceiptRequest

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


def receipts_erase(customer: Customer) -> int:
    orders = orders_of_customer(customer=customer).values("pk")
    deleted, _by_model = TaxReceiptRequest.objects.filter(order_id__in=orders).delete()
    return deleted
