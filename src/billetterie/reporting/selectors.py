"""Read models of the back office's dashboard: sales per day, capacity filled, today's check-ins,
money waiting for someone, members by type — each aggregated by the database in a query or two,
whatever the number of orders (no loop over orders in Python).

Every figure is one organiser's, test orders and test payments aside (decision 0010). Money
follows the order balance's rule (`payments.balance`): received is what confirmed payments
brought, their fees aside; refunded is every refund started or done, the failed ones aside
(`REFUND_COUNTING_STATES`); kept is received minus refunded. Per day, money counts on the day it
moved: a payment on the day it was confirmed, a refund on the day it was made. Days are the
organiser's days: organisers have no time zone of their own yet, so the site's (TIME_ZONE)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billetterie.catalog.models import EventDate, Price, Product, ProductKind, Quota
from billetterie.checkin.models import Scan, ScanKind, ScanResult
from billetterie.core import clock
from billetterie.core.models import AuditEntry
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.payments.models import REFUND_COUNTING_STATES, Payment, PaymentState, Refund, RefundState
from billetterie.payments.stamped_cache import figures_cached

# the order state whose lines count as sold (a refunded order's places are not, even kept)
SOLD_STATE = OrderState.PAID
# what an order still waiting for its money may be in
AWAITING_STATES = (OrderState.PENDING, OrderState.AWAITING_INVOICE)
# refunds stored but not on their way to the buyer: not sent to the payment service yet (or it
# could not be reached), or to be made by hand in its back office (then marked done)
REFUND_TO_SEND_STATES = (RefundState.CREATED, RefundState.MANUAL)
# the longest period the dashboard shows day by day
MAX_PERIOD_DAYS = 366


def organizer_timezone() -> tzinfo:
    """The organiser's days begin and end in this zone (the site's: no per-organiser zone yet)."""
    return timezone.get_current_timezone()


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included, in the organiser's time zone."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=organizer_timezone())

    @property
    def end(self) -> datetime:
        """The instant the period ends (excluded): midnight after its last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=organizer_timezone())

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def today() -> date:
    return timezone.localdate(clock.now(), organizer_timezone())


def period_last_days(days: int, *, until: date | None = None) -> Period:
    """The last `days` days, today included."""
    last = until or today()
    return Period(first=last - timedelta(days=days - 1), last=last)


# --- sales per day ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DaySales:
    day: date
    paid_orders: int
    received_cents: int
    refunded_cents: int

    @property
    def kept_cents(self) -> int:
        return self.received_cents - self.refunded_cents


@dataclass(frozen=True)
class SalesSeries:
    period: Period
    days: list[DaySales]  # every day of the period, those without sales included
    total: DaySales  # the whole period (its `day`: the first one)


def _payments_received(organizer_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(order__organizer_id=organizer_id, state=PaymentState.CONFIRMED,
                                  order__testmode=False, testmode=False)


def _refunds_counting(organizer_id: int) -> QuerySet[Refund]:
    return Refund.objects.filter(payment__order__organizer_id=organizer_id, state__in=REFUND_COUNTING_STATES,
                                 payment__order__testmode=False, payment__testmode=False)


def sales_by_day(*, organizer_id: int, period: Period) -> SalesSeries:
    """Paid orders, money received, refunded and kept, per day of the period (three queries)."""
    tz = organizer_timezone()
    start, end = period.start, period.end
    received = dict(
        _payments_received(organizer_id).filter(confirmed_at__gte=start, confirmed_at__lt=end)
        .annotate(day=TruncDate("confirmed_at", tzinfo=tz)).values("day")
        .annotate(total=Sum(F("amount_cents") - F("fee_cents"))).order_by().values_list("day", "total")
    )
    refunded = dict(
        _refunds_counting(organizer_id).filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tz)).values("day")
        .annotate(total=Sum("amount_cents")).order_by().values_list("day", "total")
    )
    paid = dict(
        Order.objects.filter(organizer_id=organizer_id, testmode=False, paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=tz)).values("day")
        .annotate(n=Count("id")).order_by().values_list("day", "n")
    )
    return _series_of(period, [
        DaySales(day=day, paid_orders=int(paid.get(day) or 0), received_cents=int(received.get(day) or 0),
                 refunded_cents=int(refunded.get(day) or 0))
        for day in period.days
    ])


