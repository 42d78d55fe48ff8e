"""Issuing invoices and credit notes, in the transaction of the change that calls for them.

- An order becomes paid (or, paid by invoice, starts awaiting its invoice): `invoice_issue`
  numbers and stores its invoice, when its organiser has invoicing on. One invoice per order: an
  order paid after awaiting its invoice has its invoice marked paid, not a second one.
- Money goes back (a refund counts from its creation, as in the order's balance) or an invoiced
  order is cancelled: `credits_follow` issues the credit note that brings what was credited to
  what should be, referencing the invoice.

Numbers come from `core.sequences.sequence_next`, one series per organiser, kind and year, in
the caller's transaction: no gap, no duplicate, and a rollback gives its number back. Test orders
(sandbox money) number in their own series with a TEST- prefix: a test never takes a number of the
real series (decision 0029). Nothing here changes an issued document; only an invoice's
`paid_at`, which is its payment status and not part of the document, is set once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billetterie.core import clock, events
from billetterie.core.audit import audit_record
from billetterie.core.audit import changed as audit_changed
from billetterie.core.audit import snapshot as audit_snapshot
from billetterie.core.errors import InvalidInput
from billetterie.core.events import NumberingStep
from billetterie.core.sequences import sequence_next
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Organizer
from billetterie.payments.balance import order_balance
from billetterie.payments.models import Refund

from .billing import buyer_of
from .events import CreditNoteIssued, InvoiceIssued
from .models import CreditNote, CreditNoteCause, Invoice, InvoicingSettings, VatRegime
from .vat import Computed, Item, compute, grouped, share

NOT_SUBJECT_MENTION = "TVA non applicable, art. 293 B du CGI"
RECOVERY_INDEMNITY_CENTS = 4000  # art. L441-10 and D441-5 du code de commerce
DEFAULT_PENALTY_RATE = "trois fois le taux d'intérêt légal"
TEST_PREFIX = "TEST-"
# the states in which an order's invoice is owed nothing any more: what it kept is all it sold
CLOSED_STATES = (OrderState.CANCELLED, OrderState.EXPIRED)


# --- settings ---------------------------------------------------------------------------------


SETTINGS_FIELDS = ("enabled", "vat_regime", "vat_number", "prefix", "credit_note_prefix", "payment_terms",
                   "payment_days", "b2b_mentions", "late_penalty_rate", "contract_text")


def invoicing_settings_of(*, organizer_id: int) -> InvoicingSettings:
    """The organiser's settings, unsaved defaults (invoicing off) when it never set them."""
    found = InvoicingSettings.objects.filter(organizer_id=organizer_id).first()
    return found or InvoicingSettings(organizer_id=organizer_id)


_INVOICING_ON = f"SELECT enabled FROM {InvoicingSettings._meta.db_table} WHERE organizer_id = %s"  # noqa: S608


def invoicing_on(*, organizer_id: int) -> bool:
    """Whether the organiser invoices: one plain query, asked in every payment's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_INVOICING_ON, [organizer_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def invoicing_settings_set(*, organizer: Organizer, values: dict[str, Any]) -> InvoicingSettings:
    """Store the organiser's invoicing settings (checked by the form), audited."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown invoicing settings: {sorted(unknown)}")
    if values.get("vat_regime") == VatRegime.SUBJECT and not str(values.get("vat_number", "")).strip():
        raise InvalidInput(_("An organiser subject to VAT gives its VAT number."), code="vat_number_required")
    with transaction.atomic():
        row, _created = InvoicingSettings.objects.select_for_update().get_or_create(organizer=organizer)
        before = audit_snapshot(row, SETTINGS_FIELDS) if not _created else {}
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        changes = audit_changed(before, audit_snapshot(row, SETTINGS_FIELDS))
        if changes:
            audit_record(action="invoicing.settings_changed", subject=row, organizer_id=organizer.pk,
                         changes=changes)
    return row


# --- invoices ---------------------------------------------------------------------------------


