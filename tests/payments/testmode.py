"""Test orders (decision 0010): an organiser who turned the built-in sandbox on, and an order paid
with it through the same services as a buyer's."""

from __future__ import annotations

from billetterie.orders.models import Order
from billetterie.payments.models import Payment, PaymentMethodConfig
from billetterie.payments.providers.base import EventKind, PaymentUrls, ProviderEvent
from billetterie.payments.services import notice_apply, payment_start
from tests.factories import Shop
from tests.tickets.builders import order_placed

URLS = PaymentUrls("http://testserver/r", "http://testserver/n")


def sandbox_turned_on(shop: Shop) -> PaymentMethodConfig:
    """What the organiser's staff do to take test payments on a server that is not the demo."""
    return PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", enabled=True,
                                              on_web=True, on_api=True)


def confirm(payment: Payment, notice_id: str = "") -> None:
    """The payment service's verified notice that the payment went through."""
    notice_apply(provider_id=payment.provider, organizer_id=payment.order.organizer_id, event=ProviderEvent(
        notice_id or f"n-{payment.pk}", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR",
        psp_reference=f"psp-{payment.pk}",
    ))


def sandbox_order_paid(shop: Shop, *, tickets: int = 1, locale: str = "fr") -> Order:
    """An order of tickets paid with the built-in sandbox (turned on explicitly): a test order."""
    if not PaymentMethodConfig.objects.filter(organizer=shop.organizer, provider="sandbox").exists():
        sandbox_turned_on(shop)
    order = order_placed(shop, tickets=tickets, meal=False, locale=locale)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    confirm(order.payments.get())
    order.refresh_from_db()
    return order
