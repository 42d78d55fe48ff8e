"""Posting to the books: one balanced transaction per money movement, in its transaction.

`post` is the only writer: it refuses a transaction that does not sum to zero (the caller's
change rolls back with it) and skips one whose key is already in the books (a retried notice, an
event published twice). The handlers (`ledger.handlers`) call it for payments, refunds and the
orders' sales; see docs/dev/ledger.md for what posts what.

It runs in every sale's transaction, so it is written as two plain statements, the same SQL on
PostgreSQL and SQLite (≥ 3.35): the transaction's INSERT … ON CONFLICT DO NOTHING RETURNING (the
unique key is the idempotency check, no read before it), and its lines in one INSERT … SELECT that
finds the accounts by code (no read of their ids). An account's first use creates it and writes
the lines again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from billetterie.core import clock

from .chart import AccountSpec
from .models import Account, Line, Transaction

KEY_MAX = 110  # of the column's 120: a cause that posts again adds #2, #3…


class UnbalancedPosting(RuntimeError):
    """A bug in what posts, never a buyer's or staff's mistake: the change it follows is refused."""


@dataclass(frozen=True)
class Entry:
    """One line to post: an amount on one side of one account (a negative amount goes to the other side)."""

    account: AccountSpec
    debit_cents: int = 0
    credit_cents: int = 0
    vat_rate_bp: int | None = None

    def normalised(self) -> Entry | None:
        net = self.debit_cents - self.credit_cents
        if net == 0:
            return None
        return Entry(self.account, max(net, 0), max(-net, 0), self.vat_rate_bp)


def accounts_for(*, organizer_id: int, specs: Iterable[AccountSpec]) -> dict[str, int]:
    """The ids of these accounts of the organiser ({code: id}), created on their first use."""
    wanted = {spec.code: spec for spec in specs}
    accounts = Account.objects.filter(organizer_id=organizer_id).order_by()  # no join for the default ordering
    found = dict(accounts.filter(code__in=wanted).values_list("code", "pk"))
    # in code order: two first uses at once create the same rows in the same order (no deadlock)
    missing = sorted((spec for code, spec in wanted.items() if code not in found), key=lambda spec: spec.code)
    if missing:
        with transaction.atomic():  # a concurrent first use creates the same rows: ours become no-ops
            Account.objects.bulk_create([Account(organizer_id=organizer_id, code=s.code, label=s.label[:120])
                                         for s in missing], ignore_conflicts=True)
        found.update(accounts.filter(code__in=[s.code for s in missing]).values_list("code", "pk"))
    return found


def key_taken(*, organizer_id: int, key: str) -> bool:
    return Transaction.objects.filter(organizer_id=organizer_id, key=key).exists()


def post(*, organizer_id: int, key: str, kind: str, journal: str, label: str, entries: Iterable[Entry],
         piece: str = "", order_id: int | None = None, payment_id: int | None = None,
         refund_id: int | None = None, testmode: bool = False, key_free: bool = False) -> int | None:
    """Write one balanced transaction, once per key; returns its id. Returns None when there is
    nothing to post (no amount) or the key is already in the books; raises UnbalancedPosting
    when the lines do not sum to zero.

    `key_free`: the key names a cause that may post more than once (an order's sale after each
    change of its state): a taken key becomes `key#2`, `key#3`… instead of skipping."""
    lines = [e for e in (entry.normalised() for entry in entries) if e is not None]
    if not lines:
        return None
    debit = sum(e.debit_cents for e in lines)
    credit = sum(e.credit_cents for e in lines)
    if debit != credit:
        raise UnbalancedPosting(f"{key}: debit {debit} ≠ credit {credit}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{key} posted outside a transaction: it would not follow its change")
    if len(key) > KEY_MAX:
        raise ValueError(f"ledger key longer than {KEY_MAX} characters: {key}")  # ours, and room for #n
    values: list[Any] = [organizer_id, key, kind, journal, label[:200], piece[:40], order_id, payment_id, refund_id,
                         testmode]
    transaction_id = _transaction_insert(values)
    if transaction_id is None and key_free:
        # the order's lock serialises its sales: no one else can take the free key meanwhile
        values[1] = _free_key(organizer_id, key)
        transaction_id = _transaction_insert(values)
        if transaction_id is None:
            raise RuntimeError(f"{values[1]}: taken while this transaction held its order")
    if transaction_id is None:
        return None
    if _lines_insert(transaction_id, organizer_id, lines) < len(lines):
        # an account's first use: create it, and write the lines again now that all exist
        accounts_for(organizer_id=organizer_id, specs=[e.account for e in lines])
        Line.objects.filter(transaction_id=transaction_id).delete()
        if _lines_insert(transaction_id, organizer_id, lines) != len(lines):
            raise UnbalancedPosting(f"{key}: an account of its lines could not be found nor created")
    return transaction_id


def _free_key(organizer_id: int, key: str) -> str:
    """`key#2`, `key#3`…: the first one no earlier change with the same cause took."""
    taken = set(Transaction.objects.filter(organizer_id=organizer_id, key__startswith=key)
                .values_list("key", flat=True))
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"


_TRANSACTION_COLUMNS = ("organizer_id", "key", "kind", "journal", "label", "piece", "order_id", "payment_id",
                        "refund_id", "testmode", "date", "created_at")


def _transaction_insert(values: list[Any]) -> int | None:
    """The transaction's row, or None when its key is already in the books."""
    now = clock.now()
    ops = connection.ops
    params = [*values, ops.adapt_datefield_value(timezone.localdate(now)), ops.adapt_datetimefield_value(now)]
    table, qn = Transaction._meta.db_table, ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in _TRANSACTION_COLUMNS)}) "  # noqa: S608 (our names)
            f"VALUES ({', '.join(['%s'] * len(params))}) ON CONFLICT (organizer_id, {qn('key')}) DO NOTHING "
            "RETURNING id", params)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _lines_insert(transaction_id: int, organizer_id: int, lines: Sequence[Entry]) -> int:
    """The lines, each on the organiser's account of its code; returns how many were written
    (fewer when an account does not exist yet)."""
    qn = connection.ops.quote_name
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(lines))
    params: list[Any] = [transaction_id]
    for n, e in enumerate(lines):
        params += [n, e.account.code, e.debit_cents, e.credit_cents, e.vat_rate_bp]
    params.append(organizer_id)
    # the VALUES' columns are column1… on both databases; the casts type an all-NULL column
    sql = (f"INSERT INTO {qn(Line._meta.db_table)} (transaction_id, account_id, debit_cents, credit_cents, "  # noqa: S608
           f"vat_rate_bp) SELECT %s, a.id, CAST(v.column3 AS BIGINT), CAST(v.column4 AS BIGINT), "
           f"CAST(v.column5 AS INTEGER) FROM (VALUES {rows}) v JOIN {qn(Account._meta.db_table)} a "
           "ON a.code = v.column2 AND a.organizer_id = %s ORDER BY v.column1")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
