"""What the back office exports, as tables whose rows are read from the database as they are
written (`core.tabular`): `.values()` rows through `.iterator(chunk_size=…)`, and what a row needs
from elsewhere (the order balance, the payment methods) fetched once per chunk, so an export of
100,000 orders holds one chunk at a time, never the whole list.

- sales: VENTES (one row per order) and PRODUITS (one row per line, its FORMULAIRES cell holding
  the attendee's answers as « Question : réponse » lines);
- payments and refunds: one row each, by date, refunds as negative amounts;
- members: the member register's memberships (memberships.register), with the member's details;
- check-ins: a list's tickets, scanned or not (the check-in domain's own table).

Test orders (decision 0010) are never exported as sales or payments; a membership a test order
bought is in the register, marked so."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any, TypeVar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billetterie.catalog.models import ProductKind
from billetterie.core.tabular import Column, Kind, Table
from billetterie.memberships.models import MembershipState
from billetterie.memberships.register import RegisterFilters, membership_state_of, register_memberships
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.payments.balance import order_balances
from billetterie.payments.models import (
    Channel,
    Payment,
    PaymentMethodConfig,
    PaymentState,
    Refund,
    RefundState,
)
from billetterie.payments.providers.registry import method_get

from .models import ExportFormat, ExportKind

CHUNK = 1000  # rows read per database round trip; what is held in memory at a time

# what counts as a sale: paid (even if refunded since, or not fulfilled), or invoiced
SALE_STATES = (OrderState.PAID, OrderState.PAID_UNFULFILLED, OrderState.REFUNDED, OrderState.AWAITING_INVOICE)
# payment attempts worth a line: money received, awaited, or refused (started-and-left ones aside)
PAYMENT_STATES = (PaymentState.CONFIRMED, PaymentState.PENDING, PaymentState.FAILED)

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """What a team member chose; `organizer_id` comes from the page, never from the form."""

    organizer_id: int
    event_id: int | None = None
    start: date | None = None  # first day, inclusive (local time)
    end: date | None = None  # last day, inclusive
    include_unpaid: bool = False  # sales: the unpaid, expired and cancelled orders too
    list_id: int | None = None  # check-ins
    scanned: bool | None = None  # check-ins: only scanned (True), only not scanned (False), all (None)
    members: dict[str, Any] | None = None  # members: the register's filters (RegisterFilters.params)

    @classmethod
    def from_params(cls, organizer_id: int, params: dict[str, Any]) -> Filters:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        scanned = params.get("scanned")
        return cls(
            organizer_id=organizer_id, event_id=params.get("event_id") or None, start=day(params.get("start")),
            end=day(params.get("end")), include_unpaid=bool(params.get("include_unpaid")),
            list_id=params.get("list_id") or None, scanned=None if scanned in (None, "") else bool(scanned),
            members={k: params.get(k) for k in ("q", "type_id", "state", "season")},
        )

    def period(self, field_name: str) -> Q:
        """The period on a datetime field: from the first day's midnight to the end of the last day."""
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": _midnight(self.start)})
        if self.end:
            q &= Q(**{f"{field_name}__lt": _midnight(self.end + timedelta(days=1))})
        return q


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def chunked(rows: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size or CHUNK)):
        yield chunk


@dataclass
class Export:
    """The tables of one file, and how many rows they will have (the progress's 100 %)."""

    tables: list[Table]
    total: int


def answers_text(answers: dict[str, Any] | None) -> str:
    """The FORMULAIRES cell: one « Question : réponse » per line."""
    return "\n".join(f"{question} : {answer}" for question, answer in (answers or {}).items())


class MethodNames:
    """A payment method's name as staff know it: the organiser's own label, else the method's."""

    def __init__(self, organizer_id: int) -> None:
        self.labels: dict[str, str] = dict(
            PaymentMethodConfig.objects.filter(organizer_id=organizer_id).exclude(label="")
            .values_list("provider", "label")
        )

    def __call__(self, provider_id: str) -> str:
        if provider_id not in self.labels:
            method = method_get(provider_id)
            self.labels[provider_id] = str(method.name) if method is not None else provider_id
        return self.labels[provider_id]


