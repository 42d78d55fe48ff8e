"""What goes into the journal, and when: the in-transaction handlers of the orders', payments' and
invoicing's state events (registered in apps.py), each appending one entry in the transaction of
the change. Payloads hold references (order code, document number) and amounts in cents, never a
buyer's name or address: the journal is kept for years and cannot forget (decision 0031).

- sale: an order becomes paid (or paid but unfulfillable: the money was taken);
- cancellation: an order that was sold, refunded or awaiting its invoice is cancelled;
- refund: a refund starts counting as money given back (payments.models.REFUND_COUNTING_STATES);
  refund_failed when such a refund fails after all (the money stayed: it reverses the refund);
- invoice, credit_note: a document is issued (invoicing's events).

Test orders (the sandbox, a payment service's test mode: decision 0010) are never journaled."""

from __future__ import annotations

from typing import Any

from django.db import connection

from billetterie.core.events import NumberingStep
from billetterie.invoicing.events import CreditNoteIssued, InvoiceIssued
from billetterie.invoicing.models import CreditNote, Invoice
from billetterie.orders.events import OrderStateChanged
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.payments.events import RefundStateChanged
from billetterie.payments.models import REFUND_COUNTING_STATES, Refund, RefundState

from .models import EntryKind
from .services import journal_append

SOLD_STATES = (OrderState.PAID, OrderState.PAID_UNFULFILLED)
# the states an order's cancellation is journaled from: a sale or a document came before it
CANCELLED_FROM = (*SOLD_STATES, OrderState.REFUNDED, OrderState.AWAITING_INVOICE)


def vat_of(ttc_cents: int, rate_bp: int) -> int:
    """The VAT included in `ttc_cents` at `rate_bp` hundredths of a percent, rounded half up."""
    divisor = 10000 + rate_bp
    return (2 * ttc_cents * rate_bp + divisor) // (2 * divisor)


def vat_breakdown(by_rate: dict[int, int]) -> dict[str, dict[str, int]]:
    """{"2000": {"ttc_cents": 1500, "vat_cents": 250}, …}: per rate (in hundredths of a percent)."""
    return {str(rate): {"ttc_cents": ttc, "vat_cents": vat_of(ttc, rate)} for rate, ttc in sorted(by_rate.items())}


