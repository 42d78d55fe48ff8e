"""One order balance (issue 10, item 4): what an order received, gave back, keeps and still owes,
and the state a person is shown, computed in one place from the payment and refund rows.

Every page, email, export and service asks `order_balance` (or `order_balances` for a list);
the check-in's hand-written SQL applies the same rule with `REFUND_COUNTING_STATES`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import F, Sum
from django.utils.translation import pgettext_lazy

from billetterie.orders.models import Order, OrderState
from billetterie.orders.selectors import OrderMoney

from .models import REFUND_COUNTING_STATES, Payment, PaymentState, Refund


class OrderStatus(models.TextChoices):
    """What a buyer and staff are told about an order: its state, with what its money says."""

    UNPAID = "unpaid", pgettext_lazy("order status", "Awaiting payment")
    PART_PAID = "part_paid", pgettext_lazy("order status", "Partly paid")
    AWAITING_INVOICE = "awaiting_invoice", pgettext_lazy("order status", "Awaiting invoice payment")
    PAID = "paid", pgettext_lazy("order status", "Paid")
    PARTLY_REFUNDED = "partly_refunded", pgettext_lazy("order status", "Partly refunded")
    REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")
    PAID_UNFULFILLED = "paid_unfulfilled", pgettext_lazy("order status", "Paid, cannot be fulfilled")
    EXPIRED = "expired", pgettext_lazy("order status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


@dataclass(frozen=True)
class OrderBalance:
    total_cents: int
    received_cents: int  # what confirmed payments brought for the order itself, their fees aside
    fees_cents: int  # the payment methods' fees the buyer paid on top
    refunded_cents: int  # refunds started or done (failed ones aside)
    status: OrderStatus

    @property
    def kept_cents(self) -> int:
        """What the organiser holds for the order now."""
        return self.received_cents - self.refunded_cents

    @property
    def due_cents(self) -> int:
        """What is still to pay (a refund does not make anything due again)."""
        return max(self.total_cents - self.received_cents, 0)


_STATUS_OF_STATE = {
    OrderState.EXPIRED: OrderStatus.EXPIRED,
    OrderState.CANCELLED: OrderStatus.CANCELLED,
    OrderState.PAID_UNFULFILLED: OrderStatus.PAID_UNFULFILLED,
    # refunded for good (its tickets revoked, its places released by staff's choice), even if a
    # refund fails afterwards: its payment is then flagged for staff
    OrderState.REFUNDED: OrderStatus.REFUNDED,
}


def _status(state: OrderState, received: int, refunded: int) -> OrderStatus:
    if state in _STATUS_OF_STATE:
        return _STATUS_OF_STATE[state]
    if state == OrderState.PAID:
        if refunded <= 0:
            return OrderStatus.PAID
        return OrderStatus.REFUNDED if refunded >= received else OrderStatus.PARTLY_REFUNDED
    if state == OrderState.AWAITING_INVOICE:
        return OrderStatus.AWAITING_INVOICE
    return OrderStatus.PART_PAID if received - refunded > 0 else OrderStatus.UNPAID


def order_balances(*, orders: Iterable[Order]) -> dict[int, OrderBalance]:
    """The balance of each order, in two queries whatever their number."""
    orders = list(orders)
    ids = [order.pk for order in orders]
    confirmed = list(Payment.objects.filter(order_id__in=ids, state=PaymentState.CONFIRMED).values("order_id")
                     .annotate(net=Sum(F("amount_cents") - F("fee_cents")), fees=Sum("fee_cents")))
    received = {row["order_id"]: row["net"] for row in confirmed}
    fees = {row["order_id"]: row["fees"] for row in confirmed}
    refunded = dict(
        Refund.objects.filter(payment__order_id__in=ids, state__in=REFUND_COUNTING_STATES)
        .values("payment__order_id").annotate(total=Sum("amount_cents")).values_list("payment__order_id", "total")
    )
    return {
        order.pk: _balance(order, int(received.get(order.pk) or 0), int(fees.get(order.pk) or 0),
                           int(refunded.get(order.pk) or 0))
        for order in orders
    }


def _balance(order: Order, received: int, fees: int, refunded: int) -> OrderBalance:
    return _balance_of(order.state, order.total_cents, received, fees, refunded)


def _balance_of(state: str, total: int, received: int, fees: int, refunded: int) -> OrderBalance:
    return OrderBalance(total_cents=total, received_cents=received, fees_cents=fees, refunded_cents=refunded,
                        status=_status(OrderState(state), received, refunded))


def order_balance(*, order: Order) -> OrderBalance:
    return order_balances(orders=[order])[order.pk]


@dataclass(frozen=True)
class OrderFigures:
    """An order's few fields the books follow, and its balance."""

    code: str
    state: str
    testmode: bool
    balance: OrderBalance


