"""Appends from several connections at once keep one chain: numbers 1 to N without gap, each
entry linked to the one before (never two entries chained to the same one), some rolled back on
purpose (their numbers given back); the closure job run at once from two connections writes each
closure once. On PostgreSQL (SQLite's one writer serialises everything anyway: a few there)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction

from billetterie.core import clock
from billetterie.journal.closures import closures_write
from billetterie.journal.models import CLOSURE_KINDS, EntryKind, JournalEntry
from billetterie.journal.services import journal_append
from billetterie.journal.verify import journal_verify
from tests.factories import shop_create
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)
THREADS, EACH = (6, 40) if connection.vendor == "postgresql" else (2, 5)


class _RolledBack(Exception):
    pass


def _appender(organizer_id: int, thread: int) -> Callable[[], int]:
    def job() -> int:
        kept = 0
        for number in range(EACH):
            try:
                with transaction.atomic():
                    journal_append(organizer_id=organizer_id, kind=EntryKind.SALE, payload={
                        "order": f"T{thread}-{number}", "total_cents": 100, "currency": "EUR", "vat": {}})
                    if number % 7 == 3:
                        raise _RolledBack
                kept += 1
            except _RolledBack:
                pass
        return kept

    return job


def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    shop = shop_create(slug="concurrent")
    organizer_id = shop.organizer.pk
    with transaction.atomic():  # the key exists before the race (its creation is under the lock too)
        journal_append(organizer_id=organizer_id, kind=EntryKind.SALE, payload={"order": "FIRST", "total_cents": 1})
    results = run_together([_appender(organizer_id, thread) for thread in range(THREADS)])
    assert all(isinstance(r, int) for r in results), results
    total = 1 + sum(results)
    numbers = list(JournalEntry.objects.filter(organizer_id=organizer_id).order_by("sequence")
                   .values_list("sequence", flat=True))
    assert numbers == list(range(1, total + 1))
    previous = list(JournalEntry.objects.filter(organizer_id=organizer_id).values_list("previous_hash", flat=True))
    assert len(set(previous)) == len(previous)  # no fork: each entry follows a different one
    result = journal_verify(organizer_id=organizer_id)
    assert result.ok, result.problem
    assert result.entries == total


def test_the_closure_job_run_twice_at_once_writes_each_closure_once() -> None:
    shop = shop_create(slug="closing")
    organizer_id = shop.organizer.pk
    start = clock.now()
    with time_machine.travel(start, tick=False), transaction.atomic():
        for number in range(3):
            journal_append(organizer_id=organizer_id, kind=EntryKind.SALE,
                           payload={"order": f"C{number}", "total_cents": 500, "currency": "EUR", "vat": {}})
    later = start + timedelta(days=40)
    results = run_together([lambda: len(closures_write(organizer_id=organizer_id, now=later)) for _ in range(2)])
    assert all(isinstance(r, int) for r in results), results
    days = JournalEntry.objects.filter(organizer_id=organizer_id, kind=EntryKind.CLOSURE_DAY).count()
    months = JournalEntry.objects.filter(organizer_id=organizer_id, kind=EntryKind.CLOSURE_MONTH).count()
    written = JournalEntry.objects.filter(organizer_id=organizer_id, kind__in=CLOSURE_KINDS).count()
    assert (days, months) == (1, 1) and sum(results) == written  # each closure written by one run only
    assert journal_verify(organizer_id=organizer_id).ok
