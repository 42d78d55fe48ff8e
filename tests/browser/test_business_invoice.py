"""A buyer asks for the invoice in their association's name, in a real browser (issue 13): the
box, a mistyped SIRET refused in French with what was typed kept, then the card payment and the
invoice made out to the association."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from billetterie.invoicing.models import Invoice, InvoicingSettings
from billetterie.orders.models import Order, OrderState
from tests.browser.shop import cart_with_one_ticket, fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_invoice_in_the_name_of_an_association(page: Page, live_server: object, shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    cart_with_one_ticket(page, live_server, shop)
    billing = page.locator("fieldset#billing")
    billing.get_by_label("Facture au nom d'une société ou d'une association").check()
    billing.get_by_label("Société ou association").fill("Comité des fêtes de Souillac")
    billing.get_by_label("Adresse (numéro et rue)").fill("Place de l'Hôtel de Ville")
    billing.get_by_label("Code postal").fill("46200")
    billing.get_by_label("Ville").fill("Souillac")
    billing.get_by_label(re.compile("^SIREN ou SIRET")).fill("732 829 320 00075")  # one digit wrong
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(billing).to_contain_text("Ce numéro SIREN ou SIRET n'est pas valide")
    expect(billing.get_by_label("Société ou association")).to_have_value("Comité des fêtes de Souillac")
    assert not Order.objects.exists()
    billing.get_by_label(re.compile("^SIREN ou SIRET")).fill("732 829 320 00074")
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    order = Order.objects.get()
    assert order.state == OrderState.PAID
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer["name"] == "Comité des fêtes de Souillac" and invoice.buyer["siret"] == "73282932000074"
