"""The crash tests' invariants themselves (harness.INVARIANTS), run in this process over orders
paid, refunded in full or by line, places released or kept (issue 10, item 5): they hold when the
system is right, and they see a place kept that a refund released."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from django.db.models import F

from billetterie.capacity.models import Hold
from billetterie.catalog.models import Quota
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid
from tests.system.harness import INVARIANTS, invariant_violations

pytestmark = pytest.mark.django_db


def _report() -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(INVARIANTS, {})  # our own script, as the crash tests run it in the system
    report: dict[str, Any] = json.loads(out.getvalue().strip().splitlines()[-1])
    return report


def test_the_invariants_hold_with_refunds_whatever_staff_chose(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order_paid(shop, tickets=1, meals=0, method="cash")  # stays paid
        released = order_paid(shop, tickets=1, meals=0, method="cash").payments.get()
        refund_create(payment=released, amount_cents=1500)
        kept = order_paid(shop, tickets=1, meals=0, method="cash").payments.get()
        refund_create(payment=kept, amount_cents=1500, release_places=False)
        order = order_paid(shop, tickets=2, meals=0, method="cash")
        by_line = order.payments.get()
        first, _second = order.lines.order_by("id")
        refund_create(payment=by_line, amount_cents=1500, line_id=first.pk)  # its ticket and place go
        _order = order_paid(shop, tickets=2, meals=0, method="cash")
        lines_kept = _order.payments.get()
        line = _order.lines.order_by("id").first()
        assert line is not None
        refund_create(payment=lines_kept, amount_cents=1500, line_id=line.pk, release_places=False)
    report = _report()
    assert invariant_violations(report) == [], report
    # a place a refund released, taken again behind the services' back (its counter too): seen
    hold = Hold.objects.get(line=first)
    Hold.objects.filter(pk=hold.pk).update(released_at=None)
    Quota.objects.filter(pk=hold.quota_id).update(used=F("used") + 1)
    [problem] = invariant_violations(_report())
    assert problem.startswith("quota") and "'kept': 6" in problem and "'paid_lines': 5" in problem
