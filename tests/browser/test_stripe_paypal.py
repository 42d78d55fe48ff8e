"""Paying with Stripe (localstripe's stand-in for stripe.js) and PayPal (the local fake), in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from tests.browser.shop import fill_member
from tests.factories import Shop
from tests.payments.fakes import PAYPAL_CREDENTIALS, STRIPE_CREDENTIALS, method_setup

pytestmark = pytest.mark.django_db(transaction=True)


def _to_checkout(page: Page, base: str, shop: Shop, method: str) -> None:
    page.goto(f"{base}/{shop.organizer.slug}/e/adhesions/")
    page.get_by_label("Quantité — Adhésion, Ancien étudiant").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.goto(f"{base}/{shop.organizer.slug}/cart/")
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    fill_member(page.locator("fieldset.person").first, "Camille", "Martin", "camille@example.org")
    page.get_by_label(method).check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()


def test_pay_with_stripe(page: Page, live_server: object, shop: Shop, stripe_ready: str) -> None:
    method_setup(shop.organizer, "stripe", STRIPE_CREDENTIALS, position=1)
    method_setup(shop.organizer, "paypal", PAYPAL_CREDENTIALS, position=2)
    method_setup(shop.organizer, "sandbox", {}, position=3)
    _to_checkout(page, live_server.url, shop, "Carte bancaire (Stripe)")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Paiement")).to_be_visible()
    expect(page.locator(".test-mode")).to_contain_text("Mode test")
    page.get_by_placeholder("number").fill("4000000000003220")  # 3-D Secure
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
    page.get_by_role("button", name="Payer 10,00").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    assert Order.objects.get().state == OrderState.PAID


def test_pay_with_paypal(page: Page, live_server: object, shop: Shop, paypal_ready: str) -> None:
    method_setup(shop.organizer, "paypal", PAYPAL_CREDENTIALS, position=1)
    method_setup(shop.organizer, "sandbox", {}, position=2)
    _to_checkout(page, live_server.url, shop, "PayPal")  # type: ignore[attr-defined]
    expect(page.get_by_text("10.00 EUR")).to_be_visible()
    page.get_by_role("button", name="Approve the payment").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    assert Order.objects.get().state == OrderState.PAID
