"""A refund left to do by hand is worded for the method that took the money (issue 11 review): by
hand for cash, cheque, card terminal or transfer; in the payment service's own back office for a
card service (decision 0017: from the method's settlement, not its identifier)."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from billetterie.payments.labels import refund_state_label
from billetterie.payments.models import RefundState
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed, team_member_create

pytestmark = pytest.mark.django_db
BY_HAND = "À rembourser à la main (espèces, chèque, virement…)"
IN_PSP = "À faire dans l'espace marchand du prestataire"


@pytest.mark.parametrize("method", ["cash", "cheque", "card_terminal", "transfer"])
def test_offline_methods_say_by_hand(method: str) -> None:
    with translation.override("fr"):
        assert refund_state_label(state=RefundState.MANUAL, provider=method) == BY_HAND


@pytest.mark.parametrize("provider", ["stripe", "paypal", "payzen", "sandbox"])
def test_payment_services_keep_their_back_office_wording(provider: str) -> None:
    with translation.override("fr"):
        assert refund_state_label(state=RefundState.MANUAL, provider=provider) == IN_PSP
        assert refund_state_label(state=RefundState.DONE, provider=provider) == "Remboursé"


def test_the_order_page_shows_a_cash_refund_to_make_by_hand(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    refund = refund_create(payment=payment_record_external(order_id=order.pk, method="cash", amount_cents=1500),
                           amount_cents=500)
    assert refund.state == RefundState.MANUAL
    client = Client()
    client.force_login(team_member_create(shop.organizer))
    page = html.unescape(client.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code]))
                         .content.decode())
    assert BY_HAND in page and IN_PSP not in page