def invoice_issue(*, order_id: int, awaiting_payment: bool = False) -> Invoice | None:
    """The order's invoice, issued now if it has none and its organiser invoices (else None).
    In the caller's transaction, which must hold the order's row (its state change). An invoice
    issued for an order to pay on invoice (`awaiting_payment`) is due after the days to pay."""
    # its billing details in the same query (a LEFT JOIN): written with the order, before it was paid
    order = Order.objects.select_related("organizer", "billing_details").get(pk=order_id)
    config = invoicing_settings_of(organizer_id=order.organizer_id)
    if not config.enabled:
        return None
    existing = Invoice.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    computed = compute(grouped(_order_items(order, config)))
    now = clock.now()
    today = timezone.localdate(now)
    due_on = today + timedelta(days=config.payment_days) if awaiting_payment else today
    buyer = _buyer(order)
    invoice = Invoice(
        organizer_id=order.organizer_id, order=order, testmode=order.testmode, issued_at=now,
        currency=order.currency, seller=_seller(order.organizer, config), buyer=buyer,
        due_on=due_on, paid_at=None if awaiting_payment else now,
        mentions=_mentions(config, awaiting_payment=awaiting_payment, business=bool(buyer.get("business"))),
        **_totals(computed),
    )
    _number(invoice, config.prefix, "invoice", today)  # last: the series stays locked until commit
    invoice.save()
    audit_record(action="invoice.issued", subject=invoice, organizer_id=order.organizer_id, order_id=order.pk,
                 changes={"number": [None, invoice.number], "gross_cents": [None, invoice.gross_cents]})
    events.publish(InvoiceIssued(invoice_id=invoice.pk, organizer_id=order.organizer_id, order_id=order.pk))
    return invoice


def _invoice_mark_paid(*, order_id: int) -> None:
    """An order that awaited its invoice is paid: its invoice says so (once)."""
    invoice = Invoice.objects.filter(order_id=order_id, paid_at__isnull=True).first()
    if invoice is None:
        return
    paid_at = clock.now()
    Invoice.objects.filter(pk=invoice.pk, paid_at__isnull=True).update(paid_at=paid_at)
    audit_record(action="invoice.paid", subject=invoice, organizer_id=invoice.organizer_id, order_id=order_id,
                 changes={"paid_at": [None, paid_at.isoformat()]})


_AWAITED_AND_ON = (  # our tables' names
    f"SELECT EXISTS(SELECT 1 FROM {Invoice._meta.db_table} WHERE order_id = %s AND paid_at IS NULL), "  # noqa: S608
    f"EXISTS(SELECT 1 FROM {InvoicingSettings._meta.db_table} WHERE organizer_id = %s AND enabled = %s)"
)


def order_paid_invoice(*, order_id: int, organizer_id: int) -> NumberingStep | None:
    """The order became paid: an invoice it awaited is marked paid (not invoiced twice); else,
    when its organiser invoices, the step that issues its invoice is returned, for the caller to
    run when it takes numbers (decision 0027). Both asked in one plain query, which is all a sale
    costs an organiser who does not invoice."""
    with connection.cursor() as cursor:
        cursor.execute(_AWAITED_AND_ON, [order_id, organizer_id, True])
        awaited, invoicing = cursor.fetchone()
    if awaited:
        _invoice_mark_paid(order_id=order_id)
        return None
    return (lambda: invoice_issue(order_id=order_id)) if invoicing else None


# the states in which a payment that covers part of the total is a deposit, the rest still due
PART_PAYABLE_STATES = (OrderState.PENDING, OrderState.EXPIRED, OrderState.AWAITING_INVOICE)


def deposit_received(*, order_id: int) -> bool:
    """Whether the order, still to pay, holds part of its total (a deposit) and not all of it."""
    order = Order.objects.filter(pk=order_id, state__in=PART_PAYABLE_STATES).first()
    return order is not None and 0 < order_balance(order=order).kept_cents < order.total_cents


def _order_items(order: Order, config: InvoicingSettings) -> list[Item]:
    """What the order sold, VAT included, and the payment fees the buyer paid on top (at the rate
    of the order's main line: an accessory follows its principal)."""
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    subject = config.vat_regime == VatRegime.SUBJECT
    items = [Item(line.label, 1, int(line.amount_cents), line.vat_rate_bp if subject else 0) for line in lines]
    fees = order_balance(order=order).fees_cents
    if fees > 0:
        main = max(items, key=lambda item: item.gross_cents) if items else None
        items.append(Item(_("Payment fees"), 1, fees, main.vat_rate_bp if main else 0))
    return items


