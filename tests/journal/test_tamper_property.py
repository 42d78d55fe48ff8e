"""Must show (issue 13): whatever one entry of the journal is changed to, deleted, or moved
(directly in the database, past the model's refusal and the PostgreSQL trigger), `journal
verify` reports it, and names the first entry that no longer matches.

One journal is built per test (real sales and refunds through the services, direct appends, a
day's closure); each hypothesis example tampers with it inside a savepoint rolled back after the
check, so every example starts from the same intact journal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billetterie.core import clock
from billetterie.journal.canonical import canonical_json
from billetterie.journal.closures import closures_write
from billetterie.journal.models import EntryKind, JournalEntry, JournalKey
from billetterie.journal.services import journal_append
from billetterie.journal.verify import Reason, journal_verify
from billetterie.payments.models import Payment
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid, organizer_create
from tests.journal.helpers import trigger_bypassed

pytestmark = pytest.mark.django_db
TABLE = JournalEntry._meta.db_table
FIELDS = ["sequence", "kind", "created_at", "body", "previous_hash", "hash", "signature", "organizer_id", "key_id"]


@pytest.fixture
def journal(shop: Shop) -> Iterator[tuple[Shop, int, int]]:
    """The shop's journal (its entries' count) and another organiser's, with its own key."""
    start = clock.now()
    with time_machine.travel(start, tick=False):
        order_paid(shop, method="cash")
        paid = order_paid(shop, method="cheque", tickets=1, meals=1)
        refund_create(payment=Payment.objects.get(order=paid), amount_cents=1200, reason="Repas annulé")
        with transaction.atomic():
            for number in range(5):
                journal_append(organizer_id=shop.organizer.pk, kind=EntryKind.SALE, payload={
                    "order": f"DIRECT{number}", "currency": "EUR", "total_cents": 1000 + number,
                    "vat": {"2000": {"ttc_cents": 1000 + number, "vat_cents": 167}}})
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert closures_write(organizer_id=shop.organizer.pk)  # the day's closure
        order_paid(shop, method="cash", tickets=1, meals=0)
    other = organizer_create("autre")
    with transaction.atomic():
        journal_append(organizer_id=other.pk, kind=EntryKind.SALE, payload={"order": "OTHER", "total_cents": 5})
    count = JournalEntry.objects.filter(organizer=shop.organizer).count()
    assert count >= 10 and journal_verify(organizer_id=shop.organizer.pk).ok
    yield shop, count, other.pk


def _execute(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _row(organizer_id: int, sequence: int) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(FIELDS)} FROM {TABLE} WHERE organizer_id = %s AND sequence = %s",
                       [organizer_id, sequence])
        values = cursor.fetchone()
    return dict(zip(["id", *FIELDS], values, strict=True))


def _set(row_id: object, field: str, value: object) -> None:
    _execute(f"UPDATE {TABLE} SET {field} = %s WHERE id = %s", [value, row_id])


def _flip_hex(text: str, position: int) -> str:
    position %= len(text)
    replacement = "0" if text[position] != "0" else "1"
    return text[:position] + replacement + text[position + 1:]


def _changed_body(body: str, how: int) -> str:
    data = json.loads(body)
    if how == 0:  # an amount: canonical still, signed no more
        payload = data["payload"]
        key = "total_cents" if "total_cents" in payload else next(iter(payload))
        payload[key] = payload[key] + 1 if isinstance(payload[key], int) else f"{payload[key]}x"
        return canonical_json(data)
    if how == 1:  # the same content written another way
        return json.dumps(data, sort_keys=True)
    return body.replace('"version":1', '"version":1 ')


def _changed(row: dict[str, object], field: str, draw: st.DataObject, other_organizer: int, count: int) -> object:
    value = row[field]
    if field == "sequence":
        return count + 100
    if field == "kind":
        return draw.draw(st.sampled_from([k for k in EntryKind.values if k != value]))
    if field == "created_at":
        moment = JournalEntry.objects.get(pk=row["id"]).created_at
        shifted = moment + timedelta(microseconds=draw.draw(st.sampled_from([-1, 1, -3600_000_000, 86400_000_000])))
        return connection.ops.adapt_datetimefield_value(shifted)
    if field == "body":
        return _changed_body(str(value), draw.draw(st.integers(0, 2)))
    if field in ("previous_hash", "hash", "signature"):
        return _flip_hex(str(value), draw.draw(st.integers(0, 127)))
    if field == "organizer_id":  # moved to an organiser with no journal (the numbers are unique per organiser)
        return organizer_create(f"vide{row['id']}").pk
    return JournalKey.objects.get(organizer_id=other_organizer).pk  # key_id: another organiser's key


