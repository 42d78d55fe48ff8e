"""Donations paid at the same moment get receipt numbers 1 to N, no gap, no duplicate (each
payment's transaction takes its number), some payments rolled back on purpose giving theirs back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction

from billetterie.orders.services import order_mark_paid
from billetterie.taxreceipts.models import ReceiptMode, TaxReceipt
from billetterie.taxreceipts.services import DonorAddress, request_record
from tests.factories import order_placed, shop_create
from tests.threads import run_together

from .helpers import receipts_turned_on

pytestmark = pytest.mark.django_db(transaction=True)


class _RolledBack(Exception):
    pass


def _payer(order_ids: list[int]) -> Callable[[], int]:
    def job() -> int:
        for index, order_id in enumerate(order_ids):
            if index % 3 == 0:
                try:  # paid and numbered, then the transaction fails: the number comes back
                    with transaction.atomic():
                        order_mark_paid(order_id=order_id)
                        raise _RolledBack
                except _RolledBack:
                    pass
            order_mark_paid(order_id=order_id)
        return len(order_ids)

    return job


def test_concurrent_donations_are_numbered_without_gap_nor_duplicate() -> None:
    threads, per_thread = (4, 8) if connection.vendor == "postgresql" else (2, 3)
    shop = shop_create(slug="dons")
    receipts_turned_on(shop.organizer)
    ids = []
    for i in range(threads * per_thread):
        order = order_placed(shop, tickets=0, meals=0, donation_cents=1000 + i, email=f"d{i}@example.org")
        request_record(order=order, mode=ReceiptMode.SINGLE, donor=DonorAddress("1 rue Haute", "46200", "Souillac"))
        ids.append(order.pk)
    results = run_together([_payer(ids[i::threads]) for i in range(threads)])
    assert results == [per_thread] * threads, [r for r in results if not isinstance(r, int)][:3]
    numbers = sorted(TaxReceipt.objects.filter(organizer=shop.organizer).values_list("number", flat=True))
    assert numbers == list(range(1, threads * per_thread + 1))
