"""The books' invariants, checked from the rows alone (`billetterie ledger check`, and after every
test of the suite: tests/conftest.py):

1. every transaction has lines and sums to zero;
2. every confirmed payment is posted once (its confirmations less its reversals), every other
   payment nets to zero; likewise every refund that counts (`REFUND_COUNTING_STATES`);
3. each order's customer account (411) is what its balance (`payments.balance.order_balance`)
   says (`sales.customer_balance`), and its sale is what its state says (`sales.sale_gross`).

A handful of aggregate queries, whatever the number of rows: the per-row comparisons are made on
the grouped results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, F, Q, Sum

from billetterie.orders.models import Order
from billetterie.payments.balance import order_balances
from billetterie.payments.models import REFUND_COUNTING_STATES, Payment, PaymentState, Refund

from . import chart
from .models import Line, Transaction, TransactionKind
from .sales import Money, customer_balance, sale_gross

MAX_REPORTED = 50  # per kind of violation: the first ones say enough

_SALE_CODES = (*chart.SALES_CODES, chart.VAT_COLLECTED.code)


def ledger_violations(organizer_id: int | None = None) -> list[str]:
    """Every broken invariant of the books (of one organiser, or all), worded for a person; [] when sound."""
    return [*_unbalanced(organizer_id), *_posted_once(organizer_id), *_orders(organizer_id)]


def _scoped(rows, organizer_id: int | None, field: str = "organizer_id"):  # type: ignore[no-untyped-def]
    return rows if organizer_id is None else rows.filter(**{field: organizer_id})


def _unbalanced(organizer_id: int | None) -> list[str]:
    found = []
    lines = _scoped(Line.objects.all(), organizer_id, "transaction__organizer_id")
    for row in (lines.values("transaction_id", "transaction__key")
                .annotate(d=Sum("debit_cents"), c=Sum("credit_cents")).exclude(d=F("c"))[:MAX_REPORTED]):
        found.append(f"transaction {row['transaction__key']} does not balance: debit {row['d']} ≠ credit {row['c']}")
    empty = _scoped(Transaction.objects.filter(lines__isnull=True), organizer_id)
    found += [f"transaction {key} has no line" for key in empty.values_list("key", flat=True)[:MAX_REPORTED]]
    return found


def _net_posts(organizer_id: int | None, field: str, posted: str, reversed_: str) -> dict[int, int]:
    rows = (_scoped(Transaction.objects.filter(kind__in=[posted, reversed_]), organizer_id)
            .values(field).annotate(n=Count("pk", filter=Q(kind=posted)), r=Count("pk", filter=Q(kind=reversed_))))
    return {row[field]: row["n"] - row["r"] for row in rows}


def _once(kind: str, expected: Iterable[int], all_ids: dict[int, str], posts: dict[int, int]) -> list[str]:
    """`expected` rows should net one post, every other row of `all_ids` none."""
    expected = set(expected)
    found = []
    for row_id in sorted(set(posts) | expected):
        want = 1 if row_id in expected else 0
        got = posts.get(row_id, 0)
        if got != want:
            state = all_ids.get(row_id, "deleted")
            found.append(f"{kind} {row_id} ({state}) posted {got} time(s) instead of {want}")
        if len(found) >= MAX_REPORTED:
            break
    return found


def _posted_once(organizer_id: int | None) -> list[str]:
    payments = _scoped(Payment.objects.all(), organizer_id, "order__organizer_id")
    payment_posts = _net_posts(organizer_id, "payment_id", TransactionKind.PAYMENT, TransactionKind.PAYMENT_REVERSAL)
    concerned = payments.filter(Q(state=PaymentState.CONFIRMED) | Q(pk__in=list(payment_posts)))
    states = dict(concerned.values_list("pk", "state"))
    found = _once("payment", (pk for pk, state in states.items() if state == PaymentState.CONFIRMED), states,
                  payment_posts)
    refunds = _scoped(Refund.objects.all(), organizer_id, "payment__order__organizer_id")
    refund_posts = _net_posts(organizer_id, "refund_id", TransactionKind.REFUND, TransactionKind.REFUND_REVERSAL)
    concerned_refunds = refunds.filter(Q(state__in=REFUND_COUNTING_STATES) | Q(pk__in=list(refund_posts)))
    refund_states = dict(concerned_refunds.values_list("pk", "state"))
    found += _once("refund", (pk for pk, state in refund_states.items() if state in REFUND_COUNTING_STATES),
                   refund_states, refund_posts)
    return found


def _orders(organizer_id: int | None) -> list[str]:
    """Each order with money or postings: its 411 and its sale as its balance says."""
    lines = _scoped(Line.objects.filter(transaction__order_id__isnull=False), organizer_id,
                    "transaction__organizer_id")
    customers: dict[int, int] = defaultdict(int)
    sales: dict[int, int] = defaultdict(int)
    for order_id, code, d, c in (lines.filter(account__code__in=[chart.CUSTOMERS.code, *_SALE_CODES])
                                 .values_list("transaction__order_id", "account__code")
                                 .annotate(d=Sum("debit_cents"), c=Sum("credit_cents"))):
        if code == chart.CUSTOMERS.code:
            customers[order_id] += int(d or 0) - int(c or 0)
        else:
            sales[order_id] += int(c or 0) - int(d or 0)
    with_money = set(_scoped(Payment.objects.filter(state=PaymentState.CONFIRMED), organizer_id,
                             "order__organizer_id").values_list("order_id", flat=True).distinct())
    ids = sorted(with_money | set(customers) | set(sales))
    found: list[str] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        orders = {order.pk: order for order in Order.objects.filter(pk__in=chunk).only(
            "pk", "code", "state", "total_cents", "organizer_id")}
        balances = order_balances(orders=orders.values())
        for order_id in chunk:
            order = orders.get(order_id)
            if order is None:
                found.append(f"order {order_id} (deleted) still has postings: 411 {customers[order_id]}")
                continue
            b = balances[order_id]
            money = Money(state=order.state, total_cents=order.total_cents, received_cents=b.received_cents,
                          fees_cents=b.fees_cents, refunded_cents=b.refunded_cents)
            want_411, want_sale = customer_balance(money), sale_gross(money)
            if customers[order_id] != want_411:
                found.append(f"order {order.code} ({order_id}, {order.state}): customer account 411 is "
                             f"{customers[order_id]}, its balance says {want_411} (received {b.received_cents}, "
                             f"refunded {b.refunded_cents}, fees {b.fees_cents}, total {order.total_cents})")
            if sales[order_id] != want_sale:
                found.append(f"order {order.code} ({order_id}, {order.state}): sale posted {sales[order_id]}, "
                             f"should be {want_sale}")
            if len(found) >= MAX_REPORTED:
                return found
    return found
