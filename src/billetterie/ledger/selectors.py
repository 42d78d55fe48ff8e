"""Reading the books: balances per account for a period, an account's lines, the rows of the
exports. Test money (decision 0010) is never in them. Every balance is a SUM over lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum

from .models import Account, Line

EXPORT_CHUNK = 2000  # rows read at a time by the exports: constant memory whatever the period


@dataclass(frozen=True)
class AccountBalance:
    account_id: int
    code: str
    label: str
    opening_cents: int  # debit − credit before the period
    debit_cents: int  # in the period
    credit_cents: int

    @property
    def closing_cents(self) -> int:
        return self.opening_cents + self.debit_cents - self.credit_cents


def _lines(organizer_id: int) -> QuerySet[Line]:
    return Line.objects.filter(transaction__organizer_id=organizer_id, transaction__testmode=False)


def account_balances(*, organizer_id: int, start: date, end: date) -> list[AccountBalance]:
    """Each account with lines up to `end`: its balance before `start` and its movements from
    `start` to `end` (both included). One grouped query."""
    before, within = Q(transaction__date__lt=start), Q(transaction__date__gte=start, transaction__date__lte=end)
    rows = (_lines(organizer_id).filter(transaction__date__lte=end)
            .values("account_id", "account__code", "account__label")
            .annotate(od=Sum("debit_cents", filter=before), oc=Sum("credit_cents", filter=before),
                      d=Sum("debit_cents", filter=within), c=Sum("credit_cents", filter=within))
            .order_by("account__code"))
    return [AccountBalance(row["account_id"], row["account__code"], row["account__label"],
                           int(row["od"] or 0) - int(row["oc"] or 0), int(row["d"] or 0), int(row["c"] or 0))
            for row in rows]


def account_of(*, organizer_id: int, account_id: int) -> Account | None:
    return Account.objects.filter(organizer_id=organizer_id, pk=account_id).first()


def account_lines(*, organizer_id: int, account_id: int, start: date, end: date) -> QuerySet[Line]:
    """The account's lines of the period, oldest first, with their transaction."""
    return (_lines(organizer_id).filter(account_id=account_id, transaction__date__gte=start,
                                        transaction__date__lte=end)
            .select_related("transaction").order_by("transaction__date", "transaction_id", "pk"))


@dataclass(frozen=True)
class ExportLine:
    journal: str
    number: str  # the transaction's number in its journal, in this export: 1, 2, 3… without gap
    date: date
    account_code: str
    account_label: str
    piece: str
    label: str
    debit_cents: int
    credit_cents: int


def export_lines(*, organizer_id: int, start: date, end: date) -> Iterator[ExportLine]:
    """Every line of the period in the order of the books (date, then transaction), read in chunks;
    each transaction numbered within its journal from 1 in this export."""
    rows = (_lines(organizer_id).filter(transaction__date__gte=start, transaction__date__lte=end)
            .order_by("transaction__date", "transaction_id", "pk")
            .values_list("transaction_id", "transaction__journal", "transaction__date", "account__code",
                         "account__label", "transaction__piece", "transaction__label", "debit_cents",
                         "credit_cents"))
    numbers: dict[str, int] = {}
    current: tuple[int, str] | None = None
    for txn_id, journal, on, code, account_label, piece, label, debit, credit in rows.iterator(chunk_size=EXPORT_CHUNK):
        if current is None or current[0] != txn_id:
            numbers[journal] = numbers.get(journal, 0) + 1
            current = (txn_id, f"{journal}{numbers[journal]:06d}")
        yield ExportLine(journal, current[1], on, code, account_label, piece, label, int(debit), int(credit))
