"""Reading payouts: a period's list and totals, a payout's lines, what does not match, and our
payments no payout contains yet. Always one organiser's rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billetterie.core.tabular import Column, Kind, Table
from billetterie.payments.models import Payment, PaymentState
from billetterie.payments.providers.base import Settlement
from billetterie.payments.providers.registry import method_get, methods_settling

from .models import Payout, PayoutImport, PayoutItem, PayoutItemKind

# methods whose money comes through a payout (the built-in sandbox's is test money)
PAID_OUT_BY_SERVICE_EXCLUDED = {"sandbox"}


def provider_label(identifier: str) -> str:
    method = method_get(identifier)
    return str(method.name) if method is not None else identifier


@dataclass(frozen=True)
class Totals:
    count: int
    gross_cents: int
    fee_cents: int
    amount_cents: int
    to_check: int


def payouts_in_period(*, organizer_id: int, start: date, end: date, provider: str = "") -> QuerySet[Payout]:
    rows = Payout.objects.filter(organizer_id=organizer_id, arrival_date__gte=start, arrival_date__lte=end)
    rows = rows.filter(provider=provider) if provider else rows
    return rows.annotate(lines=Count("items"), lines_to_check=Count("items", filter=~Q(items__problem="")))


def payouts_totals(*, organizer_id: int, start: date, end: date, provider: str = "") -> Totals:
    rows = Payout.objects.filter(organizer_id=organizer_id, arrival_date__gte=start, arrival_date__lte=end)
    rows = rows.filter(provider=provider) if provider else rows
    sums = rows.aggregate(count=Count("id"), gross=Sum("gross_cents"), fee=Sum("fee_cents"),
                          amount=Sum("amount_cents"))
    to_check = PayoutItem.objects.filter(payout__in=rows).exclude(problem="").count()
    return Totals(sums["count"] or 0, sums["gross"] or 0, sums["fee"] or 0, sums["amount"] or 0, to_check)


def payout_of(*, organizer_id: int, payout_id: int) -> Payout | None:
    return Payout.objects.filter(organizer_id=organizer_id, pk=payout_id).first()


def payout_items(*, payout: Payout) -> QuerySet[PayoutItem]:
    return payout.items.select_related("payment__order", "refund__payment__order").order_by("id")


def items_to_check(*, organizer_id: int, start: date | None = None, end: date | None = None) -> QuerySet[PayoutItem]:
    """Lines matching none of our rows, or disagreeing with theirs, and the adjustments."""
    rows = PayoutItem.objects.filter(payout__organizer_id=organizer_id).filter(
        ~Q(problem="") | Q(kind=PayoutItemKind.ADJUSTMENT))
    if start is not None:
        rows = rows.filter(payout__arrival_date__gte=start)
    if end is not None:
        rows = rows.filter(payout__arrival_date__lte=end)
    return rows.select_related("payout", "payment__order", "refund__payment__order").order_by(
        "-payout__arrival_date", "id")


def payments_not_paid_out(*, organizer_id: int, before: date | None = None) -> QuerySet[Payment]:
    """Our confirmed payments through a payment service (not test money) that no payout holds
    yet, the oldest first; `before`: confirmed before the end of that day."""
    methods = [m for m in methods_settling(Settlement.ONLINE) if m not in PAID_OUT_BY_SERVICE_EXCLUDED]
    rows = Payment.objects.filter(order__organizer_id=organizer_id, state=PaymentState.CONFIRMED, testmode=False,
                                  provider__in=methods).exclude(
        pk__in=PayoutItem.objects.filter(payout__organizer_id=organizer_id, payment__isnull=False)
        .values("payment_id"))
    if before is not None:
        end = timezone.make_aware(datetime.combine(before + timedelta(days=1), time.min))
        rows = rows.filter(confirmed_at__lt=end)
    return rows.select_related("order").order_by("confirmed_at", "id")


def payout_imports_recent(*, organizer_id: int, limit: int = 5) -> list[PayoutImport]:
    return list(PayoutImport.objects.filter(organizer_id=organizer_id).order_by("-id")[:limit])


def payout_import_of(*, organizer_id: int, import_id: int) -> PayoutImport | None:
    return PayoutImport.objects.filter(organizer_id=organizer_id, pk=import_id).first()


# --- the report -------------------------------------------------------------------------------------


def _payout_rows(rows: QuerySet[Payout]) -> Iterator[Sequence[Any]]:
    for payout in rows.order_by("arrival_date", "id").iterator(chunk_size=500):
        counted: Any = payout  # annotated by payouts_in_period
        yield [payout.arrival_date, provider_label(payout.provider), payout.psp_id, payout.get_state_display(),
               counted.lines, payout.gross_cents, payout.fee_cents, payout.amount_cents, counted.lines_to_check,
               payout.problem]


def _item_rows(organizer_id: int, start: date, end: date, provider: str) -> Iterator[Sequence[Any]]:
    rows = PayoutItem.objects.filter(payout__organizer_id=organizer_id, payout__arrival_date__gte=start,
                                     payout__arrival_date__lte=end)
    rows = rows.filter(payout__provider=provider) if provider else rows
    rows = rows.select_related("payout", "payment__order", "refund__payment__order").order_by(
        "payout__arrival_date", "payout_id", "id")
    for item in rows.iterator(chunk_size=500):
        order = item.payment.order.code if item.payment else (item.refund.payment.order.code if item.refund else "")
        yield [item.payout.arrival_date, item.payout.psp_id, item.get_kind_display(), item.psp_reference,
               item.booked_on, order, item.gross_cents, item.fee_cents, item.net_cents, item.problem]


def payouts_report(*, organizer_id: int, start: date, end: date, provider: str = "") -> list[Table]:
    """The period's payouts (one row each, with their totals) and their lines, for a spreadsheet."""
    payouts = Table(_("Payouts"), [
        Column(_("Arrival date"), Kind.DATE, 12), Column(_("Payment method"), width=22),
        Column(_("Payout reference"), width=30), Column(_("State"), width=12), Column(_("Lines"), Kind.INTEGER, 8),
        Column(_("Gross"), Kind.MONEY), Column(_("Fees"), Kind.MONEY), Column(_("Net paid out"), Kind.MONEY),
        Column(_("Lines to check"), Kind.INTEGER, 10), Column(_("To check"), width=40),
    ], _payout_rows(payouts_in_period(organizer_id=organizer_id, start=start, end=end, provider=provider)))
    lines = Table(_("Lines"), [
        Column(_("Arrival date"), Kind.DATE, 12), Column(_("Payout reference"), width=30),
        Column(_("Kind"), width=12), Column(_("Payment service reference"), width=30), Column(_("Date"), Kind.DATE, 12),
        Column(_("Order"), width=12), Column(_("Gross"), Kind.MONEY), Column(_("Fee"), Kind.MONEY),
        Column(_("Net"), Kind.MONEY), Column(_("To check"), width=40),
    ], _item_rows(organizer_id, start, end, provider))
    return [payouts, lines]
