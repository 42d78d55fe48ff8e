"""The main journeys of a buyer, in a real browser (issue 2, deliverable 11)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pypdfium2
import pytest
import time_machine
import zxingcpp
from django.core import mail
from huey.contrib.djhuey import HUEY
from playwright.sync_api import Page, expect

from billetterie.catalog.models import Quota
from billetterie.core import clock
from billetterie.orders.models import Order, OrderState
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.signing import ticket_verify
from tests.browser.shop import fill_card, fill_member
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def _deliver_late_notices() -> int:
    """The sandbox PSP's delayed notices sit in huey's schedule: deliver them now."""
    later = HUEY._get_timestamp() + timedelta(hours=1)
    tasks = HUEY.read_schedule(later)
    for task in tasks:
        HUEY.execute(task, later)
    return len(tasks)


def _fill_people(page: Page) -> None:
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    names = page.locator("fieldset.person")
    for i in range(names.count()):
        names.nth(i).get_by_label(re.compile("^Nom")).fill(f"Personne {i + 1}")
        names.nth(i).get_by_label(re.compile("^E-mail")).fill(f"personne{i + 1}@example.org")


def test_membership_purchase_student_price(page: Page, live_server: object, shop: Shop) -> None:
    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.get_by_role("link", name="Adhésions 2026-2027").click()
    page.get_by_label("Quantité — Adhésion, Étudiant").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    expect(page.get_by_role("status").first).to_contain_text("Ajouté à votre panier")
    page.get_by_role("link", name="Voir le panier").click()
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    fill_member(page.locator("fieldset.person").first, "Personne", "Un", "personne1@example.org")
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(page.get_by_text("5,00 €")).to_be_visible()
    fill_card(page, "4000 0000 0000 0077")  # approved, notice arrives late
    expect(page.locator(".state")).to_contain_text("Paiement en cours")
    assert _deliver_late_notices() == 1
    expect(page.locator(".state")).to_contain_text("Paiement validé", timeout=15_000)  # the page polled
    order = Order.objects.get()
    assert order.state == OrderState.PAID and order.total_cents == 500
    assert order.lines.get().attendee_name == "Personne Un"
    [email] = mail.outbox
    assert order.code in email.subject
    assert "Étudiant" in email.body and "5,00" in email.body


def test_tickets_meal_and_donation_with_3ds(page: Page, live_server: object, shop: Shop) -> None:
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    page.get_by_label("Quantité — Entrée, Adulte").fill("1")
    page.get_by_label("Quantité — Entrée, Étudiant").fill("1")
    page.get_by_label("Quantité — Repas, Repas complet").fill("2")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    _fill_people(page)
    page.get_by_label(re.compile("Votre don")).fill("7,50")
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(page.get_by_text("56,50 €")).to_be_visible()  # 15 + 10 + 2 × 12 + 7,50
    fill_card(page, "4000000000003220")
    expect(page.get_by_role("heading")).to_contain_text("3-D Secure")
    page.get_by_role("button", name="Confirmer le paiement").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    order = Order.objects.get()
    assert order.total_cents == 5650
    [email] = mail.outbox
    pdfs = [a for a in email.attachments if a[2] == "application/pdf"]
    assert len(pdfs) == 2
    key = event_public_key(event_id=shop.event.pk)
    for _name, content, _mime in pdfs:
        image = pypdfium2.PdfDocument(BytesIO(content))[0].render(scale=3).to_pil()
        [barcode] = zxingcpp.read_barcodes(image)
        claims = ticket_verify(text=barcode.text, public_key=key, event_id=shop.event.pk)
        assert claims is not None
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le billet (PDF)").first.click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_declined_card_then_retry(page: Page, live_server: object, shop: Shop) -> None:
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    page.get_by_label("Quantité — Entrée, Adulte").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    _fill_people(page)
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    fill_card(page, "4000 0000 0000 0002")
    expect(page.locator(".state")).to_contain_text("Le paiement a échoué")
    page.get_by_role("button", name="Réessayer").click()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    assert Order.objects.get().state == OrderState.PAID


def test_hold_expires_and_releases_the_places(page: Page, live_server: object, shop: Shop) -> None:
    Quota.objects.filter(date=shop.date).update(size=1)
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    page.get_by_label("Quantité — Entrée, Adulte").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    expect(page.locator(".hold")).to_contain_text("réservés")
    other = page.context.browser.new_page(locale="fr-FR")  # a second buyer, another session
    other.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    expect(other.locator(f"#product-{shop.ticket.pk}")).to_contain_text("Complet")
    with time_machine.travel(clock.now() + timedelta(minutes=61)):
        page.reload()
        expect(page.get_by_role("heading", name="Votre panier")).to_be_visible()
        expect(page.get_by_text("Votre panier est vide.")).to_be_visible()
        other.reload()
        other.get_by_label("Quantité — Entrée, Adulte").fill("1")
        other.get_by_role("button", name="Ajouter au panier").click()
        expect(other.get_by_role("link", name="Voir le panier")).to_be_visible()
    assert Quota.objects.get(date=shop.date).used == 1
