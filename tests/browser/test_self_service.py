"""Self-service in a real browser (issue 12, must show): a buyer cancels their order from its page
before the event's deadline, the card is refunded and the place can be bought again; once the
deadline has passed (the clock moved) the same confirmation is refused with a clear message and
nothing changes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.catalog.models import Quota
from billetterie.core import clock
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Refund, RefundState
from tests.browser.conftest import CspViolations
from tests.browser.shop import checkout_one_ticket, fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)

CARD = "Carte bancaire (bac à sable)"


def _buy(page: Page, live_server: Any, shop: Shop) -> Order:
    checkout_one_ticket(page, live_server, shop, CARD)
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    return Order.objects.latest("id")


def _new_page(page: Page, csp_violations: CspViolations) -> Page:
    context = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    csp_violations.watch_context(context)
    return context.new_page()


def test_cancel_before_the_deadline_refunds_the_card_and_frees_the_place_after_it_is_refused(
        page: Page, live_server: Any, shop: Shop, csp_violations: CspViolations) -> None:
    shop.event.self_cancel_days = 7
    shop.event.save(update_fields=["self_cancel_days"])
    Quota.objects.filter(date=shop.date).update(size=1)  # one place: the cancellation must give it back
    event_page = f"{live_server.url}/{shop.organizer.slug}/e/jip/"
    page.goto(event_page)
    expect(page.locator("#self-service-policy")).to_contain_text(
        "Annulation et remboursement possibles jusqu'à 7 jours avant la date.")

    order = _buy(page, live_server, shop)
    expect(page.locator("#self-cancel-policy")).to_contain_text("Annulation possible jusqu'au")
    mail.outbox.clear()
    page.get_by_role("link", name="Annuler ma commande").click()
    expect(page.locator("#self-cancel-form")).to_contain_text(re.compile(r"15,00\s*€ remboursés sur la carte"))
    page.get_by_role("button", name="Annuler ma commande et être remboursé").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Votre commande est annulée\. 15,00\s*€"))
    expect(page.locator(".state")).to_contain_text("Remboursée")
    expect(page.get_by_role("link", name="Télécharger le billet (PDF)")).to_have_count(0)
    refund = Refund.objects.get()
    assert refund.payment.order_id == order.pk and refund.amount_cents == 1500 and refund.state == RefundState.DONE
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert [m for m in mail.outbox if "Remboursement" in m.subject and m.to == [order.email]]
    assert Quota.objects.get(date=shop.date).used == 0

    # the place can be bought again, by someone else
    other = _new_page(page, csp_violations)
    second = _buy(other, live_server, shop)
    assert second.pk != order.pk and Quota.objects.get(date=shop.date).used == 1
    other.get_by_role("link", name="Annuler ma commande").click()
    expect(other.get_by_role("button", name="Annuler ma commande et être remboursé")).to_be_visible()

    # six days before the date the deadline has passed: the confirmation is refused, nothing changes
    with time_machine.travel(shop.date.start - timedelta(days=6)):
        assert clock.now() > shop.date.start - timedelta(days=7)
        other.get_by_role("button", name="Annuler ma commande et être remboursé").click()
        refused = other.locator("#self-cancel-refused")
        expect(refused).to_contain_text("Le délai d'annulation est passé")
        expect(refused).to_contain_text(re.compile(r"pouvait être annulée jusqu'au \d+ \w+ \d{4} à \d+\s*h\s*\d\d"))
        expect(other.get_by_role("button", name="Annuler ma commande et être remboursé")).to_have_count(0)
        other.get_by_role("link", name=re.compile("Retour à la commande")).click()
        expect(other.locator(".state")).to_contain_text("Paiement validé")
        expect(other.locator("#self-cancel-policy")).to_contain_text("Le délai d'annulation est passé")
    second.refresh_from_db()
    assert second.state == OrderState.PAID and Refund.objects.count() == 1
    assert Quota.objects.get(date=shop.date).used == 1
