"""The order page's pay button says what the buyer will pay: the amount due plus the chosen
method's fee (decision 0006), and the transfer instructions ask for the same amount."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.orders.models import Order
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_start
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _page(order: Order) -> str:
    response = Client().get(reverse("shop:order", args=[order.organizer.slug, order.code, order.secret]))
    assert response.status_code == 200
    return response.content.decode()


def _button(page: str) -> str:
    match = re.search(r'<button type="submit" class="button primary" id="pay-button">([^<]*)</button>', page)
    assert match, page
    return match.group(1)


def test_pay_button_includes_the_fee_of_the_checked_method(shop: Shop) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", position=0,
                                       fee_fixed_cents=25, fee_per_mille=10)  # 0,25 € + 1 % of 15 € = 0,40 €
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", position=1)
    page = _page(order_placed(shop, tickets=1, meals=0))
    assert _button(page) == f"Payer 15,40{NBSP}€"
    # each method carries its own total for the button, and a method with a fee says it in its label
    assert f'data-pay-label="Payer 15,40{NBSP}€"' in page and f'data-pay-label="Payer 15,00{NBSP}€"' in page
    assert f"15,40{NBSP}€ au total" in page


def test_pay_button_without_fee_is_the_amount_due(shop: Shop) -> None:
    assert _button(_page(order_placed(shop, tickets=2, meals=0))) == f"Payer 30,00{NBSP}€"


def test_transfer_instructions_ask_for_the_fee_too(shop: Shop) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", fee_fixed_cents=100)
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="transfer", urls=PaymentUrls("http://t/r", "http://t/n"))
    page = _page(order)
    assert re.search(rf"<dd>16,00{NBSP}€</dd>", page)
