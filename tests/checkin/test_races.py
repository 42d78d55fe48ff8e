"""Two devices redeem the same ticket at the same moment: exactly one is let in. Real threads,
each with its own database connection (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from billetterie.checkin.models import Scan, ScanResult
from billetterie.checkin.selectors import checkin_counts
from billetterie.checkin.services import OfflineScan, scan_redeem, scans_sync
from billetterie.core import clock
from tests.factories import Shop, door, tickets_issued
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_devices_scan_the_same_ticket_at_once(shop: Shop) -> None:
    _list, scope = door(shop)
    issued = tickets_issued(shop, 4)
    for line, text in issued:
        outcomes = run_together([
            lambda text=text: scan_redeem(scope=scope, text=text, device_id="porte-1"),
            lambda text=text: scan_redeem(scope=scope, text=text, device_id="porte-2"),
        ])
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        results = sorted(o.result for o in outcomes)
        assert results == [ScanResult.ALREADY_REDEEMED, ScanResult.OK]
        refused = next(o for o in outcomes if not o.ok)
        accepted = next(o for o in outcomes if o.ok)
        winner = Scan.objects.get(line=line, result=ScanResult.OK)
        assert refused.first_device == winner.device_id  # the refusal names the device that won
        assert accepted.scan_id == winner.pk
    assert Scan.objects.filter(result=ScanResult.OK).count() == 4
    assert checkin_counts(scope=scope).checked_in == 4


def test_many_devices_and_an_offline_sync_race_for_one_ticket(shop: Shop) -> None:
    _list, scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    now = clock.now()
    jobs: list[Callable[[], Any]] = [
        (lambda i=i: scan_redeem(scope=scope, text=text, device_id=f"porte-{i}")) for i in range(4)
    ]
    jobs.append(lambda: scans_sync(scope=scope, device_id="tel", scans=[OfflineScan("s1", text, now)])[0])
    outcomes = run_together(jobs)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Scan.objects.filter(line=line, result=ScanResult.OK, undone_at=None).count() == 1
    assert sum(1 for o in outcomes[:4] if o.ok) <= 1