def _bypass_trigger() -> None:
    trigger_bypassed()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_changed_deleted_or_moved_entry_is_always_reported(journal: tuple[Shop, int, int],
                                                                data: st.DataObject) -> None:
    shop, count, other = journal
    organizer_id = shop.organizer.pk
    operation = data.draw(st.sampled_from(["change", "delete", "swap"]), label="operation")
    with transaction.atomic():
        _bypass_trigger()
        if operation == "swap":
            first, second = sorted(data.draw(st.lists(st.integers(1, count), min_size=2, max_size=2, unique=True),
                                             label="entries"))
            a, b = _row(organizer_id, first), _row(organizer_id, second)
            _set(a["id"], "sequence", 10**9)
            _set(b["id"], "sequence", first)
            _set(a["id"], "sequence", second)
            expected = first
        else:
            expected = data.draw(st.integers(1, count), label="entry")
            row = _row(organizer_id, expected)
            if operation == "delete":
                _execute(f"DELETE FROM {TABLE} WHERE id = %s", [row["id"]])
            else:
                field = data.draw(st.sampled_from(FIELDS), label="field")
                _set(row["id"], field, _changed(row, field, data, other, count))
        result = journal_verify(organizer_id=organizer_id)
        transaction.set_rollback(True)
    assert not result.ok, f"{operation} of entry {expected} not reported"
    assert result.problem is not None and result.problem.sequence == expected, result.problem
    assert result.entries == expected - 1
    assert journal_verify(organizer_id=organizer_id).ok  # rolled back: intact again


def test_each_kind_of_tampering_gives_its_reason(journal: tuple[Shop, int, int]) -> None:
    shop, count, _other = journal
    organizer_id = shop.organizer.pk

    def reason_after(change: str, sequence: int, field: str = "", value: object = None) -> Reason:
        with transaction.atomic():
            _bypass_trigger()
            row = _row(organizer_id, sequence)
            if change == "delete":
                _execute(f"DELETE FROM {TABLE} WHERE id = %s", [row["id"]])
            else:
                _set(row["id"], field, value(row) if callable(value) else value)
            result = journal_verify(organizer_id=organizer_id)
            transaction.set_rollback(True)
        assert result.problem is not None and result.problem.sequence == sequence
        return result.problem.reason

    assert reason_after("delete", 3) == Reason.GAP
    assert reason_after("delete", count) == Reason.GAP  # the last one: the counter knows
    assert reason_after("update", 4, "hash", lambda row: _flip_hex(row["hash"], 5)) == Reason.HASH
    assert reason_after("update", 4, "previous_hash", lambda row: _flip_hex(row["previous_hash"], 5)) == \
        Reason.PREVIOUS_HASH
    assert reason_after("update", 4, "signature", lambda row: _flip_hex(row["signature"], 9)) == Reason.SIGNATURE
    assert reason_after("update", 4, "kind", EntryKind.REFUND) == Reason.CONTENT
    assert reason_after("update", 5, "body", lambda row: _changed_body(row["body"], 0)) == Reason.HASH
    assert reason_after("update", 5, "body", lambda row: _changed_body(row["body"], 1)) == Reason.CONTENT
    with transaction.atomic():  # two entries swapped: the first one out of place is named
        _bypass_trigger()
        a, b = _row(organizer_id, 2), _row(organizer_id, 6)
        _set(a["id"], "sequence", 10**9)
        _set(b["id"], "sequence", 2)
        _set(a["id"], "sequence", 6)
        result = journal_verify(organizer_id=organizer_id)
        transaction.set_rollback(True)
    assert result.problem is not None and (result.problem.sequence, result.problem.reason) == (2, Reason.ORDER)
