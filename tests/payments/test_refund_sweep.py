"""A refund stored but never sent (the process died right after its commit) is sent by the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from billetterie.core import clock
from billetterie.payments.models import RefundState
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import REFUND_RESEND_AFTER, payment_start, refund_row_create, refunds_send_due
from billetterie.payments.tasks import refunds_send_due_task
from tests.factories import Shop, order_placed, payment_confirm

pytestmark = pytest.mark.django_db


def test_an_unsent_refund_is_sent_once_by_the_sweep(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=PaymentUrls("http://t/r", "http://t/n"))
    payment = order.payments.get()
    payment_confirm(payment)
    refund = refund_row_create(payment=payment, amount_cents=500, reason="surplus")  # stored, not sent
    assert refunds_send_due() == 0  # just stored: its own task is on its way
    with time_machine.travel(clock.now() + REFUND_RESEND_AFTER + timedelta(seconds=1)):
        refunds_send_due_task.call_local()
        refund.refresh_from_db()
        assert refund.state == RefundState.DONE
        assert refunds_send_due() == 0
