"""Reads for check-in: list scopes, counts, the offline bundle, search, exports."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from billetterie.catalog.models import EventDate, ProductKind
from billetterie.core import clock
from billetterie.core.errors import NotFound
from billetterie.orders.models import OrderLine, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.models import REFUND_COUNTING_STATES as PAYMENT_REFUND_COUNTING_STATES

from .models import CheckinList, Scan, ScanKind, ScanResult

# a list's scope changes rarely (products, dates): each process keeps it this long
SCOPE_TTL_SECONDS = 5.0
_scope_cache: dict[int, tuple[float, ListScope]] = {}
_scope_lock = threading.Lock()

# the one order state whose tickets admit: every other state refuses them (a refunded order
# "revoked", as a cancelled or expired one), except those that may still be paid ("unpaid")
ADMITTING_STATE = OrderState.PAID
UNPAID_STATES = frozenset({OrderState.PENDING, OrderState.AWAITING_INVOICE})


# refunds that take a ticket back: every one started, unless it failed (the payments domain's rule)
REFUND_COUNTING_STATES = tuple(str(state) for state in PAYMENT_REFUND_COUNTING_STATES)


def _refunded_cents() -> Subquery:
    """For an OrderLine queryset: what its order has been (or is being) refunded, in cents. Read
    from the payments domain's tables, read only (decision 0008)."""
    from billetterie.payments.models import Refund

    return Subquery(
        Refund.objects.filter(payment__order_id=OuterRef("order_id"), state__in=REFUND_COUNTING_STATES)
        .values("payment__order_id")
        .annotate(total=Sum("amount_cents"))
        .values("total")[:1]
    )


def _received_cents() -> Subquery:
    """For an OrderLine queryset: what its order's confirmed payments brought, their fees aside."""
    from billetterie.payments.models import Payment, PaymentState

    return Subquery(
        Payment.objects.filter(order_id=OuterRef("order_id"), state=PaymentState.CONFIRMED)
        .values("order_id")
        .annotate(total=Sum(F("amount_cents") - F("fee_cents")))
        .values("total")[:1]
    )


def _refunded_in_full(qs: QuerySet[OrderLine]) -> QuerySet[OrderLine]:
    """Lines of orders whose refunds add up to what they received (the order balance's rule): a
    duplicate payment refunded automatically leaves the tickets valid."""
    return qs.annotate(refunded_cents=Coalesce(_refunded_cents(), 0), received_cents=Coalesce(_received_cents(), 0)
                       ).filter(received_cents__gt=0, refunded_cents__gte=F("received_cents"))


@dataclass(frozen=True)
class ListScope:
    """What a check-in list admits, read once and passed down (no query per scan for it)."""

    id: int
    name: str
    event_id: int
    event_title: str
    organizer_id: int
    all_products: bool
    product_ids: frozenset[int]
    date_ids: frozenset[int]
    accept_test_tickets: bool = False  # tickets of test orders (decision 0010)

    def admits(self, *, product_id: int, date_id: int | None) -> bool:
        if not self.all_products and product_id not in self.product_ids:
            return False
        return not self.date_ids or date_id in self.date_ids


def checkin_scope_cache_clear() -> None:
    with _scope_lock:
        _scope_cache.clear()


def checkin_list_scope(*, list_id: int, organizer_id: int) -> ListScope:
    """The list's scope when it belongs to this organiser, else NotFound (another tenant's list
    is not found, never forbidden)."""
    now = time.monotonic()
    cached = _scope_cache.get(list_id)
    scope: ListScope | None
    if cached is not None and cached[0] > now:
        scope = cached[1]
    else:
        scope = _scope_load(list_id)
        with _scope_lock:
            if scope is not None:
                _scope_cache[list_id] = (now + SCOPE_TTL_SECONDS, scope)
    if scope is None or scope.organizer_id != organizer_id:
        raise NotFound(_("Check-in list not found."), code="list_not_found")
    return scope


def _scope_load(list_id: int) -> ListScope | None:
    row = (
        CheckinList.objects.filter(pk=list_id)
        .select_related("event")
        .prefetch_related("products", "dates")
        .first()
    )
    if row is None:
        return None
    return ListScope(
        id=row.pk, name=row.name, event_id=row.event_id, event_title=row.event.title,
        organizer_id=row.event.organizer_id, all_products=row.all_products,
        product_ids=frozenset(p.pk for p in row.products.all()),
        date_ids=frozenset(d.pk for d in row.dates.all()), accept_test_tickets=row.accept_test_tickets,
    )


