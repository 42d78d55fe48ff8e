"""Must show (issue 11, item 5): a treasurer, signed in to the back office with their email and
password, cancels a date with refunds to every holder and reads the batch report — the card
payments refunded, the cash one listed to pay back by hand with its buyer and amount, then marked
as paid back; every buyer told by email; the date sold no more."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role
from billetterie.payments.models import Refund, RefundState
from tests.factories import PASSWORD, Shop, team_member_create
from tests.payments.test_batch_refunds import _card_order, _cash_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_treasurer_cancels_a_date_refunds_every_holder_and_reads_the_report(page: Page, live_server: Any,
                                                                              shop: Shop) -> None:
    cards = [_card_order(shop, quantity=1), _card_order(shop, quantity=1, email="b@example.org")]
    cash = _cash_order(shop, quantity=2)
    treasurer = team_member_create(shop.organizer, role=Role.TREASURY)
    mail.outbox.clear()

    page.goto(f"{live_server.url}/gestion/connexion/")
    page.get_by_label("E-mail").fill(treasurer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("navigation").get_by_role("link", name="Annuler une date").click()

    expect(page.get_by_role("heading", name="Annuler une date")).to_be_visible()
    page.get_by_role("link", name="Annuler et rembourser tout le monde").click()
    tiles = page.locator(".tiles")
    expect(tiles).to_contain_text("Commandes remboursées")
    expect(tiles).to_contain_text(re.compile(r"60,00\s*€"))  # 2 × 15,00 € by card, 30,00 € in cash
    expect(tiles).to_contain_text(re.compile(r"À rembourser à la main.*30,00|30,00\s*€\s*À rembourser à la main",
                                             re.S))
    page.get_by_label("Motif noté dans les commandes (facultatif)").fill("Artiste malade")
    page.get_by_role("button", name=re.compile(r"Annuler la date et rembourser 60,00")).click()

    # the batch report
    expect(page.get_by_role("heading", name="Date annulée, chaque détenteur remboursé")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "3")
    expect(page.get_by_text(re.compile(r"3 sur 3 commandes traitées"))).to_be_visible()
    by_hand = page.locator("#section-by_hand").locator("xpath=..")
    expect(by_hand).to_contain_text(cash.code)
    expect(by_hand).to_contain_text(cash.name)
    expect(by_hand).to_contain_text(cash.email)
    expect(by_hand).to_contain_text("Espèces")
    expect(by_hand).to_contain_text(re.compile(r"30,00\s*€"))
    refunded = page.locator("#section-refunded").locator("xpath=..")
    for order in cards:
        expect(refunded).to_contain_text(order.code)
    for order in cards:
        order.refresh_from_db()
        assert order.state == OrderState.REFUNDED
    shop.date.refresh_from_db()
    assert shop.date.cancelled_at is not None

    # the cash buyer was paid back at the desk
    page.get_by_role("button", name=re.compile(r"30,00\s*€ remboursés")).click()
    expect(page.get_by_text("Marqué comme remboursé")).to_be_visible()
    expect(page.locator("#section-by_hand")).to_have_count(0)
    expect(page.locator("#section-refunded").locator("xpath=..")).to_contain_text(cash.code)
    assert Refund.objects.get(payment__order=cash).state == RefundState.DONE

    # every buyer told: the card holders by their refund email, the cash buyer at once (the
    # date cancelled, paid back by hand), then by the refund email once marked paid back
    refund_mails = [m for m in mail.outbox if "Remboursement de votre commande" in m.subject]
    assert sorted(m.to[0] for m in refund_mails) == sorted([o.email for o in cards] + [cash.email])
    assert any("Date annulée" in m.subject and m.to == [cash.email] for m in mail.outbox)
    assert all("a annulé JIP 2027" in m.body for m in refund_mails)
    assert Order.objects.filter(state=OrderState.REFUNDED).count() == 3
