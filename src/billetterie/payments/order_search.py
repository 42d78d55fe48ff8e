"""Finding orders for staff (the back office's list): search, filters by what was bought and by
what the order's money says, and the totals of what was found, each computed in SQL over the
filtered set (a few queries whatever the number of orders: the list must stay fast with 100,000).

The displayed state (`OrderStatus`) is the order balance's (balance.py, `_status`): the filter
below is the same rule written as SQL conditions, and a test checks that both agree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Organizer

from .balance import OrderStatus
from .models import REFUND_COUNTING_STATES, Payment, PaymentState, Refund
from .stamped_cache import figures_cached


@dataclass(frozen=True)
class OrderFilters:
    """What staff search for; every field optional."""

    text: str = ""  # an order code, a buyer's or attendee's name, an email address
    event_id: int | None = None
    date_id: int | None = None
    product_id: int | None = None
    status: str = ""  # an OrderStatus value
    method: str = ""  # a payment method's identifier
    channel: str = ""
    placed_from: date | None = None
    placed_to: date | None = None
    include_test: bool = False  # test orders (paid with test money) are left out unless asked for


@dataclass(frozen=True)
class OrderTotals:
    count: int
    total_cents: int
    received_cents: int  # confirmed payments, their fees aside (as the order balance counts)
    refunded_cents: int  # refunds started or done (failed ones aside)


def _received() -> Subquery:
    return Subquery(
        Payment.objects.filter(order=OuterRef("pk"), state=PaymentState.CONFIRMED).order_by()
        .values("order").annotate(net=Sum(F("amount_cents") - F("fee_cents"))).values("net"),
        output_field=BigIntegerField(),
    )


def _refunded() -> Subquery:
    return Subquery(
        Refund.objects.filter(payment__order=OuterRef("pk"), state__in=REFUND_COUNTING_STATES).order_by()
        .values("payment__order").annotate(total=Sum("amount_cents")).values("total"),
        output_field=BigIntegerField(),
    )


def _with_money(orders: QuerySet[Order]) -> QuerySet[Order]:
    zero = Value(0, output_field=BigIntegerField())
    return orders.annotate(_received=Coalesce(_received(), zero), _refunded=Coalesce(_refunded(), zero))


def _status_filter(orders: QuerySet[Order], status: str) -> QuerySet[Order]:
    """Orders whose balance shows `status` (balance._status, as SQL)."""
    by_state = {
        OrderStatus.EXPIRED: OrderState.EXPIRED, OrderStatus.CANCELLED: OrderState.CANCELLED,
        OrderStatus.PAID_UNFULFILLED: OrderState.PAID_UNFULFILLED,
        OrderStatus.AWAITING_INVOICE: OrderState.AWAITING_INVOICE,
    }
    if status in by_state:
        return orders.filter(state=by_state[OrderStatus(status)])
    # the few orders with a refund, or with money received, found once (a hashed subplan), and
    # only those get their sums computed: never a correlated sum for each of 100,000 orders
    with_refunds = Refund.objects.filter(state__in=REFUND_COUNTING_STATES).values("payment__order_id")
    with_money = Payment.objects.filter(state=PaymentState.CONFIRMED).values("order_id")
    if status == OrderStatus.PAID:  # paid, nothing refunded (refunds are positive amounts)
        return orders.filter(state=OrderState.PAID).exclude(pk__in=with_refunds)
    if status in (OrderStatus.REFUNDED, OrderStatus.PARTLY_REFUNDED):
        refunded = _with_money(orders.filter(state=OrderState.PAID, pk__in=with_refunds))
        if status == OrderStatus.PARTLY_REFUNDED:
            return refunded.filter(Q(_refunded__gt=0) & Q(_refunded__lt=F("_received")))
        refunded = refunded.filter(Q(_refunded__gt=0) & Q(_refunded__gte=F("_received")))
        return orders.filter(Q(state=OrderState.REFUNDED) | Q(pk__in=refunded.values("pk")))
    part_paid = _with_money(orders.filter(state=OrderState.PENDING, pk__in=with_money)).filter(
        Q(_received__gt=F("_refunded")))
    if status == OrderStatus.PART_PAID:
        return part_paid
    if status == OrderStatus.UNPAID:
        return orders.filter(state=OrderState.PENDING).exclude(pk__in=part_paid.values("pk"))
    return orders


# what staff type when they copy an order's code: letters and digits, at least one digit (a name or
# a word has none, so « Moreau » is never taken for a code)
_CODE_LIKE = re.compile(r"(?=.*[0-9])[A-Z0-9]{4,12}")


def _matching_ids(organizer: Organizer, text: str) -> QuerySet[Any, Any] | list[int]:
    """The ids of orders whose code is `text`, or whose buyer's or an attendee's name or email
    contains it (case aside): the organiser's, and for the attendees maybe others' too, which the
    list's own organiser condition leaves out.

    A text that looks like a code and is one goes straight to the unique (organizer, code) index:
    that order alone. Otherwise each place to look is its own query, and the union of their ids is
    what the list, its count and its totals filter on: on PostgreSQL each can then use its trigram
    index (`UPPER(name) LIKE UPPER('%…%')`, migrations orders 0009 and payments 0010), where one
    condition `code = … OR name LIKE … OR id IN (attendees)` made every search read every order."""
    upper = text.upper()
    if _CODE_LIKE.fullmatch(upper):
        exact = list(Order.objects.filter(organizer=organizer, code=upper).values_list("pk", flat=True))
        if exact:
            return exact
    mine = Order.objects.filter(organizer=organizer).order_by()
    # the lines' own ids only: the list keeps the organiser's orders among them (a join with the
    # orders here would read every order once more)
    lines = OrderLine.objects.order_by()
    # icontains is UPPER(column) LIKE UPPER(…) on PostgreSQL: the indexed expression
    by_code = mine.filter(code=upper[:12]).values("pk")
    by_name = mine.filter(name__icontains=text).values("pk")
    by_email = mine.filter(email__icontains=text).values("pk")
    by_attendee = lines.filter(attendee_name__icontains=text).values("order_id")
    by_attendee_email = lines.filter(attendee_email__icontains=text).values("order_id")
    return by_code.union(by_name, by_email, by_attendee, by_attendee_email)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def orders_search(*, organizer: Organizer, filters: OrderFilters) -> QuerySet[Order]:
    """The organiser's orders matching `filters`, newest first (never another organiser's)."""
    orders = Order.objects.filter(organizer=organizer)
    if not filters.include_test:
        orders = orders.filter(testmode=False)
    text = filters.text.strip()[:200]
    if text:
        orders = orders.filter(pk__in=_matching_ids(organizer, text))  # type: ignore[misc]
    lines = OrderLine.objects.filter(order=OuterRef("pk"))
    if filters.event_id:
        orders = orders.filter(Exists(lines.filter(product__event_id=filters.event_id)))
    if filters.date_id:
        orders = orders.filter(Exists(lines.filter(date_id=filters.date_id)))
    if filters.product_id:
        orders = orders.filter(Exists(lines.filter(product_id=filters.product_id)))
    if filters.method:  # paid, or being paid (a transfer awaited), with this method
        payments = Payment.objects.filter(order=OuterRef("pk"), provider=filters.method,
                                          state__in=[PaymentState.CONFIRMED, PaymentState.PENDING])
        orders = orders.filter(Exists(payments))
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.placed_from:
        orders = orders.filter(created_at__gte=_day_start(filters.placed_from))
    if filters.placed_to:
        orders = orders.filter(created_at__lt=_day_start(filters.placed_to) + timedelta(days=1))
    if filters.status:
        orders = _status_filter(orders, filters.status)
    return orders.order_by("-created_at", "-pk")


def orders_totals(*, orders: QuerySet[Order], organizer_id: int | None = None) -> OrderTotals:
    """Count, total, received and refunded of a filtered set of orders, in one statement: the set
    is found once (a common table expression) and the payments and refunds summed over it. Three
    aggregates each re-running the search and filters cost three times as much (no order loaded
    either way). Given the organiser whose orders these are, kept while its data do not change
    (`stamped_cache`, decision 0026): the same list asked again, or a page after page, costs one
    indexed read."""
    if organizer_id is None:
        return _totals(orders)
    key = orders.order_by().values_list("pk", "total_cents").query.sql_with_params()
    return figures_cached(organizer_id=organizer_id, name="orders_totals", key=key, compute=lambda: _totals(orders))


def _totals(orders: QuerySet[Order]) -> OrderTotals:
    found_sql, found_params = orders.order_by().values_list("pk", "total_cents").query.sql_with_params()
    q = connection.ops.quote_name
    payment, refund = q(Payment._meta.db_table), q(Refund._meta.db_table)
    counting = ", ".join(["%s"] * len(REFUND_COUNTING_STATES))
    # the names are the models' tables and the ORM's own SQL; every value is a parameter
    sql = (
        f"WITH found (id, total) AS ({found_sql}) SELECT "  # noqa: S608
        "(SELECT COUNT(*) FROM found), (SELECT SUM(total) FROM found), "
        f"(SELECT SUM(p.amount_cents - p.fee_cents) FROM {payment} p INNER JOIN found f ON f.id = p.order_id "
        "WHERE p.state = %s), "
        f"(SELECT SUM(r.amount_cents) FROM {refund} r INNER JOIN {payment} p ON p.id = r.payment_id "
        f"INNER JOIN found f ON f.id = p.order_id WHERE r.state IN ({counting}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*found_params, PaymentState.CONFIRMED, *REFUND_COUNTING_STATES])
        count, total, received, refunded = cursor.fetchone()
    return OrderTotals(count=int(count or 0), total_cents=int(total or 0),
                       received_cents=int(received or 0), refunded_cents=int(refunded or 0))
