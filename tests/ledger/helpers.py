"""Reading the books in tests: an account's balance, an order's lines."""

from __future__ import annotations

from django.db.models import Sum

from billetterie.ledger.models import Line, Transaction


def balance(organizer_id: int, code: str, *, order_id: int | None = None, testmode: bool | None = False) -> int:
    """debit − credit of account `code` (of one order's transactions when given), in cents."""
    lines = Line.objects.filter(transaction__organizer_id=organizer_id, account__code=code)
    if order_id is not None:
        lines = lines.filter(transaction__order_id=order_id)
    if testmode is not None:
        lines = lines.filter(transaction__testmode=testmode)
    sums = lines.aggregate(d=Sum("debit_cents"), c=Sum("credit_cents"))
    return int(sums["d"] or 0) - int(sums["c"] or 0)


def keys(order_id: int) -> list[str]:
    return list(Transaction.objects.filter(order_id=order_id).order_by("pk").values_list("key", flat=True))
