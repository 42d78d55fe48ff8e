from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from billetterie.orders.models import Order

from .auth import TokenAuth, request_token
from .errors import ERRORS
from .models import ApiPermission
from .schemas import OrderLineOut, OrderOut, PaymentOut
from .selectors import order_of_organizer

router = Router(tags=["orders"], auth=TokenAuth(ApiPermission.ORDERS))


@router.get("/orders/{code}", response={200: OrderOut, **ERRORS}, summary="One order, its lines and payments")
def order_detail(request: HttpRequest, code: str) -> OrderOut:
    """An order of the token's organiser, by its code; another organiser's order is not found."""
    token = request_token(request)
    return _order_out(order_of_organizer(organizer_id=token.organizer_id, code=code))


def _order_out(order: Order) -> OrderOut:
    return OrderOut(
        code=order.code, state=order.state, email=order.email, name=order.name, phone=order.phone,
        locale=order.locale, total_cents=order.total_cents, currency=order.currency,
        created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
        cancelled_at=order.cancelled_at,
        lines=[
            OrderLineOut(
                id=line.pk, kind=line.kind, label=line.label, product_id=line.product_id,
                price_id=line.price_id, date_id=line.date_id, amount_cents=line.amount_cents,
                attendee_name=line.attendee_name, attendee_email=line.attendee_email,
                answers=line.answers or {},
            )
            for line in order.lines.all()
        ],
        payments=[
            PaymentOut(
                id=p.pk, provider=p.provider, state=p.state, amount_cents=p.amount_cents, currency=p.currency,
                created_at=p.created_at, confirmed_at=p.confirmed_at,
            )
            for p in order.payments.all()
        ],
    )
