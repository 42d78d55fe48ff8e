"""The books' emails (issue 13): each invoice and credit note to the buyer with its Factur-X PDF,
once per document however often its event is delivered; the contract with its deposit and balance
when a part payment is received."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from facturx import get_facturx_xml_from_pdf

from billetterie.invoicing.events import InvoiceIssued
from billetterie.invoicing.models import CreditNote, Invoice, InvoicingSettings
from billetterie.notifications import invoices as invoice_emails
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db


def _pdf_of(email: mail.EmailMessage) -> bytes:
    [(_name, content, _kind)] = [a for a in email.attachments if a[2] == "application/pdf"]  # type: ignore[misc]
    return content  # type: ignore[no-any-return]


def test_the_invoice_and_the_credit_note_are_emailed_once_with_their_pdfs(
        shop: Shop, django_capture_on_commit_callbacks: object) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        order = order_paid(shop, method="cash")
    invoice = Invoice.objects.get(order=order)
    [email] = [m for m in mail.outbox if invoice.number in m.subject]
    assert email.to == ["acheteur@example.org"] and email.subject.startswith("Votre facture")
    assert f"Voici la facture {invoice.number}" in email.body
    _name, xml = get_facturx_xml_from_pdf(io.BytesIO(_pdf_of(email)), check_xsd=True)
    assert invoice.number.encode() in xml

    # the event delivered again (a retry): the same key, no second email
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        invoice_emails._invoice_issued(InvoiceIssued(invoice_id=invoice.pk, organizer_id=shop.organizer.pk,
                                                     order_id=order.pk))
    assert OutboxMessage.objects.filter(kind=OutboxKind.INVOICE).count() == 1
    assert len([m for m in mail.outbox if invoice.number in m.subject]) == 1

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        refund_create(payment=order.payments.get(), amount_cents=1200)
    note = CreditNote.objects.get(order=order)
    [credit] = [m for m in mail.outbox if note.number in m.subject]
    assert credit.subject.startswith("Votre avoir") and invoice.number in credit.body
    assert _pdf_of(credit).startswith(b"%PDF")


def test_a_deposit_sends_the_contract_with_the_placeholders_filled(
        shop: Shop, django_capture_on_commit_callbacks: object) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True,
                                     contract_text="Acompte de {PourcentageAcompte}, solde {Solde} sur {Total}.")
    order = order_placed(shop)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_record_external(order_id=order.pk, method="cash", amount_cents=1260)
    [email] = [m for m in mail.outbox if "contrat" in m.subject]
    body = email.body.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Acompte de 30 %, solde 29,40 € sur 42,00 €." in body
    assert "un acompte de 12,60 € (30 %)" in body
    assert _pdf_of(email).startswith(b"%PDF")
    # the rest paid: the order is paid and invoiced, no second contract
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_record_external(order_id=order.pk, method="cash", amount_cents=2940)
    assert len([m for m in mail.outbox if "contrat" in m.subject]) == 1
    assert Invoice.objects.filter(order=order).exists()


def test_no_contract_email_without_invoicing(shop: Shop, django_capture_on_commit_callbacks: object) -> None:
    order = order_placed(shop)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_record_external(order_id=order.pk, method="cash", amount_cents=1260)
    assert not [m for m in mail.outbox if "contrat" in m.subject]
