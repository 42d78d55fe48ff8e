"""A treasurer's day without the Django admin (issue 11, must show): signed in to the back office,
she finds an order by the buyer's name, refunds it from its page, and the page says « Remboursée »
with the amount; the list says so too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role
from billetterie.payments.models import Refund, RefundState
from tests.factories import PASSWORD, Shop, order_paid, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)

# « Remboursée : 15,00 € remboursés sur 15,00 € », whatever spaces the page uses
REFUNDED_IN_FULL = re.compile(r"Remboursée\s*:\s*15,00\s*€ remboursés sur 15,00\s*€")


def test_a_treasurer_finds_an_order_by_the_buyers_name_and_refunds_it(page: Page, live_server: Any,
                                                                      shop: Shop) -> None:
    # real money taken at the box office (an order paid in the sandbox is a test order, listed on request)
    order = order_paid(shop, tickets=1, meals=0, method="card_terminal", name="Martine Lefèvre",
                       email="martine@example.org")
    other = order_paid(shop, tickets=1, meals=0, method="card_terminal", name="Paul Girard",
                       email="paul@example.org")
    team_member_create(shop.organizer, role=Role.TREASURY, email="tresoriere@assoc.example")

    page.goto(f"{live_server.url}/gestion/connexion/")
    page.get_by_label("e-mail").fill("tresoriere@assoc.example")  # « E-mail » or « Adresse e-mail »
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("nav.menu").get_by_role("link", name="Commandes").click()

    # find it by the buyer's name
    page.get_by_role("searchbox", name="Chercher").fill("lefèvre")
    page.get_by_role("button", name="Chercher", exact=True).click()
    orders = page.locator("#orders")
    expect(orders).to_contain_text("Martine Lefèvre")
    expect(orders).not_to_contain_text("Paul Girard")
    expect(page.locator("#totals")).to_contain_text(re.compile(r"15,00\s*€"))
    orders.get_by_role("link", name=order.code).click()

    # the order's page: paid, in euros, by the card terminal (its name, not its id)
    expect(page.locator("h1")).to_contain_text(order.code)
    expect(page.locator("#status")).to_have_text("Payée")
    expect(page.locator("#payments")).to_contain_text("Terminal de paiement (guichet)")
    refund = page.locator("#refund")
    expect(refund.get_by_label("Montant à rembourser (€)")).to_have_value("15,00")  # what it keeps
    expect(refund.get_by_label("Remettre les places en vente")).to_be_checked()
    refund.get_by_label("Motif").fill("Empêchée, remboursée à sa demande")
    refund.get_by_role("button", name="Rembourser", exact=True).click()

    expect(page.locator(".messages")).to_contain_text(re.compile(r"Remboursement de 15,00\s*€"))
    expect(page.locator("#status")).to_contain_text(REFUNDED_IN_FULL)
    expect(page.locator("#payments")).to_contain_text("Empêchée, remboursée à sa demande")
    expect(page.locator("#timeline")).to_contain_text("Remboursement commencé")
    expect(page.locator("#refund")).to_have_count(0)  # nothing left to refund
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    # a card terminal's money goes back by hand: the refund waits for staff to mark it done
    assert Refund.objects.get().state == RefundState.MANUAL

    # the list says so too; the other order is untouched
    page.get_by_role("link", name="Toutes les commandes").click()
    expect(page.locator("#orders")).to_contain_text(REFUNDED_IN_FULL)
    assert Order.objects.get(pk=other.pk).state == OrderState.PAID
