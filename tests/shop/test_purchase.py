from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from billetterie.catalog.models import Quota
from billetterie.orders.models import OrderState
from billetterie.payments.models import PaymentState
from tests.factories import Shop
from tests.shop.helpers import add_to_cart, checkout, pay_with_card

pytestmark = pytest.mark.django_db(transaction=True)


def test_membership_purchase_paid_by_sandbox_card(shop: Shop, sandbox_notices_inline: list[object]) -> None:
    client = Client()
    add_to_cart(client, shop, "adhesions", {f"qty_{shop.member_student.pk}": "1"})
    response, order = checkout(client, shop)
    assert order.total_cents == 500
    assert response["Location"].startswith("/sandbox-psp/pay/")
    # the browser return alone never marks anything paid
    receipt = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret]))
    assert receipt.status_code == 200
    assert order.payments.get().state == PaymentState.CREATED

    back = pay_with_card(client, response["Location"], "4242 4242 4242 4242")
    assert back.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert len(sandbox_notices_inline) == 1
    status = client.get(reverse("shop:order_status", args=[shop.organizer.slug, order.code, order.secret]))
    assert status.json() == {"status": "paid"}
    line = order.lines.get()
    assert line.attendee_email.endswith("@example.org")
    assert len(mail.outbox) == 1


def test_declined_card_then_successful_retry(shop: Shop, sandbox_notices_inline: list[object]) -> None:
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "2"})
    response, order = checkout(client, shop)
    pay_with_card(client, response["Location"], "4000000000000002")
    status_url = reverse("shop:order_status", args=[shop.organizer.slug, order.code, order.secret])
    assert client.get(status_url).json() == {"status": "failed"}
    retry = client.post(reverse("shop:order_pay", args=[shop.organizer.slug, order.code, order.secret]),
                        {"provider": "sandbox"})
    assert retry.status_code == 302
    pay_with_card(client, retry["Location"], "4242424242424242")
    assert client.get(status_url).json() == {"status": "paid"}
    assert [p.state for p in order.payments.all()] == [PaymentState.FAILED, PaymentState.CONFIRMED]
    assert Quota.objects.get(date=shop.date).used == 2


def test_wrong_secret_and_unknown_code_are_the_same_404(shop: Shop, sandbox_notices_inline: list[object]) -> None:
    client = Client()
    add_to_cart(client, shop, "adhesions", {f"qty_{shop.member_student.pk}": "1"})
    _response, order = checkout(client, shop)
    wrong = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, "x" * 27]))
    unknown = client.get(reverse("shop:order", args=[shop.organizer.slug, "ZZZZZZ", order.secret]))
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content


def test_payment_start_failure_sends_the_buyer_to_their_order(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from billetterie.core.errors import DomainError

    def unavailable(**kwargs: object) -> None:
        raise DomainError("Le service de paiement ne répond pas.", code="psp_unavailable")

    monkeypatch.setattr("billetterie.shop.views.payment_start", unavailable)
    client = Client()
    add_to_cart(client, shop, "adhesions", {f"qty_{shop.member_student.pk}": "1"})
    response, order = checkout(client, shop)
    assert response["Location"] == reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])
    page = client.get(response["Location"]).content.decode()
    assert "ne répond pas" in page and order.code in page