def split_by_rate(amount_cents: int, weights: dict[int, int]) -> dict[int, int]:
    """`amount_cents` shared across the rates in proportion to `weights`, to the cent (largest
    remainders): a refund of part of an order with several VAT rates."""
    total = sum(weights.values())
    if total <= 0 or not weights:
        return {0: amount_cents}
    shares = {rate: amount_cents * weight // total for rate, weight in weights.items()}
    left = amount_cents - sum(shares.values())
    by_remainder = sorted(weights, key=lambda rate: (-(amount_cents * weights[rate] % total), rate))
    for rate in by_remainder[:left]:
        shares[rate] += 1
    return {rate: share for rate, share in shares.items() if share}


_ORDER = (  # the order and its lines' amounts per VAT rate, in one plain query (the payment path)
    "SELECT o.code, o.total_cents, o.currency, o.testmode, l.vat_rate_bp, SUM(l.amount_cents) "  # noqa: S608
    f"FROM {Order._meta.db_table} o LEFT JOIN {OrderLine._meta.db_table} l ON l.order_id = o.id WHERE o.id = %s "
    "GROUP BY o.code, o.total_cents, o.currency, o.testmode, l.vat_rate_bp"
)


def _order(order_id: int) -> tuple[dict[str, Any], dict[int, int]] | None:
    """The order's code, total, currency and test flag, and its lines' amounts per VAT rate."""
    with connection.cursor() as cursor:
        cursor.execute(_ORDER, [order_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    code, total, currency, testmode = rows[0][:4]
    rates = {int(rate): int(ttc or 0) for *_order_columns, rate, ttc in rows if rate is not None}
    return {"code": code, "total_cents": int(total), "currency": currency, "testmode": bool(testmode)}, rates


def _order_amounts(order: dict[str, Any], rates: dict[int, int]) -> dict[str, Any]:
    """The order's total and VAT per rate: the lines' rates, their share of the order's total."""
    by_rate = rates if sum(rates.values()) == order["total_cents"] else split_by_rate(order["total_cents"], rates)
    return {"order": order["code"], "currency": order["currency"], "total_cents": order["total_cents"],
            "vat": vat_breakdown(by_rate)}


def on_order_state_changed(event: OrderStateChanged) -> NumberingStep | None:
    if event.state in SOLD_STATES and event.was not in (*SOLD_STATES, OrderState.REFUNDED):
        kind = EntryKind.SALE
    elif event.state == OrderState.CANCELLED and event.was in CANCELLED_FROM:
        kind = EntryKind.CANCELLATION
    else:
        return None
    found = _order(event.order_id)
    if found is None or found[0]["testmode"]:
        return None
    payload = _order_amounts(*found)
    if kind == EntryKind.CANCELLATION:
        payload["was"] = event.was
    return lambda: journal_append(organizer_id=event.organizer_id, kind=kind, payload=payload)


def on_refund_state_changed(event: RefundStateChanged) -> NumberingStep | None:
    counting_before, counting_now = event.was in REFUND_COUNTING_STATES, event.state in REFUND_COUNTING_STATES
    if counting_now and not counting_before:
        kind = EntryKind.REFUND
    elif counting_before and event.state == RefundState.FAILED:
        kind = EntryKind.REFUND_FAILED
    else:
        return None
    found = _order(event.order_id)
    if found is None or found[0]["testmode"]:
        return None
    order, rates = found
    refund = Refund.objects.filter(pk=event.refund_id).values(
        "amount_cents", "currency", "line__vat_rate_bp", "payment__provider").first()
    if refund is None:
        return None
    amount = int(refund["amount_cents"])
    line_rate = refund["line__vat_rate_bp"]
    by_rate = {line_rate: amount} if line_rate is not None else split_by_rate(amount, rates)
    return lambda: journal_append(organizer_id=event.organizer_id, kind=kind, payload={
        "order": order["code"], "refund_id": event.refund_id, "method": refund["payment__provider"],
        "currency": refund["currency"], "total_cents": amount, "vat": vat_breakdown(by_rate),
    })


def _document_vat(breakdown: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The document's own VAT breakdown (as printed on it), in the journal's shape."""
    return {str(row["vat_rate_bp"]): {"ttc_cents": int(row["gross_cents"]), "vat_cents": int(row["vat_cents"])}
            for row in sorted(breakdown, key=lambda row: int(row["vat_rate_bp"]))}


def on_invoice_issued(event: InvoiceIssued) -> NumberingStep | None:
    invoice = Invoice.objects.filter(pk=event.invoice_id).values(
        "number", "currency", "gross_cents", "vat_breakdown", "testmode", "order__code").first()
    if invoice is None or invoice["testmode"]:
        return None
    return lambda: journal_append(organizer_id=event.organizer_id, kind=EntryKind.INVOICE, payload={
        "order": invoice["order__code"], "invoice_id": event.invoice_id, "number": invoice["number"],
        "currency": invoice["currency"], "total_cents": int(invoice["gross_cents"]),
        "vat": _document_vat(list(invoice["vat_breakdown"] or [])),
    })


def on_credit_note_issued(event: CreditNoteIssued) -> NumberingStep | None:
    note = CreditNote.objects.filter(pk=event.credit_note_id).values(
        "number", "currency", "gross_cents", "vat_breakdown", "testmode", "cause", "order__code",
        "invoice__number").first()
    if note is None or note["testmode"]:
        return None
    return lambda: journal_append(organizer_id=event.organizer_id, kind=EntryKind.CREDIT_NOTE, payload={
        "order": note["order__code"], "credit_note_id": event.credit_note_id, "number": note["number"],
        "invoice_id": event.invoice_id, "invoice_number": note["invoice__number"], "cause": note["cause"],
        "currency": note["currency"], "total_cents": int(note["gross_cents"]),
        "vat": _document_vat(list(note["vat_breakdown"] or [])),
    })
