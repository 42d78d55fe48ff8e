"""Our side of a payout: payments and refunds made the way the payment services' notices and
staff's refunds make them (through payments' services, so the books follow)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from billetterie.orders.models import Order
from billetterie.payments.models import Payment, PaymentState, Refund
from billetterie.payments.providers.base import EventKind, ProviderEvent
from billetterie.payments.services import notice_apply, refund_create, refund_row_create
from tests.factories import Shop, order_placed
from tests.payments.fakes import STRIPE_CREDENTIALS, method_setup


def stripe_set_up(shop: Shop) -> None:
    method_setup(shop.organizer, "stripe", STRIPE_CREDENTIALS)


def paid(shop: Shop, *, provider: str, psp_reference: str, tickets: int = 1) -> Payment:
    """An order of `tickets` tickets (15 € each) paid through `provider`, confirmed by its
    verified notice, which names the payment at the service as `psp_reference`."""
    order: Order = order_placed(shop, tickets=tickets, meals=0)
    payment = Payment.objects.create(order=order, provider=provider, amount_cents=order.total_cents,
                                     state=PaymentState.PENDING, psp_reference=psp_reference)
    notice_apply(provider_id=provider, organizer_id=shop.organizer.pk, event=ProviderEvent(
        f"n-{payment.pk}", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR",
        psp_reference=psp_reference))
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    return payment


def refunded(payment: Payment, cents: int, *, call_service: bool = True) -> Refund:
    """Staff's refund of part of a payment; sent to the service (Stripe's fake gives it an re_
    id) or only stored, as a refund waiting to be sent is."""
    if call_service:
        return refund_create(payment=payment, amount_cents=cents)
    return refund_row_create(payment=payment, amount_cents=cents)


def ts(day: date) -> int:
    """Stripe's timestamp of a day (midnight UTC, as its arrival dates)."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
