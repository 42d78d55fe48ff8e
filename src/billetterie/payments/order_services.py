"""What staff do to an order's money from its page: refund it in full or in part (an amount, or
one line), cancel it with a refund, mark its invoice paid. Each goes through the payment
services (refund_row_create, payment_record_external) and their checks; this module adds the
order-wide rules: never more than the order keeps, and never from a stale page.

(payments/services.py is past the size where a module becomes a package: these live apart.)"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from billetterie.core.errors import Conflict, InvalidInput, NotFound
from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_cancel

from .balance import OrderBalance, order_balance
from .models import Payment, PaymentState, Refund
from .selectors import payment_refunded_cents
from .services import _row_set, payment_record_external, refund_execute, refund_row_create


def _lock(order_id: int) -> tuple[Order, list[Payment], OrderBalance]:
    """The order's confirmed payments, then the order, locked in the payment services' order
    (payment first, as a payment service's notice does): nobody refunds or pays meanwhile."""
    payments = list(Payment.objects.select_for_update().filter(order_id=order_id, state=PaymentState.CONFIRMED)
                    .order_by("-id"))
    order = Order.objects.select_for_update().get(pk=order_id)
    return order, payments, order_balance(order=order)


def _check_fresh(balance: OrderBalance, expected_refunded_cents: int | None) -> None:
    if expected_refunded_cents is not None and balance.refunded_cents != expected_refunded_cents:
        raise Conflict(_("A refund was made meanwhile: nothing was changed. Check the order before trying again."),
                       code="refunded_meanwhile")


def _spread(payments: list[Payment], amount_cents: int, *, reason: str, release_places: bool,
            line_id: int | None = None) -> list[Refund]:
    """Refund `amount_cents` from the payments, the latest first; a line's refund comes from one
    payment (a refund names one line), the first that has enough left."""
    left_of = {p.pk: p.amount_cents - payment_refunded_cents(payment=p) for p in payments}
    if line_id is not None:
        payment = next((p for p in payments if left_of[p.pk] >= amount_cents), None)
        if payment is None:
            raise InvalidInput(_("No single payment of this order has that much left to refund: refund an amount "
                                 "instead of the line."), code="line_split")
        return [refund_row_create(payment=payment, amount_cents=amount_cents, reason=reason, line_id=line_id,
                                  release_places=release_places)]
    refunds, left = [], amount_cents
    for payment in payments:
        part = min(left, left_of[payment.pk])
        if part <= 0:
            continue
        refunds.append(refund_row_create(payment=payment, amount_cents=part, reason=reason,
                                         release_places=release_places))
        left -= part
        if left == 0:
            break
    return refunds


def _send(refunds: list[Refund]) -> list[Refund]:
    """After the commit: each refund to its payment service (a method refunded by hand stays to do)."""
    return [refund_execute(refund_id=refund.pk) for refund in refunds]


def order_refund(*, order_id: int, amount_cents: int | None = None, line_id: int | None = None, reason: str = "",
                 release_places: bool = True, expected_refunded_cents: int | None = None) -> list[Refund]:
    """Give back part or all of what an order keeps: `amount_cents`, or one line (its amount by
    default, at most its amount). Spread over its confirmed payments, the latest first, all stored
    in one transaction, then sent. `expected_refunded_cents`: what the page showed as refunded;
    if it changed (the same page submitted twice, a colleague's refund), Conflict and nothing
    happens. More than the order keeps is refused with what it keeps. A refund that leaves the
    order nothing refunds it (its tickets stop admitting); `release_places` (yes by default) puts
    the places of what it covers back on sale."""
    with transaction.atomic():
        order, payments, balance = _lock(order_id)
        _check_fresh(balance, expected_refunded_cents)
        if balance.kept_cents <= 0 or not payments:
            raise InvalidInput(_("This order keeps no money: there is nothing to refund."), code="nothing_to_refund")
        if line_id is not None:
            line = order.lines.filter(pk=line_id).first()
            if line is None:
                raise InvalidInput(_("Choose a line of this order."), code="line_unknown")
            amount_cents = line.amount_cents if amount_cents is None else amount_cents
        if amount_cents is None or amount_cents <= 0:
            raise InvalidInput(_("Enter the amount to refund, or choose a line."), code="amount_required")
        if amount_cents > balance.kept_cents:
            raise InvalidInput(_("This is more than the order received and keeps: at most %(kept)s can be refunded.")
                               % {"kept": format_money(balance.kept_cents, order.currency)}, code="amount_too_large")
        refunds = _spread(payments, amount_cents, reason=reason, release_places=release_places, line_id=line_id)
    return _send(refunds)


def order_cancel_with_refund(*, order_id: int, reason: str = "", expected_refunded_cents: int | None = None) -> Order:
    """Cancel an order and give back everything its payments brought (their fees too): the
    refunds and the cancellation in one transaction, the places released, then the refunds sent.
    An order that keeps nothing is simply cancelled. `expected_refunded_cents` as in order_refund."""
    with transaction.atomic():
        order, payments, balance = _lock(order_id)
        _check_fresh(balance, expected_refunded_cents)
        if order.state == OrderState.CANCELLED:
            raise InvalidInput(_("This order is already cancelled."), code="order_cancelled")
        if order.state == OrderState.EXPIRED:
            raise InvalidInput(_("This order expired: it has nothing to cancel."), code="order_expired")
        refunds: list[Refund] = []
        for payment in payments:
            left = payment.amount_cents - payment_refunded_cents(payment=payment)
            if left > 0:
                refunds.append(refund_row_create(payment=payment, amount_cents=left, reason=reason,
                                                 release_places=True))
        order = order_cancel(order_id=order.pk)
    _send(refunds)
    return order


def invoice_mark_paid(*, order_id: int, method: str, reference: str = "",
                      idempotency_key: str | None = None) -> Payment:
    """The buyer paid the organiser's invoice (by transfer, cheque…): record what the order still
    owes with that method, which settles the awaited invoice and pays the order (its tickets and
    confirmation). Only an order awaiting its invoice; a replay of the same key returns the first
    payment."""
    order = Order.objects.get(pk=order_id)
    if idempotency_key:
        replayed = order.payments.filter(idempotency_key=idempotency_key).first()
        if replayed is not None:
            return replayed
    if order.state != OrderState.AWAITING_INVOICE:
        raise InvalidInput(_("This order is not awaiting an invoice payment."), code="not_awaiting_invoice")
    due = order_balance(order=order).due_cents
    return payment_record_external(order_id=order.pk, method=method, amount_cents=due, reference=reference,
                                   idempotency_key=idempotency_key)


def payment_attention_clear(*, order_id: int, payment_id: int) -> bool:
    """Staff checked what the payment code flagged on this payment (`needs_attention`: an amount
    that did not match, a refund made outside billetterie, a refund that failed…) and dealt with
    it: the flag is cleared, the message kept in the audit trail. False when there was none (a
    second click, a colleague first). Nothing clears it by itself: each flag asks a person to look
    in the payment service's back office or at the order, which the code cannot see done."""
    with transaction.atomic():
        payment = (Payment.objects.select_for_update().select_related("order")
                   .filter(pk=payment_id, order_id=order_id).first())
        if payment is None:
            raise NotFound(_("Payment not found."))
        if not payment.needs_attention:
            return False
        _row_set(payment, "payment.checked", needs_attention="")
    return True
