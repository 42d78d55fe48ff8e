"""A donation tax receipt to its donor (issue 13, item 5): the PDF when it is issued, a notice
when it is cancelled (its donation refunded).

taxreceipts sits below notifications: it publishes `TaxReceiptIssued` / `TaxReceiptCancelled`
in the transaction of the receipt, and the subscribers here queue the email, keyed by the receipt
(« tax_receipt:<id> », « tax_receipt:<id>:cancelled »): a redelivered event queues it once. The
email is rendered when the outbox sends it, with the receipt's PDF as it was issued."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from billetterie.core import events
from billetterie.core.money import format_money
from billetterie.taxreceipts.events import TaxReceiptCancelled, TaxReceiptIssued
from billetterie.taxreceipts.models import TaxReceipt
from billetterie.taxreceipts.pdf import receipt_file_name, receipt_pdf

from .models import OutboxKind, OutboxMessage
from .services import email_compose, email_queue

CANCELLED = "cancelled"


def _key(receipt_id: int, suffix: str = "") -> str:
    return f"{OutboxKind.TAX_RECEIPT}:{receipt_id}" + (f":{suffix}" if suffix else "")


def _queue(receipt_id: int, suffix: str = "") -> None:
    receipt = TaxReceipt.objects.prefetch_related("donations__order").get(pk=receipt_id)
    orders = [d.order for d in receipt.donations.all()]
    # a receipt for one donation belongs with its order (its history, the test banner)
    order = orders[0] if len(orders) == 1 else None
    email_queue(kind=OutboxKind.TAX_RECEIPT, to=receipt.donor_email, dedup_key=_key(receipt_id, suffix), order=order)


def _issued(event: TaxReceiptIssued) -> None:
    _queue(event.receipt_id)


def _cancelled(event: TaxReceiptCancelled) -> None:
    _queue(event.receipt_id, CANCELLED)


def _locale(receipt: TaxReceipt) -> str:
    first = receipt.donations.select_related("order").order_by("-donated_on", "-id").first()
    return first.order.locale if first is not None else "fr"


def tax_receipt_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The receipt's email: its PDF attached, or, once cancelled, the notice that it no longer counts."""
    parts = message.dedup_key.split(":")
    receipt = TaxReceipt.objects.select_related("organizer", "signature", "cancellation").get(pk=int(parts[1]))
    organizer, cancelled = receipt.organizer, len(parts) > 2 and parts[2] == CANCELLED
    with translation.override(_locale(receipt)):
        context = {"receipt": receipt, "organizer": organizer, "cancelled": cancelled,
                   "amount": format_money(receipt.amount_cents, receipt.currency), "yearly": receipt.kind == "yearly",
                   "year": receipt.donated_on.year}
        if cancelled:
            subject = _("Tax receipt %(number)s cancelled — %(organizer)s")
        else:
            subject = _("Your tax receipt %(number)s — %(organizer)s")
        subject = subject % {"number": receipt.reference, "organizer": organizer.name}
        if receipt.testmode:
            subject = f"[{_('TEST')}] {subject}"
        context["subject"] = subject
        text = render_to_string("notifications/tax_receipt.txt", context)
        html = render_to_string("notifications/tax_receipt.html", context)
    email = email_compose(organizer=organizer, to=message.to, subject=subject, text=text, html=html)
    if not cancelled:
        email.attach(receipt_file_name(receipt=receipt), receipt_pdf(receipt=receipt), "application/pdf")
    return email


def register() -> None:
    from .services import outbox_builder_register

    events.subscribe(TaxReceiptIssued, "notifications.tax_receipt", _issued)
    events.subscribe(TaxReceiptCancelled, "notifications.tax_receipt_cancelled", _cancelled)
    outbox_builder_register(kind=OutboxKind.TAX_RECEIPT, builder=tax_receipt_email)
