"""The books' emails to buyers (issue 13): each issued invoice and credit note, with its Factur-X
PDF attached, and the contract of an order paid in parts when a deposit is received, with the
deposit, the balance and the organiser's contract text (its placeholders {PourcentageAcompte},
{MontantAcompte}, {Solde}, {Total} filled in: invoicing.contract).

Queued once per document (the dedup key names it: ``invoice:<id>``, ``credit_note:<id>``) and
once per deposit payment (``invoice:contract:<payment id>``, an invoicing email of kind INVOICE:
the contract is one of the invoicing documents), rendered when the outbox sends it."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billetterie.core import events
from billetterie.core.money import format_money
from billetterie.invoicing.contract import (
    contract_filename,
    contract_pdf,
    contract_placeholders,
    contract_text,
    order_contract,
)
from billetterie.invoicing.events import CreditNoteIssued, DepositReceived, InvoiceIssued
from billetterie.invoicing.models import CreditNote, Invoice
from billetterie.invoicing.pdf import document_filename, document_pdf
from billetterie.orders.models import Order

from .models import OutboxKind, OutboxMessage
from .services import _subject, email_compose, email_queue, order_url

CONTRACT = "contract"


def invoice_dedup_key(invoice_id: int) -> str:
    return f"{OutboxKind.INVOICE}:{invoice_id}"


def credit_note_dedup_key(credit_note_id: int) -> str:
    return f"{OutboxKind.CREDIT_NOTE}:{credit_note_id}"


def contract_dedup_key(payment_id: int) -> str:
    return f"{OutboxKind.INVOICE}:{CONTRACT}:{payment_id}"


def _queue(kind: str, order_id: int, key: str) -> None:
    order = Order.objects.only("pk", "email").get(pk=order_id)
    if order.email:  # a box-office sale without an address: nothing to send
        email_queue(kind=kind, to=order.email, dedup_key=key, order=order)


def _invoice_issued(event: InvoiceIssued) -> None:
    _queue(OutboxKind.INVOICE, event.order_id, invoice_dedup_key(event.invoice_id))


def _credit_note_issued(event: CreditNoteIssued) -> None:
    _queue(OutboxKind.CREDIT_NOTE, event.order_id, credit_note_dedup_key(event.credit_note_id))


def _deposit_received(event: DepositReceived) -> None:
    _queue(OutboxKind.INVOICE, event.order_id, contract_dedup_key(event.payment_id))


def _context(order: Order) -> dict[str, Any]:
    return {"order": order, "organizer": order.organizer,
            "order_url": order_url(order=order, organizer=order.organizer)}


def invoice_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The invoice (or, for a contract key, the contract) of the message's order."""
    parts = message.dedup_key.split(":")
    if parts[1] == CONTRACT:
        return contract_email(message)
    invoice = Invoice.objects.select_related("order__organizer").get(pk=int(parts[1]))
    order = invoice.order
    with translation.override(order.locale):
        awaiting = not invoice.mentions.get("paid_on_issue")
        context = {**_context(order), "number": invoice.number, "awaiting": awaiting,
                   "amount": format_money(invoice.gross_cents, invoice.currency),
                   "due_on": date_format(invoice.due_on, "DATE_FORMAT") if invoice.due_on else ""}
        subject = _subject(order, _("Your invoice %(number)s — %(organizer)s") % {
            "number": invoice.number, "organizer": order.organizer.name})
        text = render_to_string("notifications/invoice.txt", context)
        html = render_to_string("notifications/invoice.html", context)
    email = email_compose(organizer=order.organizer, to=message.to, subject=subject, text=text, html=html)
    email.attach(document_filename(invoice), document_pdf(invoice), "application/pdf")
    return email


def credit_note_email(message: OutboxMessage) -> EmailMultiAlternatives:
    note = CreditNote.objects.select_related("order__organizer", "invoice").get(
        pk=int(message.dedup_key.split(":")[1]))
    order = note.order
    with translation.override(order.locale):
        context = {**_context(order), "number": note.number, "invoice_number": note.invoice.number,
                   "amount": format_money(note.gross_cents, note.currency)}
        subject = _subject(order, _("Your credit note %(number)s — %(organizer)s") % {
            "number": note.number, "organizer": order.organizer.name})
        text = render_to_string("notifications/credit_note.txt", context)
        html = render_to_string("notifications/credit_note.html", context)
    email = email_compose(organizer=order.organizer, to=message.to, subject=subject, text=text, html=html)
    email.attach(document_filename(note), document_pdf(note), "application/pdf")
    return email


def contract_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The contract as it is when sent: what was received, the balance and its due date."""
    if message.order_id is None:
        raise ValueError(f"outbox message {message.pk} names no order")
    order = Order.objects.select_related("organizer").get(pk=message.order_id)
    with translation.override(order.locale):
        contract = order_contract(order=order)
        context = {**_context(order), "values": contract_placeholders(order=order), "text": contract_text(order=order),
                   "due_on": date_format(contract.balance_due_on, "DATE_FORMAT") if contract.balance_due_on else ""}
        subject = _subject(order, _("Your contract for the order %(code)s — %(organizer)s") % {
            "code": order.code, "organizer": order.organizer.name})
        text = render_to_string("notifications/contract.txt", context)
        html = render_to_string("notifications/contract.html", context)
    email = email_compose(organizer=order.organizer, to=message.to, subject=subject, text=text, html=html)
    email.attach(contract_filename(order=order), contract_pdf(order=order), "application/pdf")
    return email


def register() -> None:
    from .services import outbox_builder_register

    outbox_builder_register(kind=OutboxKind.INVOICE, builder=invoice_email)
    outbox_builder_register(kind=OutboxKind.CREDIT_NOTE, builder=credit_note_email)
    events.subscribe(InvoiceIssued, "notifications.invoice", _invoice_issued)
    events.subscribe(CreditNoteIssued, "notifications.credit_note", _credit_note_issued)
    events.subscribe(DepositReceived, "notifications.contract", _deposit_received)