_ORDER, _PAYMENT, _REFUND = (model._meta.db_table for model in (Order, Payment, Refund))
_CONFIRMED = f"FROM {_PAYMENT} p WHERE p.order_id = o.id AND p.state = %s"
_COUNTING = ", ".join(["%s"] * len(REFUND_COUNTING_STATES))
_ORDER_WITH_BALANCE = (
    f"SELECT o.code, o.state, o.total_cents, o.testmode, (SELECT SUM(p.amount_cents - p.fee_cents) {_CONFIRMED}), "  # noqa: S608
    f"(SELECT SUM(p.fee_cents) {_CONFIRMED}), (SELECT SUM(r.amount_cents) FROM {_REFUND} r JOIN {_PAYMENT} p "
    f"ON p.id = r.payment_id WHERE p.order_id = o.id AND r.state IN ({_COUNTING})) "
    f"FROM {_ORDER} o WHERE o.id = %s"
)
_ORDER_LOCK = f"SELECT id FROM {_ORDER} WHERE id = %s FOR UPDATE"  # noqa: S608


def order_with_balance(*, order_id: int, lock: bool = False) -> OrderFigures:
    """The order's figures and its balance in one plain query, by the same rule as
    `order_balances`; `lock`: after taking the order's row lock. For the books, which read them
    in every sale's transaction (the ORM's three subqueries cost more than the query itself).

    The lock is its own statement: on PostgreSQL a `SELECT … FOR UPDATE` that waited for the lock
    returns the row as the other transaction left it, but its subqueries still see the snapshot
    taken before the wait, and would miss the money that transaction committed."""
    params: list[str | int] = [PaymentState.CONFIRMED, PaymentState.CONFIRMED, *REFUND_COUNTING_STATES, order_id]
    with connection.cursor() as cursor:
        if lock and connection.features.has_select_for_update:
            cursor.execute(_ORDER_LOCK, [order_id])
        cursor.execute(_ORDER_WITH_BALANCE, params)
        row = cursor.fetchone()
    if row is None:
        raise Order.DoesNotExist(f"order {order_id}")
    code, state, total, testmode, received, fees, refunded = row
    balance = _balance_of(state, int(total), int(received or 0), int(fees or 0), int(refunded or 0))
    return OrderFigures(code, state, bool(testmode), balance)


@dataclass(frozen=True)
class PaymentFacts:
    """What the books post for a payment, with its order's code and state and whether the order
    has any refund (of any state)."""

    provider: str
    amount_cents: int
    fee_cents: int
    testmode: bool
    order_code: str
    order_state: str
    order_refunded: bool


_PAYMENT_FACTS = (
    f"SELECT p.provider, p.amount_cents, p.fee_cents, p.testmode, o.code, o.state, EXISTS(SELECT 1 FROM {_REFUND} r "  # noqa: S608
    f"JOIN {_PAYMENT} q ON q.id = r.payment_id WHERE q.order_id = o.id) FROM {_PAYMENT} p "
    f"JOIN {_ORDER} o ON o.id = p.order_id WHERE p.id = %s"
)


def payment_facts(*, payment_id: int) -> PaymentFacts:
    """One plain query: it runs in every payment's transaction. A confirmation is published with
    its order's row locked (`services.payment_record_external`, `_payment_confirm`), so what it
    reads of the order is what the lock holder sees."""
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENT_FACTS, [payment_id])
        row = cursor.fetchone()
    if row is None:
        raise Payment.DoesNotExist(f"payment {payment_id}")
    provider, amount, fee, testmode, code, state, refunded = row
    return PaymentFacts(provider, int(amount), int(fee), bool(testmode), code, state, bool(refunded))


def order_balance_prefetched(*, order: Order) -> OrderBalance:
    """The same rule as `order_balances`, read from the order's payments and their refunds
    already fetched (`prefetch_related("payments__refunds")`): for a page or an answer that shows
    them anyway, without the two aggregate queries."""
    payments = list(order.payments.all())
    confirmed = [p for p in payments if p.state == PaymentState.CONFIRMED]
    refunded = sum(r.amount_cents for p in payments for r in p.refunds.all() if r.state in REFUND_COUNTING_STATES)
    return _balance(order, sum(p.amount_cents - p.fee_cents for p in confirmed), sum(p.fee_cents for p in confirmed),
                    refunded)


def order_money(order: Order) -> OrderMoney:
    """What the order holds now (the orders domain asks through `orders.selectors.order_money`)."""
    balance = order_balance(order=order)
    return OrderMoney(kept_cents=balance.kept_cents, refunded_cents=balance.refunded_cents)
