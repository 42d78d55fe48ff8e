"""1,000 signed notices, each delivered 1 to 5 times, shuffled: every payment is confirmed exactly once.

Runs on SQLite and PostgreSQL; the orders are built in bulk (no places) so the test stays fast,
and every notice goes through the public notify URL."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from django.test import Client

from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers.sandbox import notice_sign
from tests.factories import Shop

pytestmark = pytest.mark.django_db
COUNT = 1000


def test_thousand_shuffled_duplicated_notices_confirm_each_payment_once(shop: Shop) -> None:
    Order.objects.bulk_create(
        Order(organizer=shop.organizer, code=f"T{i:05d}", email="a@example.org", name="A", total_cents=1000 + i)
        for i in range(COUNT)
    )
    orders = list(Order.objects.filter(organizer=shop.organizer).order_by("code"))
    Payment.objects.bulk_create(
        Payment(order=o, provider="sandbox", amount_cents=o.total_cents, reference=uuid.uuid4().hex) for o in orders
    )
    rng = random.Random(20261123)
    deliveries: list[bytes] = []
    for payment in Payment.objects.all():
        body = json.dumps({"notice_id": uuid.uuid4().hex, "payment": payment.reference, "status": "confirmed",
                           "amount_cents": payment.amount_cents, "currency": "EUR", "transaction": "T"}).encode()
        deliveries += [body] * rng.randint(1, 5)
    rng.shuffle(deliveries)
    client = Client()
    url = f"/payments/notify/sandbox/{shop.organizer.slug}/"
    for body in deliveries:
        response = client.post(url, data=body, content_type="application/json",
                               headers={"X-Sandbox-Signature": notice_sign(body)})
        assert response.status_code == 200
    assert len(deliveries) > 2 * COUNT
    assert Payment.objects.filter(state=PaymentState.CONFIRMED).count() == COUNT
    assert ProviderNotice.objects.count() == COUNT
    assert Order.objects.filter(state=OrderState.PAID).count() == COUNT
    assert not Payment.objects.exclude(needs_attention="").exists()  # nothing refunded, nothing flagged
