"""Tickets numbered in an uninterrupted series per event (CGI art. 290 quater; annexe IV art. 50
sexies B), decision 0028.

A ticket gets its number when its order becomes paid, in the transaction that makes it paid (an
in-transaction handler of `OrderStateChanged`, decision 0027): a rollback gives the number back,
so whatever commits is 1, 2, 3… with no gap nor duplicate. One series per event, all its dates
together; test orders draw from a series of their own, kept out of the summary. A number is never
reused nor deleted: a refunded or cancelled ticket keeps it and gets a `TicketCancellation`.

The series' row (core.sequences) stays locked until the transaction commits, so this runs last in
the payment's transaction: after the payment, the places and the order's state are written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from billetterie.catalog.models import ProductKind
from billetterie.core import clock, events
from billetterie.core.sequences import sequence_next
from billetterie.orders.events import OrderLineRefunded, OrderStateChanged
from billetterie.orders.models import OrderLine, OrderState

from .models import TicketCancellation, TicketNumber

# a ticket no longer admits: its money went back, or its order was cancelled
CANCELLED_REFUNDED = "refunded"
CANCELLED_ORDER = "cancelled"
_CANCELLING_STATES = {OrderState.REFUNDED: CANCELLED_REFUNDED, OrderState.CANCELLED: CANCELLED_ORDER}


def series_name(*, event_id: int, testmode: bool = False) -> str:
    """The event's series in core.sequences (test orders: their own, never the real one)."""
    return f"tickets:event:{event_id}" + (":test" if testmode else "")


def order_tickets_number(*, order_id: int) -> list[TicketNumber]:
    """Number the order's tickets that have none yet (all of them, the first time it is paid), in
    the caller's transaction. Only tickets are numbered: add-ons, memberships and donations are
    not admissions. Events in id order, so two orders for the same events lock their series in
    the same order and cannot deadlock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("tickets numbered outside a transaction: a number could be lost")
    lines = list(
        OrderLine.objects.filter(order_id=order_id, kind=ProductKind.TICKET, ticket_number__isnull=True)
        .values("pk", "product_id", "product__event_id", "date_id", "price_id", "label", "amount_cents",
                "order__organizer_id", "order__testmode", "order__currency")
        .order_by("pk")
    )
    by_event: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for line in lines:
        by_event[line["product__event_id"]].append(line)
    rows = [_numbered(line, event_id) for event_id in sorted(by_event) for line in by_event[event_id]]
    return TicketNumber.objects.bulk_create(rows)


def _numbered(line: Mapping[str, Any], event_id: int) -> TicketNumber:
    testmode = bool(line["order__testmode"])
    number = sequence_next(organizer_id=line["order__organizer_id"],
                           name=series_name(event_id=event_id, testmode=testmode))
    # read under the series' lock: later numbers have later times, so a day's numbers are one range
    issued_at = clock.now()
    return TicketNumber(
        line_id=line["pk"], organizer_id=line["order__organizer_id"], event_id=event_id, testmode=testmode,
        number=number, issued_at=issued_at, date_id=line["date_id"], product_id=line["product_id"],
        price_id=line["price_id"], category=line["label"], amount_cents=line["amount_cents"],
        currency=line["order__currency"],
    )


def tickets_cancel(*, line_ids: list[int] | None = None, order_id: int | None = None, reason: str) -> int:
    """Record that these numbered tickets (of the lines, or of the whole order) are cancelled; a
    ticket already cancelled is left as it was. Returns how many were recorded now."""
    numbers = TicketNumber.objects.filter(cancellation__isnull=True)
    if line_ids is not None:
        numbers = numbers.filter(line_id__in=line_ids)
    if order_id is not None:
        numbers = numbers.filter(line__order_id=order_id)
    now = clock.now()
    rows = [TicketCancellation(ticket_id=pk, cancelled_at=now, reason=reason)
            for pk in numbers.values_list("pk", flat=True)]
    TicketCancellation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _order_state_changed(event: OrderStateChanged) -> None:
    if event.state == OrderState.PAID:
        order_tickets_number(order_id=event.order_id)
    elif event.state in _CANCELLING_STATES:
        tickets_cancel(order_id=event.order_id, reason=_CANCELLING_STATES[OrderState(event.state)])


def _line_refunded(event: OrderLineRefunded) -> None:
    tickets_cancel(line_ids=[event.line_id], reason=CANCELLED_REFUNDED)


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "tickets.series", _order_state_changed, numbers=True)
    events.subscribe_in_transaction(OrderLineRefunded, "tickets.series_line_refunded", _line_refunded)