def lists_of_organizers(*, organizers: QuerySet[Organizer]) -> list[CheckinList]:
    """The check-in lists of these organisers (a token's one, or a staff user's)."""
    qs = CheckinList.objects.select_related("event", "event__organizer").filter(event__organizer__in=organizers)
    return list(qs.order_by("event__title", "name", "id"))


def tickets_of_list(*, scope: ListScope) -> QuerySet[OrderLine]:
    """The paid tickets this list admits (the "sold" side of the counts, the exports, the offline
    bundle): test orders' tickets only at a list that accepts them."""
    qs = OrderLine.objects.filter(
        product__event_id=scope.event_id, kind=ProductKind.TICKET, order__state=ADMITTING_STATE,
        ticket_nonce__isnull=False,
    )
    if not scope.accept_test_tickets:
        qs = qs.filter(order__testmode=False)
    if not scope.all_products:
        qs = qs.filter(product_id__in=scope.product_ids)
    if scope.date_ids:
        qs = qs.filter(date_id__in=scope.date_ids)
    return qs.exclude(pk__in=_refunded_in_full(qs).values("pk"))


def entries_of_list(*, scope: ListScope) -> QuerySet[Scan]:
    """The accepted entries that stand (not undone): at most one per ticket."""
    return Scan.objects.filter(
        checkin_list_id=scope.id, kind=ScanKind.ENTRY, result=ScanResult.OK, undone_at=None
    )


def order_entered(order_id: int) -> bool:
    """Whether a ticket of the order has an accepted entry that stands, at any of its doors."""
    return Scan.objects.filter(line__order_id=order_id, kind=ScanKind.ENTRY, result=ScanResult.OK,
                               undone_at=None).exists()


@dataclass(frozen=True)
class Counts:
    checked_in: int
    sold: int

    @property
    def left(self) -> int:
        return max(0, self.sold - self.checked_in)


def checkin_counts(*, scope: ListScope) -> Counts:
    """"Contrôlés / Quantité": entries of tickets that still admit, against tickets sold."""
    sold = tickets_of_list(scope=scope)
    checked = entries_of_list(scope=scope).filter(line__in=sold.values("pk")).count()
    return Counts(checked_in=checked, sold=sold.count())


@dataclass(frozen=True)
class DateCounts:
    date_id: int | None
    start: datetime | None
    checked_in: int
    sold: int


def checkin_counts_by_date(*, scope: ListScope) -> list[DateCounts]:
    entered = entries_of_list(scope=scope).filter(line=OuterRef("pk"))
    rows = (
        tickets_of_list(scope=scope)
        .annotate(entered=Exists(entered))
        .values("date_id")
        .annotate(sold=Count("id"), checked_in=Count("id", filter=Q(entered=True)))
        .order_by("date_id")
    )
    starts = dict(EventDate.objects.filter(event_id=scope.event_id).values_list("id", "start"))
    out = [DateCounts(r["date_id"], starts.get(r["date_id"]), r["checked_in"], r["sold"]) for r in rows]
    return sorted(out, key=lambda d: (d.start is None, d.start or clock.now()))


@dataclass(frozen=True)
class TicketRow:
    line_id: int
    serial: str
    order_code: str
    name: str
    buyer: str
    label: str
    date_id: int | None
    nonce: str
    checked_in_at: datetime | None
    checked_in_device: str
    test: bool = False  # a test order's ticket (only at a list that accepts them)


def _ticket_rows(qs: QuerySet[OrderLine], scope: ListScope, *, limit: int | None = None) -> Iterator[TicketRow]:
    values = qs.values(
        "id", "order__code", "attendee_name", "order__name", "label", "date_id", "ticket_nonce", "order__testmode"
    ).order_by("id")
    entries_qs = entries_of_list(scope=scope)
    if limit is not None:
        rows: Any = list(values[:limit])
        entries_qs = entries_qs.filter(line_id__in=[r["id"] for r in rows])
    else:
        rows = values.iterator(chunk_size=2000)
    entries = {
        e["line_id"]: e for e in entries_qs.values("line_id", "scanned_at", "client_scanned_at", "device_id")
    }
    for r in rows:
        entry = entries.get(r["id"])
        yield TicketRow(
            line_id=r["id"], serial=f"{r['order__code']}-{r['id']}", order_code=r["order__code"],
            name=r["attendee_name"] or r["order__name"], buyer=r["order__name"], label=r["label"],
            date_id=r["date_id"], nonce=bytes(r["ticket_nonce"]).hex(),
            checked_in_at=(entry["client_scanned_at"] or entry["scanned_at"]) if entry else None,
            checked_in_device=entry["device_id"] if entry else "", test=r["order__testmode"],
        )


