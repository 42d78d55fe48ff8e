"""Posting to the books: one balanced transaction per money movement, in its transaction.

`post` is the only writer: it refuses a transaction that does not sum to zero (the caller's
change rolls back with it) and skips one whose key is already in the books (a retried notice, an
event published twice). The handlers (`ledger.handlers`) call it for payments, refunds and the
orders' sales; see docs/dev/ledger.md for what posts what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from billetterie.core import clock

from .chart import AccountSpec
from .models import Account, Line, Transaction


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
    missing = [spec for code, spec in wanted.items() if code not in found]
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
         refund_id: int | None = None, testmode: bool = False, key_checked: bool = False) -> Transaction | None:
    """Write one balanced transaction, once per key. Returns None when there is nothing to post
    (no amount) or the key is already in the books; raises UnbalancedPosting when the lines do not
    sum to zero. Two INSERTs (the transaction, its lines in one statement) and two reads
    (`key_checked`: the caller made sure the key is free, in this transaction)."""
    lines = [e for e in (entry.normalised() for entry in entries) if e is not None]
    if not lines:
        return None
    debit = sum(e.debit_cents for e in lines)
    credit = sum(e.credit_cents for e in lines)
    if debit != credit:
        raise UnbalancedPosting(f"{key}: debit {debit} ≠ credit {credit}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{key} posted outside a transaction: it would not follow its change")
    if not key_checked and key_taken(organizer_id=organizer_id, key=key):
        return None
    accounts = accounts_for(organizer_id=organizer_id, specs=[e.account for e in lines])
    row = Transaction.objects.create(
        organizer_id=organizer_id, key=key[:120], kind=kind, journal=journal, label=label[:200], piece=piece[:40],
        date=timezone.localdate(clock.now()), order_id=order_id, payment_id=payment_id, refund_id=refund_id,
        testmode=testmode,
    )
    Line.objects.bulk_create([
        Line(transaction=row, account_id=accounts[e.account.code], debit_cents=e.debit_cents,
             credit_cents=e.credit_cents, vat_rate_bp=e.vat_rate_bp)
        for e in lines
    ])
    return row
