from __future__ import annotations

from billetterie.orders.models import Order

from .models import Payment


def payment_latest(*, order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()
