"""Must show (issue 12): in a browser, a buyer books two tickets for two attendees with their own
addresses and a meal for the second one, pays with the sandbox card; the second attendee receives
their own email with their ticket, whose PDF names the meal."""

from __future__ import annotations

import re
from io import BytesIO

import pypdfium2
import pytest
import zxingcpp
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.signing import ticket_verify
from tests.browser.shop import fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_attendee_receives_their_own_ticket_with_their_meal(page: Page, live_server: object, shop: Shop) -> None:
    shop.event.attendee_tickets = True  # as a new event has it
    shop.event.save(update_fields=["attendee_tickets"])
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    page.get_by_label("Quantité — Entrée, Adulte").fill("2")
    page.get_by_label("Quantité — Repas, Repas complet").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    people = page.locator("fieldset.person")
    for i, (name, email) in enumerate([("Léo Martin", "leo@example.org"), ("Inès Bernard", "ines@example.org")]):
        people.nth(i).get_by_label(re.compile("^Nom")).fill(name)
        people.nth(i).get_by_label(re.compile("^E-mail")).fill(email)
    meal = page.locator("fieldset.addon")
    expect(meal).to_contain_text("Repas (Repas complet)")
    meal.get_by_label("Pour").select_option(label="Participant 2 — Entrée")  # the meal is Inès's
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(page.get_by_text("42,00 €")).to_be_visible()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")

    order = Order.objects.get()
    assert order.state == OrderState.PAID
    ines = order.lines.get(attendee_email="ines@example.org")
    assert order.lines.get(kind="addon").attached_to_id == ines.pk
    assert sorted(m.to[0] for m in mail.outbox) == ["camille@example.org", "ines@example.org", "leo@example.org"]
    buyer = next(m for m in mail.outbox if m.to == ["camille@example.org"])
    assert len([a for a in buyer.attachments if a[2] == "application/pdf"]) == 2  # the buyer has them all
    assert "JIP 2027" in buyer.subject and "pour l'événement" in buyer.body

    [own] = [m for m in mail.outbox if m.to == ["ines@example.org"]]
    assert "JIP 2027" in own.subject and "Bonjour Inès Bernard," in own.body
    [(filename, pdf, mime)] = own.attachments
    assert mime == "application/pdf" and filename == f"billet-{ines.serial}.pdf"
    document = pypdfium2.PdfDocument(BytesIO(pdf))
    text = " ".join(document[0].get_textpage().get_text_range().split())
    assert "Inès Bernard" in text and "Repas" in text and "Repas complet" in text
    [barcode] = zxingcpp.read_barcodes(document[0].render(scale=3).to_pil())
    claims = ticket_verify(text=barcode.text, public_key=event_public_key(event_id=shop.event.pk),
                           event_id=shop.event.pk)
    assert claims is not None and claims.line_id == ines.pk
    [leo_email] = [m for m in mail.outbox if m.to == ["leo@example.org"]]
    leo_pdf = pypdfium2.PdfDocument(BytesIO(leo_email.attachments[0][1]))
    assert "Repas complet" not in leo_pdf[0].get_textpage().get_text_range()  # the meal is not Léo's
