"""Must show (issue 12, item 2): a buyer takes a membership in the shop and pays with the sandbox
card; the order page offers the membership card; its PDF's QR code (really decoded, with zxing)
is checked at the door in the back office's « Vérifier une carte d'adhérent », which says
« Adhésion valide » with the member's name; once the membership is cancelled, the same card is
refused."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Page, expect

from billetterie.memberships.models import Membership, MembershipType
from billetterie.memberships.services import membership_cancel
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role
from tests.browser.shop import fill_card
from tests.factories import PASSWORD, Shop, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


def _buy_membership(page: Page, live_server: Any, shop: Shop) -> None:
    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.get_by_role("link", name="Adhésions 2026-2027").click()
    page.get_by_label("Quantité — Adhésion, Ancien étudiant").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    page.get_by_label("Votre nom").fill("Maëlle Adhérente")
    page.get_by_label("Votre e-mail").fill("maelle@example.org")
    person = page.locator("fieldset.person").first
    person.get_by_label("Prénom").fill("Maëlle")
    person.get_by_label(re.compile("^Nom")).fill("Adhérente")
    person.get_by_label(re.compile("^E-mail")).fill("maelle@example.org")
    person.get_by_label("Adresse").fill("1 rue de la Gare")
    person.get_by_label("Code postal").fill("46200")
    person.get_by_label("Ville").fill("Souillac")
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")


def _qr_text(pdf: bytes) -> str:
    image = pypdfium2.PdfDocument(BytesIO(pdf))[0].render(scale=3).to_pil()
    [barcode] = zxingcpp.read_barcodes(image)
    return str(barcode.text)


def test_buy_a_membership_and_its_cards_qr_verifies_at_the_door(page: Page, live_server: Any, shop: Shop,
                                                                 tmp_path: Path) -> None:
    MembershipType.objects.create(organizer=shop.organizer, name="Adhésion 2026-2027", product=shop.membership)
    _buy_membership(page, live_server, shop)
    order = Order.objects.get()
    assert order.state == OrderState.PAID
    membership = Membership.objects.get(order_line__order=order)
    assert (membership.member.first_name, membership.member.last_name) == ("Maëlle", "Adhérente")

    cards = page.locator("#membership-cards")
    expect(cards).to_contain_text("Vos cartes d'adhérent")
    expect(cards).to_contain_text(membership.member.number)
    with page.expect_download() as download:
        cards.get_by_role("link", name="Télécharger la carte d'adhérent (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".pdf")
    payload = _qr_text(saved.read_bytes())

    # the door: a check-in staff member signs in and checks the card
    door = team_member_create(shop.organizer, role=Role.CHECKIN)
    staff = page.context.browser.new_page(locale="fr-FR")  # type: ignore[union-attr]
    staff.goto(f"{live_server.url}/gestion/connexion/")
    staff.fill("input[name=email]", door.email)
    staff.fill("input[name=password]", PASSWORD)
    staff.click("main button[type=submit]")
    staff.get_by_role("link", name="Vérifier une carte d'adhérent").click()
    staff.get_by_label("QR code de la carte").fill(payload)
    staff.get_by_role("button", name="Vérifier la carte").click()
    result = staff.locator("#card-result")
    expect(result).to_contain_text("Adhésion valide")
    expect(result).to_contain_text("Maëlle Adhérente")
    expect(result).to_contain_text("Adhésion 2026-2027")
    expect(staff.get_by_label("QR code de la carte")).to_have_value("")  # ready for the next card

    membership_cancel(membership_id=membership.pk)
    staff.get_by_label("QR code de la carte").fill(payload)
    staff.get_by_role("button", name="Vérifier la carte").click()
    expect(result).to_contain_text("Adhésion annulée")
