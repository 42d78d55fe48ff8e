from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billetterie.core.errors import Conflict
from billetterie.orders.models import Order
from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import event_key_get_or_create
from billetterie.tickets.signing import ticket_verify
from tests.factories import Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in doc)


def _pdf_qr_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 1
    image = doc[0].render(scale=4).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_ticket_pdf_shows_the_ticket_and_its_qr_verifies(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    line = order.lines.get(kind="ticket")
    pdf = ticket_pdf(line=line)
    assert pdf.startswith(b"%PDF")

    text = " ".join(_pdf_text(pdf).split()).casefold()
    for expected in [
        "Association des étudiants", "JIP 2027", "Salle des fêtes, Souillac", "Entrée — Adulte",
        "15,00 €", "Camille Durand", order.code, line.serial,
    ]:
        assert expected.casefold() in text, expected

    (qr_text,) = _pdf_qr_texts(pdf)
    public_key = event_public_key(event_id=shop.event.pk)
    claims = ticket_verify(text=qr_text, public_key=public_key, event_id=shop.event.pk)
    assert claims is not None
    assert claims.line_id == line.pk
    assert line.ticket_nonce is not None
    assert claims.nonce == bytes(line.ticket_nonce).hex()


def test_order_ticket_pdfs_one_per_ticket_in_the_order_language(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=1, locale="en")
    order = Order.objects.select_related("organizer").get(pk=order.pk)
    event_key_get_or_create(event=shop.event)
    with CaptureQueriesContext(connection) as queries:
        pdfs = order_ticket_pdfs(order=order)
    # the order's money (not refunded in full: two aggregates), the lines and the add-ons bought
    # for their attendees, the order's refunded lines (an add-on refunded is not printed), the
    # event's ticket layout, then the event's key for each ticket
    assert len(queries) == 8
    assert len(pdfs) == 2  # the meal is printed on the first attendee's ticket: no voucher of its own
    ticket_lines = list(order.lines.filter(kind="ticket").order_by("id"))
    public_key = event_public_key(event_id=shop.event.pk)
    for (filename, pdf), line in zip(pdfs, ticket_lines, strict=True):
        assert filename.endswith(".pdf")
        assert filename == f"ticket-{line.serial}.pdf"
        text = " ".join(_pdf_text(pdf).split())
        assert "€15.00" in text
        assert line.attendee_name in text
        (qr_text,) = _pdf_qr_texts(pdf)
        claims = ticket_verify(text=qr_text, public_key=public_key, event_id=shop.event.pk)
        assert claims is not None and claims.line_id == line.pk


def test_unpaid_order_has_no_tickets(shop: Shop) -> None:
    order = order_placed(shop, tickets=1)
    with pytest.raises(Conflict):
        order_ticket_pdfs(order=order)
