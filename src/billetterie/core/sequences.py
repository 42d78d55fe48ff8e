"""Numbers in an uninterrupted series, per organiser: invoices and credit notes of a year, tax
receipts, the tickets of an event (French law wants them without gap nor duplicate).

`sequence_next` increments the series' row with one UPDATE … RETURNING inside the caller's
transaction. The row stays locked until that transaction ends, so two sales take consecutive
numbers one after the other, and a transaction that rolls back gives its number back: whatever
commits has 1, 2, 3… Only the series is serialised, never an event or an organiser as a whole; call
it as late as possible in the transaction, since the lock lasts until its end."""

from __future__ import annotations

from django.db import connection, transaction

from .models import Sequence


def sequence_next(*, organizer_id: int, name: str, count: int = 1) -> int:
    """The next number of `name` for the organiser (1 for the first), in the caller's transaction;
    `count`: the last of the next `count` numbers, taken together (one statement)."""
    if not connection.in_atomic_block:
        raise RuntimeError("sequence_next outside a transaction: a number could be lost")
    number = _increment(organizer_id, name, count)
    if number is None:
        # the series' first number: create its row; a concurrent first creation makes ours a no-op
        with transaction.atomic():
            Sequence.objects.bulk_create([Sequence(organizer_id=organizer_id, name=name)], ignore_conflicts=True)
        number = _increment(organizer_id, name, count)
    assert number is not None
    return number


def sequence_last(*, organizer_id: int, name: str) -> int:
    """The last number given (0 when none): for reports and checks."""
    row = Sequence.objects.filter(organizer_id=organizer_id, name=name).values_list("last", flat=True).first()
    return row or 0


def _increment(organizer_id: int, name: str, count: int) -> int | None:
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + %s WHERE organizer_id = %s AND name = %s RETURNING last",  # noqa: S608
            [count, organizer_id, name],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None
