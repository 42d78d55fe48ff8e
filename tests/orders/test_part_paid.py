"""A part-paid order keeps its money and its places together: cancelling it takes a refund first,
and at its due time it keeps its places for staff to decide instead of expiring (review, 2026-11-30:
the money stayed, the places were released, nobody was told)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.capacity.models import Hold
from billetterie.catalog.models import Quota
from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import OrderState
from billetterie.orders.services import order_cancel, order_expire_due
from billetterie.payments.models import Payment
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


def _quota_used(shop: Shop) -> int:
    return Quota.objects.get(date=shop.date).used


def test_an_order_with_money_received_is_not_cancelled_until_refunded(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    with pytest.raises(InvalidInput) as refused:
        order_cancel(order_id=order.pk)
    assert refused.value.code == "order_has_payments"
    assert "10,00\u00a0€" in refused.value.message
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and _quota_used(shop) == 2

    refund_create(payment=cash, amount_cents=1000)  # cash: recorded as given back by hand
    order_cancel(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED and _quota_used(shop) == 0


def test_the_api_answers_the_refusal(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=500)
    _row, token = api_token_create(organizer=shop.organizer, name="guichet", permissions="orders")
    response = Client().post(f"/api/v1/orders/{order.code}/cancel", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json()["code"] == "order_has_payments"


def test_a_part_paid_order_keeps_its_places_at_its_due_time_and_is_flagged(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    part_paid, unpaid = order_placed(shop, tickets=2, meals=0), order_placed(shop, tickets=1, meals=0)
    cash = payment_record_external(order_id=part_paid.pk, method="cash", amount_cents=1000)
    assert part_paid.expires_at is not None
    # the flag is the payments domain's answer to the orders domain's event, after the commit
    with time_machine.travel(part_paid.expires_at + timedelta(minutes=5)), \
            django_capture_on_commit_callbacks(execute=True):
        assert order_expire_due() == 1  # only the unpaid one
        assert order_expire_due() == 0  # and the part-paid one is not looked at again
    part_paid.refresh_from_db()
    unpaid.refresh_from_db()
    assert unpaid.state == OrderState.EXPIRED
    assert (part_paid.state, part_paid.expires_at) == (OrderState.PENDING, None)
    assert Hold.objects.filter(line__order=part_paid, released_at=None, expires_at=None).count() == 2
    assert _quota_used(shop) == 2
    flag = Payment.objects.get(pk=cash.pk).needs_attention
    assert "10,00\u00a0€ sur 30,00\u00a0€" in flag and "places sont gardées" in flag

    # the rest arrives later: the order is paid with the places it kept
    with time_machine.travel(clock.now() + timedelta(days=3)):
        payment_record_external(order_id=part_paid.pk, method="cash", amount_cents=2000)
    part_paid.refresh_from_db()
    assert part_paid.state == OrderState.PAID and _quota_used(shop) == 2
