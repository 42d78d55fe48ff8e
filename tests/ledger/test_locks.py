"""The books read an order's money after its lock, never with it (decision 0032): on PostgreSQL a
statement that waited for a row lock sees the row as the lock holder left it but everything else
as it was before the wait. Two transactions in real threads, PostgreSQL only (SQLite has one
writer: nothing waits on a row there)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from billetterie.core import events
from billetterie.ledger.checks import ledger_violations
from billetterie.ledger.handlers import order_sale_reconcile
from billetterie.ledger.models import Transaction
from billetterie.orders.models import Order
from billetterie.payments.events import PaymentStateChanged
from billetterie.payments.models import PaymentState
from billetterie.payments.services import payment_record_external, payment_start, refund_create
from tests.factories import URLS, Shop, order_placed, payment_confirm
from tests.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL"),
]


def _until_someone_waits_for_a_lock(deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    with connection.cursor() as cursor:
        while time.monotonic() < end:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no one waited for the lock")


def test_a_sale_reconciled_behind_a_refund_sees_that_refund(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=3000)
    locked = threading.Event()

    def refund_holding_the_order() -> None:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            locked.set()
            _until_someone_waits_for_a_lock()
            refund_create(payment=cash, amount_cents=1000)  # its sale reduced by 10 €, then commit

    def reconcile_waiting_for_the_order() -> None:
        assert locked.wait(30)
        with transaction.atomic():
            order_sale_reconcile(order_id=order.pk, organizer_id=shop.organizer.pk, cause="probe")

    results = run_together([refund_holding_the_order, reconcile_waiting_for_the_order])
    assert results == [None, None]
    # it read the refund committed while it waited: nothing left to post
    assert not Transaction.objects.filter(key__startswith="sale:probe").exists()
    assert ledger_violations() == []


def test_a_confirmation_is_published_under_its_orders_lock(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment = order.payments.get()
    seen: list[str] = []

    def try_the_order_elsewhere() -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            try:
                cursor.execute("SELECT id FROM orders_order WHERE id = %s FOR UPDATE NOWAIT", [order.pk])
            except Exception as exc:  # LockNotAvailable, wrapped by Django
                return type(exc).__name__
        return "free"

    def probe(event: PaymentStateChanged) -> None:
        if event.state == PaymentState.CONFIRMED:
            seen.extend(str(r) for r in run_together([try_the_order_elsewhere], hang_after=30))

    events.subscribe_in_transaction(PaymentStateChanged, "tests.lock_probe", probe)
    try:
        payment_confirm(payment)
    finally:
        events._in_transaction[PaymentStateChanged.name].pop("tests.lock_probe")
    assert seen == ["OperationalError"]
    assert ledger_violations() == []