# --- sales ------------------------------------------------------------------------------------


def _order_filter(f: Filters, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}organizer_id": f.organizer_id, f"{prefix}testmode": False})
    if not f.include_unpaid:
        q &= Q(**{f"{prefix}state__in": SALE_STATES})
    return q & f.period(f"{prefix}created_at")


def sales_orders(f: Filters) -> QuerySet[Order]:
    qs = Order.objects.filter(_order_filter(f))
    if f.event_id:
        qs = qs.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), product__event_id=f.event_id)))
    return qs


def sales_lines(f: Filters) -> QuerySet[OrderLine]:
    qs = OrderLine.objects.filter(_order_filter(f, "order__"))
    if f.event_id:
        qs = qs.filter(product__event_id=f.event_id)
    return qs


def _orders_columns() -> list[Column]:
    return [
        Column(_("Order"), width=10), Column(_("Placed at"), Kind.DATETIME, 17),
        Column(_("Paid at"), Kind.DATETIME, 17), Column(_("Buyer"), width=26), Column(_("Email"), width=30),
        Column(_("Phone"), width=16), Column(_("Status"), width=22), Column(_("Sales channel"), width=14),
        Column(_("Items"), Kind.INTEGER, 8), Column(_("Total"), Kind.MONEY, 12),
        Column(_("Received"), Kind.MONEY, 12), Column(_("Fees"), Kind.MONEY, 10),
        Column(_("Refunded"), Kind.MONEY, 12), Column(_("Payment methods"), width=28),
    ]


def _orders_rows(f: Filters) -> Iterator[list[Any]]:
    names = MethodNames(f.organizer_id)
    channels = dict(Channel.choices)
    values = sales_orders(f).order_by("created_at", "id").values(
        "id", "code", "created_at", "paid_at", "name", "email", "phone", "state", "channel", "total_cents",
    )
    for chunk in chunked(values.iterator(chunk_size=CHUNK)):
        ids = [r["id"] for r in chunk]
        # the order balance asks only the state and total of each order: no model read for them
        balances = order_balances(orders=[Order(pk=r["id"], state=r["state"], total_cents=r["total_cents"])
                                          for r in chunk])
        methods: dict[int, list[str]] = defaultdict(list)
        for order_id, provider in (Payment.objects.filter(order_id__in=ids, state=PaymentState.CONFIRMED)
                                   .order_by("id").values_list("order_id", "provider")):
            if names(provider) not in methods[order_id]:
                methods[order_id].append(names(provider))
        items = dict(OrderLine.objects.filter(order_id__in=ids).values("order_id").annotate(n=Count("id"))
                     .values_list("order_id", "n"))
        for r in chunk:
            balance = balances[r["id"]]
            yield [
                r["code"], r["created_at"], r["paid_at"], r["name"], r["email"], r["phone"], str(balance.status.label),
                str(channels.get(r["channel"], r["channel"])), items.get(r["id"], 0), r["total_cents"],
                balance.received_cents, balance.fees_cents, balance.refunded_cents, ", ".join(methods[r["id"]]),
            ]


def _lines_columns() -> list[Column]:
    return [
        Column(_("Order"), width=10), Column(_("Placed at"), Kind.DATETIME, 17), Column(_("Buyer"), width=24),
        Column(_("Event"), width=26), Column(_("Date"), Kind.DATETIME, 17), Column(_("Product"), width=22),
        Column(_("Price"), width=18), Column(_("Kind"), width=12), Column(_("Item"), width=30),
        Column(_("Attendee"), width=24), Column(_("Attendee email"), width=28), Column(_("Amount"), Kind.MONEY, 12),
        Column(_("FORMS"), Kind.LONG_TEXT, 50),
    ]


