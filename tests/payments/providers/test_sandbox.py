from __future__ import annotations

import json
import random
import uuid

import pytest
from django.test import Client

from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.providers.sandbox import notice_sign
from billetterie.payments.services import payment_start
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db
URL = "/payments/notify/sandbox/assoc/"


def _payment(shop: Shop) -> Payment:
    order = order_placed(shop, tickets=0, meals=0, membership=True)  # 10 €
    payment_start(order=order, provider_id="sandbox", urls=PaymentUrls("http://t/r", "http://t" + URL))
    return order.payments.get()


def _notice(payment: Payment, status: str = "confirmed", **over: object) -> bytes:
    body = {"notice_id": uuid.uuid4().hex, "payment": payment.reference, "status": status,
            "amount_cents": payment.amount_cents, "currency": "EUR", "transaction": "T1"}
    body.update(over)
    return json.dumps(body).encode()


def _post(body: bytes, signature: str | None) -> int:
    headers = {"X-Sandbox-Signature": signature} if signature is not None else {}
    return Client().post(URL, data=body, content_type="application/json", headers=headers).status_code


def test_signed_notice_confirms_once(shop: Shop) -> None:
    payment = _payment(shop)
    body = _notice(payment)
    assert _post(body, notice_sign(body)) == 200
    assert _post(body, notice_sign(body)) == 200  # duplicate: acknowledged, ignored
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    assert payment.order.state == OrderState.PAID
    assert ProviderNotice.objects.count() == 1


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_key"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    payment = _payment(shop)
    body = _notice(payment)
    signature = {
        "unsigned": None,
        "forged": "v1=" + "0" * 64,
        "tampered": notice_sign(body),
        "wrong_key": notice_sign(body, key=b"another key"),
    }[case]
    if case == "tampered":
        body = body.replace(b'"confirmed"', b'"confirmed" ')
    assert _post(body, signature) == 400
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
    assert payment.order.state == OrderState.PENDING
    assert not ProviderNotice.objects.exists()


def test_malformed_but_signed_notice_is_refused(shop: Shop) -> None:
    body = b'{"notice_id": "x"}'
    assert _post(body, notice_sign(body)) == 400


def test_wrong_amount_is_flagged_not_paid(shop: Shop) -> None:
    payment = _payment(shop)
    body = _notice(payment, amount_cents=1)
    assert _post(body, notice_sign(body)) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
    assert payment.needs_attention
    assert payment.order.state == OrderState.PENDING


def test_failure_after_confirmation_does_not_unpay(shop: Shop) -> None:
    payment = _payment(shop)
    for status in ("confirmed", "failed"):
        body = _notice(payment, status=status)
        assert _post(body, notice_sign(body)) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED


def test_shuffled_duplicated_notices_confirm_each_payment_once(shop: Shop) -> None:
    payments = [_payment(shop) for _ in range(30)]
    deliveries = []
    for payment in payments:
        body = _notice(payment)
        deliveries += [body] * random.Random(payment.pk).randint(1, 5)
    random.Random(7).shuffle(deliveries)
    for body in deliveries:
        assert _post(body, notice_sign(body)) == 200
    assert Payment.objects.filter(state=PaymentState.CONFIRMED).count() == 30
    assert ProviderNotice.objects.count() == 30
    assert Order.objects.filter(state=OrderState.PAID).count() == 30


def test_same_notice_id_at_two_organizers_is_applied_to_each(shop: Shop) -> None:
    from tests.factories import shop_create

    other = shop_create(slug="other")
    first, second = _payment(shop), _payment(other)
    for payment, slug in ((first, "assoc"), (second, "other")):
        body = _notice(payment, notice_id="counter-000001")  # per-merchant counters collide
        response = Client().post(f"/payments/notify/sandbox/{slug}/", data=body, content_type="application/json",
                                 headers={"X-Sandbox-Signature": notice_sign(body)})
        assert response.status_code == 200
    for payment in (first, second):
        payment.refresh_from_db()
        assert payment.state == PaymentState.CONFIRMED