def _totals(computed: Computed) -> dict[str, Any]:
    return {"lines": computed.lines, "vat_breakdown": computed.breakdown, "net_cents": computed.net_cents,
            "vat_cents": computed.vat_cents, "gross_cents": computed.gross_cents}


def _number(document: Invoice | CreditNote, prefix: str, kind: str, today: date) -> None:
    """Give the document the next number of its series (per organiser, kind and year; a test
    document in the test series)."""
    series = f"{kind}-test" if document.testmode else kind
    document.year = today.year
    document.sequence = sequence_next(organizer_id=document.organizer_id, name=f"{series}:{today.year}")
    mark = TEST_PREFIX if document.testmode else ""
    document.number = f"{mark}{prefix}{today.year}-{document.sequence:06d}"


def _seller(organizer: Organizer, config: InvoicingSettings) -> dict[str, str]:
    siret = "".join(organizer.siret.split())
    return {
        "name": organizer.legal_name or organizer.name, "trade_name": organizer.name,
        "address": organizer.address, "siret": siret, "siren": siret[:9],
        "vat_regime": config.vat_regime, "vat_number": config.vat_number.strip(),
        "email": organizer.contact_email,
    }


def _buyer(order: Order) -> dict[str, Any]:
    """The buyer as issued: the organisation of the billing details the buyer gave (written with
    the order, before it could be paid: invoicing.billing), else the person who ordered."""
    # read with the order (select_related); the accessor raises an AttributeError when there are none
    return buyer_of(getattr(order, "billing_details", None), order)


def _mentions(config: InvoicingSettings, *, awaiting_payment: bool, business: bool = False) -> dict[str, Any]:
    """The legal mentions as they were when the document was issued (in French: the documents'
    language; art. 242 nonies A annexe II du CGI, L441-9 du code de commerce). The late-payment
    penalties and the 40 € recovery indemnity (L441-10) are owed by businesses only: always on an
    invoice to a business buyer (billing details with an organisation), on the others only when
    the organiser asks for them (decision 0029)."""
    terms = config.payment_terms.strip() or (
        f"Payable sous {config.payment_days} jours." if awaiting_payment else "Payée à la commande."
    )
    mentions: dict[str, Any] = {"payment_terms": terms, "paid_on_issue": not awaiting_payment}
    if config.vat_regime == VatRegime.NOT_SUBJECT:
        mentions["vat"] = NOT_SUBJECT_MENTION
    if business or config.b2b_mentions:
        rate = config.late_penalty_rate.strip() or DEFAULT_PENALTY_RATE
        mentions["late_payment"] = (
            f"En cas de retard de paiement, des pénalités de retard sont exigibles au taux de {rate}, "
            "ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40,00 € (art. L441-10 et "
            "D441-5 du code de commerce). Pas d'escompte pour paiement anticipé."
        )
    return mentions


# --- credit notes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Credit:
    target_cents: int  # what should be credited in all
    refund: Refund | None


def credits_follow(*, order_id: int, refund_id: int | None = None) -> CreditNote | None:
    """Issue the credit note that brings the order's credit notes to what they should be: the
    money given back (beyond what the invoice covered), or, once the order is cancelled or
    expired, all the invoice but what the organiser keeps. In the caller's transaction. Idempotent:
    nothing is issued when the credit notes already cover it (a replayed event, a refund that
    failed and was made again)."""
    invoice = Invoice.objects.filter(order_id=order_id).first()
    if invoice is None:
        return None
    order = Order.objects.get(pk=order_id)
    credit = _credit_due(invoice, order, refund_id)
    credited = sum(CreditNote.objects.filter(invoice=invoice).values_list("gross_cents", flat=True))
    amount = credit.target_cents - credited
    if amount <= 0:
        return None
    if credit.refund is not None and CreditNote.objects.filter(refund_id=credit.refund.pk).exists():
        credit = _Credit(credit.target_cents, None)  # this refund has its note: the rest is the order's
    cause = CreditNoteCause.CANCELLATION if order.state in CLOSED_STATES else CreditNoteCause.REFUND
    return _credit_note_issue(invoice, order, amount, cause, credit.refund)


