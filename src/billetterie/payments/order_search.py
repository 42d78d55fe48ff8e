"""Finding orders for staff (the back office's list): search, filters by what was bought and by
what the order's money says, and the totals of what was found, each computed in SQL over the
filtered set (a few queries whatever the number of orders: the list must stay fast with 100,000).

The displayed state (`OrderStatus`) is the order balance's (balance.py, `_status`): the filter
below is the same rule written as SQL conditions, and a test checks that both agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BigIntegerField,
    Count,
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


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def orders_search(*, organizer: Organizer, filters: OrderFilters) -> QuerySet[Order]:
    """The organiser's orders matching `filters`, newest first (never another organiser's)."""
    orders = Order.objects.filter(organizer=organizer)
    if not filters.include_test:
        orders = orders.filter(testmode=False)
    text = filters.text.strip()[:200]
    if text:
        # the matching lines found in one scan of the organiser's lines (not once per order)
        attendees = OrderLine.objects.filter(order__organizer=organizer).filter(
            Q(attendee_name__icontains=text) | Q(attendee_email__icontains=text)).values("order_id")
        orders = orders.filter(Q(code=text.upper()[:12]) | Q(name__icontains=text) | Q(email__icontains=text)
                               | Q(pk__in=attendees))
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


def orders_totals(*, orders: QuerySet[Order]) -> OrderTotals:
    """Count, total, received and refunded of a filtered set of orders: three aggregate queries
    over the set (no order is loaded)."""
    ids = orders.order_by().values("pk")
    head = orders.order_by().aggregate(count=Count("pk"), total=Sum("total_cents"))
    received = Payment.objects.filter(order__in=ids, state=PaymentState.CONFIRMED).aggregate(
        net=Sum(F("amount_cents") - F("fee_cents")))["net"]
    refunded = Refund.objects.filter(payment__order__in=ids, state__in=REFUND_COUNTING_STATES).aggregate(
        total=Sum("amount_cents"))["total"]
    return OrderTotals(count=int(head["count"] or 0), total_cents=int(head["total"] or 0),
                       received_cents=int(received or 0), refunded_cents=int(refunded or 0))