def _lines_rows(f: Filters) -> Iterator[list[Any]]:
    kinds = dict(ProductKind.choices)
    values = sales_lines(f).order_by("order__created_at", "order_id", "id").values(
        "order__code", "order__created_at", "order__name", "product__event__title", "date__start", "product__name",
        "price__name", "kind", "label", "attendee_name", "attendee_email", "amount_cents", "answers",
    )
    for r in values.iterator(chunk_size=CHUNK):
        yield [
            r["order__code"], r["order__created_at"], r["order__name"], r["product__event__title"], r["date__start"],
            r["product__name"], r["price__name"] or "", str(kinds.get(r["kind"], r["kind"])), r["label"],
            r["attendee_name"], r["attendee_email"], r["amount_cents"], answers_text(r["answers"]),
        ]


def sales_export(f: Filters, fmt: str) -> Export:
    orders = Table(_("SALES"), _orders_columns(), _orders_rows(f))
    lines = Table(_("PRODUCTS"), _lines_columns(), _lines_rows(f))
    if fmt == ExportFormat.CSV_ORDERS:
        return Export([orders], sales_orders(f).count())
    if fmt == ExportFormat.CSV_LINES:
        return Export([lines], sales_lines(f).count())
    return Export([orders, lines], sales_orders(f).count() + sales_lines(f).count())


# --- payments and refunds --------------------------------------------------------------------------


M = TypeVar("M", Payment, Refund)


def _of_event(qs: QuerySet[M], f: Filters, path: str) -> QuerySet[M]:
    if not f.event_id:
        return qs
    return qs.filter(Exists(OrderLine.objects.filter(order_id=OuterRef(path), product__event_id=f.event_id)))


def payments_of(f: Filters) -> QuerySet[Payment]:
    qs = (Payment.objects.filter(order__organizer_id=f.organizer_id, order__testmode=False, testmode=False,
                                 state__in=PAYMENT_STATES)
          .annotate(at=Coalesce("confirmed_at", "created_at")).filter(f.period("at")))
    return _of_event(qs, f, "order_id")


def refunds_of(f: Filters) -> QuerySet[Refund]:
    qs = (Refund.objects.filter(payment__order__organizer_id=f.organizer_id, payment__order__testmode=False,
                                payment__testmode=False)
          .annotate(at=Coalesce("done_at", "created_at")).filter(f.period("at")))
    return _of_event(qs, f, "payment__order_id")


def _payments_columns() -> list[Column]:
    return [
        Column(_("Date"), Kind.DATETIME, 17), Column(_("Type"), width=12), Column(_("Order"), width=10),
        Column(_("Buyer"), width=26), Column(_("Payment method"), width=26), Column(_("Amount"), Kind.MONEY, 12),
        Column(_("Fees"), Kind.MONEY, 10), Column(_("State"), width=22), Column(_("Reference"), width=28),
        Column(_("Reason"), width=30),
    ]


def _payments_rows(f: Filters) -> Iterator[list[Any]]:
    names = MethodNames(f.organizer_id)
    payment_states, refund_states = dict(PaymentState.choices), dict(RefundState.choices)
    # "at" is the annotation payments_of and refunds_of add (the plugin cannot see it through their return type)
    payments = payments_of(f).order_by("at", "id").values(  # type: ignore[misc]
        "at", "order__code", "order__name", "provider", "amount_cents", "fee_cents", "state", "psp_reference",
        "reference", "failure_reason",
    )
    refunds = refunds_of(f).order_by("at", "id").values(  # type: ignore[misc]
        "at", "payment__order__code", "payment__order__name", "payment__provider", "amount_cents", "state",
        "psp_reference", "reference", "reason",
    )
    payment, refund = pgettext("export row", "Payment"), pgettext("export row", "Refund")
    payment_rows = (
        [r["at"], payment, r["order__code"], r["order__name"], names(r["provider"]), r["amount_cents"], r["fee_cents"],
         str(payment_states.get(r["state"], r["state"])), r["psp_reference"] or r["reference"], r["failure_reason"]]
        for r in payments.iterator(chunk_size=CHUNK)
    )
    refund_rows = (
        [r["at"], refund, r["payment__order__code"], r["payment__order__name"], names(r["payment__provider"]),
         -r["amount_cents"], None, str(refund_states.get(r["state"], r["state"])),
         r["psp_reference"] or r["reference"], r["reason"]]
        for r in refunds.iterator(chunk_size=CHUNK)
    )
    # two date-ordered streams merged into one, a row at a time
    yield from heapq.merge(payment_rows, refund_rows, key=lambda row: row[0])


