"""The API's order says what the buyer is shown (its balance) and whether it is a test order."""

from __future__ import annotations

import pytest
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.payments.services import refund_create
from tests.factories import Shop

pytestmark = pytest.mark.django_db


def test_an_order_read_by_the_api_carries_its_status_money_and_test_flag(shop: Shop, client: Client) -> None:
    _row, token = api_token_create(organizer=shop.organizer, name="Guichet", permissions="orders,read")
    auth = {"Authorization": f"Bearer {token}"}
    body = {"email": "b@example.org", "name": "B", "payment": {"method": "cash"},
            "lines": [{"product_id": shop.ticket.pk, "price_id": shop.adult.pk, "date_id": shop.date.pk,
                       "attendee": {"name": "B", "email": "b@example.org"}}]}
    created = client.post("/api/v1/orders", body, content_type="application/json", headers=auth)
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["status"], out["testmode"], out["received_cents"], out["refunded_cents"]) == ("paid", False, 1500, 0)
    assert out["payments"][0]["testmode"] is False

    from billetterie.payments.models import Payment

    refund_create(payment=Payment.objects.get(), amount_cents=500)
    read = client.get(f"/api/v1/orders/{out['code']}", headers=auth).json()
    assert (read["status"], read["refunded_cents"]) == ("partly_refunded", 500)
