"""Paying through a French bank's payment page (Lyra, SIPS), each played by its local fake."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState
from tests.browser.shop import checkout_one_ticket
from tests.factories import Shop
from tests.payments.providers.bank import configure

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bank_shop(shop: Shop, settings: Any) -> Shop:
    """The organiser offers PayZen and Mercanet in sandbox mode, with no credentials: the local
    fakes' published test credentials stand in for the bank's."""
    settings.PAYMENT_FAKES = True
    configure(shop, "payzen", {})
    configure(shop, "mercanet", {})
    return shop


@pytest.mark.parametrize(("method", "family"), [("Carte bancaire (PayZen)", "lyra"),
                                                ("Carte bancaire (Mercanet)", "sips")])
def test_pay_at_the_bank(page: Page, live_server: Any, bank_shop: Shop, method: str, family: str) -> None:
    checkout_one_ticket(page, live_server, bank_shop, method)
    expect(page).to_have_url(re.compile(f"/fake-psp/{family}/pay/$"))
    expect(page.get_by_text("15,00 €")).to_be_visible()
    page.get_by_role("button", name="Payer").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    order = Order.objects.get()
    assert order.state == OrderState.PAID
    payment = Payment.objects.get()
    assert payment.state == PaymentState.CONFIRMED and payment.amount_cents == 1500
    assert payment.provider == {"lyra": "payzen", "sips": "mercanet"}[family]
    [email] = mail.outbox
    assert order.code in email.subject


def test_refused_at_the_bank_then_paid_with_the_other(page: Page, live_server: Any, bank_shop: Shop) -> None:
    checkout_one_ticket(page, live_server, bank_shop, "Carte bancaire (Mercanet)")
    page.get_by_role("button", name="Refuser").click()
    expect(page.locator(".state")).to_contain_text("Le paiement a échoué")
    page.get_by_label("Carte bancaire (PayZen)").check()
    page.get_by_role("button", name="Réessayer").click()
    page.get_by_role("button", name="Payer").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    assert [p.state for p in Payment.objects.order_by("id")] == [PaymentState.FAILED, PaymentState.CONFIRMED]
