"""A test order says so in its emails (a banner in the text and HTML bodies, and the subject
prefix) and on its tickets: the PDF, whatever the layout, and the wallet pass (decision 0010)."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.notifications.services import email_message_build
from billetterie.orders.models import Order
from billetterie.tickets.layout import DEFAULT_LAYOUT
from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf
from billetterie.tickets.services import ticket_layout_save
from billetterie.tickets.wallet import WalletConfig, _pass_json
from tests.factories import Shop, order_paid, sandbox_turned_on

pytestmark = pytest.mark.django_db

BANNER_FR = "COMMANDE TEST"
BANNER_EN = "TEST ORDER"
PDF_MARK_FR = "TEST — non valable"


def _confirmation(order: Order) -> EmailMultiAlternatives:
    message = OutboxMessage(kind=OutboxKind.ORDER_CONFIRMED, order=order, to=order.email, dedup_key="x")
    email = email_message_build(message=message)
    assert isinstance(email, EmailMultiAlternatives)
    return email


def _html(email: EmailMultiAlternatives) -> str:
    (html, _mimetype), = email.alternatives
    return str(html)


def _pdf_text(pdf: bytes) -> str:
    return " ".join("\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf)).split())


def test_the_confirmation_of_a_test_order_says_test_in_its_body_and_its_tickets(shop: Shop) -> None:
    sandbox_turned_on(shop)
    order = order_paid(shop, tickets=2, meals=0, method="sandbox")
    email = _confirmation(order)
    assert email.body.startswith(f"*** {BANNER_FR} ***")
    assert "aucun argent réel n'a été reçu" in email.body
    html = _html(email)
    assert BANNER_FR in html and 'class="test-order"' in html
    pdfs = [content for _name, content, mime in email.attachments if mime == "application/pdf"]
    assert len(pdfs) == 2 and all(PDF_MARK_FR in _pdf_text(pdf) for pdf in pdfs)


def test_a_live_orders_email_and_tickets_say_nothing_of_tests(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    email = _confirmation(order)
    assert BANNER_FR not in email.body and BANNER_FR not in _html(email)
    assert not email.body.startswith("\n")  # the banner's place leaves no blank line
    assert "TEST" not in _pdf_text(ticket_pdf(line=order.lines.get(kind="ticket")))
    assert "[COMMANDE TEST]" not in email.subject


def test_in_english_too(shop: Shop) -> None:
    sandbox_turned_on(shop)
    order = order_paid(shop, tickets=1, meals=0, method="sandbox", locale="en")
    email = _confirmation(order)
    assert email.body.startswith(f"*** {BANNER_EN} ***")
    [(_name, pdf)] = order_ticket_pdfs(order=order)
    assert "TEST — not valid" in _pdf_text(pdf)


def test_the_organisers_own_layout_gets_the_mark_too(shop: Shop) -> None:
    ticket_layout_save(organizer=shop.organizer, html=DEFAULT_LAYOUT)
    sandbox_turned_on(shop)
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    text = _pdf_text(ticket_pdf(line=order.lines.get(kind="ticket")))
    assert PDF_MARK_FR in text and "JIP 2027" in text


def test_the_wallet_pass_of_a_test_ticket_says_test(shop: Shop) -> None:
    config = WalletConfig(b"", b"", None, b"", "pass.example", "TEAM")
    sandbox_turned_on(shop)
    test_line = order_paid(shop, tickets=1, meals=0, method="sandbox").lines.select_related(
        "order__organizer", "product__event", "date").get(kind="ticket")
    with translation.override("fr"):
        data = _pass_json(test_line, config)
    assert data["eventTicket"]["headerFields"][0]["value"] == PDF_MARK_FR
    live_line = order_paid(shop, tickets=1, meals=0).lines.select_related(
        "order__organizer", "product__event", "date").get(kind="ticket")
    assert "headerFields" not in _pass_json(live_line, config)["eventTicket"]


def test_the_subject_prefix_template(shop: Shop) -> None:
    sandbox_turned_on(shop)
    order = order_paid(shop, tickets=1, meals=0, method="sandbox")
    with translation.override("fr"):
        subject = render_to_string("notifications/_subject.txt", {"order": order, "subject": "Votre commande"})
    assert subject == "[COMMANDE TEST] Votre commande"
    live = order_paid(shop, tickets=1, meals=0)
    assert render_to_string("notifications/_subject.txt", {"order": live, "subject": "Votre commande"}) == (
        "Votre commande")


def test_the_subject_of_a_test_orders_email_is_prefixed(shop: Shop) -> None:
    sandbox_turned_on(shop)
    assert _confirmation(order_paid(shop, tickets=1, meals=0, method="sandbox")).subject.startswith("[COMMANDE TEST] ")


def test_the_subject_keeps_the_organisers_name_as_written(shop: Shop) -> None:
    shop.organizer.name = "Bars & Café l'Étoile"
    shop.organizer.save(update_fields=["name"])
    subject = _confirmation(order_paid(shop, tickets=1, meals=0)).subject
    assert "Bars & Café l'Étoile" in subject and "&amp;" not in subject and "&#x27;" not in subject
