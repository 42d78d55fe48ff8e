from __future__ import annotations

from billetterie.orders.models import Order

from .models import Payment


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
