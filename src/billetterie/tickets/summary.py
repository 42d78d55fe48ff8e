"""The daily ticketing summary (« relevé de billetterie », CGI art. 290 quater; annexe IV art. 50
sexies B): per event, day (Europe/Paris) and price category, the first and last numbers issued,
how many, the unit price and the takings; the cancelled ones shown with them and listed apart.

Read from the record written once when tickets are issued (TicketNumber, TicketCancellation):
nothing here can change what a past day says was sold, only a later cancellation is added. Test
orders are never in it. A day's numbers of an event are one range (they are given in order, under
the series' lock): its total row's count is last − first + 1, which the page checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from billetterie.core.tabular import Column, Kind, Table

from .models import TicketCancellation, TicketNumber

DAY_ZONE = ZoneInfo("Europe/Paris")  # the day a ticket was issued, as the organiser's books count it


@dataclass(frozen=True)
class SummaryFilters:
    organizer_id: int
    event_id: int | None = None
    start: date | None = None  # first day included
    end: date | None = None  # last day included


@dataclass(frozen=True)
class SummaryRow:
    event_id: int
    event_title: str
    day: date
    category: str
    unit_cents: int
    first: int
    last: int
    count: int
    takings_cents: int
    cancelled: int
    cancelled_cents: int
    currency: str

    @property
    def net_cents(self) -> int:
        return self.takings_cents - self.cancelled_cents


@dataclass(frozen=True)
class DayTotal:
    """All the categories of an event on a day."""

    event_id: int
    event_title: str
    day: date
    first: int
    last: int
    count: int
    takings_cents: int
    cancelled: int
    cancelled_cents: int
    currency: str
    rows: list[SummaryRow]

    @property
    def net_cents(self) -> int:
        return self.takings_cents - self.cancelled_cents

    @property
    def unbroken(self) -> bool:
        """The day's numbers are one range with none missing (what the law's series means)."""
        return self.count == self.last - self.first + 1


@dataclass(frozen=True)
class CancelledTicket:
    event_title: str
    number: int
    category: str
    amount_cents: int
    issued_at: datetime
    cancelled_at: datetime
    reason: str
    order_code: str
    currency: str


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    since = datetime.combine(start, time.min, DAY_ZONE) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min, DAY_ZONE) if end else None
    return since, until


def _in_period(rows: QuerySet, field: str, filters: SummaryFilters) -> QuerySet:
    since, until = _bounds(filters.start, filters.end)
    if since is not None:
        rows = rows.filter(**{f"{field}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{field}__lt": until})
    return rows


def _issued(filters: SummaryFilters) -> QuerySet[TicketNumber]:
    rows = TicketNumber.objects.filter(organizer_id=filters.organizer_id, testmode=False)
    if filters.event_id is not None:
        rows = rows.filter(event_id=filters.event_id)
    return _in_period(rows, "issued_at", filters)


def summary_rows(filters: SummaryFilters) -> list[SummaryRow]:
    """One row per event, day and price category (and unit price: a category sold at two prices
    that day has two rows), by event, day and category. One aggregated query."""
    cancelled = Q(cancellation__isnull=False)
    grouped = (
        _issued(filters)
        .annotate(day=TruncDate("issued_at", tzinfo=DAY_ZONE))
        .values("event_id", "event__title", "day", "product_id", "price_id", "category", "amount_cents", "currency")
        .annotate(first=Min("number"), last=Max("number"), count=Count("pk"), takings=Sum("amount_cents"),
                  cancelled=Count("pk", filter=cancelled), cancelled_cents=Sum("amount_cents", filter=cancelled))
        .order_by("event__title", "event_id", "day", "first")
    )
    return [
        SummaryRow(
            event_id=g["event_id"], event_title=g["event__title"], day=g["day"], category=g["category"],
            unit_cents=g["amount_cents"], first=g["first"], last=g["last"], count=g["count"],
            takings_cents=g["takings"] or 0, cancelled=g["cancelled"], cancelled_cents=g["cancelled_cents"] or 0,
            currency=g["currency"],
        )
        for g in grouped
    ]


def summary_days(rows: Iterable[SummaryRow]) -> list[DayTotal]:
    """The rows grouped by event and day, each with its total (rows as `summary_rows` orders them)."""
    days: dict[tuple[int, date], list[SummaryRow]] = {}
    for row in rows:
        days.setdefault((row.event_id, row.day), []).append(row)
    return [
        DayTotal(
            event_id=group[0].event_id, event_title=group[0].event_title, day=group[0].day,
            first=min(r.first for r in group), last=max(r.last for r in group), count=sum(r.count for r in group),
            takings_cents=sum(r.takings_cents for r in group), cancelled=sum(r.cancelled for r in group),
            cancelled_cents=sum(r.cancelled_cents for r in group), currency=group[0].currency, rows=group,
        )
        for group in days.values()
    ]


def cancelled_tickets(filters: SummaryFilters) -> list[CancelledTicket]:
    """The tickets cancelled during the period (whenever they were issued), by cancellation."""
    rows: QuerySet[TicketCancellation] = TicketCancellation.objects.filter(
        ticket__organizer_id=filters.organizer_id, ticket__testmode=False)
    if filters.event_id is not None:
        rows = rows.filter(ticket__event_id=filters.event_id)
    rows = _in_period(rows, "cancelled_at", filters).order_by("cancelled_at", "ticket__number")
    return [
        CancelledTicket(
            event_title=c["ticket__event__title"], number=c["ticket__number"], category=c["ticket__category"],
            amount_cents=c["ticket__amount_cents"], issued_at=c["ticket__issued_at"], cancelled_at=c["cancelled_at"],
            reason=c["reason"], order_code=c["ticket__line__order__code"], currency=c["ticket__currency"],
        )
        for c in rows.values("ticket__event__title", "ticket__number", "ticket__category", "ticket__amount_cents",
                             "ticket__issued_at", "cancelled_at", "reason", "ticket__line__order__code",
                             "ticket__currency")
    ]


def reason_label(reason: str) -> str:
    return _("Refunded") if reason == "refunded" else _("Order cancelled")


# --- the files: CSV (the summary) and Excel (the summary and the cancellations) -------------------

def summary_table(rows: list[SummaryRow]) -> Table:
    columns = [
        Column(_("Event"), width=30), Column(_("Day"), Kind.DATE, 12), Column(_("Price category"), width=30),
        Column(_("First number"), Kind.INTEGER, 12), Column(_("Last number"), Kind.INTEGER, 12),
        Column(_("Tickets"), Kind.INTEGER, 10), Column(_("Unit price"), Kind.MONEY, 12),
        Column(_("Takings"), Kind.MONEY, 14), Column(_("Cancelled tickets"), Kind.INTEGER, 12),
        Column(_("Cancelled amount"), Kind.MONEY, 14), Column(_("Net takings"), Kind.MONEY, 14),
    ]

    def values() -> Iterator[list[object]]:
        for r in rows:
            yield [r.event_title, r.day, r.category, r.first, r.last, r.count, r.unit_cents, r.takings_cents,
                   r.cancelled, r.cancelled_cents, r.net_cents]

    return Table(_("Ticketing summary"), columns, values())


def cancellations_table(rows: list[CancelledTicket]) -> Table:
    columns = [
        Column(_("Event"), width=30), Column(_("Ticket number"), Kind.INTEGER, 12),
        Column(_("Price category"), width=30), Column(_("Price paid"), Kind.MONEY, 12),
        Column(_("Issued at"), Kind.DATETIME, 17), Column(_("Cancelled at"), Kind.DATETIME, 17),
        Column(_("Reason"), width=18), Column(_("Order"), width=12),
    ]

    def values() -> Iterator[list[object]]:
        for c in rows:
            yield [c.event_title, c.number, c.category, c.amount_cents, c.issued_at, c.cancelled_at,
                   reason_label(c.reason), c.order_code]

    return Table(_("Cancelled tickets"), columns, values())
