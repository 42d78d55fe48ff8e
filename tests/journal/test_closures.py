"""Daily, monthly and yearly closures: once each, however often the job runs; the period's
totals per kind and VAT rate, the month (or year) to date, and the perpetual total."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billetterie.journal.closures import closures_write, closures_write_due
from billetterie.journal.models import EntryKind, JournalEntry
from billetterie.journal.tasks import journal_closures
from billetterie.journal.verify import journal_verify
from billetterie.payments.models import Payment
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(*args: int) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)


def closures(shop: Shop, kind: str) -> dict[str, dict[str, object]]:
    rows = JournalEntry.objects.filter(organizer=shop.organizer, kind=kind).order_by("sequence")
    return {row.period: json.loads(row.body)["payload"] for row in rows}


def test_days_months_and_years_close_once_with_their_totals(shop: Shop) -> None:
    shop.ticket.vat_rate_bp = 550
    shop.ticket.save(update_fields=["vat_rate_bp"])
    with at(2026, 12, 30, 10, 0):
        first = order_paid(shop, method="cash", tickets=2, meals=1)  # 30 € at 5.5 % + 12 € at 0 %: 42 €
    with at(2026, 12, 30, 23, 59, 59):
        order_paid(shop, method="cash", tickets=1, meals=0)  # 15 €, the same day (Paris time)
    with at(2026, 12, 31, 0, 0, 1):
        refund_create(payment=Payment.objects.get(order=first), amount_cents=1200, reason="Repas")
        assert [e.period for e in closures_write(organizer_id=shop.organizer.pk)] == ["2026-12-30"]
        assert closures_write(organizer_id=shop.organizer.pk) == []  # run again: nothing more
    with at(2027, 1, 2, 3, 0):
        order_paid(shop, method="cash", tickets=1, meals=0)
        written = [(e.kind, e.period) for e in closures_write(organizer_id=shop.organizer.pk)]
    assert written == [(EntryKind.CLOSURE_DAY, "2026-12-31"), (EntryKind.CLOSURE_MONTH, "2026-12"),
                       (EntryKind.CLOSURE_YEAR, "2026")]
    with at(2027, 2, 1, 0, 30):
        journal_closures.call_local()  # the periodic job's work
        journal_closures.call_local()
    days, months = closures(shop, EntryKind.CLOSURE_DAY), closures(shop, EntryKind.CLOSURE_MONTH)
    assert list(days) == ["2026-12-30", "2026-12-31", "2027-01-02"] and list(months) == ["2026-12", "2027-01"]

    day = days["2026-12-30"]
    assert day["entries"] == 2 and (day["first_sequence"], day["last_sequence"]) == (1, 2)
    # 234 = 156 + 78: the sum of each sale's own VAT
    assert day["totals"] == {"sale": {"count": 2, "total_cents": 5700, "vat": {
        "0": {"ttc_cents": 1200, "vat_cents": 0}, "550": {"ttc_cents": 4500, "vat_cents": 234}}}}
    assert day["net_cents"] == day["cumulative_net_cents"] == 5700
    assert day["perpetual"] == {"sales_cents": 5700, "refunds_cents": 0, "net_cents": 5700}

    refund_day = days["2026-12-31"]
    assert refund_day["totals"]["refund"]["total_cents"] == 1200 and refund_day["net_cents"] == -1200
    assert refund_day["cumulative_net_cents"] == 4500  # December to date
    assert refund_day["perpetual"] == {"sales_cents": 5700, "refunds_cents": 1200, "net_cents": 4500}

    december, january = months["2026-12"], months["2027-01"]
    assert december["net_cents"] == 4500 and december["entries"] == 3
    assert december["totals"]["sale"]["count"] == 2 and december["totals"]["refund"]["count"] == 1
    assert january["cumulative_net_cents"] == 1500  # a new year starts from zero
    assert january["perpetual"]["net_cents"] == 6000 == days["2027-01-02"]["perpetual"]["net_cents"]
    assert closures(shop, EntryKind.CLOSURE_YEAR)["2026"]["perpetual"]["net_cents"] == 4500
    assert journal_verify(organizer_id=shop.organizer.pk).ok


def test_a_day_not_over_is_not_closed(shop: Shop) -> None:
    with at(2026, 6, 1, 9, 0):
        order_paid(shop, method="cash")
    with at(2026, 6, 1, 23, 0):
        assert closures_write_due() == 0
    with at(2026, 6, 2, 0, 5):
        assert closures_write_due() == 1


def test_a_second_closure_of_a_period_is_refused_by_the_database(shop: Shop) -> None:
    from django.db import IntegrityError, transaction

    from billetterie.journal.services import journal_append

    with at(2026, 6, 1, 9, 0):
        order_paid(shop, method="cash")
    with at(2026, 6, 2, 0, 5):
        closures_write(organizer_id=shop.organizer.pk)
        with pytest.raises(IntegrityError), transaction.atomic():
            journal_append(organizer_id=shop.organizer.pk, kind=EntryKind.CLOSURE_DAY, payload={},
                           period="2026-06-01")
