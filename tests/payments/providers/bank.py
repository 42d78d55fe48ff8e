"""Shared steps of the bank provider tests: an order, a configured method, a started payment."""

from __future__ import annotations

from django.test import Client

from billetterie.orders.models import OrderState
from billetterie.payments.crypto import credentials_encrypt
from billetterie.payments.models import Payment, PaymentMethodConfig, PaymentState, ProviderNotice
from billetterie.payments.providers.base import AutoPostForm, NextAction, PaymentUrls
from billetterie.payments.services import payment_start
from tests.factories import Shop, order_placed

AMOUNTS = [1, 99, 100, 1999, 123456789]


def configure(shop: Shop, provider_id: str, credentials: dict[str, str], *, live: bool = False) -> None:
    blob = credentials_encrypt(credentials)
    PaymentMethodConfig.objects.update_or_create(
        organizer=shop.organizer, provider=provider_id,
        defaults={"mode": "live" if live else "sandbox",
                  "live_credentials": blob if live else b"", "sandbox_credentials": b"" if live else blob},
    )


def notify_url(provider_id: str) -> str:
    return f"http://testserver/payments/notify/{provider_id}/assoc/"


def start(shop: Shop, provider_id: str) -> tuple[Payment, NextAction]:
    order = order_placed(shop, tickets=0, meals=0, membership=True)  # 10 €
    action = payment_start(order=order, provider_id=provider_id,
                           urls=PaymentUrls("http://testserver/assoc/o/x/", notify_url(provider_id)))
    return order.payments.get(), action


def autopost(action: NextAction) -> AutoPostForm:
    assert isinstance(action, AutoPostForm)
    return action


def post_notice(provider_id: str, body: str | bytes) -> int:
    data = body.encode() if isinstance(body, str) else body
    response = Client().post(f"/payments/notify/{provider_id}/assoc/", data=data,
                             content_type="application/x-www-form-urlencoded")
    return response.status_code


def assert_unchanged(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
    assert payment.order.state == OrderState.PENDING
    assert not payment.needs_attention
    assert not ProviderNotice.objects.exists()


def assert_paid_once(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    assert payment.order.state == OrderState.PAID
    assert ProviderNotice.objects.count() == 1
