from __future__ import annotations

from django.utils.translation import gettext as _

from billetterie.core.errors import NotFound
from billetterie.core.ids import secrets_equal

from .models import Order


def order_by_secret(*, organizer_slug: str, code: str, secret: str) -> Order:
    """A wrong secret and an unknown code give the same answer, in the same time."""
    order = (
        Order.objects.select_related("organizer")
        .filter(organizer__slug=organizer_slug, code=code.upper()[:12])
        .first()
    )
    expected = order.secret if order is not None else "x" * 27
    if not secrets_equal(secret, expected) or order is None:
        raise NotFound(_("Order not found."))
    return order


def order_money_kept_cents(*, order: Order) -> int:
    """What the order's confirmed payments brought (their fees aside) and was not given back."""
    from django.db.models import F, Sum

    from billetterie.payments.models import PaymentState, Refund, RefundState

    received = order.payments.filter(state=PaymentState.CONFIRMED).aggregate(
        cents=Sum(F("amount_cents") - F("fee_cents"))
    )["cents"]
    refunded = Refund.objects.filter(payment__order=order).exclude(state=RefundState.FAILED).aggregate(
        cents=Sum("amount_cents")
    )["cents"]
    return (received or 0) - (refunded or 0)