def _series_of(period: Period, days: list[DaySales]) -> SalesSeries:
    total = DaySales(day=period.first, paid_orders=sum(d.paid_orders for d in days),
                     received_cents=sum(d.received_cents for d in days),
                     refunded_cents=sum(d.refunded_cents for d in days))
    return SalesSeries(period=period, days=days, total=total)


# --- capacity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SoldGroup:
    date_id: int | None
    product_id: int
    price_id: int | None
    kind: str
    campaign: str  # the product's event or membership page
    product: str
    price: str
    count: int


@dataclass(frozen=True)
class LinesSold:
    """The organiser's lines sold, counted by the database per date, product and price: what the
    capacity figures, the next dates and the members by type are read from."""

    groups: tuple[SoldGroup, ...]

    @cached_property
    def by_date(self) -> Counter[int]:
        counts: Counter[int] = Counter()
        for group in self.groups:
            if group.date_id is not None:
                counts[group.date_id] += group.count
        return counts

    @cached_property
    def by_product(self) -> Counter[int]:
        counts: Counter[int] = Counter()
        for group in self.groups:
            counts[group.product_id] += group.count
        return counts


SoldKey = tuple[int | None, int, int | None, str]  # date, product, price, kind


def lines_sold(*, organizer_id: int) -> LinesSold:
    """The lines sold (those of paid orders, test orders and lines refunded on their own aside),
    grouped by date, product and price. One query, one pass over the organiser's lines."""
    return _named(_sold_counts(organizer_id))


def _sold_counts(organizer_id: int, *, dates: set[int | None] | None = None,
                 products: set[int] | None = None) -> dict[SoldKey, int]:
    """The lines sold counted per date, product, price and kind; only those of the given dates
    and products when given (every group of those dates × products is counted)."""
    refunded = Refund.objects.filter(line_id=OuterRef("pk"), state__in=REFUND_COUNTING_STATES)
    lines = OrderLine.objects.filter(order__organizer_id=organizer_id, order__state=SOLD_STATE,
                                     order__testmode=False)
    if dates is not None and products is not None:
        known = {d for d in dates if d is not None}
        lines = lines.filter(Q(date_id__in=known) | Q(date_id__isnull=True) if None in dates else Q(date_id__in=known),
                             product_id__in=products)
    # grouped by ids only, the names read after for the few groups: joining the catalogue's names
    # onto every line sold doubled the time of this, the dashboard's heaviest query
    rows = lines.exclude(Exists(refunded)).values("date_id", "product_id", "price_id", "kind").annotate(n=Count("id"))
    return {(r["date_id"], r["product_id"], r["price_id"], r["kind"]): r["n"] for r in rows.order_by()}


def _named(counts: dict[SoldKey, int]) -> LinesSold:
    """The groups with their catalogue names (read now: a product renamed shows renamed)."""
    products = {p["id"]: p for p in Product.objects.filter(pk__in={k[1] for k in counts})
                .values("id", "name", "event__title")}
    prices = dict(Price.objects.filter(pk__in={k[2] for k in counts if k[2]}).values_list("id", "name"))
    return LinesSold(tuple(
        SoldGroup(date_id, product_id, price_id, kind, products[product_id]["event__title"],
                  products[product_id]["name"], prices.get(price_id, "") if price_id else "", n)
        for (date_id, product_id, price_id, kind), n in sorted(counts.items(), key=lambda item: _sort_key(item[0]))
    ))


def _sort_key(key: SoldKey) -> tuple[int, int, int, str]:
    date_id, product_id, price_id, kind = key
    return (date_id or 0, product_id, price_id or 0, kind)