def payments_export(f: Filters) -> Export:
    total = payments_of(f).count() + refunds_of(f).count()
    return Export([Table(_("PAYMENTS"), _payments_columns(), _payments_rows(f))], total)


# --- members --------------------------------------------------------------------------------------


def _register_filters(f: Filters) -> RegisterFilters:
    return RegisterFilters.from_params(f.organizer_id, timezone.localdate(), f.members or {})


def _members_columns() -> list[Column]:
    return [
        Column(_("Member no."), width=12), Column(_("Last name"), width=20), Column(_("First name"), width=18),
        Column(_("Email"), width=30), Column(_("Phone"), width=16), Column(_("Address"), width=30),
        Column(_("Postcode"), width=10), Column(_("City"), width=18), Column(_("Country"), width=8),
        Column(_("Date of birth"), Kind.DATE, 12), Column(_("Membership type"), width=22),
        Column(_("Valid from"), Kind.DATE, 12), Column(_("Valid until"), Kind.DATE, 12),
        Column(pgettext("membership", "State"), width=14), Column(_("Order"), width=10),
        Column(_("Price"), width=18), Column(_("Amount"), Kind.MONEY, 12), Column(_("Paid at"), Kind.DATETIME, 17),
        Column(_("TEST"), width=6),
    ]


def _members_rows(f: Filters) -> Iterator[list[Any]]:
    rf = _register_filters(f)
    values = register_memberships(rf).values(
        "member__number", "member__last_name", "member__first_name", "member__email", "member__phone",
        "member__address", "member__postcode", "member__city", "member__country", "member__birth_date",
        "type__name", "start", "end", "cancelled_at", "order_line__order__code", "order_line__price__name",
        "order_line__amount_cents", "order_line__order__paid_at", "order_line__order__testmode",
    )
    states = dict(MembershipState.choices)
    for r in values.iterator(chunk_size=CHUNK):
        state = membership_state_of(start=r["start"], end=r["end"], cancelled=r["cancelled_at"] is not None, on=rf.on)
        yield [
            r["member__number"], r["member__last_name"], r["member__first_name"], r["member__email"],
            r["member__phone"], r["member__address"], r["member__postcode"], r["member__city"], r["member__country"],
            r["member__birth_date"], r["type__name"], r["start"], r["end"], str(states[state]),
            r["order_line__order__code"] or "", r["order_line__price__name"] or "", r["order_line__amount_cents"],
            r["order_line__order__paid_at"], _("yes") if r["order_line__order__testmode"] else "",
        ]


def members_export(f: Filters) -> Export:
    return Export([Table(_("MEMBERS"), _members_columns(), _members_rows(f))],
                  register_memberships(_register_filters(f)).count())


# --- check-ins ------------------------------------------------------------------------------------


def checkins_export(f: Filters) -> Export:
    from billetterie.checkin.exports import tickets_table
    from billetterie.checkin.selectors import checkin_list_scope, tickets_of_list

    if f.list_id is None:
        raise ValueError("a check-in export needs a list")
    scope = checkin_list_scope(list_id=f.list_id, organizer_id=f.organizer_id)  # NotFound for another's list
    return Export([tickets_table(scope=scope, scanned=f.scanned)], tickets_of_list(scope=scope).count())


def export_tables(*, kind: str, fmt: str, filters: Filters) -> Export:
    if kind == ExportKind.SALES:
        return sales_export(filters, fmt)
    if kind == ExportKind.PAYMENTS:
        return payments_export(filters)
    if kind == ExportKind.MEMBERS:
        return members_export(filters)
    if kind == ExportKind.CHECKINS:
        return checkins_export(filters)
    raise ValueError(f"unknown export {kind!r}")

