"""Organiser ticket layouts: documented placeholders only, no code, no fetching, mentions kept."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp

from billetterie.core.errors import InvalidInput
from billetterie.tickets.layout import DEFAULT_LAYOUT, PLACEHOLDERS, REQUIRED, layout_errors, layout_render
from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import ticket_layout_save
from billetterie.tickets.signing import ticket_verify
from tests.factories import Shop, order_paid

REQUIRED_BLOCK = " ".join("{{ " + name + " }}" for name in REQUIRED)


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return " ".join(" ".join(page.get_textpage().get_text_range() for page in doc).split())


def test_default_layout_is_valid_and_documents_every_placeholder() -> None:
    assert layout_errors(DEFAULT_LAYOUT) == []
    assert set(REQUIRED) <= set(PLACEHOLDERS)


@pytest.mark.parametrize(
    "html",
    [
        "{% load static %}",
        "{% include 'admin/base.html' %}",
        "{% debug %}",
        "{# hidden #}",
        "{{ order.secret }}",
        "{{ order.organizer.api_tokens.all }}",
        "{{ serial|safe }}",
        "{{ serial.__class__ }}",
        "{{ settings.SECRET_KEY }}",
        "{{ line.ticket_nonce }}",
        "{{ request }}",
        "{{ serial }",
        "{{ {{ serial }} }}",
    ],
)
def test_anything_but_documented_placeholders_is_refused(html: str) -> None:
    assert layout_errors(REQUIRED_BLOCK + html)


def test_required_mentions_cannot_be_left_out() -> None:
    errors = layout_errors("<p>{{ event_title }} {{ qr_code }}</p>")
    assert len(errors) == 1 and "{{ serial }}" in errors[0] and "{{ price_paid }}" in errors[0]


def test_values_are_escaped_and_only_the_qr_is_markup() -> None:
    html = layout_render(
        "<p>{{ attendee_name }}</p>{{ qr_code }}", {"attendee_name": "<script>x</script>"}, qr_img="<img src=q>"
    )
    assert html == "<p>&lt;script&gt;x&lt;/script&gt;</p><img src=q>"


@pytest.mark.django_db
def test_save_refuses_an_unsafe_layout(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as refused:
        ticket_layout_save(organizer=shop.organizer, html=REQUIRED_BLOCK + "{{ order.secret }}")
    assert refused.value.code == "layout_invalid"


@pytest.mark.django_db
def test_organiser_layout_is_used_and_cannot_fetch_anything(shop: Shop, tmp_path: object) -> None:
    html = (
        '<html><head><link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        "<h1>Mon gala {{ event_title }}</h1>"
        "<p>{{ organizer_name }} · {{ event_date }} {{ start_time }} · {{ venue }}</p>"
        '<img src="http://127.0.0.1:9/leak.png"><img src="file:///etc/hostname">'
        "<p>{{ price_category }} {{ price_paid }} n° {{ serial }}</p>{{ qr_code }}</body></html>"
    )
    ticket_layout_save(organizer=shop.organizer, html=html)
    order = order_paid(shop, tickets=1, meals=0)
    line = order.lines.get(kind="ticket")
    pdf = ticket_pdf(line=line)
    text = _text(pdf)
    assert "Mon gala JIP 2027" in text and line.serial in text and "15,00 €" in text
    assert "root:" not in text
    image = pdfium.PdfDocument(pdf)[0].render(scale=4).to_pil()
    [qr] = zxingcpp.read_barcodes(image)
    assert ticket_verify(text=qr.text, public_key=event_public_key(event_id=shop.event.pk), event_id=shop.event.pk)
    # an event's own layout wins over the organiser's
    ticket_layout_save(organizer=shop.organizer, event=shop.event, html=html.replace("Mon gala", "Soirée"))
    [(_name, pdf)] = order_ticket_pdfs(order=order)
    assert "Soirée JIP 2027" in _text(pdf)
