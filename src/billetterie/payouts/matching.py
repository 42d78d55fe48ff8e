"""Which of our payments and refunds each payout line is: looked up among the organiser's own
rows only (a reference another organiser's payment has never matches), for the payout's method,
by any of the line's keys against the row's payment service reference or our own reference.
A line found but disagreeing (amount, currency, state, already in another payout) keeps its
match and says what is wrong: both are shown on the list of what to check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from billetterie.core.money import format_money
from billetterie.payments.models import Payment, PaymentState, Refund, RefundState

from .models import PayoutItem, PayoutItemKind
from .parsed import ParsedItem


@dataclass
class Match:
    payment: Payment | None = None
    refund: Refund | None = None
    problem: str = ""


def _keys(items: Iterable[ParsedItem], kind: str) -> set[str]:
    return {key for item in items if item.kind == kind for key in item.keys if key}


def _by_key(rows: Iterable[Payment | Refund]) -> dict[str, Payment | Refund]:
    found: dict[str, Payment | Refund] = {}
    for row in rows:
        for key in (row.psp_reference, row.reference):
            if key:
                found.setdefault(key, row)
    return found


def _elsewhere(field: str, ids: set[int], payout_id: int | None) -> dict[int, str]:
    """For each of these payments (or refunds), a payout already holding it: its reference."""
    if not ids:
        return {}
    rows = PayoutItem.objects.filter(**{f"{field}__in": ids})
    rows = rows.exclude(payout_id=payout_id) if payout_id is not None else rows
    return dict(rows.values_list(field, "payout__psp_id"))


def items_match(*, organizer_id: int, provider: str, items: list[ParsedItem],
                payout_id: int | None = None) -> list[Match]:
    """One Match per item, in order. Two queries for the rows, two for the other payouts."""
    payment_keys, refund_keys = _keys(items, PayoutItemKind.PAYMENT), _keys(items, PayoutItemKind.REFUND)
    payments = _by_key(Payment.objects.filter(order__organizer_id=organizer_id, provider=provider).filter(
        Q(psp_reference__in=payment_keys) | Q(reference__in=payment_keys))) if payment_keys else {}
    refunds = _by_key(Refund.objects.filter(payment__order__organizer_id=organizer_id, payment__provider=provider)
                      .filter(Q(psp_reference__in=refund_keys) | Q(reference__in=refund_keys))) if refund_keys else {}
    paid_elsewhere = _elsewhere("payment", {p.pk for p in payments.values()}, payout_id)
    refunded_elsewhere = _elsewhere("refund", {r.pk for r in refunds.values()}, payout_id)
    taken: set[tuple[str, int]] = set()
    out = []
    for item in items:
        if item.kind == PayoutItemKind.PAYMENT:
            payment = next((payments[k] for k in item.keys if k in payments), None)
            out.append(_payment_match(item, payment, paid_elsewhere, taken))  # type: ignore[arg-type]
        elif item.kind == PayoutItemKind.REFUND:
            refund = next((refunds[k] for k in item.keys if k in refunds), None)
            out.append(_refund_match(item, refund, refunded_elsewhere, taken))  # type: ignore[arg-type]
        else:
            out.append(Match())
    return out


def _payment_match(item: ParsedItem, payment: Payment | None, elsewhere: dict[int, str],
                   taken: set[tuple[str, int]]) -> Match:
    if payment is None:
        return Match(problem=_("No payment of ours has this reference."))
    problem = ""
    if ("payment", payment.pk) in taken or payment.pk in elsewhere:
        problem = _("This payment is already in payout %(payout)s.") % {
            "payout": elsewhere.get(payment.pk, _("this one"))}
    elif payment.state != PaymentState.CONFIRMED:
        problem = _("Our payment is not confirmed (%(state)s).") % {"state": payment.get_state_display()}
    elif item.currency != payment.currency or item.gross_cents != payment.amount_cents:
        problem = _("Amount differs: %(theirs)s here, %(ours)s in our payment.") % {
            "theirs": format_money(item.gross_cents, item.currency),
            "ours": format_money(payment.amount_cents, payment.currency)}
    taken.add(("payment", payment.pk))
    return Match(payment=payment, problem=problem)


def _refund_match(item: ParsedItem, refund: Refund | None, elsewhere: dict[int, str],
                  taken: set[tuple[str, int]]) -> Match:
    if refund is None:
        return Match(problem=_("No refund of ours has this reference."))
    problem = ""
    if ("refund", refund.pk) in taken or refund.pk in elsewhere:
        problem = _("This refund is already in payout %(payout)s.") % {
            "payout": elsewhere.get(refund.pk, _("this one"))}
    elif refund.state == RefundState.FAILED:
        problem = _("Our refund failed, yet the payment service made it.")
    elif item.currency != refund.currency or -item.gross_cents != refund.amount_cents:
        problem = _("Amount differs: %(theirs)s here, %(ours)s in our refund.") % {
            "theirs": format_money(-item.gross_cents, item.currency),
            "ours": format_money(refund.amount_cents, refund.currency)}
    taken.add(("refund", refund.pk))
    return Match(refund=refund, problem=problem)
