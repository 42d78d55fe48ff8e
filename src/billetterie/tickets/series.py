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
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from billetterie.catalog.models import Product, ProductKind
from billetterie.core import clock, events
from billetterie.core.sequences import sequence_next
from billetterie.orders.events import OrderLineRefunded, OrderStateChanged
from billetterie.orders.models import Order, OrderLine, OrderState

from .models import TicketCancellation, TicketNumber

# a ticket no longer admits: its money went back, or its order was cancelled
CANCELLED_REFUNDED = "refunded"
CANCELLED_ORDER = "cancelled"
_CANCELLING_STATES = {OrderState.REFUNDED: CANCELLED_REFUNDED, OrderState.CANCELLED: CANCELLED_ORDER}


def series_name(*, event_id: int, testmode: bool = False) -> str:
    """The event's series in core.sequences (test orders: their own, never the real one)."""
    return f"tickets:event:{event_id}" + (":test" if testmode else "")


_LINE, _PRODUCT, _ORDER, _NUMBER = (m._meta.db_table for m in (OrderLine, Product, Order, TicketNumber))
_UNNUMBERED = (
    "SELECT l.id, l.product_id, p.event_id, l.date_id, l.price_id, l.label, l.amount_cents, o.organizer_id, "  # noqa: S608
    f"o.testmode, o.currency FROM {_LINE} l JOIN {_PRODUCT} p ON p.id = l.product_id JOIN {_ORDER} o "
    f"ON o.id = l.order_id WHERE l.order_id = %s AND l.kind = %s "
    f"AND NOT EXISTS(SELECT 1 FROM {_NUMBER} t WHERE t.line_id = l.id) ORDER BY l.id"
)


_COLUMNS = ("line_id", "product_id", "event_id", "date_id", "price_id", "category", "amount_cents", "organizer_id",
            "testmode", "currency", "number", "issued_at")


def order_tickets_number(*, order_id: int) -> int:
    """Number the order's tickets that have none yet (all of them, the first time it is paid), in
    the caller's transaction; returns how many were numbered. Only tickets are numbered: add-ons,
    memberships and donations are not admissions."""
    step = tickets_numbering(order_id=order_id)
    return step() if step is not None else 0


def tickets_numbering(*, order_id: int) -> Callable[[], int] | None:
    """Read the order's unnumbered tickets now, and return the step that numbers them (for the
    in-transaction handler: the read stays outside the series' lock, decision 0027). Events in
    id order, so two orders for the same events lock their series in the same order and cannot
    deadlock; one UPDATE per event takes all its numbers. None: no ticket to number. Plain SQL: it
    runs in every sale."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("tickets numbered outside a transaction: a number could be lost")
    with connection.cursor() as cursor:
        cursor.execute(_UNNUMBERED, [order_id, ProductKind.TICKET])
        lines = cursor.fetchall()
    if not lines:
        return None
    by_event: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for line in lines:
        by_event[line[2]].append(line)

    def number() -> int:
        rows = [row for event_id in sorted(by_event) for row in _numbered(by_event[event_id])]
        _insert(rows)
        return len(rows)

    return number


def _insert(rows: list[list[Any]]) -> None:
    table = connection.ops.quote_name(TicketNumber._meta.db_table)
    row_sql = f"({', '.join(['%s'] * len(_COLUMNS))})"
    batch = max((connection.features.max_query_params or 100_000) // len(_COLUMNS), 1)  # SQLite's bound
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            cursor.execute(f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608 (our names)
                           + ", ".join([row_sql] * len(chunk)), [v for row in chunk for v in row])


def _numbered(lines: list[tuple[Any, ...]]) -> list[list[Any]]:
    """One event's tickets' rows: their lines' facts, then their numbers and when they were given."""
    organizer_id, testmode, event_id = lines[0][7], bool(lines[0][8]), lines[0][2]
    last = sequence_next(organizer_id=organizer_id, name=series_name(event_id=event_id, testmode=testmode),
                         count=len(lines))
    # read under the series' lock: later numbers have later times, so a day's numbers are one range
    issued_at = connection.ops.adapt_datetimefield_value(clock.now())
    first = last - len(lines) + 1
    return [[*line[:8], testmode, line[9], first + n, issued_at] for n, line in enumerate(lines)]


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


def _order_state_changed(event: OrderStateChanged) -> Callable[[], int] | None:
    if event.state == OrderState.PAID:
        return tickets_numbering(order_id=event.order_id)
    if event.state in _CANCELLING_STATES:
        tickets_cancel(order_id=event.order_id, reason=_CANCELLING_STATES[OrderState(event.state)])
    return None


def _line_refunded(event: OrderLineRefunded) -> None:
    tickets_cancel(line_ids=[event.line_id], reason=CANCELLED_REFUNDED)


def register() -> None:
    events.subscribe_in_transaction(OrderStateChanged, "tickets.series", _order_state_changed, numbers=True)
    events.subscribe_in_transaction(OrderLineRefunded, "tickets.series_line_refunded", _line_refunded)
