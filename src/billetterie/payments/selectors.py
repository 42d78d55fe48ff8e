from __future__ import annotations

from billetterie.orders.models import Order

from .models import Payment
from .providers.base import PaymentRequest, ProviderConfig


def provider_config(*, organizer_id: int, provider_id: str) -> ProviderConfig:
    """The organiser's settings for a provider (the sandbox needs none)."""
    return ProviderConfig()


def payment_request(*, payment: Payment) -> PaymentRequest:
    order = payment.order
    return PaymentRequest(
        reference=payment.reference, amount_cents=payment.amount_cents, currency=payment.currency,
        order_code=order.code, buyer_email=order.email, buyer_name=order.name,
        merchant_name=order.organizer.name, locale=order.locale, psp_reference=payment.psp_reference,
    )


def payment_latest(*, order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()


def order_payment_status(*, order: Order) -> str:
    """What the receipt page says: paid, pending (an attempt is under way), failed, unpaid,
    expired or cancelled."""
    from billetterie.orders.models import OrderState

    from .models import PaymentState

    if order.state != OrderState.PENDING:
        return str(order.state)
    latest = payment_latest(order=order)
    if latest is None or latest.state == PaymentState.CANCELLED:
        return "unpaid"
    if latest.state == PaymentState.FAILED:
        return "failed"
    return "pending"