@dataclass(frozen=True)
class QuotaFill:
    quota_id: int
    name: str
    date_start: datetime | None  # the date whose capacity this is; None for a product's quota
    date_cancelled: bool
    size: int
    used: int  # held or sold (carts, unpaid orders, test orders included)
    sold: int  # lines sold (paid orders)

    @property
    def fill_percent(self) -> int | None:
        """Sold against the size, in whole percent (None for a quota of no place)."""
        return None if self.size <= 0 else round(100 * self.sold / self.size)


@dataclass(frozen=True)
class EventFill:
    event_id: int
    title: str
    quotas: list[QuotaFill]  # the dates' capacities by start, then the products' quotas by name

    @property
    def sold(self) -> int:
        return sum(q.sold for q in self.quotas if q.date_start is not None)

    @property
    def capacity(self) -> int:
        return sum(q.size for q in self.quotas if q.date_start is not None)


def capacity_fill(*, organizer_id: int, since: datetime, sold: LinesSold, limit: int = 200) -> list[EventFill]:
    """Sold and taken places against each quota of the events with a date from `since` on: each
    such date's capacity and the event's other quotas (meals…). A unit takes its product's quotas
    and its date's capacity (`catalog.selectors.quota_ids_for`): a date's capacity counts the
    lines sold for that date, a product's quota the lines sold of its products. Two queries."""
    upcoming = EventDate.objects.filter(event_id=OuterRef("event_id"), start__gte=since)
    quotas = list(
        Quota.objects.filter(event__organizer_id=organizer_id)
        .alias(has_dates=Exists(upcoming))
        .filter(Q(date__start__gte=since) | Q(date__isnull=True, has_dates=True))
        .annotate(date_start=F("date__start"), date_cancelled_at=F("date__cancelled_at"),
                  event_title=F("event__title"))
        .order_by("event__title", "event_id", F("date__start").asc(nulls_last=True), "name", "id")
        .values("id", "name", "size", "used", "date_id", "date_start", "date_cancelled_at", "event_id",
                "event_title")[:limit]
    )
    products_of: dict[int, set[int]] = defaultdict(set)
    for quota_id, product_id in Quota.products.through.objects.filter(
        quota_id__in=[q["id"] for q in quotas if q["date_id"] is None]
    ).values_list("quota_id", "product_id"):
        products_of[quota_id].add(product_id)
    events: dict[int, EventFill] = {}
    for q in quotas:
        count = (sold.by_date[q["date_id"]] if q["date_id"] is not None
                 else sum(sold.by_product[p] for p in products_of[q["id"]]))
        fill = events.setdefault(q["event_id"], EventFill(q["event_id"], q["event_title"], []))
        fill.quotas.append(QuotaFill(q["id"], q["name"], q["date_start"], q["date_cancelled_at"] is not None,
                                     q["size"], q["used"], count))
    return sorted(events.values(), key=lambda e: min((q.date_start for q in e.quotas if q.date_start),
                                                     default=since))


@dataclass(frozen=True)
class UpcomingDate:
    date_id: int
    event_id: int
    event_title: str
    venue: str
    start: datetime
    capacity: int
    sold: int


def dates_upcoming(*, organizer_id: int, sold: LinesSold, limit: int = 5) -> list[UpcomingDate]:
    """The next dates not cancelled (started less than 12 hours ago, or later), with the lines
    sold for each. One query."""
    dates = (
        EventDate.objects.filter(event__organizer_id=organizer_id, cancelled_at=None,
                                 start__gte=clock.now() - timedelta(hours=12))
        .select_related("event").order_by("start", "id")[:limit]
    )
    return [UpcomingDate(d.pk, d.event_id, d.event.title, d.event.venue, d.start, d.capacity, sold.by_date[d.pk])
            for d in dates]


# --- the heavy figures, kept while nothing changes -------------------------------------------------


@dataclass(frozen=True)
class DashboardFigures:
    series: SalesSeries
    sold: LinesSold