def _credit_due(invoice: Invoice, order: Order, refund_id: int | None) -> _Credit:
    balance = order_balance(order=order)
    paid = balance.received_cents + balance.fees_cents
    surplus = max(0, paid - invoice.gross_cents)  # money beyond the invoice (paid twice): given back first
    refunded_invoiced = max(0, balance.refunded_cents - surplus)
    if order.state in CLOSED_STATES:
        kept = max(0, min(paid, invoice.gross_cents) - refunded_invoiced)
        target = invoice.gross_cents - kept
    else:
        target = min(invoice.gross_cents, refunded_invoiced)
    refund = Refund.objects.filter(pk=refund_id).select_related("line").first() if refund_id else None
    return _Credit(target, refund)


def _credit_note_issue(invoice: Invoice, order: Order, amount: int, cause: str, refund: Refund | None) -> CreditNote:
    config = invoicing_settings_of(organizer_id=invoice.organizer_id)
    computed = compute(_credit_items(invoice, amount, refund))
    now = clock.now()
    today = timezone.localdate(now)
    note = CreditNote(
        organizer_id=invoice.organizer_id, invoice=invoice, order=order, cause=cause,
        refund_id=refund.pk if refund is not None else None, testmode=invoice.testmode, issued_at=now,
        currency=invoice.currency, seller=invoice.seller, buyer=invoice.buyer,
        mentions={**({"vat": invoice.mentions["vat"]} if "vat" in invoice.mentions else {}),
                  "invoice": invoice.number, "invoice_date": timezone.localdate(invoice.issued_at).isoformat()},
        **_totals(computed),
    )
    _number(note, config.credit_note_prefix, "credit_note", today)
    note.save()
    audit_record(action="credit_note.issued", subject=note, organizer_id=invoice.organizer_id, order_id=order.pk,
                 changes={"number": [None, note.number], "invoice": [None, invoice.number],
                          "gross_cents": [None, note.gross_cents]})
    events.publish(CreditNoteIssued(credit_note_id=note.pk, invoice_id=invoice.pk,
                                    organizer_id=invoice.organizer_id, order_id=order.pk))
    return note


def _credit_items(invoice: Invoice, amount: int, refund: Refund | None) -> list[Item]:
    """What the credit note gives back: the invoice's lines when it cancels all of it; the line a
    refund names (at its rate); else the amount shared among the rates still invoiced."""
    left = _left_by_rate(invoice)
    if amount == invoice.gross_cents and sum(left.values()) == invoice.gross_cents:
        return [Item(row["label"], row["quantity"], row["unit_cents"], row["vat_rate_bp"]) for row in invoice.lines]
    if refund is not None and refund.line is not None:
        rate = _rate_of_line(invoice, refund.line)
        if amount <= left.get(rate, 0):
            return [Item(_("Refund: %(item)s") % {"item": refund.line.label}, 1, amount, rate)]
    rates = sorted(rate for rate, cents in left.items() if cents > 0)
    parts = share(amount, [left[rate] for rate in rates])
    label = _("Refund on invoice %(number)s") % {"number": invoice.number}
    return [Item(label, 1, part, rate) for rate, part in zip(rates, parts, strict=True) if part > 0]


def _left_by_rate(invoice: Invoice) -> dict[int, int]:
    left = {row["vat_rate_bp"]: row["gross_cents"] for row in invoice.vat_breakdown}
    for breakdown in CreditNote.objects.filter(invoice=invoice).values_list("vat_breakdown", flat=True):
        for row in breakdown:
            left[row["vat_rate_bp"]] = left.get(row["vat_rate_bp"], 0) - row["gross_cents"]
    return left


def _rate_of_line(invoice: Invoice, line: OrderLine) -> int:
    """The rate the invoice applied to this order line (0 for an organiser not subject to VAT)."""
    if invoice.seller.get("vat_regime") != VatRegime.SUBJECT:
        return 0
    return int(line.vat_rate_bp)