def ticket_rows(*, scope: ListScope, scanned: bool | None = None) -> Iterator[TicketRow]:
    """Every ticket of the list with its entry, for the offline bundle and the exports."""
    for row in _ticket_rows(tickets_of_list(scope=scope), scope):
        if scanned is None or (row.checked_in_at is not None) == scanned:
            yield row


def revoked_pairs(*, scope: ListScope) -> list[tuple[int, str]]:
    """(line id, nonce hex) of every ticket payload of the event that no longer admits: old
    nonces of reissued tickets, and the tickets of cancelled, expired or refunded orders."""
    from billetterie.tickets.selectors import revoked_nonces_of_event

    pairs = revoked_nonces_of_event(event_id=scope.event_id)
    dead = (
        OrderLine.objects.filter(product__event_id=scope.event_id, kind=ProductKind.TICKET, ticket_nonce__isnull=False)
        .exclude(order__state__in=[ADMITTING_STATE, *UNPAID_STATES])
        .values_list("id", "ticket_nonce")
    )
    pairs.extend((line_id, bytes(nonce or b"").hex()) for line_id, nonce in dead)
    paid = OrderLine.objects.filter(
        product__event_id=scope.event_id, kind=ProductKind.TICKET, ticket_nonce__isnull=False,
        order__state=ADMITTING_STATE,
    )
    refunded = _refunded_in_full(paid).values_list("id", "ticket_nonce")
    pairs.extend((line_id, bytes(nonce or b"").hex()) for line_id, nonce in refunded)
    return sorted(set(pairs))


def test_ticket_pairs(*, scope: ListScope) -> list[tuple[int, str, str]]:
    """(line id, nonce hex, serial) of the test orders' tickets of the event, for the offline
    bundle of a list that refuses them (decision 0010): the tickets issued before their payload
    carried the test flag (the orders the migration marked) are refused offline too, with their
    reason, even at a list open to every ticket; and so are their serials."""
    if scope.accept_test_tickets:
        return []
    rows = OrderLine.objects.filter(
        product__event_id=scope.event_id, kind=ProductKind.TICKET, ticket_nonce__isnull=False,
        order__state=ADMITTING_STATE, order__testmode=True,
    ).values_list("id", "ticket_nonce", "order__code").order_by("id")
    return [(line_id, bytes(nonce or b"").hex(), f"{code}-{line_id}") for line_id, nonce, code in rows]


def ticket_search(*, scope: ListScope, query: str, limit: int = 20) -> list[TicketRow]:
    """Tickets of the list by attendee or buyer name, order code or ticket serial."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    qs = tickets_of_list(scope=scope)
    code, _sep, line_id = query.upper().partition("-")
    if line_id.isascii() and line_id.isdigit() and len(line_id) <= 18:  # a serial: that ticket only
        match = Q(order__code=code, pk=int(line_id))
    else:
        match = Q(attendee_name__icontains=query) | Q(order__name__icontains=query) | Q(order__code=code)
    return list(_ticket_rows(qs.filter(match), scope, limit=limit))


def checkin_list_scope_for(*, list_id: int, organizers: QuerySet[Organizer]) -> ListScope:
    """The scope of a list of one of these organisers (a staff user's), else NotFound."""
    organizer_id = (
        CheckinList.objects.filter(pk=list_id, event__organizer__in=organizers)
        .values_list("event__organizer_id", flat=True)
        .first()
    )
    if organizer_id is None:
        raise NotFound(_("Check-in list not found."), code="list_not_found")
    return checkin_list_scope(list_id=list_id, organizer_id=organizer_id)


@dataclass(frozen=True)
class RecentScan:
    at: datetime
    kind: str
    result: str
    name: str
    serial: str
    device_id: str
    offline: bool
    conflict: bool

    @property
    def message(self) -> str:
        from .messages import result_message

        return result_message(self.result)


def recent_scans(*, scope: ListScope, limit: int = 20) -> list[RecentScan]:
    rows = (
        Scan.objects.filter(checkin_list_id=scope.id)
        .select_related("line__order")
        .order_by("-scanned_at", "-id")[:limit]
    )
    out = []
    for s in rows:
        line = s.line
        name = (line.attendee_name or line.order.name) if line is not None else ""
        serial = line.serial if line is not None else ""
        out.append(RecentScan(s.effective_at, s.kind, s.result, name, serial, s.device_id, s.offline, s.conflict))
    return out