def dashboard_figures(*, organizer_id: int, period: Period) -> DashboardFigures:
    """The sales per day of the period and the lines sold: the two figures read from every
    payment, refund, order or line of the organiser (hundreds of milliseconds with 100,000
    orders), kept while the organiser's data do not change (`payments.stamped_cache`, decision
    0026) and, after a change, brought up to date from the orders changed: only the days
    and the dates/products they touch are counted again (a few milliseconds during an on-sale
    rush, when every view follows a sale). Exact: each figure is what the database says now."""
    def compute() -> DashboardFigures:
        return DashboardFigures(sales_by_day(organizer_id=organizer_id, period=period),
                                lines_sold(organizer_id=organizer_id))

    def refresh(kept: DashboardFigures, changed: QuerySet[AuditEntry, Any]) -> DashboardFigures:
        return _dashboard_refreshed(organizer_id, period, kept, changed)
    # the day matters too: "today" moves the default period, and a day's figures are the zone's
    key = (period.first, period.last, str(organizer_timezone()))
    return figures_cached(organizer_id=organizer_id, name="dashboard", key=key, compute=compute, refresh=refresh)


def _dashboard_refreshed(organizer_id: int, period: Period, kept: DashboardFigures,
                         changed: QuerySet[AuditEntry, Any]) -> DashboardFigures:
    """`kept` with the days and the groups of lines the `changed` orders touch counted again.
    An order's money counts on the days its payments were confirmed and its refunds made, its
    sale on the day it was paid: whatever changed (a payment, a refund, the order marked as a
    test), those days hold every figure it can have moved."""
    tz = organizer_timezone()
    days = {d for d in (
        *Payment.objects.filter(order_id__in=changed).exclude(confirmed_at=None)
        .annotate(day=TruncDate("confirmed_at", tzinfo=tz)).values_list("day", flat=True).distinct(),
        *Refund.objects.filter(payment__order_id__in=changed)
        .annotate(day=TruncDate("created_at", tzinfo=tz)).values_list("day", flat=True).distinct(),
        *Order.objects.filter(pk__in=changed).exclude(paid_at=None)
        .annotate(day=TruncDate("paid_at", tzinfo=tz)).values_list("day", flat=True).distinct(),
    ) if period.first <= d <= period.last}
    series = kept.series
    if days:
        again = {d.day: d for d in sales_by_day(organizer_id=organizer_id,
                                                period=Period(min(days), max(days))).days}
        series = _series_of(period, [again[d.day] if d.day in days else d for d in series.days])
    touched = set(OrderLine.objects.filter(order_id__in=changed).values_list("date_id", "product_id").distinct())
    if not touched:
        return DashboardFigures(series, kept.sold)
    dates: set[int | None] = {t[0] for t in touched}
    products = {t[1] for t in touched}
    counts = {(g.date_id, g.product_id, g.price_id, g.kind): g.count for g in kept.sold.groups
              if not (g.date_id in dates and g.product_id in products)}
    counts.update(_sold_counts(organizer_id, dates=dates, products=products))
    return DashboardFigures(series, _named(counts))


# --- today's check-ins --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListScansToday:
    list_id: int
    name: str
    event_title: str
    accepted: int  # entries let in today that stand (not undone)
    refused: int


def checkins_today(*, organizer_id: int) -> list[ListScansToday]:
    """Scans received today, per check-in list of the organiser. One query."""
    day = today()
    start = datetime.combine(day, time.min, tzinfo=organizer_timezone())
    rows = (
        Scan.objects.filter(checkin_list__event__organizer_id=organizer_id, kind=ScanKind.ENTRY,
                            scanned_at__gte=start, scanned_at__lt=start + timedelta(days=1))
        .values("checkin_list_id", "checkin_list__name", "checkin_list__event__title")
        .annotate(accepted=Count("id", filter=Q(result=ScanResult.OK, undone_at=None)),
                  refused=Count("id", filter=~Q(result=ScanResult.OK)))
        .order_by("checkin_list__event__title", "checkin_list__name", "checkin_list_id")
    )
    return [ListScansToday(r["checkin_list_id"], r["checkin_list__name"], r["checkin_list__event__title"],
                           r["accepted"], r["refused"]) for r in rows]


# --- money waiting for someone ------------------------------------------------------------------


@dataclass(frozen=True)
class CountAmount:
    count: int
    amount_cents: int


