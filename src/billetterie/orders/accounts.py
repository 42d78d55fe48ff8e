"""What orders keep about a customer account (issue 12, item 5; decision 0023), registered with
customers at start-up (`customers.services.account_part_register`, from the shop's AppConfig):

- join: the organiser's guest orders with the account's proved address (any case) join it;
- export: the account's orders with their lines, for the data download;
- erase: before the account goes, its orders lose the buyer's and the attendees' personal data
  and stay, with their lines, amounts, payments and codes, for the books."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from billetterie.core.audit import audit_record
from billetterie.customers.models import Customer

from .models import Order, OrderLine

ERASED_NAME = "—"  # an order's name is required: a dash says « no one » in both languages


def orders_of_customer(*, customer: Customer) -> QuerySet[Order]:
    """The account's orders, newest first, with their organiser (for their links)."""
    return (Order.objects.filter(organizer_id=customer.organizer_id, customer=customer)
            .select_related("organizer").order_by("-created_at", "-pk"))


def orders_join_customer(customer: Customer) -> int:
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(
            organizer_id=customer.organizer_id, customer__isnull=True, email__iexact=customer.email,
        ).only("pk", "organizer_id"))
        if not orders:
            return 0
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(customer=customer)
        for order in orders:
            audit_record(action="order.customer_joined", subject=order, organizer_id=order.organizer_id,
                         order_id=order.pk, changes={"customer": [None, customer.pk]})
    return len(orders)


def _line_data(line: OrderLine) -> dict[str, Any]:
    return {
        "item": line.label, "kind": line.kind, "amount_cents": line.amount_cents,
        "date": line.date.start.isoformat() if line.date is not None else None,
        "attendee_name": line.attendee_name, "attendee_email": line.attendee_email, "answers": line.answers,
    }


def orders_export(customer: Customer) -> list[dict[str, Any]]:
    orders = orders_of_customer(customer=customer).prefetch_related("lines__date")
    return [{
        "code": order.code, "placed_at": order.created_at.isoformat(), "state": order.state,
        "total_cents": order.total_cents, "currency": order.currency,
        "name": order.name, "email": order.email, "phone": order.phone,
        "lines": [_line_data(line) for line in order.lines.all()],
    } for order in orders]


def orders_erase(customer: Customer) -> int:
    """Anonymise the account's orders: the buyer's name, email and phone, each line's attendee
    name, email and answers. The orders, their amounts and payments stay (the books keep sales)."""
    with transaction.atomic():
        ids = list(Order.objects.select_for_update().filter(organizer_id=customer.organizer_id, customer=customer)
                   .values_list("pk", flat=True))
        if not ids:
            return 0
        Order.objects.filter(pk__in=ids).update(name=ERASED_NAME, email="", phone="", customer=None)
        OrderLine.objects.filter(order_id__in=ids).update(attendee_name="", attendee_email="", answers={})
        for order_id in ids:
            audit_record(action="order.anonymised", subject=Order(pk=order_id), organizer_id=customer.organizer_id,
                         order_id=order_id, changes={"customer": [customer.pk, None]})
    return len(ids)
