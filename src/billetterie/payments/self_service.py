"""A buyer cancels their own order from its page (issue 12, item 9).

What is offered, and what a cancellation does:

- a **paid** order whose events let buyers cancel (`orders.self_service.order_cancel_deadline`:
  the earliest date's start minus N days, in the organiser's time zone), before that deadline,
  paid by methods that refund automatically (a card through a payment service): everything its
  payments brought, their fees too, goes back to them (`refund_row_create`, one refund per
  payment, in one transaction with the places released, then sent to the payment service). The
  order is then « Remboursée »: its tickets admit nowhere, the refund email follows (decision 0018);
- paid in cash, by cheque, transfer or at the box office (nothing a payment service can give
  back), or free: refused, « contactez l'organisateur » — money given back by hand is the
  organiser's decision;
- an **unpaid** order (nothing received, no payment under way): cancelled without a refund, its
  places back on sale at once, whatever the event's policy (it commits the buyer to nothing);
- anything else (a payment under way, a part payment, an order awaiting its invoice, expired or
  cancelled): not offered, refused with a message.

Idempotent: the order's payments and the order are locked first; a second request (a double
click, another tab, a retry) finds the order refunded or cancelled and changes nothing
(`SelfCancelOutcome.ALREADY`)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.errors import Conflict
from billetterie.orders.models import Order, OrderState
from billetterie.orders.self_service import order_cancel_deadline
from billetterie.orders.services import order_cancel

from .balance import OrderBalance, order_balance
from .models import Payment, PaymentState, Refund
from .providers.registry import provider_get
from .selectors import order_payment_status, payment_refunded_cents
from .services import refund_execute, refund_row_create


class SelfCancelKind(enum.StrEnum):
    REFUND = "refund"  # paid: cancelled and refunded to the card
    UNPAID = "unpaid"  # nothing received: cancelled, nothing to give back
    NONE = "none"  # not offered


@dataclass(frozen=True)
class SelfCancel:
    """What the order's page offers: `kind`, until `deadline` (a paid order), the amount given
    back, or why not (`refusal`, "" when there is nothing worth telling the buyer)."""

    kind: SelfCancelKind
    deadline: datetime | None = None
    refund_cents: int = 0
    refusal: str = ""
    refusal_code: str = ""  # TOO_LATE, NOT_ONLINE

    @property
    def allowed(self) -> bool:
        return self.kind != SelfCancelKind.NONE


class SelfCancelOutcome(enum.StrEnum):
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    ALREADY = "already"  # a second request: the first did it


# why a paid order cannot be cancelled (the refusal's code)
TOO_LATE, NOT_ONLINE = "self_cancel_too_late", "self_cancel_not_online"
ENTERED = "self_cancel_entered"

# whether a ticket of the order (by id) has been let in: the check-in domain, above this one,
# registers it at start-up (`self_cancel_entered_register`). A date's deadline may be its start
# (« 0 days ») while the doors open before it: someone inside is not refunded by a click
EnteredCheck = Callable[[int], bool]
_ENTERED: list[EnteredCheck] = []


def self_cancel_entered_register(check: EnteredCheck) -> None:
    _ENTERED[:] = [check]
# a payment's part still to give back, by payment
_Left = dict[int, int]


def _refund_left(payments: list[Payment]) -> _Left:
    return {p.pk: p.amount_cents - payment_refunded_cents(payment=p) for p in payments}


def _refundable_automatically(payments: list[Payment], left: _Left) -> bool:
    """Each payment with something left is one a payment service refunds, in part if need be."""
    for payment in payments:
        if left[payment.pk] <= 0:
            continue
        provider = provider_get(payment.provider)
        if provider is None or not provider.capabilities.refund:
            return False
        if left[payment.pk] < payment.amount_cents and not provider.capabilities.partial_refund:
            return False
    return True


def _offer(order: Order, payments: list[Payment], balance: OrderBalance) -> SelfCancel:
    if order.state == OrderState.PENDING:
        unpaid = balance.kept_cents <= 0 and order_payment_status(order=order) in ("unpaid", "failed")
        return SelfCancel(SelfCancelKind.UNPAID if unpaid else SelfCancelKind.NONE)
    if order.state != OrderState.PAID:
        return SelfCancel(SelfCancelKind.NONE)
    deadline = order_cancel_deadline(lines=order.lines.select_related("product__event", "date"))
    if deadline is None:
        return SelfCancel(SelfCancelKind.NONE)  # the events' policy: nothing to say on the page
    if clock.now() >= deadline:
        return SelfCancel(SelfCancelKind.NONE, deadline=deadline, refusal_code=TOO_LATE,
                          refusal=_("The deadline to cancel this order has passed."))
    if any(entered(order.pk) for entered in _ENTERED):
        return SelfCancel(SelfCancelKind.NONE, deadline=deadline, refusal_code=ENTERED, refusal=_(
            "A ticket of this order has already been checked in: contact the organiser to cancel it."))
    left = _refund_left(payments)
    if balance.kept_cents <= 0 or not _refundable_automatically(payments, left):
        return SelfCancel(SelfCancelKind.NONE, deadline=deadline, refusal_code=NOT_ONLINE, refusal=_(
            "This order was not paid online by card, so it cannot be refunded automatically: "
            "contact the organiser to cancel it."))
    return SelfCancel(SelfCancelKind.REFUND, deadline=deadline, refund_cents=sum(v for v in left.values() if v > 0))


def _confirmed_payments(order_id: int, *, lock: bool) -> list[Payment]:
    payments = Payment.objects.filter(order_id=order_id, state=PaymentState.CONFIRMED).order_by("-id")
    return list(payments.select_for_update() if lock else payments)


def order_self_cancel_offer(*, order: Order) -> SelfCancel:
    """What the buyer may do with this order now (read only: the page shows it)."""
    return _offer(order, _confirmed_payments(order.pk, lock=False), order_balance(order=order))


def order_self_cancel(*, order_id: int) -> SelfCancelOutcome:
    """The buyer cancels their order (see the module's rules). Refused with a Conflict carrying
    the reason when it is not (or no longer) allowed; nothing changes then."""
    with transaction.atomic():
        # the payments first, then the order, as a payment service's notice and staff's refunds do
        payments = _confirmed_payments(order_id, lock=True)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state in (OrderState.REFUNDED, OrderState.CANCELLED):
            return SelfCancelOutcome.ALREADY
        offer = _offer(order, payments, order_balance(order=order))
        if offer.kind == SelfCancelKind.UNPAID:
            order_cancel(order_id=order.pk)
            return SelfCancelOutcome.CANCELLED
        if offer.kind != SelfCancelKind.REFUND:
            raise Conflict(offer.refusal or _("This order cannot be cancelled online."),
                           code=offer.refusal_code or "self_cancel_refused")
        refunds = _refund_all(payments)
    for refund in refunds:  # after the commit: each to its payment service (same idempotency key on a retry)
        refund_execute(refund_id=refund.pk)
    return SelfCancelOutcome.REFUNDED


def _refund_all(payments: list[Payment]) -> list[Refund]:
    """Everything each payment has left, given back with the places released; the last refund
    leaves the order nothing, which refunds it (payments.services._refund_started)."""
    reason = _("Cancelled by the buyer from their order's page.")
    return [refund_row_create(payment=payment, amount_cents=left, reason=reason, release_places=True)
            for payment, left in zip(payments, _refund_left(payments).values(), strict=True) if left > 0]