@dataclass(frozen=True)
class FlaggedPayment:
    payment_id: int
    order_id: int
    order_code: str
    provider: str
    amount_cents: int
    created_at: datetime
    message: str


@dataclass(frozen=True)
class PaymentsToWatch:
    # attempts awaiting the payment service or the buyer's money (a transfer, an invoice) for
    # orders still waiting to be paid
    pending: CountAmount
    # the payments the payment code flagged for staff (`Payment.needs_attention`: an amount that
    # does not match, a payment after the order was paid or cancelled, a refund that failed…)
    flagged_count: int
    flagged: list[FlaggedPayment]  # the latest ones


def payments_to_watch(*, organizer_id: int, limit: int = 5) -> PaymentsToWatch:
    """Payments pending and payments flagged: counted in one pass, the latest flagged read in a
    second query."""
    payments = Payment.objects.filter(order__organizer_id=organizer_id, order__testmode=False, testmode=False)
    pending = Q(state=PaymentState.PENDING, order__state__in=AWAITING_STATES)
    # only the rows either count can hold reach the join with the orders (not every payment ever)
    watched = payments.filter(Q(state=PaymentState.PENDING) | ~Q(needs_attention=""))
    row = watched.aggregate(pending=Count("id", filter=pending), pending_total=Sum("amount_cents", filter=pending),
                             flagged=Count("id", filter=~Q(needs_attention="")))
    latest = payments.exclude(needs_attention="").order_by("-created_at", "-id").values(
        "id", "order_id", "order__code", "provider", "amount_cents", "created_at", "needs_attention")[:limit]
    return PaymentsToWatch(
        pending=CountAmount(int(row["pending"] or 0), int(row["pending_total"] or 0)),
        flagged_count=int(row["flagged"] or 0),
        flagged=[FlaggedPayment(r["id"], r["order_id"], r["order__code"], r["provider"], r["amount_cents"],
                                r["created_at"], r["needs_attention"]) for r in latest],
    )


@dataclass(frozen=True)
class RefundToSend:
    refund_id: int
    order_code: str
    amount_cents: int
    created_at: datetime
    by_hand: bool
    message: str


@dataclass(frozen=True)
class RefundsToSend:
    count: int
    amount_cents: int
    by_hand: int  # of which to make in the payment service's back office, then mark done
    oldest: tuple[RefundToSend, ...] = ()  # the ones waiting longest


def refunds_to_send(*, organizer_id: int, limit: int = 5) -> RefundsToSend:
    """Refunds made but not on their way to the buyer yet: how many, for how much, and the ones
    waiting longest. Two queries."""
    waiting = Refund.objects.filter(payment__order__organizer_id=organizer_id, state__in=REFUND_TO_SEND_STATES,
                                    payment__order__testmode=False, payment__testmode=False)
    row = waiting.aggregate(n=Count("id"), total=Sum("amount_cents"),
                            manual=Count("id", filter=Q(state=RefundState.MANUAL)))
    oldest = waiting.order_by("created_at", "id").values(
        "id", "payment__order__code", "amount_cents", "created_at", "state", "message")[:limit]
    return RefundsToSend(int(row["n"] or 0), int(row["total"] or 0), int(row["manual"] or 0), tuple(
        RefundToSend(r["id"], r["payment__order__code"], r["amount_cents"], r["created_at"],
                     r["state"] == RefundState.MANUAL, r["message"]) for r in oldest
    ))


# --- members ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MembersOfType:
    campaign: str  # the membership page (e.g. « Adhésions 2026-2027 »)
    product_id: int
    product: str
    price: str
    count: int


def members_by_type(*, sold: LinesSold) -> list[MembersOfType]:
    """Paid memberships (until member records exist: the membership lines sold), by page, product
    and price."""
    counts: Counter[tuple[str, str, int, str]] = Counter()
    for g in sold.groups:
        if g.kind == ProductKind.MEMBERSHIP:
            counts[(g.campaign, g.product, g.product_id, g.price)] += g.count
    return [MembersOfType(campaign, product_id, product, price, count)
            for (campaign, product, product_id, price), count in sorted(counts.items())]
